"""The benchmark report: one self-contained HTML page from a ``covenant bench`` results directory.

    covenant report RESULTS_DIR --html report.html
    write_report(Path("results"), Path("report.html"))

Sections: per-architecture summary; layers run on a fallback unit (and why) and model layers
no unit can run; efficiency of every layer per architecture (ideal /
simulated cycles); a roofline (operations per off-chip byte vs operations per cycle, with each
architecture's compute and bandwidth roofs); compile and simulation time per layer; search vs
exhaustive search; whole models; each layer's mapping table; energy per layer stacked by class
and energy vs cycles (``report_energy``; a note instead for results without energy).

Bokeh (the ``lab`` extra) is imported only when a page is rendered, so importing this module
keeps the engine headless; the page embeds BokehJS (INLINE resources) and needs no network.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from covenant_lab.analysis.gaps import gap_text
from covenant_lab.analysis.report_energy import energy_figures, energy_note
from covenant_lab.analysis.roofline import points, roof_curve, roofs
from covenant_lab.errors import UsageError
from covenant_lab.fileio import check_input, check_output, same_file, write_atomic

__all__ = ["TITLES", "load_results", "render_html", "unit_notes", "write_report"]

TITLES = {
    "efficiency": "Efficiency per layer (ideal / simulated cycles)",
    "roofline": "Roofline: operations per off-chip byte vs operations per cycle",
    "compile": "Compile time per layer",
    "sim": "Simulation time per layer (timing only)",
    "functional": "Functional simulation time per layer",
}
_WIDTH = 1100
Doc = Mapping[str, Any]


_RERUN = ("it was written by an older or a different `covenant bench`: "
          "run `covenant bench --out DIR` again")


def load_results(results_dir: str | Path) -> dict[str, Any]:
    """The ``results.json`` of a ``covenant bench`` run, with the layout this version reads."""
    folder = Path(results_dir)
    if not folder.is_dir():
        what = "is not a directory" if folder.exists() else "does not exist"
        raise UsageError(f"report: '{results_dir}' {what}",
                         hint="give the directory `covenant bench --out DIR` wrote")
    path = folder / "results.json"
    if not path.exists():
        raise UsageError(f"report: no results.json in {results_dir}",
                         hint="run `covenant bench --out DIR` first, then `covenant report DIR`")
    check_input(path, "report")
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise UsageError(f"report: cannot read {path}: {exc}", hint=_RERUN) from None
    _check_layout(doc, path)
    return doc


def _check_layout(doc: Any, path: Path) -> None:
    """The keys and types the report reads; a file from another bench version fails here."""
    wanted = (("", doc, dict), ("archs", _get(doc, "archs"), dict),
              ("layers", _get(doc, "layers"), list), ("summary", _get(doc, "summary"), dict),
              ("summary.archs", _get(_get(doc, "summary"), "archs"), dict),
              ("summary.sim_speed", _get(_get(doc, "summary"), "sim_speed"), dict))
    for key, value, kind in wanted:
        if not isinstance(value, kind):
            what = f"has no '{key}'" if value is None else f"'{key}' is not a {kind.__name__}"
            raise UsageError(f"report: {path} {what if key else 'is not a JSON object'}: "
                             "not a results file of this covenant bench", hint=_RERUN)
    if not all(isinstance(r, dict) for r in doc["layers"]):
        raise UsageError(f"report: {path}: 'layers' holds a record that is not an object",
                         hint=_RERUN)


def _get(doc: Any, key: str) -> Any:
    return doc.get(key) if isinstance(doc, dict) else None


def _palette(labels: Sequence[str]) -> dict[str, str]:
    from bokeh.palettes import Category10

    colors = Category10[10]
    return {label: colors[i % 10] for i, label in enumerate(labels)}


def _grouped_bars(doc: Doc, key: str, title: str, unit: str, scale: float = 1.0) -> Any:
    """One bar per (layer, arch) of ``record[key] * scale``; missing values are left out."""
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool
    from bokeh.plotting import figure
    from bokeh.transform import factor_cmap

    archs = list(doc["archs"])
    layers = list(dict.fromkeys(r["layer"] for r in doc["layers"]))
    data: dict[str, list[Any]] = {"x": [], "value": [], "arch": [], "layer": [], "check": [],
                                  "fallback": []}
    for r in doc["layers"]:
        if r.get(key) is None:
            continue
        data["x"].append((r["layer"], r["arch"]))
        data["value"].append(r[key] * scale)
        data["arch"].append(r["arch"])
        data["layer"].append(r["layer"])
        data["check"].append(r.get("check", ""))
        data["fallback"].append(r.get("fallback_node") or "-")
    factors = [(la, a) for la in layers for a in archs]
    fig = figure(x_range=FactorRange(factors=factors), title=title, height=360, width=_WIDTH,
                 y_axis_label=unit, toolbar_location="above", tools="pan,box_zoom,reset,save")
    fig.vbar(x="x", top="value", width=0.85, source=ColumnDataSource(data),
             fill_color=factor_cmap("x", palette=[_palette(archs)[a] for a in archs],
                                    factors=archs, start=1, end=2),
             line_color=None, legend_field="arch")
    fig.add_tools(HoverTool(tooltips=[("layer", "@layer"), ("arch", "@arch"),
                                      (unit, "@value{0.000}"), ("check", "@check"),
                                      ("fallback unit", "@fallback")]))
    xaxis: Any = fig.xaxis  # bokeh's splat attribute proxies are untyped
    xaxis.major_label_text_font_size = "0pt"  # the arch: the legend says it
    xaxis.group_label_orientation = 1.1
    y_range: Any = fig.y_range
    y_range.start = 0
    x_range: Any = fig.x_range
    x_range.range_padding = 0.02
    fig.add_layout(fig.legend[0], "right")
    return fig


def _roofline(doc: Doc) -> Any:
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.plotting import figure

    pts = points(doc["layers"])
    colors = _palette(list(doc["archs"]))
    fig = figure(title=TITLES["roofline"], height=460, width=_WIDTH, x_axis_type="log",
                 y_axis_type="log", tools="pan,box_zoom,reset,save",
                 x_axis_label="operational intensity (operations / off-chip byte)",
                 y_axis_label="achieved operations / cycle")
    xs = [p.intensity for p in pts] or [1.0]
    lo, hi = min(xs) / 4, max(xs) * 4
    for roof in roofs(doc["archs"]):
        rx, ry = roof_curve(roof, min(lo, roof.ridge / 4), max(hi, roof.ridge * 4))
        fig.line(rx, ry, line_width=2, line_dash="dashed", color=colors[roof.arch],
                 legend_label=f"{roof.arch} roof ({roof.peak_ops_per_cycle:.4g} ops/cycle, "
                              f"{roof.bytes_per_cycle:.4g} B/cycle)")
    for arch in doc["archs"]:
        mine = [p for p in pts if p.arch == arch]
        if not mine:
            continue
        src = ColumnDataSource({"x": [p.intensity for p in mine], "y": [p.throughput for p in mine],
                                "layer": [p.layer for p in mine]})
        fig.scatter("x", "y", source=src, size=9, color=colors[arch], legend_label=arch)
    fig.add_tools(HoverTool(tooltips=[("layer", "@layer"), ("ops/byte", "@x{0.00}"),
                                      ("ops/cycle", "@y{0.0}")]))
    fig.legend.location = "bottom_right"
    fig.legend.click_policy = "hide"
    return fig


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table class='cv'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _summary_html(doc: Doc) -> str:
    s = doc["summary"]
    rows = []
    for label, a in s["archs"].items():
        info = doc["archs"][label]
        rows.append([label, info["main_capability"], f"{info['peak_ops_per_cycle']:.4g}",
                     f"{info['bandwidth_roof_bytes_per_cycle']:.4g}",
                     f"{a['layers_ok']}/{a['layers']}",
                     _fmt(a["geomean_efficiency"], ".3f"),
                     _fmt(a.get("geomean_structural_efficiency"), ".3f"),
                     f"{_fmt(a['min_efficiency'], '.3f')} ({a['min_efficiency_layer'] or '-'})",
                     _fmt(a["median_compile_s"] and 1000 * a["median_compile_s"], ".1f"),
                     _fmt(a.get("total_energy_pj") and a["total_energy_pj"] * 1e-6, ",.1f"),
                     _fmt(a.get("area_mm2"), ".3f"),
                     f"{a['checks_passed']}/{a['checks_failed']}/{a['checks_skipped']}"])
    speed = s["sim_speed"]
    note = f"<p><b>{html.escape(s['note'])}</b></p>" if s.get("note") else ""
    return (f"<h2>Summary ({html.escape(s['mode'])} mode)</h2>{note}" + _table(rows, [
        "arch", "main capability", "peak ops/cycle", "off-chip B/cycle", "mapped",
        "geomean efficiency", "against the structural bound", "min efficiency (layer)",
        "median compile ms", "energy µJ (Σ layers)", "area mm²", "checks pass/fail/skip"])
        + f"<p>Simulator, timing only: {_fmt(speed['instructions_per_s'], ',.0f')} instructions/s, "
          f"{_fmt(speed['events_per_s'], ',.0f')} events/s.</p>")


def _search_html(doc: Doc) -> str:
    if not doc.get("search"):
        return ""
    rows = [[r["arch"], r["layer"], r.get("cycles_search", "-"), r.get("cycles_exhaustive", "-"),
             _fmt(r.get("ratio"), ".3f"), r["status"]] for r in doc["search"]]
    return ("<h2>Search vs exhaustive search</h2><p>ratio = simulated cycles of the search's "
            "mapping / of the exhaustive search's mapping.</p>"
            + _table(rows, ["arch", "layer", "cycles (search)", "cycles (exhaustive)", "ratio",
                            "status"]))


def _models_html(doc: Doc) -> str:
    if not doc.get("models"):
        return ""
    rows = [[r["model"], r["arch"], r["status"], r.get("layers", "-"),
             _fmt(r.get("failed_layers"), "d"), _fmt(r.get("fallback_layers"), "d"),
             _fmt(r.get("compile_s"), ".2f"), _fmt(r.get("sim_s"), ".2f"),
             _fmt(r.get("cycles"), ",d"), _fmt(r.get("efficiency"), ".3f"),
             _fmt(r.get("structural_efficiency"), ".3f"),
             _fmt(r.get("estimate_ratio"), ".3f"), _fmt(r.get("peak_rss_mb"), ".0f"),
             (r.get("error") or r.get("sim_error")
              or "; ".join(f"{f['layer']}: {f['error']}" for f in r.get("failed", [])))[:160]]
            for r in doc["models"]]
    gaps = "".join(f"<p>{html.escape(line)}</p>"
                   for line in filter(None, map(gap_text, doc["models"])))
    return "<h2>Whole models</h2>" + _table(rows, [
        "model", "arch", "status", "layers", "not compiled", "on a fallback unit", "compile s",
        "sim s", "cycles", "Σideal / Σcycles", "Σstructural / Σcycles", "estimate / simulated",
        "peak RSS MB", "problem"]) + gaps


def _structural_html(doc: Doc) -> str:
    rows = [[r["arch"], r["layer"], _fmt(r.get("efficiency"), ".3f"),
             _fmt(r.get("structural_efficiency"), ".3f"), r["structural_reason"]]
            for r in doc["layers"] if r["status"] == "ok" and r.get("structural_reason")]
    if not rows:
        return ""
    return ("<h2>Structural bound</h2><p>Layers whose loops cannot fill a unit's spatial "
            "dimensions: the structural bound scales each unit's peak by the best fill its "
            "loops allow (ceil(P / D) passes of D slots per dimension); efficiency against it "
            "beside the strict one.</p>"
            + _table(rows, ["arch", "layer", "efficiency", "against the structural bound",
                            "why"]))


def unit_notes(doc: Doc) -> list[list[str]]:
    """[layer, ran on, why] for each layer a fallback unit ran ("fallback: host") and each
    model layer no unit can run ("not compiled")."""
    rows = [[f"{r['arch']} / {r['layer']}", f"fallback: {r['fallback_node']}",
             r.get("fallback_reason", "")] for r in doc["layers"] if r.get("fallback_node")]
    for r in doc.get("models", []):
        where = f"{r['arch']} / model {r['model']}"
        rows += [[f"{where} / {f['layer']}", f"fallback: {f['node']}", f["reason"]]
                 for f in r.get("fallback", [])]
        rows += [[f"{where} / {f['layer']} ({f['op']})", "not compiled", f["error"]]
                 for f in r.get("failed", [])]
    return rows


def _notes_html(doc: Doc) -> str:
    rows = unit_notes(doc)
    if not rows:
        return ""
    return ("<h2>Fallback units and layers not compiled</h2><p>Layers a general-purpose "
            "(fallback) unit ran, with the reason the preferred unit refused them, and model "
            "layers no unit can run.</p>"
            + _table(rows, ["layer", "ran on", "why"]))


def _energy_html(doc: Doc) -> str:
    note = energy_note(doc)
    return ("<h2>Energy</h2><p>Simulated energy of each layer (the sum of its events), by class: "
            "DRAM and on-chip storage reads and writes, compute operations, movement along "
            "edges, through communication nodes and PE to PE, and static energy (busy, idle, "
            "leakage). Numbers from each architecture's energy table (its file's header).</p>"
            + (f"<p class='note'><b>{html.escape(note)}</b></p>" if note else ""))


def _mappings_html(doc: Doc) -> str:
    parts = ["<h2>Mappings</h2>"]
    for r in doc["layers"]:
        head = f"{r['arch']} / {r['layer']}"
        if r["status"] == "ok":
            head += (f": {r['cycles']:,} cycles, efficiency {r['efficiency']:.3f}, "
                     f"check {r['check']}")
            if r.get("fallback_node"):
                head += f" [fallback: {r['fallback_node']} — {r['fallback_reason']}]"
            body = r.get("table") or "(no table recorded)"
        else:
            head += f": {r['status']}"
            body = r.get("error", "")
        if r.get("check_note"):
            body += f"\n\ncheck: {r['check_note']}"
        parts.append(f"<details><summary>{html.escape(head)}</summary>"
                     f"<pre>{html.escape(body)}</pre></details>")
    return "".join(parts)


_CSS = ("<style>table.cv{border-collapse:collapse;font:13px sans-serif}"
        "table.cv td,table.cv th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "table.cv td:first-child,table.cv td:last-child{text-align:left}"  # names, reasons
        "pre{font-size:12px;background:#f7f7f7;padding:6px}</style>")


def render_html(doc: Doc, *, title: str = "covenant_lab benchmark") -> str:
    """The report page of a results document (see :func:`load_results`)."""
    try:
        from bokeh.embed import file_html
        from bokeh.layouts import column
        from bokeh.models.widgets import Div
        from bokeh.resources import INLINE
    except ImportError:
        raise UsageError("report: the HTML report needs Bokeh",
                         hint="pip install 'covenant_lab[lab]'") from None

    def div(text: str) -> Any:
        return Div(text=_CSS + text, width=_WIDTH)  # each Div has its own style scope

    items = [div(f"<h1>{html.escape(title)}</h1>" + _summary_html(doc) + _notes_html(doc)),
             _grouped_bars(doc, "efficiency", TITLES["efficiency"], "efficiency"),
             _roofline(doc),
             div(_energy_html(doc)),
             *energy_figures(doc, _palette(list(doc["archs"])), width=_WIDTH),
             _grouped_bars(doc, "compile_s", TITLES["compile"], "ms", 1000.0),
             _grouped_bars(doc, "sim_timing_s", TITLES["sim"], "ms", 1000.0)]
    if any(r.get("sim_functional_s") is not None for r in doc["layers"]):
        items.append(_grouped_bars(doc, "sim_functional_s", TITLES["functional"], "ms", 1000.0))
    items += [div(_structural_html(doc) + _search_html(doc) + _models_html(doc)),
              div(_mappings_html(doc))]
    return file_html(column(*items), resources=INLINE, title=title)


def write_report(results_dir: str | Path, html_path: str | Path) -> Path:
    """Read ``results_dir/results.json`` and write the report page to ``html_path`` (checked
    first: rendering takes seconds)."""
    out = check_output(html_path, "report: --html")
    results = Path(results_dir) / "results.json"
    if same_file(out, results):
        raise UsageError(f"report: --html '{html_path}' is the input '{results}'",
                         hint="give --html a path of its own, e.g. DIR/report.html")
    doc = load_results(results_dir)
    try:
        page = render_html(doc)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise UsageError(f"report: {results} lacks what the report reads "
                         f"({type(exc).__name__}: {exc})", hint=_RERUN) from None
    return write_atomic(out, page, "report: --html")
