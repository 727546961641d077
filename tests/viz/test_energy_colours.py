"""A timeline coloured by energy (issue #15): each event's picojoules on a log scale."""

from __future__ import annotations

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets.library import matmul
from covenant_lab.compiler import compile
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator
from covenant_lab.viz.energy_colours import FREE, PALETTE, energy_colour, energy_span
from covenant_lab.viz.timeline import BARS, Timeline, timeline_figure


def test_the_log_scale_runs_from_the_cheapest_to_the_costliest_event() -> None:
    assert energy_span([0.0, 10.0, 1000.0, 100.0]) == (10.0, 1000.0)
    assert energy_colour(10.0, 10.0, 1000.0) == PALETTE[0]
    assert energy_colour(1000.0, 10.0, 1000.0) == PALETTE[-1]
    assert energy_colour(100.0, 10.0, 1000.0) == PALETTE[4]  # half way on the log scale
    assert energy_colour(0.0, 10.0, 1000.0) == FREE


def test_a_timeline_coloured_by_energy_shows_each_events_picojoules() -> None:
    acg = load_arch("teaching")
    sim = Simulator(compile(matmul((16, 40), (40, 24)), acg).program, acg).run()
    events = sim.trace()
    timeline = Timeline(events, colour_by="energy", live=False)
    data = timeline.source.data
    low, high = timeline.energy_span
    by_bar = {(r, left): (c, e) for r, left, c, e in zip(
        data["resource"], data["left"], data["colour"], data["energy"], strict=True)}
    for ev in events:
        colour, text = by_bar[(ev.resource, ev.start)]
        assert colour == energy_colour(ev.energy_pj, low, high)
        assert text.endswith("J")
    costliest = max(events, key=lambda e: e.energy_pj)
    assert by_bar[(costliest.resource, costliest.start)][0] == PALETTE[-1]
    assert all(by_bar[(e.resource, e.start)][0] == FREE for e in events if e.kind == "stall")
    fig = timeline_figure(events, colour_by="energy")
    assert fig.select_one({"name": "covenant-energy-bar"}) is not None
    assert fig.select_one({"name": BARS}) is not None
    with pytest.raises(UsageError, match=r"argument 'colour_by' to Timeline: expected one of "
                                         r"'kind', 'energy', got 'heat'"):
        Timeline(events, colour_by="heat")
