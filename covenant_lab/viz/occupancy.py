"""Buffer occupancy over time: live bytes per storage node against the cycle.

``occupancy_series(sim)`` replays the simulator's program on a fresh timing-only
:class:`~covenant_lab.sim.Simulator` (so the caller's simulator keeps its position) and reads
``state.storages`` after completions, which is when tiles become live or die. On long
programs it samples at most ``max_samples`` points, evenly over the completions.
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


def occupancy_series(sim: Any, *, max_samples: int = 1000) -> dict[str, OccupancySeries]:
    """Occupancy of every storage over the whole run of ``sim``'s program (see the module)."""
    from covenant_lab.sim import Simulator

    replay = Simulator(sim.program, sim.acg)
    completions = replay.steps // 2
    every = max(1, -(-completions // max(max_samples, 1)))
    states = [replay.state]
    done = 0
    while True:
        ev = replay.step()
        if ev is None:
            break
        if ev.kind == "complete":
            done += 1
            if done % every == 0 or done == completions:
                states.append(replay.state)
    return series_from_states(states)


def occupancy_figure(
    series: Mapping[str, OccupancySeries],
    *,
    storages: Sequence[str] | None = None,
    width: int = 900,
    height: int = 200,
    x_range: Any = None,
    end_cycle: int | None = None,
    sizing_mode: str = "stretch_width",
) -> Any:
    """Step lines of live bytes as % of capacity for each on-chip storage (or ``storages``);
    ``width`` counts only when ``sizing_mode="fixed"``."""
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
        width=width, height=height, x_range=xr, y_range=Range1d(start=0, end=105),
        tools="xpan,xwheel_zoom,reset", active_scroll="xwheel_zoom",
        x_axis_label="cycle", y_axis_label="% of capacity", name="covenant-occupancy",
        sizing_mode=cast(Any, sizing_mode),
    )
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
            ("storage", "@storage"), ("cycle", "@cycle{0,0}"), ("live", "@nbytes{0,0} B"),
            ("of capacity", "@percent{0.0}%")]))
        p.legend.location = "top_left"
        p.legend.orientation = "horizontal"
    p.add_layout(Span(location=0, dimension="height", line_color="#222", line_width=2,
                      name=CURSOR))
    return p
