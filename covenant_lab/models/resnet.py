"""ResNet-18 and ResNet-50 (torchvision v1.5 layout) as exported after batch-norm folding.

Every convolution carries a bias (the folded batch norm). Node names follow the PyTorch module
paths, so the layer suite can name layers::

    conv1 -> relu -> maxpool
    layer{1..4}.{b}.conv1 -> .relu1 -> .conv2 -> .relu2 [-> .conv3]   (conv3: bottleneck only)
    layer{1..4}.{b}.downsample.0                                      (first block of a stage)
    layer{1..4}.{b}.add -> .relu2 (basic) / .relu3 (bottleneck)
    avgpool (GlobalAveragePool) -> flatten -> fc (Gemm)

ResNet-50 puts the stride of a stage in ``conv2`` (the 3x3), as torchvision does. Weights are
He-initialised; the last convolution of each residual branch is scaled down so activations stay
O(1) through the network.
"""

from __future__ import annotations

import onnx

from covenant_lab.models._graph import GraphBuilder

# the gain (variance scale) of the last conv of a residual branch: keeps the sum O(1)
_BRANCH_GAIN = 0.25


def _basic_block(g: GraphBuilder, x: str, cin: int, cout: int, stride: int, prefix: str) -> str:
    h = g.conv(x, cin, cout, 3, stride=stride, name=f"{prefix}.conv1")
    h = g.node("Relu", [h], name=f"{prefix}.relu1")
    h = g.conv(h, cout, cout, 3, name=f"{prefix}.conv2", gain=_BRANCH_GAIN)
    short = x
    if stride != 1 or cin != cout:
        short = g.conv(x, cin, cout, 1, stride=stride, name=f"{prefix}.downsample.0", gain=1.0)
    s = g.node("Add", [h, short], name=f"{prefix}.add")
    return g.node("Relu", [s], name=f"{prefix}.relu2")


def _bottleneck(g: GraphBuilder, x: str, cin: int, width: int, stride: int, prefix: str) -> str:
    cout = width * 4
    h = g.conv(x, cin, width, 1, name=f"{prefix}.conv1")
    h = g.node("Relu", [h], name=f"{prefix}.relu1")
    h = g.conv(h, width, width, 3, stride=stride, name=f"{prefix}.conv2")
    h = g.node("Relu", [h], name=f"{prefix}.relu2")
    h = g.conv(h, width, cout, 1, name=f"{prefix}.conv3", gain=_BRANCH_GAIN)
    short = x
    if stride != 1 or cin != cout:
        short = g.conv(x, cin, cout, 1, stride=stride, name=f"{prefix}.downsample.0", gain=1.0)
    s = g.node("Add", [h, short], name=f"{prefix}.add")
    return g.node("Relu", [s], name=f"{prefix}.relu3")


def _resnet(
    name: str,
    blocks: tuple[int, int, int, int],
    bottleneck: bool,
    seed: int,
    image_size: int,
    num_classes: int,
) -> onnx.ModelProto:
    g = GraphBuilder(name, seed=seed)
    x = g.input("input", (1, 3, image_size, image_size))
    h = g.conv(x, 3, 64, 7, stride=2, name="conv1")
    h = g.node("Relu", [h], name="relu")
    h = g.node(
        "MaxPool", [h], name="maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]
    )
    cin = 64
    for stage, count in enumerate(blocks, start=1):
        width = 64 * 2 ** (stage - 1)
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            prefix = f"layer{stage}.{b}"
            if bottleneck:
                h = _bottleneck(g, h, cin, width, stride, prefix)
                cin = width * 4
            else:
                h = _basic_block(g, h, cin, width, stride, prefix)
                cin = width
    h = g.node("GlobalAveragePool", [h], name="avgpool")
    h = g.node("Flatten", [h], name="flatten", axis=1)
    y = g.gemm(h, cin, num_classes, name="fc")
    g.output(y, (1, num_classes))
    return g.build()


def resnet18(*, seed: int = 0, image_size: int = 224, num_classes: int = 1000) -> onnx.ModelProto:
    """ResNet-18: basic blocks (2, 2, 2, 2), input ``[1, 3, image_size, image_size]``."""
    return _resnet("resnet18", (2, 2, 2, 2), False, seed, image_size, num_classes)


def resnet50(*, seed: int = 0, image_size: int = 224, num_classes: int = 1000) -> onnx.ModelProto:
    """ResNet-50: bottleneck blocks (3, 4, 6, 3), fc 2048 -> ``num_classes``."""
    return _resnet("resnet50", (3, 4, 6, 3), True, seed, image_size, num_classes)
