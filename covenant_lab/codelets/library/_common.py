"""Argument checks and index helpers shared by the library's codelet families."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.ir import Affine
from covenant_lab.errors import UsageError

__all__ = [
    "axis_dims",
    "broadcast_index",
    "broadcast_shapes",
    "check_axis",
    "check_ints",
    "check_shape",
    "window_out",
    "window_pads",
]


def check_shape(fn: str, param: str, value: Sequence[int], *, rank: int | None = None,
                min_rank: int = 0) -> tuple[int, ...]:
    """A tuple of positive ints, optionally of a given rank."""
    try:
        shape = tuple(int(s) for s in value)
    except (TypeError, ValueError):
        raise UsageError(
            f"argument '{param}' to {fn}: expected a shape (ints), got {value!r}") from None
    if any(s < 1 for s in shape):
        raise UsageError(f"argument '{param}' to {fn}: expected positive sizes, got {shape}")
    if rank is not None and len(shape) != rank:
        raise UsageError(f"argument '{param}' to {fn}: expected {rank} dims, got {shape}")
    if len(shape) < min_rank:
        raise UsageError(
            f"argument '{param}' to {fn}: expected at least {min_rank} dims, got {shape}")
    return shape


def check_ints(fn: str, param: str, value: Sequence[int], count: int, *,
               minimum: int) -> tuple[int, ...]:
    """``count`` ints, each at least ``minimum``."""
    try:
        out = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        out = ()
    if len(out) != count or any(v < minimum for v in out):
        raise UsageError(f"argument '{param}' to {fn}: expected {count} ints >= {minimum}, "
                         f"got {value!r}")
    return out


def check_axis(fn: str, param: str, axis: int, rank: int) -> int:
    """Normalise a possibly negative axis."""
    if not -rank <= axis < rank:
        raise UsageError(f"argument '{param}' to {fn}: axis {axis} is out of range for rank {rank}")
    return axis % rank


def broadcast_shapes(fn: str, *shapes: Sequence[int]) -> tuple[int, ...]:
    """ONNX multidirectional (numpy) broadcasting."""
    try:
        return tuple(int(s) for s in np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        raise UsageError(f"{fn}: shapes {', '.join(str(tuple(s)) for s in shapes)} "
                         "do not broadcast") from None


def broadcast_index(shape: Sequence[int], out_shape: Sequence[int],
                    out_vars: Sequence[Affine]) -> tuple[Affine | int, ...]:
    """Index of a tensor broadcast (aligned right) to ``out_shape``: broadcast axes read 0."""
    offset = len(out_shape) - len(shape)
    return tuple(
        0 if size == 1 and out_shape[offset + k] != 1 else out_vars[offset + k]
        for k, size in enumerate(shape)
    )


def axis_dims(cb: CodeletBuilder, shape: Sequence[int], prefix: str = "d",
              axes: Sequence[int] | None = None) -> tuple[Affine, ...]:
    """Declare one dim per axis, named ``<prefix><axis>`` (``d0, d1, ...``)."""
    chosen = range(len(shape)) if axes is None else axes
    return tuple(cb.dim(f"{prefix}{k}", shape[k]) for k in chosen)


def window_out(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int,
               dilation: int, ceil_mode: bool) -> int:
    """Output length of a sliding window (ONNX rule; with ceil_mode the last window must
    start inside the input or its leading padding)."""
    span = size + pad_begin + pad_end - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


def window_pads(size: int, out: int, kernel: int, stride: int, dilation: int,
                pad_begin: int) -> bool:
    """Whether some window of a sliding window reads outside the input (needs a fill)."""
    return pad_begin > 0 or (out - 1) * stride + dilation * (kernel - 1) - pad_begin >= size
