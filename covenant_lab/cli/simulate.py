"""``covenant simulate``: compile and simulate a model's layers, optionally checking results.

Layers no unit can run, and layers whose simulation is refused (over a budget), get a row with
the reason (the layers after them read the reference's values) and the command exits with
status 1; layers on a fallback unit are marked.
"""

from __future__ import annotations

import argparse
import json
import math
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
from covenant_lab.cli.energy_table import energy_json, energy_table
from covenant_lab.cli.model import check_layers
from covenant_lab.fileio import write_atomic

if TYPE_CHECKING:
    from covenant_lab.compiler.model import ModelResult
    from covenant_lab.sim.compiled import LayerSim


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("simulate", help="compile and simulate a model's layers")
    add_model_options(p, "simulate")
    p.add_argument(
        "--check",
        action="store_true",
        help="move real data and compare every layer with the ONNX reference",
    )
    p.add_argument(
        "--energy",
        action="store_true",
        help="print each layer's energy per component (storages, compute, moves, static)",
    )
    p.add_argument("--json", metavar="OUT",
                   help="write per-layer results (cycles, energy per component) as JSON")
    p.add_argument("--trace", metavar="OUT", help="write a Chrome/Perfetto trace of the layers")
    add_budget_options(p, "the model's tensors, each layer's program and each simulation")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from covenant_lab.compiler.model import compile_model
    from covenant_lab.sim.compiled import NOT_SIMULATED, simulate_model

    outs = output_paths(args, json="--json", trace="--trace")  # before any work
    acg = arch_from(args)
    model = model_from(args.model, args.max_memory)
    check_layers(model, args.layer, "simulate")  # lists the layers when one is unknown
    json_out, trace_out = outs["json"], outs["trace"]
    result = compile_model(model, acg, fuse=not args.no_fuse, only=args.layer or None,
                           max_memory=args.max_memory, max_instructions=args.max_instructions,
                           objective=args.objective)
    sims = {r.layer: r for r in simulate_model(result, check=args.check,
                                               max_memory=args.max_memory,
                                               max_instructions=args.max_instructions)}
    width = max(len(u.name) for u in result.units)
    print(
        f"{'layer':<{width}}  {'op':<16} {'cycles':>12} {'ideal':>12} {'eff':>5} {'util':>5}"
        "  check    note"
    )
    for u in result.units:
        r = sims.get(u.name)
        ran = r is not None and r.check != NOT_SIMULATED
        figures = (
            f"{r.cycles:>12,} {r.ideal_cycles:>12,.0f} {r.efficiency:>5.2f} {r.utilisation:>5.2f}"
            if r is not None and ran
            else f"{'-':>12} {'-':>12} {'-':>5} {'-':>5}"
        )
        check = r.check if r is not None else "-"
        print(f"{u.name:<{width}}  {u.op[:16]:<16} {figures}  {check:<8} {u.note}".rstrip())
    rows = list(sims.values())
    total = sum(r.cycles for r in rows)
    failed = [r for r in rows if r.check == "fail"]
    refused = [r for r in rows if r.check == NOT_SIMULATED]
    print(
        f"{len(result.units)} layers on {acg.name}: {total:,} cycles"
        + (f", {len(failed)} check(s) FAILED" if failed else "")
        + (f", {len(refused)} not simulated" if refused else "")
        + problem_counts(result)
    )
    for r in failed[:1] + refused:
        print(f"{r.layer}: {r.message}" if r in refused else r.message)
    print_details(result)
    if args.energy:
        print()
        print(energy_table(acg, rows, [u.name for u in result.units]))
    if json_out:
        write_atomic(json_out, json.dumps(_doc(result, sims, total), indent=2),
                     "simulate: --json")
    if trace_out:
        write_atomic(trace_out, json.dumps(_trace(result, sims, args)),
                     "simulate: --trace")
    return 1 if failed or refused or result.failed else 0


def _doc(result: ModelResult, sims: dict[str, LayerSim], total: int) -> dict[str, Any]:
    """The JSON document: one record per layer in model order (failed ones without figures)."""
    from covenant_lab.compiler.model import FailedLayer
    from covenant_lab.sim.compiled import NOT_SIMULATED

    layers: list[dict[str, Any]] = []
    for u in result.units:
        if isinstance(u, FailedLayer):
            layers.append({**failed_row(u), "cycles": None, "check": "not compiled",
                           "energy_pj": None})
            continue
        r = sims[u.name]
        if r.check == NOT_SIMULATED:
            layers.append({"layer": r.layer, "op": r.op, "status": "compiled", "cycles": None,
                           "check": r.check, "error": r.message,
                           "instructions": r.instructions, "energy_pj": None})
            continue
        layers.append({
            "layer": r.layer,
            "op": r.op,
            "status": "compiled",
            "cycles": r.cycles,
            "ideal_cycles": round(r.ideal_cycles, 1),
            "efficiency": round(r.efficiency, 4),
            "utilisation": round(r.utilisation, 4),
            "check": r.check,
            "instructions": r.instructions,
            "sim_s": round(r.sim_s, 4),
            "fallback": fallback_records(u),
            "energy_pj": r.energy_pj,
            "energy": energy_json(result.arch, r.energy) if r.energy is not None else None,
        })
    energies = [la["energy_pj"] for la in layers if la["energy_pj"] is not None]
    return {"model": result.model.name, "arch": result.arch.name, "total_cycles": total,
            "total_energy_pj": math.fsum(energies), "layers": layers}


def _trace(result: ModelResult, sims: dict[str, LayerSim], args: argparse.Namespace
           ) -> dict[str, Any]:
    """One Perfetto trace with the simulated layers laid end to end (origin names the layer)."""
    from dataclasses import replace

    from covenant_lab.sim import Simulator, to_perfetto
    from covenant_lab.sim.compiled import NOT_SIMULATED

    events = []
    offset = 0
    for c in result.layers:
        if sims[c.name].check == NOT_SIMULATED:
            continue
        sim = Simulator(c.result.program, c.result.arch, max_memory=args.max_memory,
                        max_instructions=args.max_instructions).run()
        events += [
            replace(
                ev, start=ev.start + offset, end=ev.end + offset, origin=f"{c.name}: {ev.origin}"
            )
            for ev in sim.trace()
        ]
        offset += sim.total_cycles
    return to_perfetto(events)
