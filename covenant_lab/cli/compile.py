"""``covenant compile``: compile a model's layers onto an architecture.

Layers on a fallback unit are marked with the reason; layers no unit can run get a row with
the error, and the command exits with status 1 (every other layer is still compiled).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from covenant_lab.budget import add_budget_options
from covenant_lab.cli.common import (
    add_model_options,
    arch_from,
    failed_row,
    fallback_records,
    model_from,
    output_paths,
    print_details,
    problem_counts,
)
from covenant_lab.cli.model import check_layers
from covenant_lab.errors import UsageError
from covenant_lab.fileio import write_atomic

if TYPE_CHECKING:
    from covenant_lab.compiler.model import ModelResult


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("compile", help="compile a model (or one layer) onto an architecture")
    add_model_options(p, "compile")
    p.add_argument("--json", metavar="OUT", help="write per-layer results as JSON")
    p.add_argument("--asm", metavar="OUT", help="write the assembly of every layer")
    add_budget_options(p, "the model's tensors and each layer's program")
    p.set_defaults(func=_run)


def layer_rows(result: ModelResult) -> list[dict[str, Any]]:
    """Machine-readable per-layer results in model order (also the JSON ``layers`` list).

    ``status`` is "compiled" or "failed"; ``fallback`` lists the stages on a fallback unit
    (stage, op, node, reason); a failed row has the ``error`` and the ``missing`` ops.
    """
    from covenant_lab.compiler.model import FailedLayer

    rows = []
    for u in result.units:
        if isinstance(u, FailedLayer):
            rows.append(failed_row(u))
            continue
        r = u.result
        b = r.mapping.bindings[0]
        rows.append(
            {
                "layer": u.name,
                "op": u.op,
                "status": "compiled",
                "capability": ",".join(r.capabilities),
                "compute_node": b.node.name,
                "estimated_cycles": round(r.estimate.cycles),
                "estimated_energy_pj": round(r.estimate.energy_pj, 1),
                "compile_s": round(r.compile_s, 4),
                "instructions": len(r.program.instrs),
                "operations": r.source.operations,
                "fallback": fallback_records(u),
                "error": "",
                "missing": [],
            }
        )
    return rows


def _run(args: argparse.Namespace) -> int:
    from covenant_lab.compiler.model import compile_model

    outs = output_paths(args, json="--json", asm="--asm")  # before any work
    acg = arch_from(args)
    model = model_from(args.model, args.max_memory)
    check_layers(model, args.layer, "compile")  # lists the layers when one is unknown
    json_out, asm_out = outs["json"], outs["asm"]
    result = compile_model(model, acg, fuse=not args.no_fuse, only=args.layer or None,
                           max_memory=args.max_memory, max_instructions=args.max_instructions,
                           objective=args.objective)
    if not result.units:
        raise UsageError("compile: no layer selected")
    rows = layer_rows(result)
    width = max(len(r["layer"]) for r in rows)
    print(
        f"{'layer':<{width}}  {'op':<18} {'capability':<34} {'est. cycles':>12} {'compile ms':>10}"
        "  note"
    )
    for r, u in zip(rows, result.units, strict=True):
        compiled = r["status"] == "compiled"
        cycles = f"{r['estimated_cycles']:>12,}" if compiled else f"{'-':>12}"
        ms = f"{1000 * r['compile_s']:>10.1f}" if compiled else f"{'-':>10}"
        cap = r["capability"][:34] or "-"
        line = f"{r['layer']:<{width}}  {r['op'][:18]:<18} {cap:<34} {cycles} {ms}"
        print(f"{line}  {u.note}".rstrip())
    total = sum(r["estimated_cycles"] or 0 for r in rows)
    print(
        f"{len(rows)} layers on {acg.name}: {total:,} estimated cycles, "
        f"compiled in {result.compile_s:.2f} s" + problem_counts(result)
    )
    print_details(result)
    if json_out:
        doc = {"model": model.name, "arch": acg.name, "compile_s": result.compile_s, "layers": rows}
        write_atomic(json_out, json.dumps(doc, indent=2), "compile: --json")
    if asm_out:
        write_atomic(asm_out, "\n".join(c.result.asm for c in result.layers),
                     "compile: --asm")
    return 1 if result.failed else 0
