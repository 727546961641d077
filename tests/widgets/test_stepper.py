"""PassStepper and stepper_state: the compile log step by step, constraints, recompiling."""

from __future__ import annotations

import pytest

from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import CompileResult, Constraints
from covenant_lab.errors import UsageError
from covenant_lab.widgets import PassStepper
from covenant_lab.widgets.stepper_state import (
    constraints_from_form,
    diff_lines,
    form_defaults,
    step_state,
)


def test_diff_lines_marks_added_and_removed_lines() -> None:
    got = diff_lines("a\nb\nc", "a\nB\nc\nd")
    assert got == [
        {"kind": "same", "text": "a"},
        {"kind": "del", "text": "b"},
        {"kind": "add", "text": "B"},
        {"kind": "same", "text": "c"},
        {"kind": "add", "text": "d"},
    ]
    assert diff_lines("", "x") == [{"kind": "add", "text": "x"}]


def test_each_step_highlights_what_its_pass_changed(result: CompileResult) -> None:
    names = [s.name for s in result.log]
    for i, step in enumerate(result.log):
        state = step_state(result.log, i)
        assert state["name"] == step.name and state["count"] == len(result.log)
        assert [p["name"] for p in state["passes"]] == names
        after = [x["text"] for x in state["lines"] if x["kind"] != "del"]
        assert after == step.after_text.splitlines()
        added = {x["text"] for x in state["lines"] if x["kind"] == "add"}
        assert added == set(step.after_text.splitlines()) - set(step.before_text.splitlines())
        assert state["changed"] == len([x for x in state["lines"] if x["kind"] == "add"]) > 0
    tile = names.index("tile")
    assert step_state(result.log, tile - 1)["table"] == ""
    assert "operand" in step_state(result.log, tile)["table"]
    placed = step_state(result.log, names.index("place"))
    assert any("a: DRAM -> SPAD" in x["text"] for x in placed["lines"] if x["kind"] == "add")


def test_step_state_bounds(result: CompileResult) -> None:
    with pytest.raises(UsageError, match="no step 99"):
        step_state(result.log, 99)
    assert step_state((), 0)["count"] == 0


def test_form_defaults_and_constraints(result: CompileResult) -> None:
    d = form_defaults(result.mapping)
    (group,) = result.mapping.groups
    assert d["tiles"] == dict(zip(group.tile_loops, group.tiles[0], strict=True))
    assert d["order"] == ", ".join(group.orders[0])
    assert d["storage"]["a"] == ("SPAD", ("SPAD",))
    c = constraints_from_form({"m": 8, "n": 0}, "k, m n", {"a": "", "b": "SPAD"})
    assert c == Constraints.of(tiles={"m": 8}, order=("k", "m", "n"), storage={"b": "SPAD"})
    assert constraints_from_form({}, "", {}) == Constraints()


def test_navigation_with_buttons_and_frontend_messages(result: CompileResult,
                                                       layer: Codelet) -> None:
    w = PassStepper(result, layer)
    last = len(result.log) - 1
    assert w.index == last and w.next_button.disabled
    assert "covenant-stepper-panel" in w._dom_classes
    assert "covenant-prev" in w.prev_button._dom_classes
    w.prev_button.click()
    assert w.index == last - 1
    assert w.view.state["name"] == result.log[last - 1].name
    w.view.set_state({"index": 0})  # a click on the first pass's breadcrumb
    assert w.view.state["name"] == result.log[0].name
    assert w.prev_button.disabled
    assert w.acg.mapping is result.log[0].after
    w.next_button.click()
    assert w.index == 1
    w.view.set_state({"index": 99})
    assert w.index == last


def test_overlay_follows_the_step(result: CompileResult) -> None:
    w = PassStepper(result)
    names = [s.name for s in result.log]

    def spad_lines() -> list[str]:
        node = next(n for n in w.acg.graph["nodes"] if n["name"] == "SPAD")
        return [x["text"] for x in node["overlay_lines"]]

    w.show(names.index("spatial"))
    assert not any(t.startswith("used") for t in spad_lines())
    w.show(names.index("tile"))
    assert any(t.startswith("used") for t in spad_lines())


def test_recompile_with_constraints(result: CompileResult, layer: Codelet) -> None:
    w = PassStepper(result, layer)
    assert w.target is layer
    w.tile_fields["m"].value = 8
    w.order_field.value = "k m n"
    assert w.recompile()
    assert w.result is not result and len(w.history) == 2
    assert w.result.constraints == Constraints.of(tiles={"m": 8}, order=("k", "m", "n"))
    assert "→" in w.status.value and w.error.value == ""
    assert w.index == len(w.result.log) - 1


def test_impossible_constraints_show_the_mapping_error_inline(result: CompileResult) -> None:
    w = PassStepper(result)
    w.order_field.value = "q"
    assert not w.recompile()
    assert "covenant-error" in w.error._dom_classes
    assert "order: constraint q" in w.error.value
    assert w.result is result
    w.order_field.value = ""
    w.tile_fields["m"].value = 1000
    w.recompile_button.click()
    assert "tile 1000" in w.error.value


# -- issue 14: decisions in words, constraints kept, compare after a recompile -----------------
def test_each_step_states_its_decision_and_the_alternatives(result: CompileResult) -> None:
    names = [s.name for s in result.log]
    tile = step_state(result.log, names.index("tile"), result.decisions)["decision"]
    assert tile["words"].startswith("level 1 (SPAD): ")
    costs = [tile["cost"], *(a["cost"] for a in tile["alternatives"])]
    assert len(costs) >= 2 and costs == sorted(costs)
    for a in tile["alternatives"]:
        assert a["change"] == pytest.approx(a["cost"] / tile["cost"] - 1) and a["change"] >= 0
    assert step_state(result.log, 0)["decision"]["words"] == ""  # without decisions
    w = PassStepper(result)
    assert w.view.state["decision"]["words"] == result.decisions[-1].words
    assert "((" not in w.view.state["decision"]["words"]


def test_constraints_stay_in_the_form_after_a_recompile(result: CompileResult,
                                                       layer: Codelet) -> None:
    w = PassStepper(result, layer)
    w.tile_fields["m"].value = 8
    w.order_field.value = "k m n"
    w.storage_fields["a"].value = "SPAD"
    assert w.recompile()
    assert (w.tile_fields["m"].value, w.order_field.value) == (8, "k, m, n")
    assert w.storage_fields["a"].value == "SPAD" and w.tile_fields["n"].value == 0
    wanted = Constraints.of(tiles={"m": 8}, order=("k", "m", "n"), storage={"a": "SPAD"})
    assert w.result.constraints == wanted
    assert w.recompile()  # again, nothing touched: the same constraints hold
    assert w.result.constraints == wanted and w.tile_fields["m"].value == 8
    assert w.result.decisions[-1].constrained == "order k,m,n"


def test_a_recompile_offers_the_diff_and_the_comparison(result: CompileResult,
                                                       layer: Codelet) -> None:
    w = PassStepper(result, layer)
    assert w.compare_button.layout.display == "none" and not w.compare()
    w.tile_fields["m"].value = 4
    assert w.recompile()
    assert w.compare_button.layout.display == ""
    assert "covenant-change-add" in w.recompile_diff.value and "m=4" in w.recompile_diff.value
    assert w.compare()
    c = w.compare_view.comparison
    assert c.before.estimate == result.estimate.cycles
    assert c.after.estimate == w.result.estimate.cycles
    assert c.cycles.delta == c.after.cycles - c.before.cycles
    assert "covenant-compare-table" in w.compare_view.table._dom_classes
    assert w.compare_box.children == (w.compare_view,)


def test_trying_an_alternative_recompiles_under_its_constraints(result: CompileResult,
                                                               layer: Codelet) -> None:
    w = PassStepper(result, layer)
    w.show([s.name for s in result.log].index("tile"))
    alts = w.view.state["decision"]["alternatives"]
    assert alts and alts[0]["constraints"].startswith("tiles ")
    wanted = result.decisions[w.index].alternatives[0]
    w.view.set_state({"try_alternative": 0})  # the browser's "try" button
    assert w.view.try_alternative == -1 and len(w.history) == 2
    assert w.result.constraints == wanted.constraints
    assert w.result.decisions[0].chosen.cost == pytest.approx(wanted.cost)  # type: ignore[union-attr]
    assert w.order_field.value == alts[0]["constraints"].split("order ")[1].replace(",", ", ")
    assert not w.try_alternative(99) and "cannot be asked for" in w.error.value
