"""Lab: layer picker, lazy compile per layer, tabs built on demand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import helper

from covenant_lab.frontends.onnx import load
from covenant_lab.widgets import Lab, PassStepper, SimPlayer
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
