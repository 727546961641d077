"""Softmax, layer normalization and (inference) batch normalization as staged codelets.

Every stage iterates the same dims for the same axes (``d<axis>``), so a compiler can tile
the shared outer loops of all stages together; reductions run over a dedicated ``r<axis>``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.ir import Affine, Codelet
from covenant_lab.codelets.library._common import axis_dims, check_axis, check_shape
from covenant_lab.types import DType, OpKind

__all__ = ["batchnorm", "layernorm", "softmax"]


def softmax(shape: Sequence[int], axis: int = -1, *, name: str = "softmax",
            dtype: DType = DType.FLOAT32) -> Codelet:
    """``y = exp(x - max(x)) / sum(exp(x - max(x)))`` along ``axis`` (ONNX opset >= 13)::

        t0[d0] = max(t0[d0], x[d0, r1])        # init -inf
        t1[d0, d1] = x[d0, d1] - t0[d0]
        t1[d0, d1] = exp(t1[d0, d1])
        t2[d0] += t1[d0, r1]                   # init 0.0
        t2[d0] = recip(t2[d0])
        y[d0, d1] = t1[d0, d1] * t2[d0]
    """
    sh = check_shape(name, "shape", shape, min_rank=1)
    ax = check_axis(name, "axis", axis, len(sh))
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, sh)
    r = cb.dim(f"r{ax}", sh[ax])
    outer = d[:ax] + d[ax + 1:]
    outer_shape = sh[:ax] + sh[ax + 1:]
    along = (*d[:ax], r, *d[ax + 1:])
    x, y = cb.input("x", sh), cb.output("y", sh)
    t0, t1, t2 = cb.temp("t0", outer_shape), cb.temp("t1", sh), cb.temp("t2", outer_shape)
    cb.reduce(OpKind.REDUCE_MAX, t0[outer], x[along], loops=(*outer, r), label="max")
    cb.binary(OpKind.SUB, t1[d], x[d], t0[outer], loops=d, label="shift")
    cb.unary(OpKind.EXP, t1[d], t1[d], loops=d, label="exp")
    cb.reduce(OpKind.REDUCE_ADD, t2[outer], t1[along], loops=(*outer, r), label="sum")
    cb.unary(OpKind.RECIP, t2[outer], t2[outer], loops=outer, label="recip")
    cb.binary(OpKind.MUL, y[d], t1[d], t2[outer], loops=d, label="normalize")
    cb.attr("axis", ax)
    return cb.build()


def layernorm(
    shape: Sequence[int], *, axis: int = -1, epsilon: float = 1e-5, scale: bool = True,
    bias: bool = True, name: str = "layernorm", dtype: DType = DType.FLOAT32,
) -> Codelet:
    """ONNX LayerNormalization over axes ``axis..rank-1``; ``scale`` and ``bias`` have the
    shape of those axes. Stages: mean (t0), centred input (t1), variance then ``rsqrt(var +
    epsilon)`` (t2), ``y = t1 * t2``, then ``y = y * scale`` and ``y = y + bias``."""
    sh = check_shape(name, "shape", shape, min_rank=1)
    ax = check_axis(name, "axis", axis, len(sh))
    inner_shape, outer_shape = sh[ax:], sh[:ax]
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, sh)
    r = axis_dims(cb, sh, prefix="r", axes=range(ax, len(sh)))
    outer, inner = d[:ax], d[ax:]
    x = cb.input("x", sh)
    gamma = cb.weight("scale", inner_shape) if scale else None
    beta = cb.weight("bias", inner_shape) if bias else None
    y = cb.output("y", sh)
    t0, t1, t2 = cb.temp("t0", outer_shape), cb.temp("t1", sh), cb.temp("t2", outer_shape)
    inv_count = 1.0 / math.prod(inner_shape)
    reduce_loops = (*outer, *r)
    cb.reduce(OpKind.REDUCE_ADD, t0[outer], x[(*outer, *r)], loops=reduce_loops, label="mean")
    cb.binary(OpKind.MUL, t0[outer], t0[outer], inv_count, loops=outer, label="mean")
    cb.binary(OpKind.SUB, t1[d], x[d], t0[outer], loops=d, label="center")
    cb.mac(t2[outer], t1[(*outer, *r)], t1[(*outer, *r)], loops=reduce_loops, label="var")
    cb.binary(OpKind.MUL, t2[outer], t2[outer], inv_count, loops=outer, label="var")
    cb.binary(OpKind.ADD, t2[outer], t2[outer], float(epsilon), loops=outer, label="rstd")
    cb.unary(OpKind.RSQRT, t2[outer], t2[outer], loops=outer, label="rstd")
    cb.binary(OpKind.MUL, y[d], t1[d], t2[outer], loops=d, label="normalize")
    if gamma is not None:
        cb.binary(OpKind.MUL, y[d], y[d], gamma[inner], loops=d, label="scale")
    if beta is not None:
        cb.binary(OpKind.ADD, y[d], y[d], beta[inner], loops=d, label="bias")
    cb.attr("axis", ax)
    cb.attr("epsilon", float(epsilon))
    return cb.build()


def batchnorm(x_shape: Sequence[int], *, epsilon: float = 1e-5, name: str = "batchnorm",
              dtype: DType = DType.FLOAT32) -> Codelet:
    """Inference BatchNormalization over channel axis 1, per-channel operands
    ``scale, bias, mean, var``::

        t0[d1] = var[d1] + 1e-05;  t0 = rsqrt(t0);  t0 = t0 * scale[d1]
        y[d0, d1, d2, d3] = x[...] - mean[d1];  y = y * t0[d1];  y = y + bias[d1]
    """
    sh = check_shape(name, "x_shape", x_shape, min_rank=2)
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, sh)
    ch: tuple[Affine] = (d[1],)
    x = cb.input("x", sh)
    scale, bias, mean, var = (cb.weight(n, (sh[1],)) for n in ("scale", "bias", "mean", "var"))
    y = cb.output("y", sh)
    t0 = cb.temp("t0", (sh[1],))
    cb.binary(OpKind.ADD, t0[ch], var[ch], float(epsilon), loops=ch, label="rstd")
    cb.unary(OpKind.RSQRT, t0[ch], t0[ch], loops=ch, label="rstd")
    cb.binary(OpKind.MUL, t0[ch], t0[ch], scale[ch], loops=ch, label="gain")
    cb.binary(OpKind.SUB, y[d], x[d], mean[ch], loops=d, label="center")
    cb.binary(OpKind.MUL, y[d], y[d], t0[ch], loops=d, label="normalize")
    cb.binary(OpKind.ADD, y[d], y[d], bias[ch], loops=d, label="bias")
    cb.attr("epsilon", float(epsilon))
    return cb.build()
