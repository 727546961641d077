"""``covenant simulate``: compile and simulate a model's layers, optionally checking results."""

from __future__ import annotations

import argparse
import json
from typing import Any

from covenant_lab.cli.common import add_model_options, arch_from, model_from, output_path
from covenant_lab.compiler.model import compile_model
from covenant_lab.fileio import write_atomic


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("simulate", help="compile and simulate a model's layers")
    add_model_options(p, "simulate")
    p.add_argument(
        "--check",
        action="store_true",
        help="move real data and compare every layer with the ONNX reference",
    )
    p.add_argument("--json", metavar="OUT", help="write per-layer results as JSON")
    p.add_argument("--trace", metavar="OUT", help="write a Chrome/Perfetto trace of the layers")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from covenant_lab.sim.compiled import simulate_model

    acg = arch_from(args)
    model = model_from(args.model)
    for name in args.layer:
        model.layer(name)
    json_out = output_path(args.json) if args.json else None
    trace_out = output_path(args.trace) if args.trace else None
    result = compile_model(model, acg, fuse=not args.no_fuse, only=args.layer or None)
    rows = simulate_model(result, check=args.check)
    width = max(len(r.layer) for r in rows)
    print(
        f"{'layer':<{width}}  {'op':<16} {'cycles':>12} {'ideal':>12} {'eff':>5} {'util':>5}  check"
    )
    for r in rows:
        print(
            f"{r.layer:<{width}}  {r.op[:16]:<16} {r.cycles:>12,} {r.ideal_cycles:>12,.0f} "
            f"{r.efficiency:>5.2f} {r.utilisation:>5.2f}  {r.check}"
        )
    total = sum(r.cycles for r in rows)
    failed = [r for r in rows if r.check == "fail"]
    print(
        f"{len(rows)} layers on {acg.name}: {total:,} cycles"
        + (f", {len(failed)} check(s) FAILED" if failed else "")
    )
    for r in failed[:1]:
        print(r.message)
    if json_out:
        doc = {
            "model": model.name,
            "arch": acg.name,
            "total_cycles": total,
            "layers": [
                {
                    "layer": r.layer,
                    "op": r.op,
                    "cycles": r.cycles,
                    "ideal_cycles": round(r.ideal_cycles, 1),
                    "efficiency": round(r.efficiency, 4),
                    "utilisation": round(r.utilisation, 4),
                    "check": r.check,
                    "instructions": r.instructions,
                    "sim_s": round(r.sim_s, 4),
                }
                for r in rows
            ],
        }
        write_atomic(json_out, json.dumps(doc, indent=2))
    if trace_out:
        write_atomic(trace_out, json.dumps(_trace(result)))
    return 1 if failed else 0


def _trace(result: Any) -> dict[str, Any]:
    """One Perfetto trace with the layers laid end to end (origin names the layer)."""
    from dataclasses import replace

    from covenant_lab.sim import Simulator, to_perfetto

    events = []
    offset = 0
    for c in result.layers:
        sim = Simulator(c.result.program, c.result.arch).run()
        events += [
            replace(
                ev, start=ev.start + offset, end=ev.end + offset, origin=f"{c.name}: {ev.origin}"
            )
            for ev in sim.trace()
        ]
        offset += sim.total_cycles
    return to_perfetto(events)
