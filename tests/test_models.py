"""Model builders: checked ONNX, seeded weights, and layer-by-layer == onnx.reference."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from covenant_lab.frontends.onnx import load, run_layers
from covenant_lab.models import BUILDERS, bert_encoder_layer, lenet, resnet18
from covenant_lab.suite import load_suite_model

# name -> (weights, input shape, output shape, node count). Weights are torchvision's count
# minus one per batch-norm channel: gamma and beta fold into one conv bias.
EXPECTED = {
    "lenet": (51_902, (1, 1, 28, 28), (1, 10), 10),
    "resnet18": (11_689_512 - 4_800, (1, 3, 224, 224), (1, 1000), 49),
    "resnet50": (25_557_032 - 26_560, (1, 3, 224, 224), (1, 1000), 122),
    "mobilenetv2": (3_504_872 - 17_056, (1, 3, 224, 224), (1, 1000), 100),
    "bert": (7_087_872, (128, 768), (128, 768), 26),  # 4 h^2 + 2 h f + 9 h + f
}


def _weights(model: onnx.ModelProto) -> int:
    names = (".weight", ".bias")
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer if t.name.endswith(names))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_builder_makes_a_checked_float32_model(name):
    model = load_suite_model(name).proto
    onnx.checker.check_model(model)
    params, in_shape, out_shape, nodes = EXPECTED[name]
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 20)]
    assert _weights(model) == params
    types = {t.data_type for t in model.graph.initializer}
    assert types <= {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64}
    loaded = load_suite_model(name)
    assert [t.shape for t in loaded.inputs] == [in_shape]
    assert [t.shape for t in loaded.outputs] == [out_shape]
    assert len(model.graph.node) == nodes == len(loaded.layers)


def _compare_layer_by_layer(name: str) -> None:
    model = load_suite_model(name)
    x = model.random_inputs(seed=1)
    got = run_layers(model, x)
    want = model.reference(x, intermediates=True)
    assert set(want) <= set(got)
    for tensor, ref in want.items():
        assert np.isfinite(ref).all(), tensor
        scale = float(np.sqrt(np.mean(np.square(ref, dtype=np.float64))))
        # activations stay O(1) through the network (softmax probabilities are ~1/seq)
        assert 1e-3 < scale < 20, (tensor, scale)
        np.testing.assert_allclose(got[tensor], ref, rtol=1e-4, atol=1e-4 * max(scale, 1.0),
                                   err_msg=tensor)  # fmt: skip


@pytest.mark.parametrize("name", ["lenet", "mobilenetv2", "resnet18"])
def test_layer_by_layer_equals_reference(name):
    _compare_layer_by_layer(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "bert"])
def test_layer_by_layer_equals_reference_large(name):
    _compare_layer_by_layer(name)


def test_seed_decides_the_weights():
    assert lenet(seed=3).SerializeToString() == lenet(seed=3).SerializeToString()
    a, b = lenet(seed=3).graph.initializer[0], lenet(seed=4).graph.initializer[0]
    assert a.name == b.name and a.raw_data != b.raw_data


def test_builder_options():
    small = load(resnet18(image_size=64, num_classes=10))
    assert small.layer("maxpool").output_tensors[0].shape == (1, 64, 16, 16)
    assert small.outputs[0].shape == (1, 10)
    tiny = load(bert_encoder_layer(seq=8, hidden=32, heads=4, ffn=64))
    assert tiny.layer("attention.scores").output_tensors[0].shape == (4, 8, 8)
    x = tiny.random_inputs()
    got, want = run_layers(tiny, x), tiny.reference(x)
    np.testing.assert_allclose(got["ffn.layernorm"], want["ffn.layernorm"], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="not a multiple of heads"):
        bert_encoder_layer(hidden=10, heads=4)


@pytest.mark.parametrize(
    ("name", "nodes"),
    [
        ("resnet50", ["conv1", "relu", "maxpool", "layer1.0.conv1", "layer1.0.relu1",
                      "layer1.0.conv2", "layer1.0.relu2", "layer1.0.conv3",
                      "layer1.0.downsample.0", "layer1.0.add", "layer1.0.relu3",
                      "layer4.2.relu3", "avgpool", "flatten", "fc"]),
        ("resnet18", ["conv1", "layer1.0.conv1", "layer1.0.add", "layer1.0.relu2",
                      "layer2.0.downsample.0", "layer4.1.relu2", "fc"]),
        ("mobilenetv2", ["features.0", "features.0.clip", "features.1.conv.0",
                         "features.1.conv.1", "features.3.conv.0", "features.3.conv.0.clip",
                         "features.3.conv.1", "features.3.conv.2", "features.3.add",
                         "features.18", "classifier.1"]),
        ("bert", ["attention.qkv", "attention.qkv.add_bias", "attention.split",
                  "attention.q.transpose", "attention.k.transpose", "attention.scores",
                  "attention.scale", "attention.softmax", "attention.context",
                  "attention.output", "attention.add", "attention.layernorm", "ffn.fc1",
                  "ffn.gelu", "ffn.fc2", "ffn.add", "ffn.layernorm"]),
    ],
)  # fmt: skip
def test_documented_node_names(name, nodes):
    model = load_suite_model(name)
    for node in nodes:
        model.layer(node)
