"""operand_values computes the intermediate tensors a layer reads from the graph inputs (the
README Quickstart: ``layer.operand_values(model.random_inputs(), model.initializers)``)."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.errors import UsageError
from covenant_lab.frontends.onnx import load
from covenant_lab.models import BUILDERS


@pytest.fixture(scope="module")
def lenet():  # type: ignore[no-untyped-def]
    return load(BUILDERS["lenet"]())


def test_a_layer_reading_an_intermediate_gets_it_from_the_graph_inputs(lenet) -> None:  # type: ignore[no-untyped-def]
    layer = lenet.layer("conv2")  # reads pool1: conv1 -> relu1 -> pool1 are run for it
    x = lenet.random_inputs(seed=4)
    values = layer.operand_values(x, lenet.initializers)
    every = lenet.reference(x, intermediates=True)
    operand = next(o.name for o, t in zip(layer.codelet.inputs, layer.input_tensors,
                                          strict=False) if t.name == "pool1")
    np.testing.assert_allclose(values[operand].reshape(every["pool1"].shape), every["pool1"],
                               rtol=1e-6)
    # given the intermediate, it is used as is
    given = {"pool1": np.ones_like(every["pool1"])}
    assert (layer.operand_values(given, lenet.initializers)[operand] == 1).all()


def test_the_last_layer_runs_the_whole_chain(lenet) -> None:  # type: ignore[no-untyped-def]
    layer = lenet.layers[-1]
    x = lenet.random_inputs(seed=5)
    values = layer.operand_values(x, lenet.initializers)
    every = lenet.reference(x, intermediates=True)
    tensor = layer.input_tensors[0]
    np.testing.assert_allclose(values[layer.codelet.inputs[0].name].reshape(tensor.shape),
                               every[tensor.name], rtol=1e-5, atol=1e-6)


def test_without_the_graph_inputs_the_error_says_which_are_missing(lenet) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=(
            r"layer 'conv2': no value for tensor 'pool1', and the graph input it is computed "
            r"from \(input\) not given")) as info:
        lenet.layer("conv2").operand_values({}, lenet.initializers)
    assert "model.random_inputs()" in (info.value.hint or "")
