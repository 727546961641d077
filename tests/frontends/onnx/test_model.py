"""Model and Layer: reference, inputs, operand values and the flat views of reshapes."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from covenant_lab.codelets.interpret import interpret
from covenant_lab.errors import FrontendError, UsageError
from covenant_lab.frontends.onnx import load, run_layers
from covenant_lab.models import lenet

from ._build import make_model, node, weights


@pytest.fixture(scope="module")
def model():
    return load(lenet())


def test_random_inputs_are_seeded(model):
    a, b, c = model.random_inputs(1), model.random_inputs(1), model.random_inputs(2)
    assert a["input"].dtype == np.float32 and a["input"].shape == (1, 1, 28, 28)
    np.testing.assert_array_equal(a["input"], b["input"])
    assert not np.array_equal(a["input"], c["input"])


def test_reference_outputs_and_intermediates(model):
    x = model.random_inputs()
    outs = model.reference(x)
    assert list(outs) == ["fc2"]
    every = model.reference(x, intermediates=True)
    assert set(every) == {t.name for layer in model.layers for t in layer.output_tensors}
    np.testing.assert_array_equal(every["fc2"], outs["fc2"])
    assert len(model.proto.graph.output) == 1  # the stored proto is not modified


def test_run_layers_returns_every_tensor(model):
    x = model.random_inputs()
    env = run_layers(model, x)
    assert set(env) == {"input"} | {t.name for layer in model.layers for t in layer.output_tensors}
    assert all(v.dtype == np.float32 for v in env.values())


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, r"missing: \['input'\]"),
        ({"input": np.zeros((1, 1, 28, 28)), "extra": np.zeros(1)}, r"unknown: \['extra'\]"),
        ({"input": np.zeros((1, 28, 28))}, r"input 'input' has shape \[1, 28, 28\]"),
    ],
)
def test_inputs_are_checked(model, inputs, message):
    with pytest.raises(UsageError, match=message):
        model.reference(inputs)
    with pytest.raises(UsageError, match=message):
        run_layers(model, inputs)


def test_flat_operands_are_reshaped_both_ways(model):
    flatten = model.layer("flatten")
    assert flatten.codelet.operand("x").shape == (400,)  # reshape codelets work on flat views
    x = np.arange(400, dtype=np.float32).reshape(1, 16, 5, 5)
    values = flatten.gather_inputs({"pool2": x})
    assert values["x"].shape == (400,)
    out = flatten.scatter_outputs(interpret(flatten.codelet, values))
    np.testing.assert_array_equal(out["flatten"], x.reshape(1, 400))


def test_operand_values_take_weights_from_initializers(model):
    conv = model.layer("conv1")
    x = model.random_inputs()
    values = conv.operand_values(x, model.initializers)
    assert set(values) == {"x", "w", "b"}
    assert values["w"] is model.initializers["conv1.weight"]
    with pytest.raises(UsageError, match=r"layer 'conv1': no value for tensor 'conv1.weight'"):
        conv.operand_values(x)


def test_outputs_to_tensors_checks_sizes(model):
    with pytest.raises(UsageError, match=r"operand 'y' has 3 elements, tensor 'relu1'"):
        model.layer("relu1").outputs_to_tensors({"y": np.zeros(3)})


def test_layer_tensor_lookup(model):
    conv = model.layer("conv1")
    assert conv.tensor("w").name == "conv1.weight"
    with pytest.raises(UsageError, match=r"operand 'q' is not bound .*bound: x, w, b, y"):
        conv.tensor("q")


def test_generated_constants_are_layer_constants():
    m = make_model(
        [node("AveragePool", ["x"], name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
        {"x": [1, 2, 5, 5]},
        ["y"],
    )
    (layer,) = load(m).layers
    assert set(layer.constants) <= {o.name for o in layer.codelet.inputs}
    values = layer.operand_values({"x": np.ones((1, 2, 5, 5), np.float32)})
    assert set(layer.constants) <= set(values)
    assert [t.name for t in layer.input_tensors] == ["x"]


def test_layers_are_hashable_values(model):
    again = load(lenet())
    assert again.layer("conv1") == model.layer("conv1")
    assert hash(again.layer("conv1")) == hash(model.layer("conv1"))
    assert load(lenet(seed=5)) == model  # weights are not part of equality


def test_missing_external_data(tmp_path):
    m = make_model(
        [node("MatMul", ["a", "w"], name="mm")], {"a": [2, 64]}, ["y"], {"w": weights((64, 64))}
    )
    path = tmp_path / "ext.onnx"
    onnx.save(m, path, save_as_external_data=True, location="ext.bin", size_threshold=0)
    assert len(load(path).layers) == 1
    (tmp_path / "ext.bin").unlink()
    with pytest.raises(FrontendError, match=r"ext\.onnx: cannot read the model"):
        load(path)
