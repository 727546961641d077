"""One-node ONNX models built with ``onnx.helper`` and run by ``onnx.reference``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import helper
from onnx.reference import ReferenceEvaluator

OPSET = 20


def run_onnx(
    op_type: str,
    inputs: Sequence[tuple[str, np.ndarray | None]],
    n_outputs: int = 1,
    **attrs: object,
) -> list[np.ndarray]:
    """Run one node; an input given as ``(name, None)`` is an omitted optional input."""
    names = [name if value is not None else "" for name, value in inputs]
    outputs = [f"out{k}" for k in range(n_outputs)]
    node = helper.make_node(op_type, names, outputs, **attrs)
    feeds = {name: np.asarray(value) for name, value in inputs if value is not None}
    graph = helper.make_graph(
        [node],
        f"one_{op_type.lower()}",
        [
            helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(value.dtype), value.shape
            )
            for name, value in feeds.items()
        ],
        [helper.make_tensor_value_info(o, 0, None) for o in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=9)
    return list(ReferenceEvaluator(model).run(None, feeds))


def rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """float32 normal values."""
    return rng.standard_normal(shape).astype(np.float32)


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == np.shape(expected), (actual.shape, np.shape(expected))
    assert actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
