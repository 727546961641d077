"""LeNet-5-like CNN for fast tests: ``[1, 1, 28, 28]`` -> 10 logits.

Nodes: conv1 (5x5, 1->6, pad 2) -> relu1 -> pool1 (MaxPool 2x2/2) -> conv2 (5x5, 6->16)
-> relu2 -> pool2 -> flatten -> fc1 (Gemm 400->120) -> relu3 -> fc2 (Gemm 120->10).
"""

from __future__ import annotations

import math

import onnx

from covenant_lab.models._graph import GraphBuilder


def lenet(*, seed: int = 0) -> onnx.ModelProto:
    """A two-conv, two-Gemm CNN on MNIST-sized input."""
    g = GraphBuilder("lenet", seed=seed)
    x = g.input("input", (1, 1, 28, 28))
    h = g.conv(x, 1, 6, 5, name="conv1")  # pad 2 keeps 28x28
    h = g.node("Relu", [h], name="relu1")
    h = g.node("MaxPool", [h], name="pool1", kernel_shape=[2, 2], strides=[2, 2])
    w = g.normal("conv2.weight", (16, 6, 5, 5), math.sqrt(2.0 / 150))
    b = g.normal("conv2.bias", (16,), 0.05)
    h = g.node("Conv", [h, w, b], name="conv2", kernel_shape=[5, 5])  # 14x14 -> 10x10
    h = g.node("Relu", [h], name="relu2")
    h = g.node("MaxPool", [h], name="pool2", kernel_shape=[2, 2], strides=[2, 2])
    h = g.node("Flatten", [h], name="flatten", axis=1)
    h = g.gemm(h, 400, 120, name="fc1", gain=2.0)
    h = g.node("Relu", [h], name="relu3")
    y = g.gemm(h, 120, 10, name="fc2")
    g.output(y, (1, 10))
    return g.build()
