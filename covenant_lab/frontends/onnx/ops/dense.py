"""Matrix products and convolution: Conv, Gemm, MatMul."""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.codelets import library as lib
from covenant_lab.frontends.onnx.lowering import (
    Lowered,
    attr_error,
    pads_2d,
    pair,
    spatial_input,
)
from covenant_lab.frontends.onnx.model import TensorInfo

T = TensorInfo


def _kernel(w_or_shape: Sequence[int], kernel_shape: Sequence[int] | None) -> tuple[int, int]:
    if kernel_shape is not None and tuple(kernel_shape) != tuple(w_or_shape):
        raise attr_error(
            "kernel_shape", f"{list(kernel_shape)} differs from the weight's {list(w_or_shape)}"
        )
    return pair(tuple(w_or_shape), "kernel_shape", 1)


def Conv(
    x: T,
    w: T,
    b: T | None = None,
    *,
    auto_pad: str = "NOTSET",
    dilations: Sequence[int] | None = None,
    group: int = 1,
    kernel_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
) -> Lowered:
    """2-D convolution (NCHW, weights OIHW), with optional bias."""
    if len(w.shape) != 4:
        rank = len(w.shape) - 2
        raise attr_error(
            "kernel_shape",
            f"only 2-D convolutions are supported, got a {rank}-D kernel "
            f"{list(kernel_shape or w.shape[2:])}",
        )
    hw = spatial_input(x, "kernel_shape", "convolutions")
    kernel = _kernel(w.shape[2:], kernel_shape)
    st, dil = pair(strides, "strides", 1), pair(dilations, "dilations", 1)
    pd = pads_2d(auto_pad, pads, hw, kernel, st, dil)
    c = lib.conv2d(
        x.shape, w.shape, bias=b is not None, strides=st, pads=pd, dilations=dil, group=group
    )
    return Lowered(c, (("x", x), ("w", w)) + ((("b", b),) if b is not None else ()))


def Gemm(
    a: T,
    b: T,
    c: T | None = None,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    transA: int = 0,
    transB: int = 0,
) -> Lowered:
    """``alpha * A' B' + beta * C`` on 2-D matrices."""
    cd = lib.gemm(
        a.shape,
        b.shape,
        c_shape=c.shape if c is not None else None,
        trans_a=bool(transA),
        trans_b=bool(transB),
        alpha=float(alpha),
        beta=float(beta),
    )
    return Lowered(cd, (("a", a), ("b", b)) + ((("c", c),) if c is not None else ()))


def MatMul(a: T, b: T) -> Lowered:
    """numpy ``matmul``; a constant ``b`` is a weight."""
    return Lowered(lib.matmul(a.shape, b.shape, b_is_weight=b.is_constant), (("a", a), ("b", b)))
