"""Data movement: Identity, Dropout, Reshape, Flatten, (Un)Squeeze, Transpose, Concat, Split."""

from __future__ import annotations

import math
from collections.abc import Sequence

from covenant_lab.codelets import library as lib
from covenant_lab.errors import FrontendError
from covenant_lab.frontends.onnx.lowering import (
    Lowered,
    attr_error,
    const_ints,
    norm_axis,
    unary,
)
from covenant_lab.frontends.onnx.model import TensorInfo

T = TensorInfo


def _reshape(x: T, out_shape: Sequence[int]) -> Lowered:
    out = tuple(int(d) for d in out_shape)
    if math.prod(out) != x.size:
        raise FrontendError(
            f"cannot reshape {list(x.shape)} ({x.size} elements) to {list(out)} "
            f"({math.prod(out)} elements)"
        )
    return unary(lib.reshape(x.shape, out), x)


def Identity(x: T) -> Lowered:
    return _reshape(x, x.shape)


def Dropout(
    data: T, ratio: T | None = None, training_mode: T | None = None, *, seed: int | None = None
) -> Lowered:
    """Inference: the identity (the optional mask output is not supported)."""
    del ratio, seed
    if training_mode is not None and (training_mode.value is None or training_mode.value.any()):
        raise FrontendError(
            f"input 'training_mode' ('{training_mode.name}'): only constant False is supported "
            "(inference)"
        )
    return Identity(data)


def Reshape(data: T, shape: T, *, allowzero: int = 0) -> Lowered:
    """Reshape with a constant target shape (0 copies a dimension, -1 is inferred)."""
    target = list(const_ints(shape, "shape"))
    for i, d in enumerate(target):
        if d == 0 and not allowzero:
            target[i] = data.shape[i]
    if target.count(-1) > 1:
        raise FrontendError(f"input 'shape' ('{shape.name}'): more than one -1 in {target}")
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        target[target.index(-1)] = data.size // known if known else 0
    return _reshape(data, target)


def Flatten(x: T, *, axis: int = 1) -> Lowered:
    rank = len(x.shape)
    if not -rank <= axis <= rank:
        raise attr_error("axis", f"{axis} is out of range for a rank-{rank} tensor")
    ax = axis + rank if axis < 0 else axis
    return _reshape(x, (math.prod(x.shape[:ax]), math.prod(x.shape[ax:])))


def Squeeze(data: T, axes: T | None = None) -> Lowered:
    rank = len(data.shape)
    if axes is None:
        drop = {i for i, d in enumerate(data.shape) if d == 1}
    else:
        drop = {norm_axis(a, rank, "axes") for a in const_ints(axes, "axes")}
    bad = [i for i in sorted(drop) if data.shape[i] != 1]
    if bad:
        raise FrontendError(f"input 'axes': cannot squeeze axes {bad} of shape {list(data.shape)}")
    return _reshape(data, [d for i, d in enumerate(data.shape) if i not in drop])


def Unsqueeze(data: T, axes: T) -> Lowered:
    rank = len(data.shape) + len(const_ints(axes, "axes"))
    inserted = {norm_axis(a, rank, "axes") for a in const_ints(axes, "axes")}
    dims = iter(data.shape)
    return _reshape(data, [1 if i in inserted else next(dims) for i in range(rank)])


def Transpose(x: T, *, perm: Sequence[int] | None = None) -> Lowered:
    rank = len(x.shape)
    p = tuple(perm) if perm is not None else tuple(reversed(range(rank)))
    if sorted(p) != list(range(rank)):
        raise attr_error("perm", f"{list(p)} is not a permutation of {rank} axes")
    return unary(lib.transpose(x.shape, p), x)


def Concat(*inputs: T, axis: int) -> Lowered:
    ax = norm_axis(axis, len(inputs[0].shape))
    c = lib.concat(tuple(t.shape for t in inputs), ax)
    return Lowered(c, tuple((f"x{i}", t) for i, t in enumerate(inputs)))


def Split(
    x: T, split: T | None = None, *, axis: int = 0, num_outputs: int | None = None
) -> Lowered:
    """Split along ``axis`` by constant sizes, or into ``num_outputs`` (last one smaller)."""
    ax = norm_axis(axis, len(x.shape))
    extent = x.shape[ax]
    if split is not None:
        sizes = const_ints(split, "split")
    elif num_outputs:
        chunk = math.ceil(extent / num_outputs)
        sizes = tuple(min(chunk, extent - i * chunk) for i in range(num_outputs))
    else:
        raise attr_error("num_outputs", "Split needs either the 'split' input or 'num_outputs'")
    if sum(sizes) != extent or min(sizes) < 0:
        raise FrontendError(f"split sizes {list(sizes)} do not add up to axis {ax} ({extent})")
    c = lib.split(x.shape, ax, sizes)
    return Lowered(c, (("x", x),), tuple(f"y{i}" for i in range(len(sizes))))
