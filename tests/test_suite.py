"""The layer suite's data matches layer_suite.md: nodes, shapes and work figures."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.codelets.interpret import interpret
from covenant_lab.errors import UsageError
from covenant_lab.suite import (
    SUITE,
    SuiteLayer,
    WorkUnit,
    load_suite_layer,
    load_suite_model,
    measure_work,
    small_suite,
    suite_layer,
)
from covenant_lab.types import OpKind

# layer_suite.md: name -> (input tensor shapes of the first node, output shape of the last)
SHAPES = {
    "resnet50_stem": ([(1, 3, 224, 224), (64, 3, 7, 7), (64,)], (1, 64, 112, 112)),
    "resnet50_3x3": ([(1, 64, 56, 56), (64, 64, 3, 3), (64,)], (1, 64, 56, 56)),
    "resnet50_1x1": ([(1, 64, 56, 56), (256, 64, 1, 1), (256,)], (1, 256, 56, 56)),
    "resnet50_3x3_s2": ([(1, 128, 56, 56), (128, 128, 3, 3), (128,)], (1, 128, 28, 28)),
    "resnet50_maxpool": ([(1, 64, 112, 112)], (1, 64, 56, 56)),
    "resnet50_add_relu": ([(1, 256, 56, 56), (1, 256, 56, 56)], (1, 256, 56, 56)),
    "mobilenetv2_dw": ([(1, 144, 56, 56), (144, 1, 3, 3), (144,)], (1, 144, 56, 56)),
    "mobilenetv2_pw": ([(1, 24, 56, 56), (144, 24, 1, 1), (144,)], (1, 144, 56, 56)),
    "bert_qkv": ([(128, 768), (768, 2304)], (128, 2304)),
    "bert_ffn1": ([(128, 768), (768, 3072)], (128, 3072)),
    "bert_scores": ([(12, 128, 64), (12, 64, 128)], (12, 128, 128)),
    "bert_softmax": ([(12, 128, 128)], (12, 128, 128)),
    "bert_layernorm": ([(128, 768), (768,), (768,)], (128, 768)),
    "bert_gelu": ([(128, 3072)], (128, 3072)),
}
# layer_suite.md's work column, in millions
WORK = {
    "resnet50_stem": 118.0, "resnet50_3x3": 115.6, "resnet50_1x1": 51.4,
    "resnet50_3x3_s2": 115.6, "resnet50_maxpool": 0.2, "resnet50_add_relu": 0.8,
    "mobilenetv2_dw": 4.1, "mobilenetv2_pw": 10.8, "bert_qkv": 226.5, "bert_ffn1": 302.0,
    "bert_scores": 12.6, "bert_softmax": 0.2, "bert_layernorm": 0.1, "bert_gelu": 0.4,
}  # fmt: skip


def test_suite_has_the_fourteen_layers_in_order():
    assert [e.name for e in SUITE] == list(SHAPES)
    assert {e.name: e.work_m for e in SUITE} == WORK
    assert all(e.description and e.op and e.shape for e in SUITE)


@pytest.mark.parametrize("entry", SUITE, ids=[e.name for e in SUITE])
def test_suite_entry_shapes_and_work(entry: SuiteLayer):
    layers = load_suite_layer(entry)
    assert tuple(layer.name for layer in layers) == entry.nodes
    inputs, output = SHAPES[entry.name]
    assert [t.shape for t in layers[0].input_tensors] == inputs
    assert layers[-1].output_tensors[0].shape == output
    assert round(measure_work(layers, entry.unit) / 1e6, 1) == entry.work_m


def test_reduction_depths_of_the_mac_layers():
    """layer_suite.md: 147, 576, 64, 1152, 24, 768 for the stem, 3x3, 1x1, 3x3_s2, pw, qkv."""
    depth = {}
    for name in ("resnet50_stem", "resnet50_3x3", "resnet50_1x1", "resnet50_3x3_s2",
                 "mobilenetv2_pw", "bert_qkv"):  # fmt: skip
        codelet = load_suite_layer(name)[0].codelet
        (stage,) = [s for s in codelet.stages if s.stmt.op is OpKind.MAC]
        depth[name] = int(np.prod([codelet.extent(lp) for lp in stage.reduction_loops()]))
    assert list(depth.values()) == [147, 576, 64, 1152, 24, 768]


def test_two_node_entries_name_the_fusable_pair():
    ops = {e.name: tuple(layer.op_type for layer in load_suite_layer(e)) for e in SUITE}
    assert ops["resnet50_add_relu"] == ("Add", "Relu")
    assert ops["bert_qkv"] == ops["bert_ffn1"] == ("MatMul", "Add")
    add = load_suite_layer("bert_qkv")[1]
    assert dict(add.bindings)["a"] == "attention.qkv"  # the bias Add consumes the MatMul


def test_models_are_built_once_per_process():
    assert load_suite_model("lenet") is load_suite_model("lenet")
    with pytest.raises(UsageError, match="no built-in model 'vgg'"):
        load_suite_model("vgg")


def test_suite_layer_lookup():
    assert suite_layer("bert_gelu").nodes == ("ffn.gelu",)
    with pytest.raises(
        UsageError, match=r"no suite layer named 'bert_gel'\nhint: did you mean bert_gelu"
    ):
        suite_layer("bert_gel")


@pytest.mark.parametrize("entry", small_suite(), ids=[e.name for e in small_suite()])
def test_small_suite_runs_against_the_reference(entry: SuiteLayer):
    assert entry.model == "lenet"
    layers = load_suite_layer(entry)
    assert measure_work(layers, entry.unit) == pytest.approx(entry.work_m * 1e6)
    model = load_suite_model("lenet")
    x = model.random_inputs(seed=2)
    ref = model.reference(x, intermediates=True)
    env = {**x, **ref}
    for layer in layers:  # each layer alone, fed with the reference's tensors
        out = layer.outputs_to_tensors(
            interpret(layer.codelet, layer.operand_values(env, model.initializers))
        )
        for name, value in out.items():
            np.testing.assert_allclose(value, ref[name], rtol=1e-5, atol=1e-5)


def test_work_units():
    assert {e.unit for e in SUITE} == {WorkUnit.MACS, WorkUnit.ELEMS}
    assert len(small_suite()) >= 3
