"""One plain function per ONNX operator (tinygrad's pattern), each returning a :class:`Lowered`.

Positional parameters are the node's inputs (:class:`TensorInfo`, ``None`` for an omitted
optional input); keyword-only parameters are the ONNX attributes with their ONNX defaults. The
loader (``load.py``) dispatches to these through a dict and turns any :class:`FrontendError`
raised here into one naming the node. Attributes that moved to inputs in later opsets
(``axes``, ``split``, Clip's ``min``/``max``) are converted to inputs by the loader first, so
these functions only see the current form.

The functions live in one module per family (``dense``, ``elementwise``, ``pooling``,
``normalization``, ``movement``); this package re-exports them all.
"""

from __future__ import annotations

from covenant_lab.frontends.onnx.ops.dense import Conv, Gemm, MatMul
from covenant_lab.frontends.onnx.ops.elementwise import (
    Add,
    Clip,
    Div,
    Erf,
    Exp,
    Gelu,
    LeakyRelu,
    Mul,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
)
from covenant_lab.frontends.onnx.ops.movement import (
    Concat,
    Dropout,
    Flatten,
    Identity,
    Reshape,
    Split,
    Squeeze,
    Transpose,
    Unsqueeze,
)
from covenant_lab.frontends.onnx.ops.normalization import (
    BatchNormalization,
    LayerNormalization,
    ReduceMax,
    ReduceMean,
    ReduceSum,
    Softmax,
)
from covenant_lab.frontends.onnx.ops.pooling import AveragePool, GlobalAveragePool, MaxPool

__all__ = [
    "Add",
    "AveragePool",
    "BatchNormalization",
    "Clip",
    "Concat",
    "Conv",
    "Div",
    "Dropout",
    "Erf",
    "Exp",
    "Flatten",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "Identity",
    "LayerNormalization",
    "LeakyRelu",
    "MatMul",
    "MaxPool",
    "Mul",
    "ReduceMax",
    "ReduceMean",
    "ReduceSum",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Softmax",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Tanh",
    "Transpose",
    "Unsqueeze",
]
