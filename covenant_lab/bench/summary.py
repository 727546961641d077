"""The benchmark's headline figures, computed from its records (``summary.json``)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from covenant_lab.analysis.gaps import GAP_FIELDS

if TYPE_CHECKING:
    from covenant_lab.bench.harness import BenchConfig

__all__ = ["geomean", "summarize"]

Rec = dict[str, Any]


def geomean(values: Sequence[float]) -> float | None:
    """Geometric mean of positive values (None when there are none)."""
    vals = [v for v in values if v is not None and v > 0]
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else None


def _speed(records: Sequence[Rec]) -> dict[str, Any]:
    """Timing-only simulator speed over the records that simulated."""
    ok = [r for r in records if r.get("status") == "ok" and r.get("sim_timing_s")]
    secs = sum(r["sim_timing_s"] for r in ok)
    instrs = sum(r["instructions"] for r in ok)
    events = sum(r["events"] for r in ok)
    sched = sum(r.get("schedule_s") or 0.0 for r in ok)
    both = [r for r in ok if r.get("sim_functional_s")]  # run both ways, side by side
    func = sum(r["sim_functional_s"] for r in both)
    func_timing = sum(r["sim_timing_s"] for r in both)
    return {"instructions": instrs, "events": events, "sim_timing_s": secs,
            "schedule_s": sched,
            "schedule_instructions_per_s": instrs / sched if sched else None,
            "instructions_per_s": instrs / secs if secs else None,
            "events_per_s": events / secs if secs else None,
            "functional_instructions_per_s":
                sum(r["instructions"] for r in both) / func if func else None,
            "functional_overhead": func / func_timing if func_timing else None}


def _arch(records: Sequence[Rec]) -> dict[str, Any]:
    ok = [r for r in records if r["status"] == "ok"]
    effs = [r["efficiency"] for r in ok]
    worst = min(ok, key=lambda r: r["efficiency"]) if ok else None
    compile_s = [r["compile_s"] for r in ok]
    func = [r["sim_functional_s"] for r in ok if r.get("sim_functional_s") is not None]
    return {
        "layers": len(records),
        "layers_ok": len(ok),
        "layers_unmapped": sum(r["status"] == "unmapped" for r in records),
        "layers_error": sum(r["status"] in ("error", "crash") for r in records),
        "layers_fallback": sum(bool(r.get("fallback_node")) for r in ok),
        "geomean_efficiency": geomean(effs),
        "min_efficiency": worst["efficiency"] if worst else None,
        "min_efficiency_layer": worst["layer"] if worst else None,
        "geomean_structural_efficiency": geomean([r["structural_efficiency"] for r in ok]),
        "median_compile_s": statistics.median(compile_s) if compile_s else None,
        "max_compile_s": max(compile_s) if compile_s else None,
        "checks_passed": sum(r["check"] == "pass" for r in records),
        "checks_failed": sum(r["check"] == "fail" for r in records),
        "checks_skipped": sum(r["check"] == "skipped" for r in records),
        "total_cycles": sum(r["cycles"] for r in ok),
        "total_energy_pj": math.fsum(r["energy_pj"] for r in ok) if ok and all(
            r.get("energy_pj") is not None for r in ok) else None,
        "area_mm2": ok[0].get("area_mm2") if ok else None,
        "functional_sim_s": sum(func),
        "speed": _speed(records),
    }


def _search(records: Sequence[Rec]) -> dict[str, Any]:
    ok = [r for r in records if r["status"] == "ok" and r.get("ratio")]
    worst = max(ok, key=lambda r: r["ratio"]) if ok else None
    return {
        "pairs": len(records), "pairs_ok": len(ok),
        "geomean_ratio": geomean([r["ratio"] for r in ok]),
        "max_ratio": worst["ratio"] if worst else None,
        "max_ratio_at": f"{worst['arch']}/{worst['layer']}" if worst else None,
        "search_matches_exhaustive": sum(r["ratio"] <= 1.0 + 1e-9 for r in ok),
    }


def summarize(config: BenchConfig, archs: dict[str, Any], layers: Sequence[Rec],
              search: Sequence[Rec], models: Sequence[Rec], wall_s: float) -> dict[str, Any]:
    """Per architecture: geomean/min efficiency, median compile time, checks; plus search
    quality, whole models, simulator speed."""
    per_arch = {label: _arch([r for r in layers if r["arch"] == label]) for label in archs}
    note = ""
    if config.quick:
        skipped = sum("quick mode" in r.get("check_note", "") for r in layers)
        note = (f"quick mode: functional checks skipped for programs over "
                f"{config.check_limit} instructions (verdict 'skipped'; {skipped} of "
                f"{len(layers)} layers skipped)")
    return {
        "mode": "quick" if config.quick else "full",
        "note": note,
        "wall_s": wall_s,
        "archs": per_arch,
        "search": _search(search),
        "models": {f"{r['model']} on {r['arch']}": {k: r.get(k) for k in (
            "arch", "status", "error", "layers", "compile_s", "sim_s", "cycles", "instructions",
            "ideal_cycles", "efficiency", "structural_efficiency", "estimate_ratio",
            "sim_errors", "peak_rss_mb", "base_rss_mb", "failed_layers", "fallback_layers",
            *GAP_FIELDS)}
            for r in models},
        "sim_speed": _speed(layers),
    }
