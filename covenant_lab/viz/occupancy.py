"""Buffer occupancy over time: live bytes per storage node against the cycle.

``occupancy_series(sim)`` counts, per storage, the bytes of the tiles holding data still to
be read: a tile from the end of the instruction writing it to the end of its last reader
(``sim.dataflow.lifetimes``, the scheduler's own dependency rule). A double-buffered operand
shows as a saw: the next tile arrives while the current one is read, then the current one's
half is freed. (``state.storages`` instead lists what a storage *holds*: a tile stays there
until something overwrites it.) ``series_from_states`` builds series from snapshots.
``occupancy_figure(series)`` draws one step line per on-chip storage as a percentage of its
capacity (sources named ``"covenant-occupancy-<storage>"``), with a cursor
``"covenant-occupancy-cursor"``; it stretches to the available width (``sizing_mode``) and
ticks cycles as plain integers with thousands separators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

__all__ = [
    "CURSOR",
    "OccupancySeries",
    "occupancy_figure",
    "occupancy_series",
    "series_from_lifetimes",
    "series_from_states",
]

CURSOR = "covenant-occupancy-cursor"
_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac")


@dataclass(frozen=True)
class OccupancySeries:
    """Live bytes of one storage: ``nbytes[i]`` from ``cycles[i]`` until the next sample."""

    storage: str
    capacity_bytes: int | None
    cycles: np.ndarray
    nbytes: np.ndarray

    @property
    def peak_bytes(self) -> int:
        return int(self.nbytes.max()) if self.nbytes.size else 0

    def at(self, cycle: float) -> int:
        """Live bytes at ``cycle`` (the last sample at or before it)."""
        k = int(np.searchsorted(self.cycles, cycle, side="right")) - 1
        return int(self.nbytes[k]) if k >= 0 else 0


def series_from_states(states: Sequence[Any]) -> dict[str, OccupancySeries]:
    """Series from SimState snapshots in time order (``cycle``, ``storages``)."""
    cycles: dict[str, list[int]] = {}
    values: dict[str, list[int]] = {}
    capacity: dict[str, int | None] = {}
    for st in states:
        for s in st.storages:
            capacity[s.name] = s.capacity_bytes
            cs, vs = cycles.setdefault(s.name, []), values.setdefault(s.name, [])
            if cs and cs[-1] == st.cycle:
                vs[-1] = s.occupancy_bytes  # the last state of a cycle wins
            elif not vs or vs[-1] != s.occupancy_bytes:
                cs.append(st.cycle)
                vs.append(s.occupancy_bytes)
    return {
        name: OccupancySeries(name, capacity[name], np.asarray(cycles[name], dtype=np.int64),
                              np.asarray(values[name], dtype=np.int64))
        for name in cycles
    }


def series_from_lifetimes(
    lifetimes: Sequence[Any], capacity: Mapping[str, int | None]
) -> dict[str, OccupancySeries]:
    """Bytes held per storage from tile lifetimes (``storage``, ``nbytes``, ``alloc``,
    ``free``): a tile counts from when its data arrive to when its last reader ends, so a
    buffer half shows freed once its tile is used up. Every storage of ``capacity`` gets a
    series (starting at 0 at cycle 0)."""
    deltas: dict[str, dict[int, int]] = {name: {0: 0} for name in capacity}
    for life in lifetimes:
        d = deltas.setdefault(life.storage, {0: 0})
        d[life.alloc] = d.get(life.alloc, 0) + life.nbytes
        d[life.free] = d.get(life.free, 0) - life.nbytes
    out = {}
    for name, d in deltas.items():
        cycles = np.asarray(sorted(d), dtype=np.int64)
        nbytes = np.cumsum([d[c] for c in cycles.tolist()]).astype(np.int64)
        keep = np.concatenate(([True], nbytes[1:] != nbytes[:-1]))  # changes only
        out[name] = OccupancySeries(name, capacity.get(name), cycles[keep], nbytes[keep])
    return out


def occupancy_series(sim: Any) -> dict[str, OccupancySeries]:
    """Bytes each storage holds over the whole run of ``sim`` (see the module docstring);
    reads the simulator's dataflow, never steps it."""
    capacity = {n.name: n.capacity_bytes for n in sim.acg.storage_nodes}
    used = {life.storage for life in sim.dataflow.lifetimes}
    return series_from_lifetimes(sim.dataflow.lifetimes,
                                 {k: v for k, v in capacity.items() if k in used or v is None})


def occupancy_figure(
    series: Mapping[str, OccupancySeries],
    *,
    storages: Sequence[str] | None = None,
    width: int = 900,
    height: int = 140,
    x_range: Any = None,
    end_cycle: int | None = None,
    sizing_mode: str = "stretch_width",
    left_px: int | None = None,
) -> Any:
    """Step lines of bytes in use as % of capacity for each on-chip storage (or
    ``storages``); ``height`` is the plot area's, the legend sits above it (never on a line);
    ``width`` counts only when ``sizing_mode="fixed"``. ``left_px`` fixes the space left of
    the plot (to line it up with a timeline sharing ``x_range``, whose toolbar then serves
    both: this one has none)."""
    from bokeh.models import ColumnDataSource, HoverTool, Range1d
    from bokeh.models.annotations import Span
    from bokeh.plotting import figure

    from covenant_lab.viz.timeline import cycle_axis

    names = list(storages) if storages is not None else [
        n for n, s in series.items() if s.capacity_bytes]
    end = end_cycle if end_cycle is not None else max(
        (int(s.cycles[-1]) for s in series.values() if s.cycles.size), default=1)
    xr = x_range if x_range is not None else Range1d(start=0, end=end)
    p = figure(
        width=width, frame_height=height, x_range=xr, y_range=Range1d(start=0, end=105),
        tools="xpan,xwheel_zoom,reset", active_scroll="xwheel_zoom",
        toolbar_location=None if x_range is not None else "above",
        x_axis_label="cycle", y_axis_label="% in use", name="covenant-occupancy",
        sizing_mode=cast(Any, sizing_mode),
    )
    if left_px is not None:
        p.min_border_left = left_px
    cycle_axis(p)
    lines: list[Any] = []
    for k, name in enumerate(names):
        s = series[name]
        cap = s.capacity_bytes or max(s.peak_bytes, 1)
        cycles = np.append(s.cycles, max(end, int(s.cycles[-1]) if s.cycles.size else 0))
        nbytes = np.append(s.nbytes, s.nbytes[-1] if s.nbytes.size else 0)
        src = ColumnDataSource(
            {"cycle": cycles.tolist(), "nbytes": nbytes.tolist(),
             "percent": (100.0 * nbytes / cap).tolist(), "storage": [name] * cycles.size},
            name=f"covenant-occupancy-{name}",
        )
        lines.append(p.step("cycle", "percent", source=src, mode="after", line_width=2,
                            color=_PALETTE[k % len(_PALETTE)], legend_label=name))
    if lines:
        p.add_tools(HoverTool(renderers=lines, tooltips=[
            ("storage", "@storage"), ("from cycle", "@cycle{0,0}"), ("in use", "@nbytes{0,0} B"),
            ("of capacity", "@percent{0.0}%")]))
        legend = p.legend[0]
        legend.location = "top_left"
        legend.orientation = "horizontal"
        legend.label_text_font_size = "11px"
        legend.update(padding=2, margin=2, border_line_color=None)
        p.add_layout(legend, "above")
    p.add_layout(Span(location=0, dimension="height", line_color="#222", line_width=2,
                      name=CURSOR))
    return p
