"""What several commands share: arguments (an architecture, a model, an output file) and the
fallback / failed-layer notes of the per-layer tables."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from covenant_lab.errors import UsageError
from covenant_lab.quote import quote_text

_INTEGER = re.compile(r"[+-]?[0-9]{1,40}")

if TYPE_CHECKING:  # imported where used: a command pays only for what it runs
    from covenant_lab.acg.graph import ACG
    from covenant_lab.compiler.model import CompiledLayer, FailedLayer, ModelResult
    from covenant_lab.frontends.onnx import Model


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
    parser.add_argument("--objective", choices=("cycles", "energy", "edp"), default="cycles",
                        help="what the search minimises per layer (default: cycles)")


def parse_params(items: list[str]) -> dict[str, int]:
    """``NAME=VALUE`` overrides; VALUE is ASCII digits (at most 40, as in a file), with an
    optional sign; the architecture checks the value against its limits."""
    out: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        shown = quote_text(item)
        if not sep or not name.strip():
            raise UsageError(f"--param {shown}: expected NAME=VALUE", hint="e.g. -p rows=16")
        if not _INTEGER.fullmatch(value.strip()):
            raise UsageError(f"--param {shown}: value must be an integer of at most 40 "
                             "ASCII digits", hint="e.g. -p rows=16")
        out[name.strip()] = int(value)
    return out


def arch_from(args: argparse.Namespace) -> ACG:
    from covenant_lab.acg.load import load_arch

    return load_arch(args.arch, params=parse_params(args.param) or None)


def model_file(spec: str) -> Path | None:
    """The file MODEL names, or None for a built-in model name (a file of that name wins)."""
    from covenant_lab.models import BUILDERS

    return None if spec in BUILDERS and not Path(spec).exists() else Path(spec)


def model_from(spec: str, max_memory: int | None = None) -> Model:
    """A model from an .onnx path, or a built-in model name (built in memory); its tensors
    within ``max_memory`` bytes of host memory (default ``covenant_lab.limits.MAX_MEMORY``)."""
    from covenant_lab.frontends.onnx import load
    from covenant_lab.limits import MAX_MEMORY
    from covenant_lab.models import BUILDERS

    path = model_file(spec)
    proto = BUILDERS[spec]() if path is None else path
    return load(proto, max_memory=max_memory or MAX_MEMORY)


def input_files(args: argparse.Namespace) -> dict[str, Path]:
    """The files a compile or simulate command reads (MODEL, --arch), checked readable."""
    from covenant_lab.acg.load import resolve_arch
    from covenant_lab.fileio import check_input
    from covenant_lab.models import BUILDERS

    files = {}
    model = model_file(args.model)
    if model is not None:
        if not model.exists():
            raise UsageError(
                f"{args.command}: MODEL '{args.model}' is neither a file nor a built-in model",
                hint=f"give an .onnx path or one of: {', '.join(BUILDERS)}")
        files["MODEL"] = check_input(model, f"{args.command}: MODEL")
    try:
        arch = resolve_arch(args.arch)
    except UsageError as exc:
        if Path(args.arch).exists():  # say why it is not a file: a directory, a FIFO
            check_input(args.arch, f"{args.command}: --arch")
        raise UsageError(f"{args.command}: --arch: {exc.message}", hint=exc.hint or
                         "check the path, or give a shipped architecture name") from None
    files["--arch"] = check_input(arch, f"{args.command}: --arch")
    return files


def output_path(value: str, option: str, taken: dict[str, Path], command: str) -> Path:
    """An output file checked before any work (``fileio.check_output``: the one rule of what
    may be written), refused when it is the same file as one in ``taken`` (by name: the
    command's inputs and its other outputs)."""
    from covenant_lab.fileio import check_output, same_file

    where = f"{command}: {option}"
    path = check_output(value, where)
    for name, other in taken.items():
        if same_file(path, other):
            raise UsageError(f"{where}: '{value}' is the same file as {name} '{other}'",
                             hint=f"give {option} a path of its own: a command never writes "
                                  "over its inputs or its other outputs")
    return path


def output_paths(args: argparse.Namespace, **options: str) -> dict[str, Path | None]:
    """The output options of a compile or simulate command (``dest="--flag"``), checked
    before any work: inputs readable, outputs writable, none an input or another output."""
    taken = input_files(args)
    out: dict[str, Path | None] = {}
    for dest, option in options.items():
        value = getattr(args, dest)
        out[dest] = None if value is None else output_path(value, option, taken, args.command)
        if out[dest] is not None:
            taken[option] = Path(value)
    return out


def fallback_records(unit: CompiledLayer) -> list[dict[str, Any]]:
    """The JSON records of a compiled layer's stages on a fallback unit."""
    return [
        {"stage": f.stage, "op": f.op.value, "node": f.node, "reason": f.reason,
         "preferred": list(f.preferred)}
        for f in unit.fallback
    ]


def failed_row(unit: FailedLayer) -> dict[str, Any]:
    """The JSON record of a layer no unit can run (the compiled rows' keys, values empty)."""
    return {
        "layer": unit.name, "op": unit.op, "status": "failed", "capability": "",
        "compute_node": "", "estimated_cycles": None, "compile_s": None, "instructions": None,
        "operations": unit.layer.codelet.operations, "fallback": [], "error": unit.error,
        "missing": [op.value for op in unit.missing],
    }


def problem_counts(result: ModelResult) -> str:
    """``, 1 FAILED, 2 on a fallback unit`` for the summary line ('' when neither)."""
    out = ""
    if result.failed:
        out += f", {len(result.failed)} FAILED"
    if result.fallback:
        out += f", {len(result.fallback)} on a fallback unit"
    return out


def print_details(result: ModelResult) -> None:
    """Under a table: every layer divided between two units, every fallback reason and every
    failed layer's error, in full."""
    divided = [(c.name, d) for c in result.layers if (d := c.result.division) is not None]
    if divided:
        print(f"\ndivided between two units ({len(divided)} layers):")
        for name, d in divided:
            print(f"  {name}: {d.text}")
    if result.fallback:
        print(f"\nfallback units ({len(result.fallback)} layers):")
        for c in result.fallback:
            for f in c.fallback:
                lines = f.reason.splitlines()
                print(f"  {c.name}: stage {f.stage} ({f.op.value}) on {f.node}: {lines[0]}")
                for more in lines[1:]:
                    print(f"    {more}")
    if result.failed:
        print(f"\nfailed layers ({len(result.failed)}; not compiled):")
        for u in result.failed:
            lines = u.error.splitlines()
            print(f"  {u.name} ({u.op}): {lines[0]}")
            for more in lines[1:]:
                print(f"    {more}")
