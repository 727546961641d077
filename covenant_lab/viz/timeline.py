"""Bokeh timeline of a simulator trace: one row per resource, one bar per busy interval.

``timeline_figure(events)`` draws :class:`~covenant_lab.sim.TraceEvent` records (compute
units first, then edges, then the comm nodes transfers are routed through, given ``via``),
coloured by kind (compute / transfer / stall), with a hover naming the instruction (a stall:
what it waited for, the instruction and the tile), and a cursor ``Span`` at the current cycle.

Readable at any size: the plot area is ``row_height`` (24) pixels per resource, whatever
the legend, toolbar (above the plot, reset included) and axes take; resource names are axis
labels; cycles are ticked as integers (never two ticks for one cycle) with thousands
separators.

Large traces stay interactive: when more than ``max_bars`` events are visible, the bars are
replaced by per-resource occupancy bars of one pixel column each (``timeline_bins``).
A ``live`` timeline (the SimPlayer's, shown through ``jupyter_bokeh``) sends the detail of
the visible range again after a zoom or pan (``RangesUpdate``, sent ``LOD_TIMEOUT_MS`` after
the last wheel step instead of Bokeh's 500 ms, and coalesced) and reports a
clicked bar (``on_select``); ``timeline_figure`` (for ``bokeh.io.show``) has no Python
callbacks: it holds every bar, or the aggregate of the whole run above ``max_bars``.

Named models, so tests and browser checks can find them: the bars' source and renderer are
``"covenant-timeline-bars"`` and ``"covenant-timeline-renderer"``, the highlighted
producer/consumer outlines ``"covenant-timeline-links"``, the cursor ``"covenant-cursor"``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np

from covenant_lab.acg.nodes import EdgeId
from covenant_lab.sim.energy_columns import format_pj
from covenant_lab.viz.energy_colours import PALETTE, ColourBy, energy_colour, energy_span
from covenant_lab.viz.energy_colours import colour_by as _colour_by
from covenant_lab.viz.timeline_bins import busy_per_bin, row_runs

__all__ = [
    "BARS",
    "BARS_RENDERER",
    "CURSOR",
    "KIND_COLOURS",
    "LINKS",
    "ROLE_COLOURS",
    "Timeline",
    "busy_per_bin",
    "comm_rows",
    "cycle_axis",
    "label_width",
    "resource_rows",
    "timeline_figure",
]

BARS = "covenant-timeline-bars"
BARS_RENDERER = "covenant-timeline-renderer"
LINKS = "covenant-timeline-links"
CURSOR = "covenant-cursor"
KINDS = ("compute", "transfer", "stall")
KIND_COLOURS = {"compute": "#4e79a7", "transfer": "#59a14f", "stall": "#e15759"}
ROLE_COLOURS = {"selected": "#111111", "producer": "#f28e2b", "consumer": "#b07aa1"}
_HEIGHT = {"compute": 0.8, "transfer": 0.8, "stall": 0.4}
_COLUMNS = ("left", "right", "bottom", "top", "colour", "kind", "resource", "index", "label",
            "detail", "operand", "box", "nbytes", "capability", "instr_kind", "count", "busy",
            "depends_on", "energy")
_TOOLTIP = """<div style="max-width: 460px; font-size: 12px; white-space: normal">
<div style="font-weight: 600">@label</div>
<div>@resource · cycles @left{0,0} – @right{0,0}</div>
<div class="covenant-tip-detail">@detail</div>
<div class="covenant-tip-energy">energy @energy</div></div>"""
_SELECTION_STYLE: dict[str, Any] = {"selection_line_color": "#111111",
                                    "selection_line_width": 2, "nonselection_fill_alpha": 0.45}
COALESCE_S = 0.03  # range updates arriving closer together than this are handled once
LOD_TIMEOUT_MS = 40  # Bokeh sends RangesUpdate this long after the last wheel step


def resource_rows(
    events: Sequence[Any], via: Mapping[EdgeId, str] | None = None
) -> tuple[str, ...]:
    """Rows in drawing order: compute units, then edges, then comm nodes (first use order)."""
    compute: dict[str, None] = {}
    edges: dict[EdgeId, None] = {}  # a transfer's resource is its edge
    for ev in events:
        (compute if ev.kind == "compute" else edges).setdefault(ev.resource, None)
    edges = {r: None for r in edges if r not in compute}  # a compute unit's stalls
    comms = dict.fromkeys(via[r] for r in edges if via and r in via)
    return (*compute, *edges, *comms)


def label_width(rows: Sequence[str]) -> int:
    """Pixels left of the plot area that fit the longest resource name on one line."""
    return 24 + 7 * max((len(r) for r in rows), default=4)


def _label(ev: Any) -> str:
    if ev.kind == "stall":
        return f"stall of #{ev.index} ({ev.instr_kind} {ev.operand})"
    if ev.kind == "transfer":
        return f"#{ev.index} {ev.instr_kind} {ev.operand}"
    return f"#{ev.index} {ev.capability or ev.instr_kind} {ev.operand}"


def _detail(ev: Any, box: str) -> str:
    if ev.kind == "stall":
        return ev.waits_for or "waits for a dependency"
    size = f", {ev.nbytes:,} B" if ev.kind == "transfer" else f", {ev.operations:,} ops"
    return f"{ev.operand}[{box}]{size}"


class Timeline:
    """A trace as a Bokeh figure with level of detail; ``figure`` is what to show."""

    def __init__(
        self,
        events: Sequence[Any],
        resources: Sequence[str] | None = None,
        *,
        via: Mapping[EdgeId, str] | None = None,
        width: int = 900,
        row_height: int = 24,
        max_bars: int = 20_000,
        output_backend: str = "canvas",
        title: str = "",
        x_range: Any = None,
        sizing_mode: str = "stretch_width",
        live: bool = True,
        colour_by: ColourBy | str = ColourBy.KIND,
    ) -> None:
        # busy and stalled intervals only: idle (static-energy) events from
        # Simulator.trace(idle=True) have no bar here
        self.events = tuple(e for e in events if e.kind in KINDS)
        self.rows = tuple(resources) if resources is not None else resource_rows(self.events, via)
        self.colour_by = _colour_by(colour_by)
        self.energy_span = energy_span([e.energy_pj for e in self.events])
        self.max_bars = max_bars
        self.width = width
        self.row_height = row_height
        self._arrays(via or {})
        self.end_cycle = int(self.end.max()) if self.end.size else 1
        self.aggregated = False
        self.covered = (0.0, -1.0)  # the x range whose every bar is in the source
        self.on_select: Callable[[int | None], None] | None = None
        self._pending: tuple[float, float] | None = None
        self._resetting = False
        self.live = live and self.start.size > max_bars  # detail to refresh on zoom
        self.figure = self._make_figure(output_backend, title, x_range, sizing_mode, live)
        self.show_range(0, max(self.end_cycle, 1))

    # -- data ---------------------------------------------------------------------------------
    def _arrays(self, via: Mapping[EdgeId, str]) -> None:
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
        self.bars_of: dict[int, list[int]] = {}  # instruction -> its (non-stall) bars
        for pos, k in enumerate(refs):
            ev = self.events[k]
            if ev.kind != "stall":
                self.bars_of.setdefault(ev.index, []).append(pos)

    def visible(self, x0: float, x1: float) -> np.ndarray:
        """Positions (into the bar arrays) of the bars overlapping ``[x0, x1]``."""
        return np.flatnonzero((self.start <= x1) & (self.end >= x0))

    def _detail(self, idx: np.ndarray) -> dict[str, list[Any]]:
        data: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
        for pos in idx.tolist():
            ev = self.events[self.ref[pos]]
            r = int(self.row[pos])
            half = _HEIGHT[ev.kind] / 2
            box = ", ".join(":".join(str(x) for x in b) for b in ev.box)
            for col, value in (
                ("left", ev.start), ("right", ev.end), ("bottom", r - half), ("top", r + half),
                ("colour", self._colour(ev)), ("kind", ev.kind), ("resource", self.rows[r]),
                ("index", ev.index), ("label", _label(ev)), ("detail", _detail(ev, box)),
                ("operand", ev.operand), ("box", box), ("nbytes", ev.nbytes),
                ("capability", ev.capability), ("instr_kind", ev.instr_kind), ("count", 1),
                ("busy", 1.0), ("depends_on", getattr(ev, "depends_on", -1)),
                ("energy", format_pj(ev.energy_pj)),
            ):
                data[col].append(value)
        return data

    def _colour(self, ev: Any) -> str:
        if self.colour_by is ColourBy.ENERGY:
            return energy_colour(ev.energy_pj, *self.energy_span)
        return KIND_COLOURS[ev.kind]

    def _aggregate(self, x0: float, x1: float, bins: int) -> dict[str, list[Any]]:
        edges = np.linspace(x0, x1, bins + 1)
        data: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
        for r in range(len(self.rows)):
            on_row = self.row == r
            if not on_row.any():
                continue
            busy = np.stack([
                busy_per_bin(self.start[on_row & (self.kind == k)],
                             self.end[on_row & (self.kind == k)], edges)
                for k in range(len(KINDS))
            ])
            runs = row_runs(busy, edges, self.start[on_row], self.end[on_row])
            n = runs["left"].size
            kinds = [KINDS[int(k)] for k in runs["kind"]]
            counts, fracs = runs["count"].tolist(), runs["busy"].tolist()
            for col, values in (
                ("left", runs["left"].tolist()), ("right", runs["right"].tolist()),
                ("bottom", [r - 0.4] * n), ("top", (r - 0.4 + 0.8 * runs["level"] / 8).tolist()),
                ("colour", [KIND_COLOURS[k] for k in kinds]), ("kind", kinds),
                ("resource", [self.rows[r]] * n), ("index", [-1] * n),
                ("label", [f"{c:,} events (zoom in for each)" for c in counts]),
                ("detail", [f"busy {f:.0%}, mostly {k}" for f, k in zip(fracs, kinds,
                                                                        strict=True)]),
                ("operand", [""] * n), ("box", [""] * n), ("nbytes", [0] * n),
                ("capability", [""] * n), ("instr_kind", ["(aggregated)"] * n),
                ("count", counts), ("busy", fracs), ("depends_on", [-1] * n),
                ("energy", ["(zoom in for each event's)"] * n),
            ):
                data[col].extend(values)
        return data

    def show_range(self, x0: float, x1: float) -> None:
        """Send the bars of ``[x0, x1]``: every event (of a range three times as wide when
        that fits, so a pan needs nothing new), or per-pixel aggregates when too many."""
        if x1 <= x0:
            x1 = x0 + 1
        if not self.aggregated and self.covered[0] <= x0 and x1 <= self.covered[1]:
            return  # every bar of the range is there already
        span = x1 - x0
        wide = (max(x0 - span, 0.0), x1 + span)
        idx = self.visible(*wide)
        if idx.size > self.max_bars:
            wide = (x0, x1)
            idx = self.visible(x0, x1)
        self.aggregated = idx.size > self.max_bars
        if self.aggregated:
            self.covered = (0.0, -1.0)
            self.source.data = self._aggregate(x0, x1, max(int(self.width), 1))
        else:
            full = wide[0] <= 0 and wide[1] >= self.end_cycle
            self.covered = (-np.inf, np.inf) if full else wide
            self.source.data = self._detail(idx)
        if self.source.selected.indices:  # they pointed into the old bars
            self._resetting = True
            self.source.selected.indices = []
            self._resetting = False

    def set_cursor(self, cycle: float) -> None:
        self.cursor.location = cycle

    def highlight(self, index: int | None, producers: Sequence[int] = (),
                  consumers: Sequence[int] = ()) -> None:
        """Outline instruction ``index``'s bars, its producers' and its consumers' (None:
        clear)."""
        data: dict[str, list[Any]] = {c: [] for c in ("left", "right", "bottom", "top",
                                                      "colour", "role", "index")}
        if index is not None:
            for role, group in (("producer", producers), ("consumer", consumers),
                                ("selected", (index,))):
                for i in group:
                    for pos in self.bars_of.get(i, ()):
                        r = int(self.row[pos])
                        for col, value in (("left", int(self.start[pos])),
                                           ("right", int(self.end[pos])),
                                           ("bottom", r - 0.45), ("top", r + 0.45),
                                           ("colour", ROLE_COLOURS[role]), ("role", role),
                                           ("index", i)):
                            data[col].append(value)
        self.links.data = data

    # -- figure -------------------------------------------------------------------------------
    def _make_figure(
        self, backend: str, title: str, x_range: Any, sizing_mode: str, live: bool
    ) -> Any:
        from bokeh.events import RangesUpdate
        from bokeh.models import ColumnDataSource, HoverTool, Range1d, TapTool
        from bokeh.models.annotations import Span
        from bokeh.plotting import figure

        n = max(len(self.rows), 1)
        pad = max(self.end_cycle * 0.01, 1)
        xr = x_range if x_range is not None else Range1d(
            start=0, end=self.end_cycle + pad, bounds=(-pad, self.end_cycle + pad))
        p = figure(
            width=self.width, frame_height=self.row_height * n, x_range=xr,
            y_range=Range1d(start=n - 0.5, end=-0.5), title=title or None,
            tools="xpan,xwheel_zoom,xbox_zoom,reset,save", active_scroll="xwheel_zoom",
            toolbar_location="above", output_backend=cast(Any, backend), x_axis_label="cycle",
            name="covenant-timeline", sizing_mode=cast(Any, sizing_mode),
            min_border_left=label_width(self.rows),
            # RangesUpdate fires this long after the last wheel step (Bokeh's default: 500 ms)
            lod_timeout=LOD_TIMEOUT_MS, lod_interval=LOD_TIMEOUT_MS,
        )
        cycle_axis(p)
        self.source = ColumnDataSource({c: [] for c in _COLUMNS}, name=BARS)
        bars = p.quad(left="left", right="right", bottom="bottom", top="top", source=self.source,
                      fill_color="colour", line_color=None, name=BARS_RENDERER,
                      legend_field="kind", **_SELECTION_STYLE)
        self.links = ColumnDataSource({c: [] for c in ("left", "right", "bottom", "top",
                                                       "colour", "role", "index")}, name=LINKS)
        p.quad(left="left", right="right", bottom="bottom", top="top", source=self.links,
               fill_alpha=0, line_color="colour", line_width=2.5, name=LINKS + "-renderer")
        p.add_tools(HoverTool(renderers=[bars], tooltips=_TOOLTIP))
        if live:
            p.add_tools(TapTool(renderers=[bars]))
        p.yaxis.ticker = list(range(len(self.rows)))
        p.yaxis.major_label_overrides = {i: r for i, r in enumerate(self.rows)}
        p.yaxis.major_label_text_font_size = "11px"
        p.ygrid.grid_line_color = None
        legend = p.legend[0]
        legend.orientation = "horizontal"
        legend.location = "top_left"
        legend.label_text_font_size = "11px"
        legend.glyph_height = legend.glyph_width = 12
        legend.update(padding=2, margin=2, border_line_color=None)
        p.add_layout(legend, "above")
        if self.colour_by is ColourBy.ENERGY:
            from bokeh.models import LogColorMapper, LogTicker, PrintfTickFormatter
            from bokeh.models.annotations import ColorBar

            legend.visible = False  # the colours are energies, not kinds
            low, high = self.energy_span
            mapper = LogColorMapper(palette=list(PALETTE), low=low, high=max(high, low * 1.01))
            p.add_layout(ColorBar(color_mapper=mapper, title="pJ per event (grey: none)",
                                  orientation="horizontal", height=8, width=300,
                                  ticker=LogTicker(desired_num_ticks=5, mantissas=[1, 2, 5]),
                                  formatter=PrintfTickFormatter(format="%.0e"),
                                  title_text_font_size="11px", name="covenant-energy-bar"),
                         "above")
        self.cursor = Span(location=0, dimension="height", line_color="#222", line_width=2,
                           name=CURSOR)
        p.add_layout(self.cursor)
        if live:
            self.source.selected.on_change("indices", self._on_tap)
        if self.live:
            p.on_event(RangesUpdate, self._on_ranges)
        return p

    def _on_tap(self, _attr: str, _old: Any, new: list[int]) -> None:
        if self.on_select is None or self._resetting:
            return
        index = int(self.source.data["index"][new[0]]) if new else -1
        self.on_select(index if index >= 0 else None)

    def _on_ranges(self, event: Any) -> None:
        """Detail for the new range; updates closer together than ``COALESCE_S`` (a pan
        drag) are handled once, for the last range."""
        if event.x0 is None or event.x1 is None:
            return
        first = self._pending is None
        self._pending = (float(event.x0), float(event.x1))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a kernel's event loop (tests): at once
            self._flush()
            return
        if first:
            loop.call_later(COALESCE_S, self._flush)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.show_range(*pending)


def cycle_axis(p: Any) -> None:
    """Cycle ticks of figure ``p``'s x axis as integers: ``115,685``, not ``1.157e+5``, and
    never a tick between two cycles (so no label repeats when zoomed in)."""
    from bokeh.models import NumeralTickFormatter

    for axis in p.xaxis:
        axis.formatter = NumeralTickFormatter(format="0,0")
        axis.ticker.min_interval = 1


def timeline_figure(
    events: Sequence[Any],
    resources: Sequence[str] | None = None,
    *,
    via: Mapping[EdgeId, str] | None = None,
    width: int = 900,
    row_height: int = 24,
    max_bars: int = 20_000,
    output_backend: str = "canvas",
    title: str = "",
    sizing_mode: str = "stretch_width",
    colour_by: ColourBy | str = ColourBy.KIND,
) -> Any:
    """A standalone Bokeh figure of ``events`` for ``bokeh.io.show`` (see the module
    docstring): no Python callbacks, so no warning and nothing that needs a kernel.
    ``colour_by="energy"`` colours each event by its picojoules (``viz/energy_colours.py``)."""
    return Timeline(events, resources, via=via, width=width, row_height=row_height,
                    max_bars=max_bars, output_backend=output_backend, title=title,
                    sizing_mode=sizing_mode, live=False, colour_by=colour_by).figure


def comm_rows(acg: Any) -> dict[EdgeId, str]:
    """Edge name -> the communication node it goes through, for the edges that have one: a
    transfer is drawn on both rows."""
    return {e.key: e.via for e in acg.edges if e.via}
