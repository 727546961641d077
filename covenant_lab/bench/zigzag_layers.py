"""The eight layers of the side-by-side runs with ZigZag (shared notes, side_by_side.md), N = 1.

Each layer is a one-node ONNX model without bias (ZigZag ignores biases), built with the model
builders' :class:`~covenant_lab.models._graph.GraphBuilder` (seeded weights). Both tools read
the same file: ZigZag's ONNX parser and our front end (``frontends.onnx.load``).

``ideal_cycles`` is the notes' bound on the shared machine: ``max(MACs / 1024, busiest port's
compulsory bytes / 16)``, with one 16 B/cycle DRAM port per operand and 8-bit inputs, weights
and outputs (padding is not fetched)::

    conv3x3  56x56, 64->64, 3x3, pad 1     115,605,504 MACs / 1024 = 112,896 (compute)
    fc2048   1 x 2048 x 1000               2,048,000 weight bytes / 16 = 128,000 (memory)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import onnx

from covenant_lab.errors import UsageError
from covenant_lab.frontends.onnx import Layer, load
from covenant_lab.models._graph import GraphBuilder

__all__ = ["LAYERS", "SharedLayer", "shared_layer"]

MACS_PER_CYCLE = 32 * 32  # the shared machine's array
PORT_BYTES_PER_CYCLE = 16  # one DRAM port per operand


@dataclass(frozen=True, slots=True)
class SharedLayer:
    """One layer: a Conv (``x [1, C, H, W]``, ``w [K, C/group, k, k]``) or a matrix product
    (``x [M, K]``, ``w [K, N]``: ``MatMul``, or ``Gemm`` as an ONNX fully connected layer)."""

    name: str
    description: str
    op: str  # "Conv", "MatMul" or "Gemm"
    x: tuple[int, ...]
    w: tuple[int, ...]
    y: tuple[int, ...]
    stride: int = 1
    pad: int = 0
    group: int = 1

    @property
    def macs(self) -> int:
        reduction = math.prod(self.w[1:]) if self.op == "Conv" else self.w[0]
        return math.prod(self.y) * reduction

    @property
    def compulsory_bytes(self) -> dict[str, int]:
        """Bytes each operand must cross its DRAM port at least once (8-bit elements)."""
        return {"I": math.prod(self.x), "W": math.prod(self.w), "O": math.prod(self.y)}

    @property
    def ideal_cycles(self) -> int:
        compute = math.ceil(self.macs / MACS_PER_CYCLE)
        memory = math.ceil(max(self.compulsory_bytes.values()) / PORT_BYTES_PER_CYCLE)
        return max(compute, memory)

    @property
    def bound(self) -> str:
        """What bounds :attr:`ideal_cycles`: ``compute`` or ``memory``."""
        return "compute" if math.ceil(self.macs / MACS_PER_CYCLE) >= self.ideal_cycles else "memory"

    def onnx_model(self) -> onnx.ModelProto:
        """The layer as a checked one-node ONNX model (opset 20): input ``x``, output ``y``."""
        b = GraphBuilder(self.name, seed=0)
        x = b.input("x", self.x)
        w = b.normal("w", self.w, 1.0 / math.sqrt(self.macs / math.prod(self.y)))
        if self.op == "Conv":
            k = self.w[-1]
            b.node("Conv", [x, w], name="y", kernel_shape=[k, k], strides=[self.stride] * 2,
                   pads=[self.pad] * 4, group=self.group)
        else:
            b.node(self.op, [x, w], name="y")
        b.output("y", self.y)
        return b.build()

    def layer(self) -> Layer:
        """The layer through our ONNX front end, ready for ``compiler.compile``."""
        return load(self.onnx_model()).layer("y")


def _conv(name: str, description: str, c: int, k: int, hw: int, kernel: int, *,
          stride: int = 1, group: int = 1) -> SharedLayer:
    pad = kernel // 2
    out = (hw + 2 * pad - kernel) // stride + 1
    return SharedLayer(name, description, "Conv", (1, c, hw, hw), (k, c // group, kernel, kernel),
                       (1, k, out, out), stride, pad, group)


def _matmul(name: str, description: str, m: int, k: int, n: int, op: str = "MatMul") -> SharedLayer:
    return SharedLayer(name, description, op, (m, k), (k, n), (m, n))


LAYERS: tuple[SharedLayer, ...] = (
    _conv("conv3x3", "56x56, 64->64, 3x3, pad 1 (ResNet-50 layer1)", 64, 64, 56, 3),
    _matmul("gemm256", "256 x 256 x 256", 256, 256, 256),
    _conv("conv1x1", "56x56, 64->256", 64, 256, 56, 1),
    _conv("stem7x7s2", "224x224, 3->64, 7x7, stride 2, pad 3", 3, 64, 224, 7, stride=2),
    _conv("conv3x3s2", "56x56 input, 128->128, 3x3, stride 2, pad 1", 128, 128, 56, 3, stride=2),
    _matmul("fc2048", "1 x 2048 x 1000 (ONNX Gemm)", 1, 2048, 1000, op="Gemm"),
    _matmul("bert_qkv", "128 x 768 x 2304", 128, 768, 2304),
    _conv("dw3x3", "112x112, 32 channels, depthwise 3x3, pad 1", 32, 32, 112, 3, group=32),
)


def shared_layer(name: str) -> SharedLayer:
    """The layer of :data:`LAYERS` called ``name``."""
    for entry in LAYERS:
        if entry.name == name:
            return entry
    raise UsageError(f"no shared layer named '{name}'",
                     hint=f"choose from {', '.join(e.name for e in LAYERS)}")
