"""Read an ONNX model, check it, infer static shapes and turn every node into a :class:`Layer`.

Steps: read the file -> ``onnx.checker`` -> apply ``shapes=`` to the graph inputs -> strict shape
inference -> per node: parse into an :class:`OnnxNode`, dispatch through :data:`OPS` to the
op function of ``ops.py``, bind the codelet's operands to the node's tensors. ``Constant``
nodes become initializers. Every failure is a :class:`FrontendError` naming the file and, when
there is one, the node or tensor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import helper, numpy_helper

from covenant_lab.budget import DEFAULT_MAX_MEMORY, require_max_memory
from covenant_lab.codelets import library as lib
from covenant_lab.errors import CodeletError, FrontendError, UnsupportedOpError, UsageError
from covenant_lab.frontends.onnx import ops
from covenant_lab.frontends.onnx.bind import bind_layer, call_op
from covenant_lab.frontends.onnx.lowering import Lowered
from covenant_lab.frontends.onnx.model import Layer, Model, TensorInfo, frozen_arrays
from covenant_lab.frontends.onnx.upstream import Upstream
from covenant_lab.frontends.onnx.validate import (
    require_opsets,
    require_sizes,
    require_text,
    require_types,
    shown,
)

__all__ = ["OPS", "SUPPORTED_OPS", "OnnxNode", "load"]

OPS: dict[str, Callable[..., Lowered]] = {
    "Conv": ops.Conv,
    "Gemm": ops.Gemm,
    "MatMul": ops.MatMul,
    "Relu": ops.Relu,
    "LeakyRelu": ops.LeakyRelu,
    "Clip": ops.Clip,
    "Sigmoid": ops.Sigmoid,
    "Tanh": ops.Tanh,
    "Erf": ops.Erf,
    "Gelu": ops.Gelu,
    "Exp": ops.Exp,
    "Sqrt": ops.Sqrt,
    "Add": ops.Add,
    "Sub": ops.Sub,
    "Mul": ops.Mul,
    "Div": ops.Div,
    "MaxPool": ops.MaxPool,
    "AveragePool": ops.AveragePool,
    "GlobalAveragePool": ops.GlobalAveragePool,
    "Softmax": ops.Softmax,
    "LayerNormalization": ops.LayerNormalization,
    "BatchNormalization": ops.BatchNormalization,
    "ReduceMean": ops.ReduceMean,
    "ReduceSum": ops.ReduceSum,
    "ReduceMax": ops.ReduceMax,
    "Transpose": ops.Transpose,
    "Reshape": ops.Reshape,
    "Flatten": ops.Flatten,
    "Squeeze": ops.Squeeze,
    "Unsqueeze": ops.Unsqueeze,
    "Concat": ops.Concat,
    "Split": ops.Split,
    "Identity": ops.Identity,
    "Dropout": ops.Dropout,
}
#: every ONNX op the front end reads (``Constant`` becomes an initializer, not a layer)
SUPPORTED_OPS: tuple[str, ...] = tuple(sorted([*OPS, "Constant"]))


@dataclass(frozen=True, slots=True)
class OnnxNode:
    """A parsed node: a unique name, its tensors and its attributes as plain data."""

    name: str
    op_type: str
    index: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: tuple[tuple[str, object], ...]


def load(
    model: str | Path | onnx.ModelProto, *, shapes: Mapping[str, Sequence[int]] | None = None,
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> Model:
    """Load an ONNX model (a path or a ``ModelProto``) into layers with static shapes.

    ``shapes`` fixes the shapes of graph inputs (required when they have dynamic dimensions)::

        model = load("resnet50.onnx", shapes={"input": (1, 3, 224, 224)})
        model.layer("layer1.0.conv2").codelet      # Conv 3x3 as a conv2d codelet
        run_layers(model, model.random_inputs())   # == model.reference(..., intermediates=True)

    ``max_memory`` (bytes of host memory, default 2 GiB): a tensor bigger than that, or
    initializers bigger together, are refused (``validate.py``).
    """
    max_memory = require_max_memory(max_memory, "load")
    proto, source = _read(model)
    require_text(proto, source)
    data = _check(proto, source)  # serialized once for the checker and shape inference
    opset = _opset(proto)
    _require_supported(proto, opset, source)
    require_types(proto, source)
    require_sizes(proto.graph, source, max_memory)
    if shapes:
        proto = _override_shapes(proto, shapes, source)
    _require_static_inputs(proto, source)
    proto = _infer(proto if shapes else data, source)
    graph = proto.graph
    require_sizes(graph, source, max_memory)  # the inferred shapes too
    inits = {t.name: _array(t, source) for t in graph.initializer}
    tensors = _tensor_infos(graph, inits)
    layers: list[Layer] = []
    seen: set[str] = set()
    for index, node in enumerate(graph.node):
        parsed = _parse(node, index, seen)
        if parsed.op_type == "Constant":
            value = _constant_value(parsed, source)
            for out in parsed.outputs:
                inits[out] = value
                tensors[out] = TensorInfo(out, tuple(value.shape), value.dtype, value)
            continue
        layers.append(_lower(parsed, opset, tensors, source))
    inputs = tuple(tensors[i.name] for i in graph.input if i.name not in inits)
    upstream = Upstream(proto, MappingProxyType(tensors), source, max_memory)
    return Model(
        name=graph.name or Path(source).stem,
        source=source,
        opset=opset,
        layers=tuple(replace(layer, upstream=upstream) for layer in layers),
        inputs=inputs,
        outputs=tuple(tensors[o.name] for o in graph.output),
        tensors=MappingProxyType(tensors),
        initializers=frozen_arrays(inits),
        proto=proto,
    )


def _read(model: str | Path | onnx.ModelProto) -> tuple[onnx.ModelProto, str]:
    if isinstance(model, onnx.ModelProto):
        return model, shown(model.graph.name) or "<model>"
    if not isinstance(model, str | Path):
        raise UsageError(
            f"argument 1, 'model' to load: expected a path or an onnx.ModelProto, "
            f"got {type(model).__name__}"
        )
    path = Path(model)
    source = str(path)
    if not path.is_file():
        raise FrontendError(
            f"{source}: no such file",
            hint="check the path; `covenant model build NAME -o FILE.onnx` writes a built-in model",
        )
    if path.stat().st_size == 0:
        raise FrontendError(
            f"{source}: the file is empty", hint="export the model again (torch.onnx.export, ...)"
        )
    try:
        return onnx.load(source), source
    except DecodeError as exc:
        raise FrontendError(
            f"{source}: not an ONNX model (the protobuf cannot be parsed: {exc})",
            hint="is it truncated, or another format? export it again as .onnx",
        ) from exc
    except (OSError, onnx.checker.ValidationError) as exc:  # e.g. missing external data
        raise FrontendError(
            f"{source}: cannot read the model: {exc}",
            hint="keep the model's external-data files next to it",
        ) from exc


def _check(proto: onnx.ModelProto, source: str) -> bytes:
    """``onnx.checker`` on the model; the model serialized."""
    try:
        data: bytes = proto.SerializeToString()
        onnx.checker.check_model(data)
        return data
    except (onnx.checker.ValidationError, ValueError, RuntimeError, TypeError) as exc:
        raise FrontendError(
            f"{source}: the ONNX checker rejects the model: {exc}",
            hint="fix the exporter's output; onnx.checker.check_model(model) shows the same error",
        ) from exc


def _opset(proto: onnx.ModelProto) -> int:
    for entry in proto.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return 1


def _require_supported(proto: onnx.ModelProto, opset: int, source: str) -> None:
    """Fail on the first node we cannot translate, or not at this opset, before shape
    inference."""
    seen: set[str] = set()
    for index, node in enumerate(proto.graph.node):
        known = node.op_type in OPS or node.op_type == "Constant"
        if node.domain not in ("", "ai.onnx") or not known:
            name = _parse(node, index, seen).name
            op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
            raise UnsupportedOpError(op, opset, name, source)
    require_opsets(proto, opset, source)


def _override_shapes(
    proto: onnx.ModelProto, shapes: Mapping[str, Sequence[int]], source: str
) -> onnx.ModelProto:
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    graph = copy.graph
    init_names = {t.name for t in graph.initializer}
    inputs = {i.name: i for i in graph.input if i.name not in init_names}
    for name, dims in shapes.items():
        if name not in inputs:
            raise FrontendError(
                f"{source}: shapes= names '{name}', which is not a graph input",
                hint=f"the graph inputs are {sorted(inputs)}",
            )
        if not all(isinstance(d, int | np.integer) and d > 0 for d in dims):
            raise FrontendError(
                f"{source}: shapes['{name}'] = {list(dims)}: expected positive ints"
            )
        shape = inputs[name].type.tensor_type.shape
        del shape.dim[:]
        for d in dims:
            shape.dim.add().dim_value = int(d)
    # let inference recompute everything downstream of the new input shapes
    del graph.value_info[:]
    for out in graph.output:
        for i, dim in enumerate(out.type.tensor_type.shape.dim):
            dim.dim_param = f"{out.name}_dim{i}"
    return copy


def _dims_text(vi: onnx.ValueInfoProto) -> str:
    tt = vi.type.tensor_type
    if not tt.HasField("shape"):
        return "unknown rank"
    return (
        "["
        + ", ".join(
            str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?")
            for d in tt.shape.dim
        )
        + "]"
    )


def _static_shape(vi: onnx.ValueInfoProto) -> tuple[int, ...] | None:
    tt = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or not tt.HasField("shape"):
        return None
    dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim)
    return None if any(d < 0 for d in dims) else dims


def _require_static_inputs(proto: onnx.ModelProto, source: str) -> None:
    init_names = {t.name for t in proto.graph.initializer}
    for vi in proto.graph.input:
        if vi.name in init_names or _static_shape(vi) is not None:
            continue
        dims = vi.type.tensor_type.shape.dim
        example = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in dims)
        raise FrontendError(
            f"{source}: input '{vi.name}' has a dynamic shape {_dims_text(vi)}; "
            "the compiler needs fixed shapes",
            hint=f"load(..., shapes={{'{vi.name}': {example}}}) with the sizes you want",
        )


_NODE_IN_MESSAGE = re.compile(r"node name: ([^)]*)\)")


def _infer(proto: onnx.ModelProto | bytes, source: str) -> onnx.ModelProto:
    """The model (or it serialized) with every shape inferred."""
    try:
        return onnx.shape_inference.infer_shapes(
            proto, check_type=True, strict_mode=True, data_prop=True
        )
    except (onnx.shape_inference.InferenceError, ValueError, RuntimeError, TypeError) as exc:
        text = str(exc).strip()
        found = _NODE_IN_MESSAGE.search(text)
        where = f"node '{found.group(1)}': " if found else ""
        raise FrontendError(
            f"{source}: {where}shape inference failed: {text}",
            hint="check the shapes of the node's inputs (and any shapes= you passed)",
        ) from exc


def _array(tensor: onnx.TensorProto, source: str) -> np.ndarray:
    """The values of an initializer (or a Constant's tensor), whose data may be short."""
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise FrontendError(f"{source}: tensor '{tensor.name}' {list(tensor.dims)}: its data "
                            f"cannot be read: {exc}",
                            hint="the data do not match the dims and type; export the model "
                                 "again") from exc


def _tensor_infos(graph: onnx.GraphProto, inits: Mapping[str, np.ndarray]) -> dict[str, TensorInfo]:
    """Every tensor with a static shape; node outputs without one are reported when bound."""
    infos = {n: TensorInfo(n, tuple(a.shape), a.dtype, a) for n, a in inits.items()}
    for vi in [*graph.input, *graph.value_info, *graph.output]:
        shape = _static_shape(vi)
        if vi.name in infos or shape is None:
            continue
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type))
        infos[vi.name] = TensorInfo(vi.name, shape, dtype)
    return infos


def _plain(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def _parse(node: onnx.NodeProto, index: int, seen: set[str]) -> OnnxNode:
    name = node.name or f"{node.op_type}_{index}"
    if name in seen:
        name = f"{name}_{index}"
    seen.add(name)
    attrs = tuple((a.name, _plain(helper.get_attribute_value(a))) for a in node.attribute)
    return OnnxNode(name, node.op_type, index, tuple(node.input), tuple(node.output), attrs)


def _constant_value(node: OnnxNode, source: str) -> np.ndarray:
    attrs = dict(node.attrs)
    dtypes = {"value_float": np.float32, "value_floats": np.float32}
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            return np.asarray(
                attrs[key], dtype=dtypes.get(key, None if key == "value" else np.int64)
            )
    raise FrontendError(
        f"{source}: node '{node.name}' (Constant): attribute '{next(iter(attrs), '?')}' is not "
        "supported",
        hint="use a tensor 'value', value_float(s) or value_int(s)",
    )


def _lower(node: OnnxNode, opset: int, tensors: dict[str, TensorInfo], source: str) -> Layer:
    where = f"{source}: node '{node.name}' ({node.op_type})"
    try:
        lowered = call_op(OPS[node.op_type], node, opset, tensors)
        return bind_layer(node, lowered, tensors, lib.constants(lowered.codelet))
    except (FrontendError, CodeletError, UsageError) as exc:
        raise FrontendError(f"{where}: {exc.message}", hint=exc.hint) from exc
