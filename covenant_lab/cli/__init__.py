"""The ``covenant`` command line: one module per command group, registered here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from covenant_lab.errors import CovenantError

# Each module defines ``register(subparsers)`` which adds its commands and sets ``func``.
_GROUPS = ("arch", "model", "compile", "simulate", "bench", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="covenant", description="Compile DNN layers onto accelerators described by an ACG."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    import importlib

    for group in _GROUPS:
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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except CovenantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
