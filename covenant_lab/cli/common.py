"""Arguments several commands share: an architecture, a model, an output file."""

from __future__ import annotations

import argparse
from pathlib import Path

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import load_arch
from covenant_lab.errors import UsageError
from covenant_lab.frontends.onnx import Model, load
from covenant_lab.models import BUILDERS


def add_arch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--arch",
        required=True,
        metavar="NAME|FILE",
        help="a shipped architecture name or a .yaml path",
    )
    add_param_option(parser)


def add_param_option(parser: argparse.ArgumentParser) -> None:
    """``-p/--param NAME=VALUE`` (repeatable): architecture parameter overrides."""
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an architecture parameter (repeatable), e.g. -p rows=16",
    )


def add_model_options(parser: argparse.ArgumentParser, verb: str) -> None:
    """MODEL, --arch/--param, --layer and --no-fuse: what compile and simulate share."""
    parser.add_argument("model", metavar="MODEL", help="an .onnx file or a built-in model name")
    add_arch_option(parser)
    parser.add_argument("--layer", action="append", default=[], metavar="NAME",
                        help=f"{verb} only this layer (repeatable)")
    parser.add_argument("--no-fuse", action="store_true",
                        help="do not fuse elementwise consumers")


def parse_params(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE", hint="e.g. -p rows=16")
        try:
            out[name.strip()] = int(value)
        except ValueError:
            raise UsageError(f"--param {item!r}: value must be an integer") from None
    return out


def arch_from(args: argparse.Namespace) -> ACG:
    return load_arch(args.arch, params=parse_params(args.param) or None)


def model_from(spec: str) -> Model:
    """A model from an .onnx path, or a built-in model name (built in memory)."""
    path = Path(spec)
    if not path.exists() and spec in BUILDERS:
        return load(BUILDERS[spec]())
    return load(path)


def output_path(value: str) -> Path:
    path = Path(value)
    if not path.parent.is_dir():
        raise UsageError(f"output {value}: directory {path.parent} does not exist")
    return path
