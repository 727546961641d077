"""The energy section of the benchmark report: stacked bars per layer by class and energy
against cycles.

Each ``ok`` layer record of ``covenant bench`` carries ``energy_pj`` (the simulator's total:
the sum of the layer's events) and ``energy_<class>_pj`` per class of
:class:`~covenant_lab.sim.energy_classes.EnergyClass` (DRAM, on-chip storage, compute, movement,
static). :func:`energy_bars_data` gives the bars (µJ per class, per (layer, arch)),
:func:`energy_scatter_data` the points; results written before energy was recorded draw a note
instead (:func:`energy_note`). Bokeh is imported only when the figures are built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from covenant_lab.sim.energy_classes import EnergyClass

__all__ = ["CLASS_COLORS", "ENERGY_TITLES", "energy_bars_data", "energy_figures", "energy_note",
           "energy_scatter_data"]

ENERGY_TITLES = {
    "bars": "Energy per layer by class (µJ, simulated)",
    "shares": "Share of each layer's energy by class",
    "scatter": "Energy vs cycles per layer (simulated)",
}
CLASS_COLORS = {EnergyClass.DRAM: "#e15759", EnergyClass.ON_CHIP: "#f28e2b",
                EnergyClass.PE_LOCAL: "#edc948",
                EnergyClass.COMPUTE: "#4e79a7", EnergyClass.MOVEMENT: "#59a14f",
                EnergyClass.STATIC: "#bab0ac"}
_UJ = 1e-6  # µJ per pJ
Doc = Mapping[str, Any]


def _with_energy(doc: Doc) -> list[Mapping[str, Any]]:
    return [r for r in doc["layers"]
            if r.get("status") == "ok" and r.get("energy_pj") is not None]


def energy_note(doc: Doc) -> str:
    """Why some (or all) mapped layers have no energy bars; '' when every one has them."""
    ok = [r for r in doc["layers"] if r.get("status") == "ok"]
    without = [r for r in ok if r.get("energy_pj") is None]
    if not without:
        return ""
    which = "any of the" if len(without) == len(ok) else f"{len(without)} of the"
    return (f"No energy recorded for {which} {len(ok)} mapped layers: these results were "
            "written by a `covenant bench` that did not record energy. Run "
            "`covenant bench --out DIR` again to see energy per layer.")


def energy_bars_data(doc: Doc, *, shares: bool = False) -> dict[str, list[Any]]:
    """One row per (layer, arch) with energy: ``x``, ``layer``, ``arch``, ``total`` (µJ) and a
    column per class named by ``EnergyClass.name`` (µJ, or the fraction of the layer's total
    with ``shares``)."""
    data: dict[str, list[Any]] = {"x": [], "layer": [], "arch": [], "total": []}
    data.update({c.name: [] for c in EnergyClass})
    for r in _with_energy(doc):
        total = r["energy_pj"]
        data["x"].append((r["layer"], r["arch"]))
        data["layer"].append(r["layer"])
        data["arch"].append(r["arch"])
        data["total"].append(total * _UJ)
        for c in EnergyClass:
            pj = r.get(c.field) or 0.0
            data[c.name].append((pj / total if total else 0.0) if shares else pj * _UJ)
    return data


def energy_scatter_data(doc: Doc, arch: str) -> dict[str, list[Any]]:
    """``arch``'s layers with energy: cycles, energy (µJ), layer name."""
    rows = [r for r in _with_energy(doc) if r["arch"] == arch]
    return {"cycles": [r["cycles"] for r in rows],
            "energy_uj": [r["energy_pj"] * _UJ for r in rows],
            "layer": [r["layer"] for r in rows]}


def _stacked(doc: Doc, *, shares: bool, width: int) -> Any:
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool
    from bokeh.plotting import figure

    data = energy_bars_data(doc, shares=shares)
    archs = list(doc["archs"])
    layers = list(dict.fromkeys(data["layer"]))
    factors = [(la, a) for la in layers for a in archs if (la, a) in set(data["x"])]
    title = ENERGY_TITLES["shares" if shares else "bars"]
    fig = figure(x_range=FactorRange(factors=factors), title=title, height=380, width=width,
                 y_axis_label="share of the layer's energy" if shares else "µJ",
                 toolbar_location="above", tools="pan,box_zoom,reset,save")
    classes = list(EnergyClass)
    fig.vbar_stack([c.name for c in classes], x="x", width=0.85,
                   source=ColumnDataSource(data, name="covenant-energy-"
                                           + ("shares" if shares else "bars")),
                   color=[CLASS_COLORS[c] for c in classes],
                   legend_label=[c.value for c in classes], line_color=None)
    fmt = "{0.0%}" if shares else "{0,0.000} µJ"
    fig.add_tools(HoverTool(tooltips=[("layer", "@layer"), ("arch", "@arch"),
                                      ("total", "@total{0,0.000} µJ")]
                            + [(c.value, f"@{c.name}{fmt}") for c in classes]))
    xaxis: Any = fig.xaxis
    xaxis.major_label_orientation = 1.1
    xaxis.group_label_orientation = 1.1
    y_range: Any = fig.y_range
    y_range.start = 0
    fig.add_layout(fig.legend[0], "right")
    return fig


def _scatter(doc: Doc, colors: Mapping[str, str], width: int) -> Any:
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.plotting import figure

    fig = figure(title=ENERGY_TITLES["scatter"], height=440, width=width, x_axis_type="log",
                 y_axis_type="log", tools="pan,box_zoom,reset,save",
                 x_axis_label="simulated cycles", y_axis_label="simulated energy (µJ)")
    for arch in doc["archs"]:
        data = energy_scatter_data(doc, arch)
        if not data["cycles"]:
            continue
        fig.scatter("cycles", "energy_uj", size=10, color=colors.get(arch, "#333333"),
                    legend_label=arch,
                    source=ColumnDataSource(data, name=f"covenant-energy-scatter-{arch}"))
    fig.add_tools(HoverTool(tooltips=[("layer", "@layer"), ("cycles", "@cycles{0,0}"),
                                      ("energy", "@energy_uj{0,0.000} µJ")]))
    fig.legend.click_policy = "hide"
    fig.add_layout(fig.legend[0], "right")
    return fig


def energy_figures(doc: Doc, colors: Mapping[str, str], *, width: int) -> Sequence[Any]:
    """The bars (absolute and shares) and the scatter; none when no layer has energy."""
    if not _with_energy(doc):
        return []
    return [_stacked(doc, shares=False, width=width), _stacked(doc, shares=True, width=width),
            _scatter(doc, colors, width)]
