"""``covenant model``: list the built-in models, build one to a file, summarise a model, list
the ops.

covenant model list
covenant model build resnet50 -o /tmp/resnet50.onnx
covenant model summary resnet50            (a built-in name, built in memory, or an .onnx file)
covenant model summary /tmp/resnet50.onnx [--shape input=1,3,224,224]
covenant model ops
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from covenant_lab.errors import UsageError
from covenant_lab.fileio import check_output, write_atomic

if TYPE_CHECKING:
    from covenant_lab.frontends.onnx import Model

__all__ = ["BUILT_IN", "check_layers", "register", "summary_table"]

# the keys of covenant_lab.models.BUILDERS, here so that `--help` does not import onnx
# (tests/test_cli_model.py checks they agree)
BUILT_IN = ("resnet18", "resnet50", "mobilenetv2", "bert", "lenet")
_LISTED = 40  # layer names an unknown --layer lists in full

def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``covenant model {list,build,summary,ops}``."""
    parser = subparsers.add_parser("model", help="build, inspect and list ONNX models")
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION", required=True)

    names = sub.add_parser("list", help="list the built-in models (build and summary take "
                                        "their names)")
    names.set_defaults(func=_list)

    build = sub.add_parser("build", help="write a built-in model to an .onnx file")
    build.add_argument("name", help=f"one of: {', '.join(BUILT_IN)}")
    build.add_argument("-o", "--output", type=Path, required=True, help="the .onnx file to write")
    build.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    build.set_defaults(func=_build)

    summary = sub.add_parser(
        "summary", help="per-layer table of a model: shapes, codelets, operation counts"
    )
    summary.add_argument(
        "model",
        metavar="MODEL",
        help=f"an .onnx file, or a built-in model name ({', '.join(BUILT_IN)}; built in memory)",
    )
    summary.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="INPUT=D0,D1,...",
        help="fix the shape of a graph input (repeatable)",
    )
    summary.set_defaults(func=_summary)

    ops = sub.add_parser("ops", help="list the ONNX operators the front end reads")
    ops.set_defaults(func=_ops)


def _list(args: argparse.Namespace) -> int:
    for name in BUILT_IN:
        print(name)
    return 0


def _build(args: argparse.Namespace) -> int:
    from covenant_lab.models import BUILDERS

    if args.name not in BUILDERS:
        raise UsageError(
            f"model build: unknown model '{args.name}'",
            hint=f"choose one of: {', '.join(BUILDERS)}",
        )
    out = check_output(args.output, "model build: --output")  # fileio: the one rule
    model = BUILDERS[args.name](seed=args.seed)
    write_atomic(out, model.SerializeToString(), "model build: --output")
    print(f"wrote {out} ({args.name}, {len(model.graph.node)} nodes, {out.stat().st_size:,} bytes)")
    return 0


def _parse_shapes(items: list[str]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, sep, dims = item.partition("=")
        try:
            shape = tuple(int(d) for d in dims.split(","))
        except ValueError:
            shape = ()
        if not sep or not name or not shape:
            raise UsageError(
                f"model summary: --shape {item!r}: expected INPUT=D0,D1,...",
                hint="e.g. --shape input=1,3,224,224",
            )
        shapes[name] = shape
    return shapes


def _dims(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def summary_table(model: Model) -> str:
    """The per-layer table printed by ``covenant model summary``."""
    header = ("node", "op", "inputs -> outputs", "codelet", "operations")
    rows = [header]
    total = 0
    for layer in model.layers:
        ins = " ".join(_dims(t.shape) for t in layer.input_tensors)
        outs = " ".join(_dims(t.shape) for t in layer.output_tensors)
        ops = layer.codelet.operations
        total += ops
        rows.append((layer.name, layer.op_type, f"{ins} -> {outs}", layer.codelet.name, f"{ops:,}"))
    rows.append(("total", "", f"{len(model.layers)} layers", "", f"{total:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for i, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, row[-1].rjust(widths[-1])]).rstrip())
        if i == 0 or i == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    title = f"{model.name} ({model.source}, opset {model.opset})"
    return "\n".join([title, *lines])


def _summary(args: argparse.Namespace) -> int:
    from covenant_lab.frontends.onnx import load
    from covenant_lab.models import BUILDERS

    shapes = _parse_shapes(args.shape) or None
    spec: str = args.model
    path = Path(spec)
    if path.exists():  # a file wins over a built-in name, as in compile and simulate
        model = load(path, shapes=shapes)
    elif spec in BUILDERS:
        model = load(BUILDERS[spec](), shapes=shapes)
    else:
        raise UsageError(
            f"model summary: {spec}: no such file, and not a built-in model name",
            hint=f"built-in models: {', '.join(BUILDERS)}; "
            "`covenant model build NAME -o FILE.onnx` writes one to a file",
        )
    print(summary_table(model))
    return 0


def check_layers(model: Model, names: Sequence[str], command: str) -> None:
    """Every name in ``names`` is a layer of ``model``; otherwise a UsageError naming close
    matches and listing the model's layers (``--layer`` of compile and simulate)."""
    known = [layer.name for layer in model.layers]
    missing = [name for name in names if name not in known]
    if not missing:
        return
    close = difflib.get_close_matches(missing[0], known, n=3, cutoff=0.5)
    shown = ", ".join(known[:_LISTED])
    if len(known) > _LISTED:
        shown += f", ... ({len(known)} in all: `covenant model summary {model.source}`)"
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    raise UsageError(
        f"{command}: --layer {', '.join(repr(m) for m in missing)}: "
        f"no such layer in {model.source}",
        hint=hint + f"known: {shown}",
    )


def _ops(args: argparse.Namespace) -> int:
    del args
    import onnx

    from covenant_lab.frontends.onnx import SUPPORTED_OPS

    for op in SUPPORTED_OPS:
        note = "  (becomes an initializer)" if op == "Constant" else ""
        print(f"{op}{note}")
    print(f"onnx {onnx.__version__}; default domain only; float32 data")
    return 0
