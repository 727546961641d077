"""Whole models end to end: build, compile every layer (with fusion), simulate every layer.

A layer no unit can run makes the record ``partial`` (``failed`` names it and says why); the
other layers are still compiled and simulated. Stages on a fallback unit are in ``fallback``.

Each model runs in a fresh worker process (``max_tasks_per_child=1``) so that the process's
peak resident set (``ru_maxrss``) is the model's own; ``base_rss_mb`` is the resident set
after the imports, before the model is built.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from covenant_lab.analysis.bounds import ideal_bound
from covenant_lab.analysis.gaps import gap_fields
from covenant_lab.analysis.structural import structural_bound
from covenant_lab.compiler.model import ModelResult, compile_model
from covenant_lab.dse.sweep import arch_from_yaml
from covenant_lab.errors import CovenantError, SimulationError
from covenant_lab.frontends.onnx import load
from covenant_lab.models import BUILDERS
from covenant_lab.sim.simulator import Simulator

__all__ = ["MODELS", "model_task", "run_models", "unit_notes"]

MODELS: tuple[str, ...] = ("resnet50", "mobilenetv2", "bert")


def _rss_mb() -> float:
    """The current resident set (Linux /proc), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except (OSError, ValueError, IndexError):
        return _peak_mb()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _simulate(result: Any, rec: dict[str, Any]) -> None:
    """Timing-simulate every compiled layer; the record gets the model's cycles beside the
    sums of the layers' ideal bounds and estimates (efficiency = Σideal / Σcycles)."""
    acg = result.arch
    t0 = time.perf_counter()
    cycles = instructions = failures = 0
    ideal = structural = estimated = 0.0
    first = ""
    split: list[tuple[int, float, float, bool]] = []
    for unit in result.layers:
        program = unit.result.program
        layer = 0
        try:
            sim = Simulator(program, acg)
            layer = sim.total_cycles
            cycles += layer
            sim.run()
        except SimulationError as exc:
            failures += 1
            first = first or f"{unit.name}: {exc}"
        instructions += len(program.instrs)
        strict = ideal_bound(unit.result.source, acg).cycles
        bound = structural_bound(unit.result.source, acg)
        ideal += strict
        structural += bound.bound.cycles
        estimated += unit.result.estimate.cycles
        split.append((layer, strict, bound.bound.cycles, bool(bound.reasons)))
    rec.update(sim_s=time.perf_counter() - t0, cycles=cycles, instructions=instructions,
               sim_errors=failures, sim_error=first, ideal_cycles=ideal,
               estimated_cycles=estimated, efficiency=ideal / cycles if cycles else None,
               structural_cycles=structural,
               structural_efficiency=structural / cycles if cycles else None,
               estimate_ratio=estimated / cycles if cycles else None, **gap_fields(split))


def unit_notes(result: ModelResult) -> dict[str, Any]:
    """The record's fields for layers no unit can run (then ``status`` is "partial") and
    layers on a fallback unit: counts (CSV columns) and one record per layer (JSON only)."""
    out: dict[str, Any] = {
        "failed_layers": len(result.failed),
        "fallback_layers": len(result.fallback),
        "failed": [{"layer": u.name, "op": u.op, "error": u.summary,
                    "missing": [op.value for op in u.missing]} for u in result.failed],
        "fallback": [{"layer": c.name, "op": c.op, "stage": f.stage, "node": f.node,
                      "reason": f.summary} for c in result.fallback for f in c.fallback],
    }
    if result.failed:
        out["status"] = "partial"
    return out


def model_task(name: str, label: str, text: str) -> dict[str, Any]:
    """Build, compile and timing-simulate model ``name`` on one architecture: a record."""
    rec: dict[str, Any] = {"model": name, "arch": label, "status": "ok", "error": "",
                           "base_rss_mb": _rss_mb()}
    try:
        acg = arch_from_yaml(text)
        t0 = time.perf_counter()
        model = load(BUILDERS[name]())
        rec["load_s"] = time.perf_counter() - t0
        rec["onnx_nodes"] = len(model.layers)
        t0 = time.perf_counter()
        result = compile_model(model, acg)
        rec["compile_s"] = time.perf_counter() - t0
        rec["layers"] = len(result.layers)
        rec.update(unit_notes(result))
        _simulate(result, rec)
    except CovenantError as exc:
        rec.update(status="error", error=str(exc).splitlines()[0])
    except Exception as exc:  # a library bug: report it with the benchmark, keep going
        rec.update(status="crash", error=f"{type(exc).__name__}: {exc}")
    rec["peak_rss_mb"] = _peak_mb()
    return rec


def run_models(
    names: Sequence[str], label: str, text: str, *, workers: int = 2,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """:func:`model_task` for each model, each in its own fresh process; records in order."""
    ctx = multiprocessing.get_context("forkserver")
    out: dict[str, dict[str, Any]] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, max_tasks_per_child=1) as pool:
        futures = {pool.submit(model_task, n, label, text): n for n in names}
        for fut in as_completed(futures):
            rec = fut.result()
            out[futures[fut]] = rec
            if on_result is not None:
                on_result(rec)
    return [out[n] for n in names]
