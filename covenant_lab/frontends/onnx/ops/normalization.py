"""Normalisations and reductions: Softmax, LayerNormalization, BatchNormalization, Reduce*."""

from __future__ import annotations

from covenant_lab.codelets import library as lib
from covenant_lab.frontends.onnx.lowering import (
    Lowered,
    attr_error,
    const_ints,
    norm_axis,
    unary,
)
from covenant_lab.frontends.onnx.model import TensorInfo
from covenant_lab.frontends.onnx.ops.movement import Identity

T = TensorInfo


def Softmax(x: T, *, axis: int = -1) -> Lowered:
    return unary(lib.softmax(x.shape, norm_axis(axis, len(x.shape))), x)


def LayerNormalization(
    x: T,
    scale: T,
    b: T | None = None,
    *,
    axis: int = -1,
    epsilon: float = 1e-5,
    stash_type: int = 1,
) -> Lowered:
    """Normalise over axes ``axis..rank-1``; the Mean/InvStdDev outputs are not supported."""
    del stash_type  # the codelet computes in the accumulator's precision
    ax = norm_axis(axis, len(x.shape))
    c = lib.layernorm(x.shape, axis=ax, epsilon=float(epsilon), scale=True, bias=b is not None)
    return Lowered(c, (("x", x), ("scale", scale)) + ((("bias", b),) if b is not None else ()))


def BatchNormalization(
    x: T,
    scale: T,
    b: T,
    mean: T,
    var: T,
    *,
    epsilon: float = 1e-5,
    momentum: float = 0.9,
    training_mode: int = 0,
) -> Lowered:
    """Inference-mode batch normalisation with the running statistics."""
    del momentum  # training only
    if training_mode:
        raise attr_error("training_mode", "training mode is not supported (inference only)")
    c = lib.batchnorm(x.shape, epsilon=float(epsilon))
    binds = (("x", x), ("scale", scale), ("bias", b), ("mean", mean), ("var", var))
    return Lowered(c, binds)


def _reduce(kind: str, x: T, axes: T | None, keepdims: int, noop_with_empty_axes: int) -> Lowered:
    rank = len(x.shape)
    given = const_ints(axes, "axes") if axes is not None else ()
    if not given and noop_with_empty_axes:
        return Identity(x)
    ax = tuple(sorted({norm_axis(a, rank, "axes") for a in given})) or tuple(range(rank))
    return unary(lib.reduce(kind, x.shape, ax, bool(keepdims)), x)


def ReduceMean(
    data: T, axes: T | None = None, *, keepdims: int = 1, noop_with_empty_axes: int = 0
) -> Lowered:
    return _reduce("mean", data, axes, keepdims, noop_with_empty_axes)


def ReduceSum(
    data: T, axes: T | None = None, *, keepdims: int = 1, noop_with_empty_axes: int = 0
) -> Lowered:
    return _reduce("sum", data, axes, keepdims, noop_with_empty_axes)


def ReduceMax(
    data: T, axes: T | None = None, *, keepdims: int = 1, noop_with_empty_axes: int = 0
) -> Lowered:
    return _reduce("max", data, axes, keepdims, noop_with_empty_axes)
