"""viz.timeline: figure structure, cursor, per-pixel aggregation and range-driven detail."""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest
from bokeh.events import RangesUpdate
from bokeh.models import ColumnDataSource, HoverTool, NumeralTickFormatter, Span

from covenant_lab.sim import Simulator, TraceEvent
from covenant_lab.viz.timeline import (
    BARS,
    BARS_RENDERER,
    CURSOR,
    KIND_COLOURS,
    Timeline,
    busy_per_bin,
    resource_rows,
    timeline_figure,
)

VIA = {"DRAM->SPAD": "bus", "SPAD->DRAM": "bus"}


def synthetic(n: int, seed: int = 0) -> list[TraceEvent]:
    """``n`` back-to-back events over four resources, one in ten preceded by a stall."""
    rng = np.random.default_rng(seed)
    names = ("pe", "DRAM->SPAD", "SPAD->DRAM", "simd")
    clock = dict.fromkeys(names, 0)
    out = []
    for i in range(n):
        r = names[i % 4]
        if rng.random() < 0.1:
            out.append(TraceEvent(i, r, "stall", clock[r], clock[r] + 3, 0, 0, "x", ((0, 1),),
                                  "mac", "o", "mac"))
            clock[r] += 3
        d = int(rng.integers(1, 20))
        kind = "compute" if r in ("pe", "simd") else "transfer"
        out.append(TraceEvent(i, r, kind, clock[r], clock[r] + d, 64 if kind == "transfer" else 0,
                              d, "x", ((0, 4), (0, 8)), "load" if kind == "transfer" else "mac",
                              "o", "mac" if kind == "compute" else ""))
        clock[r] += d + int(rng.integers(0, 3))
    return out


def bars(fig: Any) -> dict[str, list[Any]]:
    return fig.select_one({"name": BARS, "type": ColumnDataSource}).data


def test_rows_are_compute_then_edges_then_comm_nodes() -> None:
    events = synthetic(40)
    assert resource_rows(events, VIA) == ("pe", "simd", "DRAM->SPAD", "SPAD->DRAM", "bus")
    assert resource_rows(events) == ("pe", "simd", "DRAM->SPAD", "SPAD->DRAM")


def test_figure_structure_on_a_simulator_trace(sim: Simulator) -> None:
    trace = sim.trace()
    via = {f"{e.src}->{e.dst}": e.via for e in sim.acg.edges if e.via}
    fig = timeline_figure(trace, via=via)
    renderers = [r for r in fig.renderers if r.name == BARS_RENDERER]
    assert len(renderers) == 1
    assert len({m.id for m in fig.select({"name": BARS})}) == 1  # unique: get_model_by_name
    transfers = sum(1 for ev in trace if ev.kind == "transfer")
    data = bars(fig)
    assert len(data["left"]) == len(trace) + transfers  # transfers also on their comm node's row
    assert set(data["kind"]) <= set(KIND_COLOURS)
    assert {data["colour"][i] for i, k in enumerate(data["kind"]) if k == "compute"} == {
        KIND_COLOURS["compute"]}
    labels = fig.yaxis[0].major_label_overrides
    assert list(labels.values()) == list(resource_rows(trace, via))
    assert fig.select_one({"name": CURSOR, "type": Span}) is not None
    hover = fig.select_one({"type": HoverTool})
    assert {"@label", "@resource", "@left", "@right", "@detail"} <= set(
        re.findall(r"@\w+", hover.tooltips))


def test_cursor_moves(sim: Simulator) -> None:
    tl = Timeline(sim.trace())
    tl.set_cursor(123)
    assert tl.figure.select_one({"name": CURSOR}).location == 123


def test_webgl_on_request() -> None:
    assert timeline_figure(synthetic(8), output_backend="webgl").output_backend == "webgl"
    assert timeline_figure(synthetic(8)).output_backend == "canvas"


def test_busy_per_bin_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    starts = rng.integers(0, 500, 200)
    ends = starts + rng.integers(1, 50, 200)
    edges = np.linspace(0, 600, 37)
    got = busy_per_bin(starts, ends, edges)
    want = [sum(max(0.0, min(e, b1) - max(s, b0)) for s, e in zip(starts, ends, strict=True))
            for b0, b1 in itertools.pairwise(edges)]
    np.testing.assert_allclose(got, want)
    assert busy_per_bin(np.array([]), np.array([]), edges).shape == (36,)


def test_aggregation_above_the_threshold_on_100k_events() -> None:
    events = synthetic(100_000)
    tl = Timeline(events, via=VIA, max_bars=20_000, width=800)
    assert tl.aggregated
    data = bars(tl.figure)
    assert 0 < len(data["left"]) <= 800 * len(tl.rows)
    assert set(data["instr_kind"]) == {"(aggregated)"}
    # the busy cycles of each row are kept (the synthetic bus row overlaps: it is clipped)
    for r, name in enumerate(tl.rows[:4]):
        on_row = [k for k, res in enumerate(data["resource"]) if res == name]
        drawn = sum(data["busy"][k] * (data["right"][k] - data["left"][k]) for k in on_row)
        true = float((tl.end[tl.row == r] - tl.start[tl.row == r]).sum())
        assert drawn == pytest.approx(true, rel=1e-3)
    # zoomed in: every event of the range (and of a range as wide each side, for panning)
    # as its own bar again
    tl.show_range(1000, 1400)
    assert not tl.aggregated
    assert len(bars(tl.figure)["left"]) == tl.visible(600, 1800).size > 0
    # a pan within what was sent sends nothing new
    before = tl.source.data
    tl.show_range(1300, 1700)
    assert tl.source.data is before


def test_ranges_update_sends_detail_of_the_visible_range() -> None:
    tl = Timeline(synthetic(2_000), max_bars=500)
    assert tl.aggregated
    assert "rangesupdate" in tl.figure.subscribed_events
    assert tl.figure.lod_timeout == 40  # the update comes 40 ms after the wheel, not 500
    tl.figure._trigger_event(RangesUpdate(tl.figure, x0=100, x1=300, y0=0, y1=3))
    assert not tl.aggregated
    data = bars(tl.figure)
    assert min(data["right"]) >= 0  # the range and as wide again each side (clipped at 0)
    assert max(data["left"]) <= 500
    assert len(data["left"]) == tl.visible(0, 500).size


def test_small_threshold_aggregates_a_real_trace(sim: Simulator) -> None:
    tl = Timeline(sim.trace(), max_bars=5)
    assert tl.aggregated
    assert len(bars(tl.figure)["left"]) > 0


def test_figure_stretches_and_ticks_cycles_as_integers() -> None:
    fig = timeline_figure(synthetic(200))
    assert fig.sizing_mode == "stretch_width"
    assert fig.frame_height == 24 * 4  # the plot area: a row per resource, whatever else
    assert fig.toolbar_location == "above"
    (axis,) = fig.xaxis
    assert isinstance(axis.formatter, NumeralTickFormatter) and axis.formatter.format == "0,0"
    assert axis.ticker.min_interval == 1  # no tick between two cycles: no repeated labels
    fixed = timeline_figure(synthetic(200), width=700, sizing_mode="fixed")
    assert fixed.sizing_mode == "fixed" and fixed.width == 700
