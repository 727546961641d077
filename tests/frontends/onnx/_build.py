"""Tiny ONNX models built in the tests with ``onnx.helper`` (no binary fixtures)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

Shape = Sequence[int | str | None]


def make_model(
    nodes: Sequence[onnx.NodeProto],
    inputs: Mapping[str, Shape],
    outputs: Sequence[str],
    inits: Mapping[str, np.ndarray] | None = None,
    *,
    opset: int = 20,
    input_types: Mapping[str, int] | None = None,
    name: str = "test",
) -> onnx.ModelProto:
    """A model whose output shapes are filled in by (non-strict) shape inference."""
    types = dict(input_types or {})
    graph = helper.make_graph(
        list(nodes),
        name,
        [
            helper.make_tensor_value_info(n, types.get(n, TensorProto.FLOAT), list(s))
            for n, s in inputs.items()
        ],
        [helper.make_tensor_value_info(n, TensorProto.UNDEFINED, None) for n in outputs],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()],
    )
    ir = 9 if opset >= 20 else 8
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir)
    inferred = onnx.shape_inference.infer_shapes(model)
    known = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output]}
    for out in model.graph.output:
        vi = known.get(out.name)
        if vi is not None and vi.type.tensor_type.HasField("shape"):
            out.CopyFrom(vi)
        else:  # keep the model checkable; the loader reports the unknown shape itself
            out.type.tensor_type.elem_type = TensorProto.FLOAT
            out.type.tensor_type.shape.SetInParent()
    return model


def node(
    op_type: str,
    inputs: Sequence[str],
    outputs: Sequence[str] = ("y",),
    *,
    name: str | None = None,
    **attrs: object,
) -> onnx.NodeProto:
    """A node named ``op_type.lower()`` unless told otherwise."""
    return helper.make_node(
        op_type,
        list(inputs),
        list(outputs),
        name=op_type.lower() if name is None else name,
        **attrs,
    )


def weights(shape: Sequence[int], seed: int = 1, *, positive: bool = False) -> np.ndarray:
    """Seeded float32 values (``positive``: in [0.5, 1.5))."""
    rng = np.random.default_rng(seed)
    if positive:
        return rng.uniform(0.5, 1.5, size=tuple(shape)).astype(np.float32)
    return rng.standard_normal(tuple(shape)).astype(np.float32)
