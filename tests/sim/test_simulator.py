"""Stepping, rewinding, views and checks of the Simulator."""

from __future__ import annotations

import re

import numpy as np
import pytest

from covenant_lab.errors import SimulationError, UsageError
from covenant_lab.sim import SimEvent, Simulator

from ._build import tiled_gemm, tiny

RNG = np.random.default_rng(3)
A, B = RNG.standard_normal((8, 12)), RNG.standard_normal((12, 8))


def _sim(**kw: object) -> Simulator:
    return Simulator(tiled_gemm(8, 8, 12, 4), tiny(), {"a": A, "b": B}, **kw)  # type: ignore[arg-type]


def test_steps_walk_issue_and_completion_events_in_time_order() -> None:
    sim = _sim()
    events: list[SimEvent] = []
    while (ev := sim.step()) is not None:
        events.append(ev)
        assert sim.cycle == ev.cycle
    n = len(sim.program.instrs)
    assert len(events) == sim.steps == 2 * n
    assert [e.step for e in events] == list(range(2 * n))
    assert [e.cycle for e in events] == sorted(e.cycle for e in events)
    s = sim.schedule
    for e in events:
        assert e.cycle == (s.start[e.index] if e.kind == "issue" else s.end[e.index])
    first = {(e.kind, e.index): e.step for e in events}
    assert all(first[("issue", i)] < first[("complete", i)] for i in range(n))
    assert sim.done and sim.step() is None
    assert sim.state.completed == n and sim.state.pending == 0
    sim.check({"c": A @ B})


def test_state_shows_what_each_resource_does() -> None:
    sim = _sim()
    sim.run_until(cycle=20)
    state = sim.state
    assert state.cycle == 20
    s = sim.schedule
    for resource, index in state.busy:
        active = [i for i in range(len(s)) if resource in s.resources[i]
                  and s.start[i] <= 20 < s.end[i]]
        assert ([index] if index is not None else []) == active
    spad = state.storage("SPAD")
    assert spad.capacity_bytes == 1024
    assert spad.occupancy_bytes == sum(t.nbytes for t in spad.tiles) > 0
    assert state.storage("DRAM").capacity_bytes is None
    assert {t.operand for t in state.storage("DRAM").tiles} == {"a", "b", "c"}
    with pytest.raises(KeyError):
        state.doing("nope")


def test_run_until_instruction_and_predicate() -> None:
    sim = _sim()
    ev = sim.run_until(instruction=5)
    assert ev is not None and (ev.kind, ev.index) == ("complete", 5)
    ev = sim.run_until(predicate=lambda e: e.kind == "issue" and e.index == 9)
    assert ev is not None and (ev.kind, ev.index) == ("issue", 9)
    with pytest.raises(UsageError, match="no instruction 999"):
        sim.run_until(instruction=999)


def test_back_and_forth_give_identical_states() -> None:
    sim = _sim(snapshot_every=3)
    states = [sim.state]
    outputs = [sim.outputs()["c"]]
    while sim.step() is not None:
        states.append(sim.state)
        outputs.append(sim.outputs()["c"])
    for target in (len(states) - 1, 17, 40, 3, 0, 29, len(states) // 2):
        assert sim.seek(target) == states[target]
        np.testing.assert_array_equal(sim.outputs()["c"], outputs[target])
    sim.seek(30)
    assert sim.back(5) == states[25]
    assert sim.back(100) == states[0]
    with pytest.raises(UsageError, match="'step_number' to seek"):
        sim.seek(-1)


def test_rewinding_without_snapshots_replays_from_the_start() -> None:
    sim = _sim(snapshot_budget_bytes=0)
    sim.run()
    final = sim.outputs()["c"]
    sim.seek(10)
    sim.run()
    np.testing.assert_array_equal(sim.outputs()["c"], final)


def test_check_names_layer_tensor_index_and_values() -> None:
    sim = _sim().run()
    wrong = A @ B
    wrong[1, 2] += 1.0
    simulated = f"{float(sim.outputs()['c'][1, 2]):.6g}"
    reference = f"{float(wrong[1, 2]):.6g}"
    with pytest.raises(SimulationError, match=(
        rf"sim: fc1: output 'c' differs at index \[1, 2\]: simulated {re.escape(simulated)}, "
        rf"reference {re.escape(reference)} "
        r"\(1 of 64 elements differ; rtol=0.0001, atol=1e-05\)"
    )) as info:
        sim.check({"c": wrong}, layer="fc1")
    assert "np." not in str(info.value)  # plain numbers, not numpy reprs
    with pytest.raises(SimulationError, match="sim: gemm: no output named 'z'"):
        sim.check({"z": wrong})


def test_timing_only_simulator() -> None:
    sim = Simulator(tiled_gemm(8, 8, 12, 4), tiny()).run()
    assert sim.total_cycles == sim.schedule.total_cycles > 0
    with pytest.raises(SimulationError, match=r"check\(\) needs values.*timing-only"):
        sim.check({"c": A @ B})
    with pytest.raises(SimulationError, match=r"outputs\(\) needs values"):
        sim.outputs()


def test_inputs_are_validated() -> None:
    prog = tiled_gemm(8, 8, 12, 4)
    with pytest.raises(UsageError, match="missing weight 'b'"):
        Simulator(prog, tiny(), {"a": A})
    with pytest.raises(UsageError, match="no tensor in DRAM named 'q'"):
        Simulator(prog, tiny(), {"a": A, "b": B, "q": A})
    with pytest.raises(UsageError, match=r"'a' has shape \(3,\), expected \(8, 12\)"):
        Simulator(prog, tiny(), {"a": np.ones(3), "b": B})


def test_utilisation_and_bytes_moved() -> None:
    sim = _sim()
    util = sim.utilisation()
    assert set(util) == {"DRAM->SPAD", "dma", "pe", "SPAD->DRAM"}
    assert all(0 < u <= 1 for u in util.values())
    # a: 8x12, b: 12x8 loaded once per output tile (2x2 of them): 4 * (4*12 + 12*4) * 4 bytes
    assert sim.bytes_moved() == {"DRAM->SPAD": 4 * 96 * 4, "SPAD->DRAM": 64 * 4}
    busy = sim.schedule.busy_cycles()
    assert util["pe"] == busy["pe"] / sim.total_cycles


def test_trace_has_an_event_per_instruction() -> None:
    sim = _sim()
    events = [e for e in sim.trace() if e.kind != "stall"]
    assert [e.index for e in events] == list(range(len(sim.program.instrs)))
