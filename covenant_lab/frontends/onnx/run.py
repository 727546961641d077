"""Execute a loaded model layer by layer with the codelet interpreter (the front end's oracle)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from covenant_lab.frontends.onnx.model import Model

__all__ = ["run_layers"]


def run_layers(model: Model, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Interpret every layer's codelet in order; return every tensor (graph inputs included).

    Initializers are not repeated in the result; they are in ``model.initializers``.
    """
    from covenant_lab.codelets.interpret import interpret

    env: dict[str, np.ndarray] = model.feeds(inputs)
    for layer in model.layers:
        values = layer.operand_values(env, model.initializers)
        env.update(layer.outputs_to_tensors(interpret(layer.codelet, values)))
    return env
