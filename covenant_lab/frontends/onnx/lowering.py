"""Helpers shared by the per-op functions in ``ops.py``: the result type and attribute checks.

Errors raised here say what is wrong with an attribute or input; the loader prefixes them with
the file and the node, so they read ``model.onnx: node 'conv1' (Conv): attribute ...``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from covenant_lab.codelets.ir import Codelet
from covenant_lab.errors import FrontendError
from covenant_lab.frontends.onnx.model import TensorInfo

__all__ = [
    "Lowered",
    "attr_error",
    "const_ints",
    "const_scalar",
    "norm_axis",
    "pads_2d",
    "pair",
    "spatial_input",
    "unary",
]


@dataclass(frozen=True, slots=True)
class Lowered:
    """An op function's result: the codelet and how its operands bind to the node's tensors.

    ``inputs`` maps codelet operands to node inputs; ``outputs`` names the codelet operand of
    each node output, in the node's output order.
    """

    codelet: Codelet
    inputs: tuple[tuple[str, TensorInfo], ...]
    outputs: tuple[str, ...] = ("y",)


def unary(codelet: Codelet, x: TensorInfo) -> Lowered:
    """A codelet with one input ``x`` and one output ``y``."""
    return Lowered(codelet, (("x", x),))


def attr_error(attribute: str, message: str, *, hint: str | None = None) -> FrontendError:
    """An error about one attribute of the node being lowered."""
    return FrontendError(f"attribute '{attribute}': {message}", hint=hint)


def _input_error(what: str, t: TensorInfo, message: str) -> FrontendError:
    return FrontendError(
        f"input '{what}' ('{t.name}'): {message}",
        hint="fold it into an initializer or a Constant node (e.g. with onnx-simplifier)",
    )


def const_ints(t: TensorInfo, what: str) -> tuple[int, ...]:
    """The integer values of a constant input (``Reshape``'s shape, ``axes``, ``split``)."""
    if t.value is None:
        raise _input_error(what, t, "must be a constant (an initializer or a Constant node)")
    if t.value.dtype.kind not in "iu":
        raise _input_error(what, t, f"expected integers, got {t.value.dtype}")
    return tuple(int(v) for v in t.value.reshape(-1))


def const_scalar(t: TensorInfo, what: str) -> float:
    """The value of a constant scalar input (``Clip``'s min and max)."""
    if t.value is None:
        raise _input_error(what, t, "must be a constant (an initializer or a Constant node)")
    if t.value.size != 1:
        raise _input_error(what, t, f"expected a scalar, got shape {list(t.value.shape)}")
    return float(t.value.reshape(-1)[0])


def norm_axis(axis: int, rank: int, attribute: str = "axis") -> int:
    """``axis`` in ``[0, rank)`` (negative axes count from the end)."""
    if not -rank <= axis < rank:
        raise attr_error(attribute, f"{axis} is out of range for a rank-{rank} tensor")
    return axis % rank


def spatial_input(x: TensorInfo, attribute: str, what: str) -> tuple[int, int]:
    """``(H, W)`` of an NCHW input; other ranks are named in an error about ``attribute``."""
    if len(x.shape) != 4:
        raise attr_error(
            attribute,
            f"only 2-D {what} (NCHW input) are supported, got a {len(x.shape) - 2}-D one "
            f"(input shape {list(x.shape)})",
        )
    return x.shape[2], x.shape[3]


def pair(values: Sequence[int] | None, attribute: str, default: int) -> tuple[int, int]:
    """A 2-D attribute such as ``strides``; ``None`` gives ``(default, default)``."""
    if values is None:
        return default, default
    if len(values) != 2:
        raise attr_error(
            attribute, f"expected 2 values for a 2-D operation, got {len(values)}: {list(values)}"
        )
    return int(values[0]), int(values[1])


def pads_2d(
    auto_pad: str,
    pads: Sequence[int] | None,
    in_hw: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    dilations: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Explicit ONNX pads ``(top, left, bottom, right)`` from ``auto_pad`` or ``pads``.

    SAME_UPPER / SAME_LOWER pad so that ``out = ceil(in / stride)``, the odd pixel going at the
    end (UPPER) or the beginning (LOWER); VALID pads nothing.
    """
    if auto_pad in ("NOTSET", ""):
        if pads is None:
            return 0, 0, 0, 0
        if len(pads) != 4:
            raise attr_error("pads", f"expected 4 values for a 2-D operation, got {list(pads)}")
        top, left, bottom, right = (int(p) for p in pads)
        return top, left, bottom, right
    if auto_pad == "VALID":
        return 0, 0, 0, 0
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise attr_error(
            "auto_pad",
            f"unknown value {auto_pad!r}",
            hint="use NOTSET, SAME_UPPER, SAME_LOWER or VALID",
        )
    begin, end = [], []
    for size, k, s, d in zip(in_hw, kernel, strides, dilations, strict=True):
        out = math.ceil(size / s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else large)
        end.append(large if auto_pad == "SAME_UPPER" else small)
    return begin[0], begin[1], end[0], end[1]


def broadcast(a: TensorInfo, b: TensorInfo) -> tuple[int, ...]:
    """The numpy/ONNX multidirectional broadcast of two shapes."""
    try:
        return tuple(int(d) for d in np.broadcast_shapes(a.shape, b.shape))
    except ValueError as exc:
        raise FrontendError(
            f"shapes {list(a.shape)} ('{a.name}') and {list(b.shape)} ('{b.name}') do not broadcast"
        ) from exc
