"""simulate_model: compiled layers chained through the tensors they simulate."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from covenant_lab.compiler import ModelResult, compile_model
from covenant_lab.frontends.onnx import Model, load
from covenant_lab.sim import Simulator
from covenant_lab.sim.compiled import simulate_model, stand_in
from covenant_lab.types import OpKind
from tests.compiler._hosted import hosted, hosted_model
from tests.frontends.onnx._build import make_model


@pytest.fixture(scope="module")
def model() -> Model:
    """x[4,16] @ w -> + bias -> softmax: three layers (the add fuses into the MatMul)."""
    rng = np.random.default_rng(0)
    return load(make_model(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
         helper.make_node("Add", ["h", "b"], ["z"], name="bias"),
         helper.make_node("Softmax", ["z"], ["y"], name="softmax", axis=-1)],
        {"x": (4, 16)}, ["y"],
        {"w": rng.standard_normal((16, 8)).astype(np.float32),
         "b": rng.standard_normal(8).astype(np.float32)},
    ))


@pytest.fixture(scope="module")
def result(model: Model) -> ModelResult:
    return compile_model(model, "teaching")


def test_every_layer_is_checked_against_the_onnx_reference(result: ModelResult) -> None:
    rows = simulate_model(result, check=True)
    assert [r.layer for r in rows] == [c.name for c in result.layers]
    assert {r.check for r in rows} == {"pass"}
    assert all(r.cycles > 0 and 0 < r.efficiency <= 1 for r in rows)


def test_explicit_inputs_flow_through_the_layers(result: ModelResult) -> None:
    x = np.random.default_rng(1).standard_normal((4, 16))
    rows = simulate_model(result, inputs={"x": x}, check=True)
    assert {r.check for r in rows} == {"pass"}


def test_timing_only_skips_the_check(result: ModelResult) -> None:
    timed = simulate_model(result)
    assert {r.check for r in timed} == {"skipped"}
    checked = simulate_model(result, check=True)
    assert [r.cycles for r in timed] == [r.cycles for r in checked]


def test_each_layer_reports_its_energy(result: ModelResult) -> None:
    rows = simulate_model(result)
    for row, unit in zip(rows, result.layers, strict=True):
        alone = Simulator(unit.result.program, result.arch).run().energy()
        assert row.energy_pj == alone.total_pj > 0


def test_the_first_wrong_layer_is_named(result: ModelResult,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    first = result.layers[0]
    real = Simulator.outputs

    def off_by_one(self: Simulator) -> dict[str, np.ndarray]:
        out = real(self)
        if self.program is first.result.program:
            out = {name: value + 1.0 for name, value in out.items()}
        return out

    monkeypatch.setattr(Simulator, "outputs", off_by_one)
    rows = simulate_model(result, check=True)
    assert rows[0].check == "fail"
    assert f"sim: {first.name}: output" in rows[0].message
    assert "differs at index [0, 0]" in rows[0].message


@pytest.fixture(scope="module")
def partial() -> ModelResult:
    """fc1 (host, fallback) -> act (Sigmoid: no unit) -> fc2+out (accel + host relu)."""
    return compile_model(hosted_model(), hosted(without=[OpKind.SIGMOID]))


def test_layers_after_a_failed_one_are_simulated_and_checked(partial: ModelResult) -> None:
    assert [u.name for u in partial.failed] == ["act"]
    rows = simulate_model(partial, check=True)
    assert [r.layer for r in rows] == ["fc1", "fc2+out"]
    assert {r.check for r in rows} == {"pass"}
    assert [r.cycles for r in simulate_model(partial)] == [r.cycles for r in rows]


def test_a_failed_layer_stands_in_with_the_interpreter_without_a_reference(
    partial: ModelResult,
) -> None:
    model = partial.model
    feeds = model.random_inputs()
    want = model.reference(feeds, intermediates=True)
    env = {**feeds, "h": want["h"]}
    (failed,) = partial.failed
    stand_in(failed.layer, env, model.initializers, None)
    np.testing.assert_allclose(env["s"], want["s"], rtol=1e-5)
    env = dict(feeds)
    stand_in(failed.layer, env, model.initializers, want)
    assert env["s"] is want["s"]
    rows = simulate_model(partial, inputs=feeds)  # real data flows past the failed layer
    assert {r.check for r in rows} == {"skipped"}
