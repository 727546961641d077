"""Call an op function on a parsed node, and bind its codelet to the node's tensors.

Errors raised here describe the problem only; ``load.py`` prefixes them with the file and node.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from covenant_lab.codelets import library as lib
from covenant_lab.errors import FrontendError
from covenant_lab.frontends.onnx.lowering import Lowered, attr_error
from covenant_lab.frontends.onnx.model import Layer, TensorInfo, frozen_arrays

if TYPE_CHECKING:
    from covenant_lab.frontends.onnx.load import OnnxNode

__all__ = ["bind_layer", "call_op"]

# attributes that later opsets turned into inputs: op -> (first opset with the input form,
# the attribute names in input order, starting at input 1)
_ATTRS_TO_INPUTS: dict[str, tuple[int, tuple[str, ...]]] = {
    "Clip": (11, ("min", "max")),
    "Dropout": (12, ("ratio",)),
    "ReduceSum": (13, ("axes",)),
    "ReduceMean": (18, ("axes",)),
    "ReduceMax": (18, ("axes",)),
    "Squeeze": (13, ("axes",)),
    "Unsqueeze": (13, ("axes",)),
    "Split": (13, ("split",)),
}
_FLOAT32 = np.dtype(np.float32)


@functools.cache
def _signature(fn: Callable[..., Lowered]) -> tuple[frozenset[str], frozenset[str], int | None]:
    """(attribute names, required attribute names, max positional inputs or None if *args)."""
    params = inspect.signature(fn).parameters.values()
    kw = [p for p in params if p.kind is p.KEYWORD_ONLY]
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    var = any(p.kind is p.VAR_POSITIONAL for p in params)
    required = frozenset(p.name for p in kw if p.default is p.empty)
    return frozenset(p.name for p in kw), required, None if var else len(positional)


def _legacy_inputs(
    node: OnnxNode, opset: int, args: list[TensorInfo | None], attrs: dict[str, object]
) -> None:
    """Turn attributes of older opsets into the constant inputs the op functions expect."""
    since, names = _ATTRS_TO_INPUTS.get(node.op_type, (0, ()))
    if opset < since:
        for i, attr in enumerate(names, start=1):
            if attr not in attrs:
                continue
            raw = attrs.pop(attr)
            value = np.asarray(raw, dtype=np.float32 if isinstance(raw, float) else np.int64)
            args.extend([None] * (i + 1 - len(args)))
            args[i] = TensorInfo(f"{node.name}.{attr}", tuple(value.shape), value.dtype, value)
    no_split = len(args) < 2 or args[1] is None
    if node.op_type == "Split" and opset < 18 and no_split and "num_outputs" not in attrs:
        attrs["num_outputs"] = len(node.outputs)


def call_op(
    fn: Callable[..., Lowered], node: OnnxNode, opset: int, tensors: Mapping[str, TensorInfo]
) -> Lowered:
    """Run the op function with the node's input tensors and attributes."""
    unknown = [name for name in node.inputs if name and name not in tensors]
    if unknown:
        raise FrontendError(f"input '{unknown[0]}' has no static shape or is never produced")
    args: list[TensorInfo | None] = [tensors[name] if name else None for name in node.inputs]
    attrs = dict(node.attrs)
    _legacy_inputs(node, opset, args, attrs)
    known, required, max_inputs = _signature(fn)
    for name in attrs:
        if name not in known:
            hint = f"{node.op_type} supports {', '.join(sorted(known))}" if known else None
            raise attr_error(name, f"not supported by the front end's {node.op_type}", hint=hint)
    for name in sorted(required - set(attrs)):
        raise attr_error(name, "is required")
    while args and args[-1] is None:
        args.pop()
    if max_inputs is not None and len(args) > max_inputs:
        raise FrontendError(f"{len(args)} inputs given, the front end reads at most {max_inputs}")
    return fn(*args, **attrs)


def _check_tensor(tensor: TensorInfo, operand: str, logical_shape: tuple[int, ...]) -> None:
    """The tensor is float32 and has the operand's (logical, for flat views) shape."""
    if tensor.dtype != _FLOAT32:
        raise FrontendError(
            f"tensor '{tensor.name}' is {tensor.dtype}; the front end handles float32 data only",
            hint="convert the model to float32",
        )
    if logical_shape != tensor.shape:
        raise FrontendError(
            f"codelet operand '{operand}' {list(logical_shape)} does not match tensor "
            f"'{tensor.name}' {list(tensor.shape)} (front end and shape inference disagree)"
        )


def bind_layer(
    node: OnnxNode,
    lowered: Lowered,
    tensors: Mapping[str, TensorInfo],
    constants: Mapping[str, np.ndarray],
) -> Layer:
    """A :class:`Layer` binding the codelet's operands to the node's input and output tensors."""
    codelet = lowered.codelet
    bound: list[tuple[str, TensorInfo]] = list(lowered.inputs)
    for i, name in enumerate(node.outputs):
        if not name:
            continue
        if i >= len(lowered.outputs):
            raise FrontendError(
                f"output {i} ('{name}') is not supported",
                hint="remove the optional output from the graph",
            )
        if name not in tensors:
            raise FrontendError(
                f"output '{name}' has a dynamic or unknown shape after shape inference",
                hint="give fixed input shapes with load(..., shapes={...}); data-dependent "
                "shapes are not supported",
            )
        bound.append((lowered.outputs[i], tensors[name]))
    flat = lib.flat_operands(codelet)  # reshape-family operands are flat views
    for operand, tensor in bound:
        _check_tensor(tensor, operand, flat.get(operand, codelet.operand(operand).shape))
    return Layer(
        name=node.name,
        op_type=node.op_type,
        codelet=codelet,
        bindings=tuple((operand, tensor.name) for operand, tensor in bound),
        tensors=tuple(tensor for _, tensor in bound),
        attrs=node.attrs,
        constants=frozen_arrays(dict(constants)) if constants else MappingProxyType({}),
    )
