"""Bokeh timeline of a simulator trace: one row per resource, one bar per busy interval.

``timeline_figure(events)`` draws :class:`~covenant_lab.sim.TraceEvent` records (compute
units first, then edges, then the comm nodes transfers are routed through, given ``via``),
coloured by kind (compute / transfer / stall), with a hover showing the instruction, operand,
box, bytes and capability, and a cursor ``Span`` at the current cycle.

Large traces stay interactive: when more than ``max_bars`` events are visible, the bars are
replaced by per-resource occupancy bars of one pixel column each (numpy: busy cycles per bin
from cumulative sums of the sorted starts and ends; the bar height is the busy fraction and
its colour the dominant kind). Zooming sends the detail of the visible x-range again: the
figure listens to ``RangesUpdate`` (``jupyter_bokeh.BokehModel`` forwards it to Python).
``output_backend="webgl"`` draws with WebGL.

The figure stretches to the width of the page or output area (``sizing_mode``
``"stretch_width"``; ``width`` is then only the number of aggregation columns); its height
is one row per resource. Cycle ticks are plain integers with thousands separators.

Named models, so tests and browser checks can find them: the bars' source and renderer are
``"covenant-timeline-bars"`` and ``"covenant-timeline-renderer"``, the cursor
``"covenant-cursor"`` (names are unique in a document: ``get_model_by_name`` finds them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

__all__ = [
    "BARS",
    "BARS_RENDERER",
    "CURSOR",
    "KIND_COLOURS",
    "Timeline",
    "busy_per_bin",
    "cycle_axis",
    "resource_rows",
    "timeline_figure",
]

BARS = "covenant-timeline-bars"
BARS_RENDERER = "covenant-timeline-renderer"
CURSOR = "covenant-cursor"
KINDS = ("compute", "transfer", "stall")
KIND_COLOURS = {"compute": "#4e79a7", "transfer": "#59a14f", "stall": "#e15759"}
_HEIGHT = {"compute": 0.8, "transfer": 0.8, "stall": 0.4}
_COLUMNS = ("left", "right", "bottom", "top", "colour", "kind", "resource", "index", "operand",
            "box", "nbytes", "capability", "instr_kind", "count", "busy")
_TOOLTIPS = [
    ("instr", "@index"), ("kind", "@kind @instr_kind"), ("resource", "@resource"),
    ("cycles", "@left{0,0} – @right{0,0}"), ("operand", "@operand"), ("box", "@box"),
    ("bytes", "@nbytes{0,0}"), ("capability", "@capability"), ("events", "@count"),
    ("busy", "@busy{0%}"),
]


def resource_rows(
    events: Sequence[Any], via: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """Rows in drawing order: compute units, then edges, then comm nodes (first use order)."""
    compute: dict[str, None] = {}
    edges: dict[str, None] = {}
    for ev in events:
        (compute if ev.kind == "compute" else edges).setdefault(ev.resource, None)
    for r in list(compute):
        edges.pop(r, None)
    comms = dict.fromkeys(via[r] for r in edges if via and r in via)
    # resources with only stall events: keep them where they were seen
    return (*compute, *edges, *comms)


def busy_per_bin(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """Busy cycles of a set of intervals ``[start, end)`` in each bin between ``edges``.

    ``B(t) = sum(clip(t - start, 0, end - start))`` evaluated at every edge from sorted
    starts and ends (``B(t) = n_s(t) t - S(t) - (n_e(t) t - E(t))``); the bins are its
    differences. Intervals may overlap (their busy time adds up).
    """
    if starts.size == 0:
        return np.zeros(max(edges.size - 1, 0))
    s = np.sort(starts.astype(np.float64))
    e = np.sort(ends.astype(np.float64))
    cs = np.concatenate(([0.0], np.cumsum(s)))
    ce = np.concatenate(([0.0], np.cumsum(e)))
    ns = np.searchsorted(s, edges, side="right")
    ne = np.searchsorted(e, edges, side="right")
    total = (ns * edges - cs[ns]) - (ne * edges - ce[ne])
    return np.diff(total)


class Timeline:
    """A trace as a Bokeh figure with level of detail; ``figure`` is what to show."""

    def __init__(
        self,
        events: Sequence[Any],
        resources: Sequence[str] | None = None,
        *,
        via: Mapping[str, str] | None = None,
        width: int = 900,
        row_height: int = 26,
        max_bars: int = 20_000,
        output_backend: str = "canvas",
        title: str = "",
        x_range: Any = None,
        sizing_mode: str = "stretch_width",
    ) -> None:
        # busy and stalled intervals only: idle (static-energy) events from
        # Simulator.trace(idle=True) have no bar here
        self.events = tuple(e for e in events if e.kind in KINDS)
        self.rows = tuple(resources) if resources is not None else resource_rows(self.events, via)
        self.max_bars = max_bars
        self.width = width
        self._arrays(via or {})
        self.end_cycle = int(self.end.max()) if self.end.size else 1
        self.aggregated = False
        self.figure = self._make_figure(row_height, output_backend, title, x_range, sizing_mode)
        self.show_range(0, max(self.end_cycle, 1))

    # -- data ---------------------------------------------------------------------------------
    def _arrays(self, via: Mapping[str, str]) -> None:
        row_of = {r: i for i, r in enumerate(self.rows)}
        rows, refs = [], []
        for k, ev in enumerate(self.events):
            if ev.resource in row_of:
                rows.append(row_of[ev.resource])
                refs.append(k)
            comm = via.get(ev.resource)
            if comm in row_of and ev.kind == "transfer":
                rows.append(row_of[comm])
                refs.append(k)
        self.ref = np.asarray(refs, dtype=np.int64)
        self.row = np.asarray(rows, dtype=np.int64)
        self.start = np.asarray([self.events[k].start for k in refs], dtype=np.int64)
        self.end = np.asarray([self.events[k].end for k in refs], dtype=np.int64)
        self.kind = np.asarray([KINDS.index(self.events[k].kind) for k in refs], dtype=np.int8)

    def visible(self, x0: float, x1: float) -> np.ndarray:
        """Positions (into the bar arrays) of the bars overlapping ``[x0, x1]``."""
        return np.flatnonzero((self.start <= x1) & (self.end >= x0))

    def _detail(self, idx: np.ndarray) -> dict[str, list[Any]]:
        data: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
        for pos in idx.tolist():
            ev = self.events[self.ref[pos]]
            r = int(self.row[pos])
            half = _HEIGHT[ev.kind] / 2
            data["left"].append(ev.start)
            data["right"].append(ev.end)
            data["bottom"].append(r - half)
            data["top"].append(r + half)
            data["colour"].append(KIND_COLOURS[ev.kind])
            data["kind"].append(ev.kind)
            data["resource"].append(self.rows[r])
            data["index"].append(ev.index)
            data["operand"].append(ev.operand)
            data["box"].append(" ".join(":".join(str(x) for x in b) for b in ev.box))
            data["nbytes"].append(ev.nbytes)
            data["capability"].append(ev.capability)
            data["instr_kind"].append(ev.instr_kind)
            data["count"].append(1)
            data["busy"].append(1.0)
        return data

    def _aggregate(self, x0: float, x1: float, bins: int) -> dict[str, list[Any]]:
        edges = np.linspace(x0, x1, bins + 1)
        width = (x1 - x0) / bins
        parts: list[dict[str, Any]] = []
        for r in range(len(self.rows)):
            on_row = self.row == r
            if not on_row.any():
                continue
            busy = np.stack([
                busy_per_bin(self.start[on_row & (self.kind == k)],
                             self.end[on_row & (self.kind == k)], edges)
                for k in range(len(KINDS))
            ])
            parts.append(self._runs(r, busy, edges, width, on_row))
        data: dict[str, list[Any]] = {}
        for c in _COLUMNS:
            data[c] = [v for part in parts for v in part[c]]
        return data

    def _runs(
        self, r: int, busy: np.ndarray, edges: np.ndarray, width: float, on_row: np.ndarray
    ) -> dict[str, Any]:
        """Bars of one row: neighbouring bins of the same dominant kind and height merged."""
        frac = np.clip(busy.sum(axis=0) / width, 0.0, 1.0)
        level = np.ceil(frac * 8).astype(np.int64)  # eighths of the row height
        key = np.where(frac > 0, busy.argmax(axis=0) * 16 + level, -1)
        first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        last = np.concatenate((first[1:], [key.size])) - 1
        runs = key[first] >= 0
        first, last = first[runs], last[runs]
        left, right = edges[first], edges[last + 1]
        starts, ends = np.sort(self.start[on_row]), np.sort(self.end[on_row])
        count = np.searchsorted(starts, right, side="left") - np.searchsorted(ends, left, "right")
        sums = np.add.reduceat(frac, first) if first.size else np.zeros(0)
        mean = sums / (last - first + 1)
        kinds = [KINDS[int(k) // 16] for k in key[first]]
        n = first.size
        return {
            "left": left.tolist(), "right": right.tolist(),
            "bottom": [r - 0.4] * n,
            "top": (r - 0.4 + 0.8 * level[first] / 8).tolist(),
            "colour": [KIND_COLOURS[k] for k in kinds], "kind": kinds,
            "resource": [self.rows[r]] * n, "index": [-1] * n, "operand": [""] * n,
            "box": [""] * n, "nbytes": [0] * n, "capability": [""] * n,
            "instr_kind": ["(aggregated)"] * n, "count": count.tolist(),
            "busy": np.round(mean, 4).tolist(),
        }

    def show_range(self, x0: float, x1: float) -> None:
        """Send the bars of ``[x0, x1]``: every event, or per-pixel aggregates when too many."""
        if x1 <= x0:
            x1 = x0 + 1
        idx = self.visible(x0, x1)
        self.aggregated = idx.size > self.max_bars
        if self.aggregated:
            data = self._aggregate(x0, x1, max(int(self.width), 1))
        else:
            data = self._detail(idx)
        self.source.data = data

    def set_cursor(self, cycle: float) -> None:
        self.cursor.location = cycle

    # -- figure -------------------------------------------------------------------------------
    def _make_figure(
        self, row_height: int, backend: str, title: str, x_range: Any, sizing_mode: str
    ) -> Any:
        from bokeh.events import RangesUpdate
        from bokeh.models import ColumnDataSource, FixedTicker, HoverTool, Range1d
        from bokeh.models.annotations import Span
        from bokeh.plotting import figure

        n = max(len(self.rows), 1)
        pad = max(self.end_cycle * 0.01, 1)
        xr = x_range if x_range is not None else Range1d(
            start=0, end=self.end_cycle + pad, bounds=(-pad, self.end_cycle + pad))
        p = figure(
            width=self.width, height=60 + row_height * n, x_range=xr,
            y_range=Range1d(start=n - 0.5, end=-0.5), title=title or None,
            tools="xpan,xwheel_zoom,xbox_zoom,reset,save", active_scroll="xwheel_zoom",
            output_backend=cast(Any, backend), x_axis_label="cycle", name="covenant-timeline",
            sizing_mode=cast(Any, sizing_mode),
        )
        cycle_axis(p)
        self.source = ColumnDataSource({c: [] for c in _COLUMNS}, name=BARS)
        bars = p.quad(left="left", right="right", bottom="bottom", top="top", source=self.source,
                      fill_color="colour", line_color=None, name=BARS_RENDERER,
                      legend_field="kind")
        p.add_tools(HoverTool(renderers=[bars], tooltips=_TOOLTIPS))
        p.yaxis.ticker = FixedTicker(ticks=list(range(len(self.rows))))
        p.yaxis.major_label_overrides = {i: r for i, r in enumerate(self.rows)}
        p.ygrid.grid_line_color = None
        p.legend.orientation = "horizontal"
        p.legend.location = "top_left"
        p.add_layout(p.legend[0], "above")
        self.cursor = Span(location=0, dimension="height", line_color="#222", line_width=2,
                           name=CURSOR)
        p.add_layout(self.cursor)
        p.on_event(RangesUpdate, self._on_ranges)
        return p

    def _on_ranges(self, event: Any) -> None:
        if event.x0 is not None and event.x1 is not None:
            self.show_range(float(event.x0), float(event.x1))


def cycle_axis(p: Any) -> None:
    """Cycle ticks of figure ``p``'s x axis as plain integers: ``115,685``, not ``1.157e+5``."""
    from bokeh.models import NumeralTickFormatter

    p.xaxis.formatter = NumeralTickFormatter(format="0,0")


def timeline_figure(
    events: Sequence[Any],
    resources: Sequence[str] | None = None,
    *,
    via: Mapping[str, str] | None = None,
    width: int = 900,
    max_bars: int = 20_000,
    output_backend: str = "canvas",
    title: str = "",
    sizing_mode: str = "stretch_width",
) -> Any:
    """A Bokeh figure of ``events`` (see the module docstring); keeps its level-of-detail
    callback alive through the figure's ``RangesUpdate`` subscription."""
    return Timeline(events, resources, via=via, width=width, max_bars=max_bars,
                    output_backend=output_backend, title=title, sizing_mode=sizing_mode).figure
