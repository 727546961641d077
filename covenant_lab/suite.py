"""The benchmark layer suite (from the shared layer_suite.md notes) as data, in one place.

Each :class:`SuiteLayer` names ONNX nodes of a built-in model (``covenant_lab.models``).
A layer made of two nodes (ResNet's residual Add + Relu, BERT's MatMul + bias Add) lists both;
the compiler's fusion merges them. ``work_m`` is the table's figure in millions: MACs for
layers that multiply, output elements for the others.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from enum import Enum

from covenant_lab.errors import UsageError
from covenant_lab.frontends.onnx import Layer, Model, load
from covenant_lab.models import BUILDERS
from covenant_lab.types import OpKind

__all__ = [
    "SUITE",
    "SuiteLayer",
    "WorkUnit",
    "load_suite_layer",
    "load_suite_model",
    "measure_work",
    "small_suite",
    "suite_layer",
]


class WorkUnit(Enum):
    """How a suite layer's work is counted."""

    MACS = "MACs"  # multiply-accumulates
    ELEMS = "elems"  # output elements


@dataclass(frozen=True, slots=True)
class SuiteLayer:
    """One benchmark layer: nodes of a built-in model, with its shape and work as documented."""

    name: str
    model: str  # a key of covenant_lab.models.BUILDERS
    nodes: tuple[str, ...]  # ONNX node names, in graph order
    description: str
    op: str = ""
    shape: str = ""
    work_m: float = 0.0
    unit: WorkUnit = WorkUnit.MACS


def _s(name: str, model: str, nodes: tuple[str, ...], description: str, op: str, shape: str,
       work_m: float, unit: WorkUnit = WorkUnit.MACS) -> SuiteLayer:  # fmt: skip
    return SuiteLayer(name, model, nodes, description, op, shape, work_m, unit)


_E = WorkUnit.ELEMS
SUITE: tuple[SuiteLayer, ...] = (
    _s("resnet50_stem", "resnet50", ("conv1",), "ResNet-50 conv1",
       "Conv 7x7/2, pad 3", "3→64, 224x224 → 112x112", 118.0),
    _s("resnet50_3x3", "resnet50", ("layer1.0.conv2",), "ResNet-50 layer1.0.conv2",
       "Conv 3x3/1, pad 1", "64→64, 56x56", 115.6),
    _s("resnet50_1x1", "resnet50", ("layer1.0.conv3",), "ResNet-50 layer1.0.conv3",
       "Conv 1x1", "64→256, 56x56", 51.4),
    _s("resnet50_3x3_s2", "resnet50", ("layer2.0.conv2",), "ResNet-50 layer2.0.conv2",
       "Conv 3x3/2, pad 1", "128→128, 56x56 → 28x28", 115.6),
    _s("resnet50_maxpool", "resnet50", ("maxpool",), "ResNet-50 maxpool",
       "MaxPool 3x3/2, pad 1", "64 ch, 112x112 → 56x56", 0.2, _E),
    _s("resnet50_add_relu", "resnet50", ("layer1.0.add", "layer1.0.relu3"),
       "ResNet-50 layer1.0 residual", "Add + Relu", "256 ch, 56x56", 0.8, _E),
    _s("mobilenetv2_dw", "mobilenetv2", ("features.3.conv.1",), "MobileNetV2 features.3.conv.1",
       "depthwise Conv 3x3/1", "144 ch, 56x56", 4.1),
    _s("mobilenetv2_pw", "mobilenetv2", ("features.3.conv.0",), "MobileNetV2 features.3.conv.0",
       "Conv 1x1", "24→144, 56x56", 10.8),
    _s("bert_qkv", "bert", ("attention.qkv", "attention.qkv.add_bias"), "BERT-base layer 0",
       "MatMul + bias", "[128,768] x [768,2304]", 226.5),
    _s("bert_ffn1", "bert", ("ffn.fc1", "ffn.fc1.add_bias"), "BERT-base layer 0",
       "MatMul + bias", "[128,768] x [768,3072]", 302.0),
    _s("bert_scores", "bert", ("attention.scores",), "BERT-base layer 0",
       "batched MatMul", "[12,128,64] x [12,64,128]", 12.6),
    _s("bert_softmax", "bert", ("attention.softmax",), "BERT-base layer 0",
       "Softmax (last axis)", "[12,128,128]", 0.2, _E),
    _s("bert_layernorm", "bert", ("attention.layernorm",), "BERT-base layer 0",
       "LayerNormalization", "[128,768]", 0.1, _E),
    _s("bert_gelu", "bert", ("ffn.gelu",), "BERT-base layer 0",
       "Gelu (erf form)", "[128,3072]", 0.4, _E),
)  # fmt: skip

_SMALL: tuple[SuiteLayer, ...] = (
    _s("lenet_conv1", "lenet", ("conv1",), "LeNet conv1", "Conv 5x5/1, pad 2",
       "1→6, 28x28", 0.1176),
    _s("lenet_pool1", "lenet", ("pool1",), "LeNet pool1", "MaxPool 2x2/2",
       "6 ch, 28x28 → 14x14", 0.001176, _E),
    _s("lenet_conv2_relu", "lenet", ("conv2", "relu2"), "LeNet conv2 + relu2",
       "Conv 5x5/1 + Relu", "6→16, 14x14 → 10x10", 0.24),
    _s("lenet_fc1", "lenet", ("fc1",), "LeNet fc1", "Gemm", "[1,400] x [400,120]", 0.048),
)  # fmt: skip


def small_suite() -> tuple[SuiteLayer, ...]:
    """A few LeNet layers (same structure as :data:`SUITE`) for fast tests."""
    return _SMALL


def suite_layer(name: str) -> SuiteLayer:
    """The suite entry (of :data:`SUITE` or :func:`small_suite`) called ``name``."""
    entries = {e.name: e for e in (*SUITE, *_SMALL)}
    if name in entries:
        return entries[name]
    close = difflib.get_close_matches(name, list(entries), n=3)
    raise UsageError(
        f"no suite layer named '{name}'",
        hint=f"did you mean {', '.join(close)}?" if close else f"choose from {', '.join(entries)}",
    )


@functools.cache
def load_suite_model(model: str) -> Model:
    """The built-in model ``model`` (default weights), built and loaded once per process."""
    if model not in BUILDERS:
        raise UsageError(f"no built-in model '{model}'", hint=f"choose from {', '.join(BUILDERS)}")
    return load(BUILDERS[model]())


def load_suite_layer(entry: SuiteLayer | str) -> tuple[Layer, ...]:
    """The layers of a suite entry (one per node), from the cached built-in model."""
    e = suite_layer(entry) if isinstance(entry, str) else entry
    model = load_suite_model(e.model)
    return tuple(model.layer(n) for n in e.nodes)


def measure_work(layers: tuple[Layer, ...], unit: WorkUnit) -> int:
    """MACs of the layers' MAC statements, or the output elements of the last layer."""
    if unit is WorkUnit.ELEMS:
        return sum(o.size for o in layers[-1].codelet.outputs)
    return sum(
        layer.codelet.iterations(stage)
        for layer in layers
        for stage in layer.codelet.stages
        if stage.stmt.op is OpKind.MAC
    )
