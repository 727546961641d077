"""The ``covenant`` command line: one module per command group, registered here.

``main`` imports only the group it runs (``covenant arch check`` never loads the compiler,
ONNX or the bench), and each group imports what a command needs when it runs; only
``covenant --help`` and an unknown command build the parser of every group.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from covenant_lab.errors import CovenantError

# Each module defines ``register(subparsers)`` which adds its commands and sets ``func``.
_GROUPS = ("arch", "model", "compile", "simulate", "bench", "report")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command group, or of the group ``only``."""
    parser = argparse.ArgumentParser(
        prog="covenant", description="Compile DNN layers onto accelerators described by an ACG."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in _GROUPS if only is None else (only,):
        try:
            module = importlib.import_module(f"covenant_lab.cli.{group}")
        except ModuleNotFoundError as exc:
            if exc.name != f"covenant_lab.cli.{group}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; typed errors print their message and exit 2 (bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv and argv[0] in _GROUPS else None)
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except CovenantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
