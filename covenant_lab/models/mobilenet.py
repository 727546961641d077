"""MobileNetV2 (torchvision layout) as exported after batch-norm folding.

Every convolution has a bias (the folded batch norm); ReLU6 is ``Clip(x, 0, 6)`` with min and max
given as shared initializers (opset >= 11 form). Node names follow the PyTorch module paths::

    features.0 (3x3/2 conv 3->32) -> features.0.clip
    features.1.conv.0 (depthwise 3x3) -> .clip -> features.1.conv.1 (project 1x1)   (t = 1)
    features.N.conv.0 (expand 1x1) -> .clip -> features.N.conv.1 (depthwise 3x3) -> .clip
        -> features.N.conv.2 (project 1x1) [-> features.N.add]                       (N = 2..17)
    features.18 (1x1 320->1280) -> features.18.clip -> avgpool -> flatten -> classifier.1 (Gemm)

So ``features.3.conv.0`` is the 1x1 24->144 conv at 56x56 and ``features.3.conv.1`` the 3x3
depthwise 144-channel conv at 56x56.
"""

from __future__ import annotations

import numpy as np
import onnx

from covenant_lab.models._graph import GraphBuilder

# (expansion t, output channels c, repeats n, first stride s), from the MobileNetV2 paper
_CONFIG = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
           (6, 160, 3, 2), (6, 320, 1, 1))  # fmt: skip
_RESIDUAL_GAIN = 0.25  # variance scale of the project conv when a residual follows


def _relu6(g: GraphBuilder, x: str, name: str) -> str:
    return g.node("Clip", [x, "relu6.min", "relu6.max"], name=f"{name}.clip")


def _inverted_residual(
    g: GraphBuilder, x: str, cin: int, cout: int, *, stride: int, expand: int, index: int
) -> str:
    prefix = f"features.{index}.conv"
    hidden = cin * expand
    h, k = x, 0
    if expand != 1:
        h = _relu6(g, g.conv(h, cin, hidden, 1, name=f"{prefix}.{k}"), f"{prefix}.{k}")
        k += 1
    dw = g.conv(h, hidden, hidden, 3, stride=stride, group=hidden, name=f"{prefix}.{k}")
    h = _relu6(g, dw, f"{prefix}.{k}")
    residual = stride == 1 and cin == cout
    gain = _RESIDUAL_GAIN if residual else 1.0
    h = g.conv(h, hidden, cout, 1, name=f"{prefix}.{k + 1}", gain=gain)
    if residual:
        h = g.node("Add", [h, x], name=f"features.{index}.add")
    return h


def mobilenetv2(
    *, seed: int = 0, image_size: int = 224, num_classes: int = 1000
) -> onnx.ModelProto:
    """MobileNetV2 (width 1.0), input ``[1, 3, image_size, image_size]``."""
    g = GraphBuilder("mobilenetv2", seed=seed)
    g.const("relu6.min", np.array(0.0, dtype=np.float32))
    g.const("relu6.max", np.array(6.0, dtype=np.float32))
    x = g.input("input", (1, 3, image_size, image_size))
    h = _relu6(g, g.conv(x, 3, 32, 3, stride=2, name="features.0"), "features.0")
    cin, index = 32, 1
    for t, c, n, s in _CONFIG:
        for i in range(n):
            h = _inverted_residual(g, h, cin, c, stride=s if i == 0 else 1, expand=t, index=index)
            cin, index = c, index + 1
    h = _relu6(g, g.conv(h, cin, 1280, 1, name=f"features.{index}"), f"features.{index}")
    h = g.node("GlobalAveragePool", [h], name="avgpool")
    h = g.node("Flatten", [h], name="flatten", axis=1)
    y = g.gemm(h, 1280, num_classes, name="classifier.1")
    g.output(y, (1, num_classes))
    return g.build()
