"""The ``covenant`` command line: one module per command group, registered here.

``main`` imports only the group it runs (``covenant arch check`` never loads ONNX or the
bench), and each group imports what a command needs when it runs. ``covenant --help`` and an
unknown command import no group at all: the top-level parser lists the groups from
:data:`GROUPS` (``tests/test_cli_startup.py`` checks that those lines match each group's own
help and that the startup stays free of onnx, jsonschema and bokeh).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from covenant_lab.errors import CovenantError

# Each module defines ``register(subparsers)`` which adds its commands and sets ``func``;
# the one-line help of each group, as the group's module gives it to ``add_parser``.
GROUPS = {
    "arch": "check, show and list architecture files",
    "model": "build, inspect and list ONNX models",
    "compile": "compile a model (or one layer) onto an architecture",
    "simulate": "compile and simulate a model's layers",
    "bench": "benchmark the layer suite: cycles vs ideal bound, compile and sim speed",
    "dse": "sweep architecture parameters: the Pareto front of cycles, energy, area",
    "report": "write an HTML report of a `covenant bench` results directory",
}

_DESCRIPTION = "Compile DNN layers onto accelerators described by an ACG."
_EPILOG = "`covenant COMMAND --help` shows a command's actions and options."


def _root() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(prog="covenant", description=_DESCRIPTION, epilog=_EPILOG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    return parser, sub


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser of every command group (this imports them all), or of the group ``only``."""
    parser, sub = _root()
    for group in GROUPS if only is None else (only,):
        importlib.import_module(f"covenant_lab.cli.{group}").register(sub)
    return parser


def top_parser() -> argparse.ArgumentParser:
    """The parser of ``covenant --help`` and of a mistyped command: the group names and their
    one-line help, without importing any group."""
    parser, sub = _root()
    for group, text in GROUPS.items():
        sub.add_parser(group, help=text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; typed errors print their message and exit 2 (bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    group = argv[0] if argv and argv[0] in GROUPS else None
    parser = build_parser(group) if group else top_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try
    except CovenantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # an optional package (the lab extra): say which
        from covenant_lab.extras import missing_extra

        error = missing_extra(exc, f"covenant {group}")
        if error is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `covenant arch show X | head`: the reader left, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command killed by it
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
