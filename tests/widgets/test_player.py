"""SimPlayer and sim_state: the simulator drives the views; controls move the simulator."""

from __future__ import annotations

import json

import pytest

from covenant_lab.codelets.printer import stmt_text
from covenant_lab.compiler import CompileResult
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator
from covenant_lab.viz.occupancy import CURSOR as OCC_CURSOR
from covenant_lab.viz.timeline import CURSOR
from covenant_lab.widgets import SimPlayer
from covenant_lab.widgets.sim_state import (
    codelet_lines,
    cycle_text,
    instruction_text,
    player_state,
    statement_text,
)


def test_player_state_at_the_start_and_after_steps(sim: Simulator) -> None:
    start = player_state(sim)
    json.dumps(start)
    assert start["step"] == 0 and start["cycle"] == 0 and start["event"] is None
    assert start["instr"] is None and not start["done"]
    assert {b["resource"] for b in start["busy"]} == set(sim.schedule.resource_names)
    assert [s["name"] for s in start["storages"]] == ["DRAM", "SPAD"]
    ev = sim.step()
    ev = sim.step()
    state = player_state(sim, ev)
    assert state["step"] == 2 and state["event"]["index"] == ev.index
    assert state["instr"]["index"] == ev.index
    assert state["instr"]["text"] == instruction_text(sim.program, ev.index)
    spad = next(s for s in state["storages"] if s["name"] == "SPAD")
    assert spad["used"] == sim.state.storage("SPAD").occupancy_bytes  # held, without in_use
    assert player_state(sim, ev, {"SPAD": 64})["storages"][1]["used"] == 64
    sim.run()
    assert player_state(sim)["done"]


def test_statement_text(result: CompileResult) -> None:
    program = result.program
    compute = next(i for i, ins in enumerate(program.instrs) if hasattr(ins, "stage"))
    stage = program.codelet.stages[0]
    assert statement_text(program, compute) == stmt_text(stage.stmt, stage.loops)
    assert statement_text(program, 0).startswith("load tile a[")
    store = next(i for i, ins in enumerate(program.instrs) if getattr(ins, "kind", "") == "store")
    assert statement_text(program, store).endswith("from stage 0")


def test_codelet_lines_mark_their_stage(result: CompileResult) -> None:
    lines = codelet_lines(result.codelet)
    assert lines[0] == {"text": "codelet matmul(m=16, n=24, k=40)", "stage": -1}
    assert [x["stage"] for x in lines if "+=" in x["text"]] == [0]


def test_buttons_scrub_and_play_move_the_simulator(sim: Simulator) -> None:
    p = SimPlayer(sim, occupancy=False)
    assert "covenant-step" in p.step_button._dom_classes
    assert "covenant-back" in p.back_button._dom_classes
    assert "covenant-cycle" in p.cycle_label._dom_classes
    assert cycle_text(sim) in p.cycle_label.value
    p.step_button.click()
    p.step_button.click()
    assert sim.position == 2 == p.scrub.value == p.play.value
    assert p.view.state["event"] is not None
    assert f"cycle {sim.cycle:,} / {sim.total_cycles:,}" in p.cycle_label.value
    p.back_button.click()
    assert sim.position == 1
    mid = sim.steps // 2
    p.scrub.set_state({"value": mid})  # the slider released in the browser
    assert sim.position == mid == p.play.value
    assert p.timeline.figure.select_one({"name": CURSOR}).location == sim.cycle
    p.speed.value = 10
    assert p.play.speed == 10
    p.play.set_state({"value": mid + 5})  # a play tick
    assert sim.position == mid + 5 == p.scrub.value
    p.goto(10**9)
    assert sim.position == sim.steps and p.view.state["done"]
    p.goto(-5)
    assert sim.position == 0 and p.view.state["event"] is None


def test_the_event_shown_is_the_last_one_processed(sim: Simulator) -> None:
    p = SimPlayer(sim, occupancy=False)
    p.goto(7)
    shown = p.view.state["event"]
    fresh = Simulator(sim.program, sim.acg)
    events = [fresh.step() for _ in range(7)]
    assert shown == {"kind": events[-1].kind, "index": events[-1].index,
                     "cycle": events[-1].cycle}


def test_player_with_occupancy_and_a_started_simulator(sim: Simulator) -> None:
    sim.run_until(cycle=500)
    p = SimPlayer(sim)
    assert p.scrub.value == sim.position > 0
    assert p.occupancy.select_one({"name": OCC_CURSOR}).location == sim.cycle
    assert "covenant-timeline" in p.children[2]._dom_classes
    assert "covenant-player-panel" in p._dom_classes
    # the plots stretch to the output area: the figures, their column and the widget
    assert p.plot._model.sizing_mode == "stretch_width"
    assert [f.sizing_mode for f in p.plot._model.children] == ["stretch_width"] * 2
    assert p.plot.layout.width == "100%"
    assert p.view.codelet == codelet_lines(sim.program.codelet)


def test_a_late_view_gets_the_current_plot(sim: Simulator) -> None:
    p = SimPlayer(sim, occupancy=False)
    p.goto(20)
    p._repr_mimebundle_()  # what display() does
    bundle = json.dumps(p.plot.render_bundle, default=str)
    assert f"'location': {sim.cycle}" in bundle or f'"location": {sim.cycle}' in bundle


def test_clicking_a_bar_selects_its_instruction_and_outlines_its_neighbours(
        sim: Simulator) -> None:
    p = SimPlayer(sim, occupancy=False)
    seen: list[tuple[str, object]] = []
    p.observe(lambda ch: seen.append((ch["name"], ch["new"])), names=["position", "cycle"])
    p.step_button.click()
    assert ("position", 1) in seen and p.position == 1 and p.cycle == sim.cycle
    flow = sim.dataflow
    # a compute with producers and consumers: what a click on its bar does
    i = next(k for k in range(len(sim.program.instrs))
             if flow.producers(k) and flow.consumers(k))
    data = p.timeline.source.data
    bar = next(k for k, (idx, kind) in enumerate(zip(data["index"], data["kind"], strict=True))
               if idx == i and kind != "stall")
    p.timeline.source.selected.indices = [bar]  # what the browser's tap sends
    assert p.selected == i
    d = p.view.selection
    assert d["index"] == i and [x["index"] for x in d["producers"]["items"]] == list(
        flow.producers(i))
    assert [x["index"] for x in d["consumers"]["items"]] == list(flow.consumers(i))[:12]
    links = p.timeline.links.data
    assert set(links["role"]) == {"selected", "producer", "consumer"}
    assert {x for x, r in zip(links["index"], links["role"], strict=True) if r == "producer"} \
        == set(flow.producers(i))
    # a producer clicked in the details pane selects it
    p._on_view_msg(p.view, {"select": flow.producers(i)[0]}, [])
    assert p.selected == flow.producers(i)[0]
    p.selected = None
    assert p.view.selection == {} and p.timeline.links.data["left"] == []
    with pytest.raises(UsageError, match=r"SimPlayer.selected: no instruction 99999"):
        p.selected = 99999


def test_the_instruction_pane_says_what_a_stalled_instruction_waited_for(
        sim: Simulator) -> None:
    stalled = next(i for i in range(len(sim.program.instrs)) if sim.schedule.stall(i) > 0)
    p = SimPlayer(sim, occupancy=False)
    fresh = Simulator(sim.program, sim.acg)
    ev = fresh.run_until(predicate=lambda e: e.index == stalled)
    assert ev is not None
    p.goto(ev.step + 1)
    wait = p.view.state["instr"]["wait"]
    assert wait == sim.dataflow.wait(stalled).text and f"#{sim.schedule.stall_on[stalled]} " in wait


def test_the_player_can_colour_its_timeline_by_energy(sim: Simulator) -> None:
    from covenant_lab.viz.energy_colours import PALETTE, ColourBy

    p = SimPlayer(sim, occupancy=False, colour_by="energy")
    assert p.timeline.colour_by is ColourBy.ENERGY
    colours = set(p.timeline.source.data["colour"])
    assert colours & set(PALETTE) and PALETTE[-1] in colours
    with pytest.raises(UsageError, match=r"argument 'colour_by' to SimPlayer"):
        SimPlayer(sim, occupancy=False, colour_by="pj")
