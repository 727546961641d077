"""widgets.machine_state / machine_link: the machine at a cycle, hand-checked on the small
matmul (16x40 @ 40x24) on teaching and genesys; the player driving an ACGView."""

from __future__ import annotations

import json

import numpy as np
import pytest

from covenant_lab.acg import load_arch
from covenant_lab.compiler import CompileResult, compile
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator
from covenant_lab.widgets import SimPlayer
from covenant_lab.widgets.acg_view import ACGView
from covenant_lab.widgets.machine_link import link
from covenant_lab.widgets.machine_state import (
    ActiveEdge,
    MachineRun,
    _heat_json,
    event_position,
    machine_run,
    machine_state,
)
from tests.conftest import small_layer


@pytest.fixture(scope="module")
def teaching_run() -> MachineRun:
    acg = load_arch("teaching")
    result = compile(small_layer(), acg)
    return machine_run(Simulator(result.program, acg))


def test_the_schedule_it_reads(teaching_run: MachineRun) -> None:
    # teaching: load a (640 B at 8 B/cyc: 80 cyc), load b's first 4 columns (160 B: 20 cyc),
    # then six 260-cycle MACs on the 4x4 array; the load of the next 4 columns of b is issued
    # one tile ahead (#2, beside the first MAC, #3), before the store of each y block
    assert (teaching_run.start[:4], teaching_run.end[:4]) == ((0, 80, 100, 100),
                                                              (80, 100, 120, 360))
    assert teaching_run.total_cycles == 1692


def test_at_cycle_0_only_the_load_of_a_moves(teaching_run: MachineRun) -> None:
    state = machine_state(teaching_run, 0)
    assert state.edges == (ActiveEdge("DRAM", "SPAD", "bus", "a", "load", 0, 640),)
    assert state.units == ()
    assert state.tiles == ()  # nothing has arrived yet (a tile is live once its load ends)


def test_at_cycle_100_the_array_computes_while_b_loads(teaching_run: MachineRun) -> None:
    state = machine_state(teaching_run, 100)
    assert [(e.operand, e.index) for e in state.edges] == [("b", 2)]
    (unit,) = state.units
    assert (unit.node, unit.operand, unit.reads, unit.index) == ("mac_array", "y", ("a", "b"), 3)
    assert unit.dims == (("rows", 4), ("cols", 4)) and unit.used == (4, 4)
    assert state.tiles == (("SPAD", ("a[0:16, 0:40]", "b[0:40, 0:4]")),)


def test_a_store_runs_toward_home_beside_the_next_compute(teaching_run: MachineRun) -> None:
    # at 360 the bus first loads the b block after next (#4, 20 cycles), then stores y (#5)
    state = machine_state(teaching_run, 380)
    assert [(e.src, e.dst, e.operand, e.kind) for e in state.edges] == [
        ("SPAD", "DRAM", "y", "store")]
    assert [u.index for u in state.units] == [6]
    assert machine_state(teaching_run, teaching_run.total_cycles).edges == ()


def test_heat_map_is_the_share_of_the_run_each_pe_computed(teaching_run: MachineRun) -> None:
    # six MACs of 260 cycles on all 16 PEs, in a run of 1692 cycles
    grid = teaching_run.heat["mac_array"]
    assert grid.shape == (4, 4)
    np.testing.assert_allclose(grid, 6 * 260 / 1692)


def test_genesys_uses_24_of_32_columns() -> None:
    acg = load_arch("genesys")
    result: CompileResult = compile(small_layer(), acg)
    run = machine_run(Simulator(result.program, acg))
    # one 96-cycle MAC over n=24 on the columns, in a run of 145 cycles
    grid = run.heat["pe_array"]
    np.testing.assert_allclose(grid[:, :24], 96 / 145)
    np.testing.assert_allclose(grid[:, 24:], 0.0)
    (unit,) = machine_state(run, 25).units
    assert unit.used == (32, 24)
    data = machine_state(run, 25).to_json(run)
    json.dumps(data)
    assert data["units"][0]["used"] == [32, 24] and data["heat"][0]["block"] == [1, 1]
    assert data["tiles"] == [{"storage": "IBUF", "tiles": ["a[0:16, 0:40]"], "more": 0},
                             {"storage": "WBUF", "tiles": ["b[0:40, 0:24]"], "more": 0}]


def test_a_large_array_is_drawn_in_blocks() -> None:
    grid = np.zeros((256, 256))
    grid[:, :100] = 1.0
    data = _heat_json("mmu", grid)
    assert data["shape"] == [256, 256] and data["block"] == [8, 8]
    cells = np.array(data["grid"])
    assert cells.shape == (32, 32)
    assert cells[0, 11] == 1.0 and cells[0, 12] == 0.5 and cells[0, 13] == 0.0  # 100 = 12.5 x 8


def test_event_position_matches_the_simulator(teaching_run: MachineRun) -> None:
    acg = load_arch("teaching")
    sim = Simulator(compile(small_layer(), acg).program, acg)
    # at cycle 100: issued #0-#3 (starts 0, 80, 100, 100), completed #0 and #1 (80, 100)
    assert event_position(teaching_run, 100) == 6
    sim.seek(6)
    assert sim.cycle == 100
    assert event_position(teaching_run, 10**9) == sim.steps


def test_link_drives_the_view_from_the_player(result: CompileResult) -> None:
    sim = Simulator(result.program, result.arch)
    player = SimPlayer(sim, occupancy=False)
    view = ACGView(result.arch, result)
    controls = link(player, view, cycles=100)
    assert view.machine["cycle"] == 0 and view.machine["edges"][0]["operand"] == "a"
    player.goto(6)
    assert view.machine["cycle"] == 100
    assert [u["index"] for u in view.machine["units"]] == [3]
    controls.step_cycles(300)  # to the last event at or before cycle 400
    assert sim.cycle <= 400 and view.machine["cycle"] == sim.cycle
    assert event_position(controls.run, 400) == sim.position
    controls.step_cycles(-1000)  # back to cycle 0: the load of a has issued
    assert sim.position == 1 and view.machine["cycle"] == 0
    controls.step_cycles(1)  # never stands still: at least one event
    assert sim.position == 2 and view.machine["cycle"] == 80


def test_link_refuses_a_view_of_another_arch(result: CompileResult) -> None:
    player = SimPlayer(Simulator(result.program, result.arch), occupancy=False)
    with pytest.raises(UsageError, match="the player simulates a program for teaching"):
        link(player, ACGView("genesys"))
    with pytest.raises(UsageError, match="'view' to link: expected an ACGView"):
        link(player, "teaching")  # type: ignore[arg-type]


def test_a_new_architecture_drops_the_machine_state(result: CompileResult) -> None:
    player = SimPlayer(Simulator(result.program, result.arch), occupancy=False)
    view = ACGView(result.arch, result)
    link(player, view)
    assert view.machine["edges"]
    view.update(result.arch, result)  # the same machine: kept
    assert view.machine["edges"]
    view.update("genesys")
    assert view.machine == {}
