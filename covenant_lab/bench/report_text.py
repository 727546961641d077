"""The benchmark's printed tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from covenant_lab.analysis.gaps import gap_text
from covenant_lab.bench.output import format_table

__all__ = ["fallback_lines", "print_report"]


def _f(value: Any, fmt: str, missing: str = "-") -> str:
    return missing if value is None else format(value, fmt)


def _ms(value: Any) -> str:
    return "-" if value is None else f"{1000 * value:.0f}"


def layer_table(layers: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in layers:
        if r["status"] != "ok":
            rows.append([r["arch"], r["layer"], r["status"], "", "", "", "", "", "", "", "", "",
                         "", "", "", r["check"], ""])
            continue
        traffic = r.get("traffic_ratio")
        rows.append([
            r["arch"], r["layer"], f"{r['cycles']:,}", _est_sim(r), f"{r['ideal_cycles']:,.0f}",
            f"{r['efficiency']:.3f}", _structural(r), f"{r['utilisation']:.2f}",
            _f(traffic, ".2f"), _f(_uj(r.get("energy_pj")), ",.1f"),
            _f(r.get("energy_ratio"), ".3f"),
            f"{r['instructions']:,}", _ms(r["compile_s"]), _ms(r["sim_timing_s"]),
            _ms(r.get("sim_functional_s")), r["check"], r.get("fallback_node") or "",
        ])
    header = ["arch", "layer", "cycles", "est/sim", "ideal", "eff", "struct eff", "util",
              "bytes/compulsory", "uJ", "E est/sim", "instrs", "compile ms", "sim ms", "func ms",
              "check", "fallback"]
    table = format_table(rows, header, "ll" + "r" * 13 + "ll")
    reasons = [f"  {r['arch']} {r['layer']}: {r['structural_reason']}" for r in layers
               if r["status"] == "ok" and r.get("structural_reason")]
    if reasons:
        table += ("\n\nstruct eff: against the structural bound (each unit's peak scaled by "
                  "the spatial fill the layer's loops allow; '-' where it equals the ideal):\n"
                  + "\n".join(reasons))
    return table


def _est_sim(r: dict[str, Any]) -> str:
    """The cost model's cycles over the simulator's."""
    est = r.get("estimated_cycles")
    return "-" if est is None or not r["cycles"] else f"{est / r['cycles']:.3f}"


def _uj(pj: float | None) -> float | None:
    return None if pj is None else pj / 1e6


def _structural(r: dict[str, Any]) -> str:
    """The structural efficiency where the structural bound exceeds the strict one."""
    return f"{r['structural_efficiency']:.3f}" if r.get("structural_reason") else "-"


def arch_table(summary: dict[str, Any]) -> str:
    rows = []
    for label, s in summary["archs"].items():
        speed = s["speed"]
        rows.append([
            label, f"{s['layers_ok']}/{s['layers']}", _f(s["geomean_efficiency"], ".3f"),
            _f(s.get("geomean_structural_efficiency"), ".3f"),
            f"{_f(s['min_efficiency'], '.3f')} ({s['min_efficiency_layer'] or '-'})",
            _ms(s["median_compile_s"]),
            f"{s['checks_passed']}/{s['checks_failed']}/{s['checks_skipped']}",
            _f(speed["instructions_per_s"], ",.0f"), _f(speed["events_per_s"], ",.0f"),
        ])
    header = ["arch", "mapped", "geomean eff", "struct", "min eff (layer)",
              "median compile ms", "checks pass/fail/skip", "sim instr/s", "sim events/s"]
    return format_table(rows, header, "lrrrlrrrr")


def search_table(search: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in search:
        if r["status"] != "ok":
            rows.append([r["arch"], r["layer"], "", "", "", "", "", "", r["status"]])
            continue
        rows.append([r["arch"], r["layer"], f"{r['est_search']:,.0f}",
                     f"{r['est_exhaustive']:,.0f}",
                     f"{r['cycles_search']:,}", f"{r['cycles_exhaustive']:,}", f"{r['ratio']:.3f}",
                     f"{r['search_s']:.2f}/{r['exhaustive_s']:.2f}", "ok"])
    header = ["arch", "layer", "est search", "est exhaustive", "cycles search",
              "cycles exhaustive", "ratio", "search/exh. s", "status"]
    return format_table(rows, header, "ll" + "r" * 6 + "l")


def model_table(models: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in models:
        rows.append([r["model"], r["arch"], r["status"], _f(r.get("layers"), "d"),
                     _f(r.get("failed_layers"), "d"), _f(r.get("fallback_layers"), "d"),
                     _f(r.get("compile_s"), ".2f"), _f(r.get("sim_s"), ".2f"),
                     _f(r.get("cycles"), ",d"), _f(r.get("efficiency"), ".3f"),
                     _f(r.get("structural_efficiency"), ".3f"),
                     _f(r.get("estimate_ratio"), ".3f"), _f(r.get("sim_errors"), "d"),
                     f"{r['peak_rss_mb']:.0f}"])
    header = ["model", "arch", "status", "layers", "failed", "fallback", "compile s", "sim s",
              "cycles", "Σideal/Σcycles", "Σstruct/Σcycles", "est/sim", "sim errors",
              "peak RSS MB"]
    return format_table(rows, header, "lll" + "r" * 11)


def fallback_lines(doc: dict[str, Any]) -> list[str]:
    """One line per suite layer and per model layer that ran on a fallback unit, with why."""
    out = [f"  {r['arch']}/{r['layer']}: fallback: {r['fallback_node']} — {r['fallback_reason']}"
           for r in doc["layers"] if r.get("fallback_node")]
    for r in doc["models"]:
        out += [f"  model {r['model']} on {r['arch']}, {f['layer']}: fallback: {f['node']} — "
                f"{f['reason']}" for f in r.get("fallback", [])]
    return out


def _problems(doc: dict[str, Any]) -> list[str]:
    out = []
    for r in doc["layers"]:
        if r["status"] != "ok" or r["check"] == "fail":
            out.append(f"  {r['arch']}/{r['layer']} [{r['status']}, check {r['check']}]: "
                       f"{(r['error'] or r['check_note']).splitlines()[0][:200]}")
    for r in doc["search"]:
        if r["status"] != "ok":
            out.append(f"  search {r['arch']}/{r['layer']} [{r['status']}]: "
                       f"{r['error'].splitlines()[0][:200]}")
    for r in doc["models"]:
        for f in r.get("failed", []):
            out.append(f"  model {r['model']} [layer not compiled] {f['layer']} ({f['op']}): "
                       f"{f['error'][:200]}")
        if r["status"] not in ("ok", "partial") or r.get("sim_errors"):
            msg = r["error"] or r.get("sim_error", "")
            out.append(f"  model {r['model']} [{r['status']}]: {msg.splitlines()[0][:200]}")
    return out


def print_report(doc: dict[str, Any], out: TextIO) -> None:
    """Every table of the results document ``doc``."""
    summary = doc["summary"]

    def p(s: str = "") -> None:
        print(s, file=out)

    p(f"== layers ({summary['mode']} mode)")
    p(layer_table(doc["layers"]))
    if summary["note"]:
        p(f"note: {summary['note']}")
    p()
    p("== per architecture")
    p(arch_table(summary))
    if doc["search"]:
        s = summary["search"]
        p()
        p("== search vs exhaustive search (ratio = search cycles / exhaustive cycles)")
        p(search_table(doc["search"]))
        p(f"geomean ratio {_f(s['geomean_ratio'], '.3f')}, worst {_f(s['max_ratio'], '.3f')} "
          f"({s['max_ratio_at'] or '-'}); search as good as exhaustive on "
          f"{s['search_matches_exhaustive']}/{s['pairs_ok']}")
    if doc["models"]:
        p()
        p("== whole models (compile every layer, then timing simulation of every layer)")
        p(model_table(doc["models"]))
        for line in filter(None, map(gap_text, doc["models"])):
            p(line)
    speed = summary["sim_speed"]
    p()
    p(f"simulator (timing only, whole suite): {_f(speed['instructions_per_s'], ',.0f')} "
      f"instructions/s, {_f(speed['events_per_s'], ',.0f')} events/s "
      f"({speed['instructions']:,} instructions in {speed['sim_timing_s']:.2f} s, with the "
      f"stepper and sanitizer); the timing model alone (schedule): "
      f"{_f(speed.get('schedule_instructions_per_s'), ',.0f')} instructions/s")
    p(f"functional simulation (values, checked layers): "
      f"{_f(speed.get('functional_instructions_per_s'), ',.0f')} instructions/s, "
      f"{_f(speed.get('functional_overhead'), '.1f')}x the timing-only run of the same programs")
    if doc.get("oracle_text"):
        p()
        p("== oracles: SCALE-Sim (stall-free CALC mode, weight stationary) and ZigZag vs ours")
        for line in doc["oracle_text"]:
            p(line)
    fallback = fallback_lines(doc)
    if fallback:
        p()
        p(f"== fallback units ({len(fallback)}): layers a general-purpose unit ran, and why")
        for line in fallback:
            p(line)
    problems = _problems(doc)
    if problems:
        p()
        p(f"== problems ({len(problems)})")
        for line in problems:
            p(line)
    p(f"\ntotal {summary['wall_s']:.0f} s")
