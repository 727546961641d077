"""Lab: layer picker, lazy compile per layer, tabs built on demand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import helper

from covenant_lab.compiler import ModelResult, compile_model
from covenant_lab.frontends.onnx import load
from covenant_lab.types import OpKind
from covenant_lab.widgets import Lab, PassStepper, SimPlayer
from covenant_lab.widgets.lab_state import layer_view, notes_html
from tests.compiler._hosted import hosted, hosted_model
from tests.frontends.onnx._build import make_model


@pytest.fixture(scope="module")
def model() -> Any:
    w = np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32)
    return load(make_model(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
         helper.make_node("Relu", ["h"], ["y"], name="act")],
        {"x": (4, 16)}, ["y"], {"w": w}, name="tiny",
    ))


def test_picking_layers_compiles_them_lazily(model: Any) -> None:
    lab = Lab(model, "teaching")
    assert "covenant-lab" in lab._dom_classes
    assert list(lab.picker.options) == ["fc", "act"]
    assert set(lab.results) == {"fc"}
    assert lab.acg.graph["mapping"] == lab.results["fc"].codelet.name
    assert "estimated" in lab.info.value and lab.error.value == ""
    lab.picker.value = "act"
    assert set(lab.results) == {"fc", "act"}
    assert "vector" in lab.info.value


def test_tabs_build_the_stepper_and_player_on_demand(model: Any) -> None:
    lab = Lab(model, "teaching")
    assert lab.tabs.children[1].children == () and lab.tabs.children[2].children == ()
    lab.tabs.selected_index = 1
    (stepper,) = lab.tabs.children[1].children
    assert isinstance(stepper, PassStepper) and stepper.target is model.layer("fc")
    lab.tabs.selected_index = 2
    (player,) = lab.tabs.children[2].children
    assert isinstance(player, SimPlayer)
    player.step_button.click()
    assert player.sim.position == 1
    lab.picker.value = "act"  # the open tab is rebuilt for the new layer
    (other,) = lab.tabs.children[2].children
    assert other is lab.player("act") and other is not player
    lab.picker.value = "fc"
    assert lab.tabs.children[2].children[0] is player  # cached per layer


@pytest.fixture(scope="module")
def partial() -> ModelResult:
    """fc1 and fc2+out on accel + host (fallback: fc1's bias add, the Relu), act (Sigmoid) on
    no unit."""
    return compile_model(hosted_model(), hosted(without=[OpKind.SIGMOID]))


def test_layer_view_of_a_fallback_layer(partial: ModelResult) -> None:
    fc1 = layer_view(partial.units[0])
    assert fc1.info.startswith("Gemm · accel.mac, host.add · estimated ")
    assert fc1.notes == ("fallback: host — stage 1 (add): no other unit performs 'add'",)
    assert fc1.error == ""
    assert "covenant-fallback-note" in notes_html(fc1.notes)
    assert "&#x27;add&#x27;" in notes_html(fc1.notes)
    assert notes_html(()) == ""


def test_layer_view_of_a_failed_layer(partial: ModelResult) -> None:
    act = layer_view(partial.units[1])
    assert act.info == "Sigmoid · not compiled · no unit performs sigmoid"
    assert act.notes == ()
    assert act.error.startswith("act (Sigmoid): no legal mapping of sigmoid onto hosted")


def test_lab_notes_fallback_and_failed_layers() -> None:
    lab = Lab(hosted_model(), hosted(without=[OpKind.SIGMOID]))
    assert "fallback: host — stage 1 (add): no other unit performs" in lab.note.value
    assert "covenant-lab-note" in lab.note._dom_classes
    assert [n["text"] for n in lab.acg.graph["notes"]] == [
        "fallback: host — no other unit performs 'add'"
    ]
    (host,) = [n for n in lab.acg.graph["nodes"] if n["name"] == "host"]
    assert {"text": "fallback unit of stage 1 (add)", "colour": ""} in host["overlay_lines"]
    lab.picker.value = "act"
    assert lab.note.value == ""
    assert "no compute node of hosted performs" in lab.error.value
    assert lab.acg.graph["notes"] == [] and lab.acg.graph["legend"] == []
    lab.tabs.selected_index = 1
    assert lab.tabs.children[1].children == ()  # nothing to step through
    lab.picker.value = "fc2"  # alone (the Lab compiles one layer at a time): on accel
    assert lab.error.value == "" and lab.note.value == ""
    assert "accel.mac" in lab.info.value
    lab.picker.value = "out"
    assert "fallback: host — stage 0 (relu): no other unit performs" in lab.note.value


def test_picking_a_layer_keeps_the_open_tab(model: Any) -> None:
    """Issue 14: the tabs keep their children (replacing them made the browser jump to
    "passes"); the open tab shows the new layer."""
    lab = Lab(model, "teaching")
    holders = lab.tabs.children
    lab.tabs.selected_index = 2
    first = lab.tabs.children[2].children[0]
    lab.picker.value = "act"
    assert lab.tabs.children == holders and lab.tabs.selected_index == 2
    assert lab.tabs.children[2].children == (lab.player("act"),) != (first,)
    assert lab.tabs.children[1].children == ()  # built when opened
    lab.tabs.selected_index = 1
    assert lab.tabs.children[1].children == (lab.stepper("act"),)
