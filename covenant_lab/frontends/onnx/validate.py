"""What a model must be before the front end reads it further, checked in ``load``:

- every string is UTF-8 (protobuf hands back ``bytes`` for one that is not, which would
  surface later as a UnicodeDecodeError or a ``b'...'`` layer name);
- its opset is one the front end reads each operator at (:func:`opset_range`): an operator
  at an opset where its semantics differ from the ones implemented (Gemm and the binary ops
  broadcast differently before opset 7, Softmax flattened its input before 13) or an opset
  newer than this ``onnx`` knows is refused, naming the node, the op and the opset;
- every tensor has a data type ONNX defines;
- no tensor is too big for the host-memory budget (``covenant_lab.budget``): each one,
  the weights together, and what ``onnx.reference`` allocates to run a node.

Each failure is a FrontendError naming the file and the node or tensor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import onnx
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from onnx import helper

from covenant_lab.budget import HINT, over_budget
from covenant_lab.errors import FrontendError, UnsupportedOpError

__all__ = [
    "MIN_OPSET",
    "NEWEST_OPSET",
    "require_opsets",
    "require_sizes",
    "require_text",
    "require_types",
    "tensor_bytes",
]

#: the newest opset whose operators this front end (and its onnx package) know
NEWEST_OPSET = min(28, onnx.defs.onnx_opset_version())
#: per op, the first opset at which its ONNX semantics are what ``ops/`` implements (older
#: ones broadcast by attribute: Add, Sub, Mul, Div, Gemm before 7; take ``consumed_inputs``
#: or ``is_test``; Reshape's shape was an attribute before 5; Softmax flattened its input
#: before 13) or at which the op exists; 1 for the others
MIN_OPSET = {
    "Add": 7, "Sub": 7, "Mul": 7, "Div": 7, "Gemm": 7, "BatchNormalization": 7, "Dropout": 7,
    "Relu": 6, "LeakyRelu": 6, "Sigmoid": 6, "Tanh": 6, "Exp": 6, "Sqrt": 6, "Clip": 6,
    "Concat": 4, "Reshape": 5, "Split": 2, "Erf": 9, "Softmax": 13, "LayerNormalization": 17,
    "Gelu": 20,
}


def opset_range(op_type: str) -> tuple[int, int]:
    """The opsets (inclusive) at which the front end reads ``op_type``."""
    return MIN_OPSET.get(op_type, 1), NEWEST_OPSET


def shown(value: str | bytes) -> str:
    """A name for a message, whatever bytes it holds."""
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


def node_name(node: onnx.NodeProto, index: int) -> str:
    """The node's name, or ``<op>_<index>`` (the loader's naming of unnamed nodes)."""
    return shown(node.name) or f"{shown(node.op_type)}_{index}"


# -- text ------------------------------------------------------------------------------------
def require_text(proto: onnx.ModelProto, source: str) -> None:
    """Every string field of the model, at any depth, is valid UTF-8."""
    _walk_text(proto, source, "the model")


def _where(message: Message, index: int, outer: str) -> str:
    if isinstance(message, onnx.NodeProto):
        return f"node '{node_name(message, index)}'"
    if isinstance(message, onnx.TensorProto | onnx.ValueInfoProto | onnx.SparseTensorProto):
        return f"tensor '{shown(getattr(message, 'name', ''))}'"
    if isinstance(message, onnx.AttributeProto):
        return f"{outer}, attribute '{shown(message.name)}'"
    if isinstance(message, onnx.GraphProto):
        return f"graph '{shown(message.name)}'"
    return outer


def _utf8(item: bytes, kind: int) -> bool:
    if kind == FieldDescriptor.TYPE_STRING:
        return False  # protobuf hands back bytes only for a string that is not UTF-8
    try:
        item.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _walk_text(message: Message, source: str, where: str) -> None:
    for field, value in message.ListFields():
        items: Iterable[object] = value if field.is_repeated else (value,)
        # an attribute's strings are bytes fields, read as UTF-8 text
        text = field.type == FieldDescriptor.TYPE_STRING or (
            isinstance(message, onnx.AttributeProto) and field.name in ("s", "strings"))
        if text:
            for item in items:
                if isinstance(item, bytes) and not _utf8(item, field.type):
                    raise FrontendError(
                        f"{source}: {where}: {field.name} {shown(item)!r} is not valid UTF-8 "
                        f"(bytes {item[:40]!r})",
                        hint="ONNX strings are UTF-8; fix the exporter or rename it")
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            for k, item in enumerate(items):
                assert isinstance(item, Message)
                _walk_text(item, source, _where(item, k, where))


# -- opsets ----------------------------------------------------------------------------------
def require_opsets(proto: onnx.ModelProto, opset: int, source: str) -> None:
    """Every node of the default domain is read at ``opset``; the first one not is refused."""
    for index, node in enumerate(proto.graph.node):
        if node.domain not in ("", "ai.onnx"):
            continue
        low, high = opset_range(node.op_type)
        if not low <= opset <= high:
            target = min(max(opset, low), high)
            raise UnsupportedOpError(
                node.op_type, opset, node_name(node, index), source,
                hint=f"the front end reads {node.op_type} at opsets {low} to {high}; convert "
                     f"the model: onnx.version_converter.convert_version(model, {target})")


# -- types -----------------------------------------------------------------------------------
_KNOWN_TYPES = frozenset(helper.get_all_tensor_dtypes())


def require_types(proto: onnx.ModelProto, source: str) -> None:
    """Every tensor's data type is one ONNX defines (a bad one fails in shape inference)."""
    graph = proto.graph
    for t in graph.initializer:
        if t.data_type not in _KNOWN_TYPES:
            raise FrontendError(f"{source}: initializer '{t.name}': data type {t.data_type} is "
                                "not an ONNX tensor type", hint="export the model again")
    for vi in [*graph.input, *graph.output, *graph.value_info]:
        if not vi.type.HasField("tensor_type"):
            continue
        elem = vi.type.tensor_type.elem_type
        if elem != onnx.TensorProto.UNDEFINED and elem not in _KNOWN_TYPES:
            raise FrontendError(f"{source}: tensor '{vi.name}': data type {elem} is not an "
                                "ONNX tensor type", hint="export the model again")


# -- sizes -----------------------------------------------------------------------------------
def tensor_bytes(dims: Iterable[int], elem_type: int) -> int:
    """Bytes of a tensor of ``dims`` (negative or unknown dims count as 1)."""
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(elem_type)).itemsize
    except (KeyError, TypeError, ValueError):
        itemsize = 8  # a type numpy has no dtype for: count it as wide as any
    return math.prod(max(int(d), 1) for d in dims) * itemsize


def _declared(vi: onnx.ValueInfoProto) -> tuple[list[int], int]:
    tt = vi.type.tensor_type
    return [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim], tt.elem_type


def require_sizes(graph: onnx.GraphProto, source: str, max_memory: int) -> None:
    """No tensor of ``graph`` (declared or inferred) is over the budget, nor the initializers
    together; a node's output is named with the node."""
    producers = {out: node_name(n, i) for i, n in enumerate(graph.node) for out in n.output}
    total = 0
    for t in graph.initializer:
        need = tensor_bytes(t.dims, t.data_type)
        total += need
        _refuse(f"{source}: initializer '{t.name}' {list(t.dims)}", need, max_memory)
    _refuse(f"{source}: the initializers together", total, max_memory)
    for vi in [*graph.input, *graph.value_info, *graph.output]:
        if not vi.type.HasField("tensor_type"):
            continue
        dims, elem = _declared(vi)
        node = producers.get(vi.name)
        by = f"node '{node}': output " if node else ""
        _refuse(f"{source}: {by}tensor '{vi.name}' {dims}", tensor_bytes(dims, elem), max_memory)


def _refuse(what: str, need: int, max_memory: int) -> None:
    message = over_budget(what, need, max_memory)
    if message is not None:
        raise FrontendError(message, hint=HINT)
