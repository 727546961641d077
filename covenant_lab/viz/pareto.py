"""The Pareto front of a sweep drawn with Bokeh: energy against cycles, area as colour and size.

    from covenant_lab.viz.pareto import pareto_figure
    show(pareto_figure(result.totals))            # result = dse.grid.pareto_sweep(...)
    show(pareto_figure([p for p in result.points if p.layer == "resnet50_3x3"]))

Pareto-optimal points are drawn opaque with a dark outline, dominated points faded (the front
is over three objectives, so an optimal point may sit above another in this plane: it has
less area). Hovering a point shows its architecture label, the
parameters it sets, its cycles, energy, area and whether it is optimal. The data source
(:func:`pareto_data`, largest area first so that small points are drawn on top) is named
``"covenant-pareto"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from covenant_lab.dse.pareto import ParetoPoint
from covenant_lab.errors import UsageError

__all__ = ["SOURCE", "pareto_data", "pareto_figure"]

SOURCE = "covenant-pareto"
OPTIMAL_ALPHA, DOMINATED_ALPHA = 0.95, 0.3
OPTIMAL_LINE, DOMINATED_LINE = "#222222", "#b0b0b0"
_MIN_SIZE, _MAX_SIZE = 9.0, 26.0


def _sizes(areas: Sequence[float]) -> list[float]:
    lo, hi = min(areas), max(areas)
    if hi <= lo:
        return [(_MIN_SIZE + _MAX_SIZE) / 2] * len(areas)
    return [_MIN_SIZE + (a - lo) / (hi - lo) * (_MAX_SIZE - _MIN_SIZE) for a in areas]


def pareto_data(points: Sequence[ParetoPoint]) -> dict[str, list[Any]]:
    """The columns the figure draws, one row per point."""
    areas = [p.area_mm2 for p in points]
    return {
        "arch": [p.arch for p in points],
        "layer": [p.layer for p in points],
        "params": [", ".join(f"{k}={v}" for k, v in p.params.items()) or "-" for p in points],
        "cycles": [p.cycles for p in points],
        "energy_uj": [p.energy_pj / 1e6 for p in points],
        "area_mm2": areas,
        "size": _sizes(areas) if points else [],
        "alpha": [OPTIMAL_ALPHA if p.optimal else DOMINATED_ALPHA for p in points],
        "line": [OPTIMAL_LINE if p.optimal else DOMINATED_LINE for p in points],
        "optimal": ["yes" if p.optimal else "no (dominated)" for p in points],
    }


def pareto_figure(points: Sequence[ParetoPoint], *, title: str | None = None,
                  width: int = 760, height: int = 460, log: bool = False) -> Any:
    """A Bokeh figure of ``points`` (all of one group: one layer, or the totals); ``log``:
    logarithmic axes (for sweeps whose points span orders of magnitude)."""
    if not points:
        raise UsageError("pareto_figure: no points to draw",
                         hint="the sweep produced no record with status 'ok'")
    layers = sorted({p.layer for p in points})
    if len(layers) > 1:
        raise UsageError(f"pareto_figure: points of {len(layers)} groups ({', '.join(layers)}); "
                         "a front compares one layer or the totals",
                         hint="filter: [p for p in points if p.layer == NAME]")
    from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper, NumeralTickFormatter
    from bokeh.models.annotations import ColorBar, Title
    from bokeh.palettes import Viridis256
    from bokeh.plotting import figure

    data = pareto_data(sorted(points, key=lambda p: -p.area_mm2))  # small ones drawn on top
    source = ColumnDataSource(data, name=SOURCE)
    lo, hi = min(data["area_mm2"]), max(data["area_mm2"])
    mapper = LinearColorMapper(palette=Viridis256, low=lo, high=hi if hi > lo else lo + 1e-9)
    fig = figure(title=title or f"Pareto front of cycles, energy and area: {layers[0]}",
                 width=width, height=height, tools="pan,box_zoom,reset,save",
                 x_axis_type="log" if log else "linear", y_axis_type="log" if log else "linear",
                 x_axis_label="cycles", y_axis_label="energy (µJ)")
    dots = fig.scatter("cycles", "energy_uj", source=source, size="size",
                       fill_color={"field": "area_mm2", "transform": mapper},
                       fill_alpha="alpha", line_color="line", line_width=1.5)
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[
        ("architecture", "@arch"), ("parameters", "@params"), ("cycles", "@cycles{0,0}"),
        ("energy", "@energy_uj{0,0.000} µJ"), ("area", "@area_mm2{0.000} mm²"),
        ("Pareto-optimal", "@optimal")]))
    fig.add_layout(Title(text="area as colour and size; outlined: Pareto-optimal, faded: "
                         "dominated; hover for the parameters", text_font_style="italic",
                         text_font_size="11px"), "above")
    fig.add_layout(ColorBar(color_mapper=mapper, title="area (mm²)", width=12), "right")
    xaxis: Any = fig.xaxis
    xaxis.formatter = NumeralTickFormatter(format="0,0")
    for rng in (fig.x_range, fig.y_range):
        r: Any = rng
        r.range_padding = 0.2  # room for the largest markers at the edges
    return fig
