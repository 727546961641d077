"""Model builders: real network shapes as in-memory ONNX models with seeded random weights.

Nothing is downloaded and nothing is written to disk; ``covenant model build NAME -o FILE``
saves one when asked. Every builder returns a checked float32 model at opset 20, batch 1.
"""

from __future__ import annotations

from collections.abc import Callable

import onnx

from covenant_lab.models.bert import bert_encoder_layer
from covenant_lab.models.lenet import lenet
from covenant_lab.models.mobilenet import mobilenetv2
from covenant_lab.models.resnet import resnet18, resnet50

__all__ = ["BUILDERS", "bert_encoder_layer", "lenet", "mobilenetv2", "resnet18", "resnet50"]

BUILDERS: dict[str, Callable[..., onnx.ModelProto]] = {
    "resnet18": resnet18,
    "resnet50": resnet50,
    "mobilenetv2": mobilenetv2,
    "bert": bert_encoder_layer,
    "lenet": lenet,
}
