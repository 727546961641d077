"""analysis.compare: two runs row by row (cycles, bytes per edge, utilisation)."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG
from covenant_lab.analysis.compare import Row, RunSummary, compare, summarise
from covenant_lab.codelets import library as L
from covenant_lab.compiler import Constraints, compile
from covenant_lab.sim import Simulator

CONV = L.conv2d((1, 6, 14, 14), (16, 6, 5, 5), bias=True)


def test_compare_two_known_runs() -> None:
    before = RunSummary("before", 1000, (("A->B", 640), ("B->A", 100)),
                        (("mac", 0.9), ("A->B", 0.5)), ("mac",))
    after = RunSummary("after", 750, (("A->B", 320), ("B->C", 48)),
                       (("mac", 0.95), ("B->C", 0.25)), ("mac",))
    c = compare(before, after)
    assert (c.cycles.before, c.cycles.after, c.cycles.delta) == (1000, 750, -250)
    assert c.cycles.change == pytest.approx(-0.25)
    assert [(r.name, r.before, r.after, r.delta) for r in c.traffic] == [
        ("A->B", 640, 320, -320), ("B->A", 100, 0, -100), ("B->C", 0, 48, 48)]
    assert c.traffic[2].change is None  # nothing before: no ratio
    assert [r.name for r in c.utilisation] == ["mac", "A->B", "B->C"]  # units first
    assert c.utilisation[0].delta == pytest.approx(0.05)
    assert c.axis_end == 1000
    lines = c.text().splitlines()
    assert lines[0].split() == ["metric", "before", "after", "change"]
    assert lines[1].split() == ["cycles", "1,000", "750", "-250", "(-25.0%)"]
    assert lines[2].split() == ["A->B", "bytes", "640", "320", "-320", "(-50.0%)"]
    assert lines[-3].split() == ["mac", "busy", "90%", "95%", "+5", "points"]


def test_a_row_without_change() -> None:
    assert Row("x", 5, 5).delta == 0 and Row("x", 5, 5).change == 0
    assert Row("x", 0, 0).change is None


def test_compare_an_edit_against_the_simulator(teaching: ACG) -> None:
    """Before/after a wider array: the deltas are the simulator's own numbers."""
    old = compile(CONV, teaching)
    new = compile(CONV, teaching.with_param("cols", 8))
    c = compare(summarise(old, "before"), summarise(new, "after"))
    sims = [Simulator(r.program, r.arch) for r in (old, new)]
    assert c.cycles.before == sims[0].total_cycles and c.cycles.after == sims[1].total_cycles
    assert c.cycles.delta == sims[1].total_cycles - sims[0].total_cycles < 0
    moved = [s.bytes_moved() for s in sims]
    for row in c.traffic:
        assert row.delta == moved[1].get(row.name, 0) - moved[0].get(row.name, 0)
    assert {r.name for r in c.traffic} == set(moved[0]) | set(moved[1])
    mac = next(r for r in c.utilisation if r.name == "mac_array")
    assert mac.before == pytest.approx(sims[0].utilisation()["mac_array"])
    assert c.utilisation[0].name == "mac_array"  # the compute unit first
    assert c.before.estimate == old.estimate.cycles and len(c.after.events) > 0


def test_compare_a_constraint(teaching: ACG) -> None:
    """Resident input (ic outermost) instead of resident output: fewer input bytes."""
    old = compile(CONV, teaching)
    order = ("n", "ic", "oc", "oh", "ow", "kh", "kw")
    new = compile(CONV, teaching, Constraints.of(order=order))
    c = compare(summarise(old, "free"), summarise(new, "ic outermost"))
    loads = next(r for r in c.traffic if r.name == "DRAM->SPAD")
    stores = next(r for r in c.traffic if r.name == "SPAD->DRAM")
    assert loads.delta < 0 and stores.delta == 0
    assert "ic outermost" in c.text().splitlines()[0]
