"""Elementwise codelets: one op with broadcasting, and activations written as short programs.

A *pointwise program* is data: a tuple of steps ``(op, dst, a[, b])`` over the names ``x``
(input), ``y`` (output), temps ``t0, t1, ...`` (all of the input's shape) and float
constants. Each step becomes one stage over the same dims ``d0, d1, ...``, so a compiler can
tile and fuse them together. GELU (erf form), for example::

    (MUL, "t0", "x", 1/sqrt(2)), (ERF, "t0", "t0"), (ADD, "t0", "t0", 1.0),
    (MUL, "t0", "t0", 0.5), (MUL, "y", "x", "t0")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.ir import Codelet
from covenant_lab.codelets.library._common import (
    axis_dims,
    broadcast_index,
    broadcast_shapes,
    check_shape,
)
from covenant_lab.errors import UsageError
from covenant_lab.types import DType, OpKind, Role

__all__ = [
    "clip", "elementwise", "erf", "exp", "gelu", "leaky_relu", "relu", "sigmoid", "sqrt", "tanh",
]

Step = tuple[OpKind, str, str | float] | tuple[OpKind, str, str | float, str | float]


def elementwise(
    op: OpKind, a_shape: Sequence[int], b_shape: Sequence[int] | None = None, *,
    b_role: Role = Role.INPUT, out_shape: Sequence[int] | None = None, name: str | None = None,
    dtype: DType = DType.FLOAT32,
) -> Codelet:
    """``y = op(x)`` (unary) or ``y = op(a, b)`` with ONNX multidirectional broadcasting::

        y[d0, d1] = a[d0, d1] + b[0, d1]          # a (3, 4) + b (1, 4)
    """
    fn = name or op.value
    if op.accumulates:
        raise UsageError(f"argument 'op' to elementwise: {op.value} is not elementwise")
    a_sh = check_shape(fn, "a_shape", a_shape)
    b_sh = None if b_shape is None else check_shape(fn, "b_shape", b_shape)
    if (b_sh is None) != (op.arity == 1):
        want = "no b_shape" if op.arity == 1 else "a b_shape"
        raise UsageError(
            f"argument 'op' to elementwise: {op.value} has arity {op.arity}; give {want}")
    shapes = [a_sh] + ([b_sh] if b_sh is not None else [])
    if out_shape is not None:
        shapes.append(check_shape(fn, "out_shape", out_shape))
    out = broadcast_shapes(fn, *shapes)
    if out_shape is not None and out != tuple(out_shape):
        raise UsageError(
            f"{fn}: inputs {shapes[:-1]} do not broadcast to out_shape {tuple(out_shape)}")
    cb = CodeletBuilder(fn, dtype=dtype)
    d = axis_dims(cb, out)
    if b_sh is None:
        x = cb.input("x", a_sh)
        y = cb.output("y", out)
        cb.unary(op, y[d], x[broadcast_index(a_sh, out, d)], loops=d)
    else:
        a = cb.input("a", a_sh)
        b = cb.operand("b", b_sh, b_role)
        y = cb.output("y", out)
        cb.binary(op, y[d], a[broadcast_index(a_sh, out, d)], b[broadcast_index(b_sh, out, d)],
                  loops=d)
    return cb.build()


def pointwise(name: str, shape: Sequence[int], steps: Sequence[Step],
              dtype: DType = DType.FLOAT32) -> Codelet:
    """Build a pointwise program (see the module docstring)."""
    sh = check_shape(name, "shape", shape)
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, sh)
    handles = {"x": cb.input("x", sh), "y": cb.output("y", sh)}
    for step in steps:
        for ref in step[1:]:
            if isinstance(ref, str) and ref not in handles:
                handles[ref] = cb.temp(ref, sh)
    for op, dst, *srcs in steps:
        args = [s if isinstance(s, float) else handles[s][d] for s in srcs]
        if op.arity == 1:
            cb.unary(op, handles[dst][d], args[0], loops=d)
        else:
            cb.binary(op, handles[dst][d], args[0], args[1], loops=d)
    return cb.build()


def _single(op: OpKind) -> Callable[..., Codelet]:
    def build(shape: Sequence[int], *, name: str = op.value,
              dtype: DType = DType.FLOAT32) -> Codelet:
        return elementwise(op, shape, name=name, dtype=dtype)

    build.__name__ = build.__qualname__ = op.value
    build.__doc__ = f"``y[d...] = {op.value}(x[d...])``."
    return build


relu = _single(OpKind.RELU)
sigmoid = _single(OpKind.SIGMOID)
tanh = _single(OpKind.TANH)
erf = _single(OpKind.ERF)
exp = _single(OpKind.EXP)
sqrt = _single(OpKind.SQRT)


def leaky_relu(shape: Sequence[int], alpha: float = 0.01, *, name: str = "leaky_relu",
               dtype: DType = DType.FLOAT32) -> Codelet:
    """``y = max(x, 0) + alpha * min(x, 0)`` (any alpha)."""
    steps: list[Step] = [
        (OpKind.MIN, "t0", "x", 0.0), (OpKind.MUL, "t0", "t0", float(alpha)),
        (OpKind.MAX, "y", "x", 0.0), (OpKind.ADD, "y", "y", "t0"),
    ]
    return pointwise(name, shape, steps, dtype)


def clip(shape: Sequence[int], min: float | None = None, max: float | None = None, *,
         name: str = "clip", dtype: DType = DType.FLOAT32) -> Codelet:
    """``y = min(max(x, min), max)``; a bound of None is absent (both absent: a copy)."""
    steps: list[Step] = []
    src = "x"
    if min is not None:
        steps.append((OpKind.MAX, "y", src, float(min)))
        src = "y"
    if max is not None:
        steps.append((OpKind.MIN, "y", src, float(max)))
    return pointwise(name, shape, steps or [(OpKind.COPY, "y", "x")], dtype)


_GELU: dict[str, tuple[Step, ...]] = {
    "none": (
        (OpKind.MUL, "t0", "x", 1.0 / math.sqrt(2.0)), (OpKind.ERF, "t0", "t0"),
        (OpKind.ADD, "t0", "t0", 1.0), (OpKind.MUL, "t0", "t0", 0.5),
        (OpKind.MUL, "y", "x", "t0"),
    ),
    "tanh": (
        (OpKind.MUL, "t0", "x", "x"), (OpKind.MUL, "t0", "t0", "x"),
        (OpKind.MUL, "t0", "t0", 0.044715), (OpKind.ADD, "t0", "t0", "x"),
        (OpKind.MUL, "t0", "t0", math.sqrt(2.0 / math.pi)), (OpKind.TANH, "t0", "t0"),
        (OpKind.ADD, "t0", "t0", 1.0), (OpKind.MUL, "t0", "t0", 0.5),
        (OpKind.MUL, "y", "x", "t0"),
    ),
}


def gelu(shape: Sequence[int], approximate: str = "none", *, name: str = "gelu",
         dtype: DType = DType.FLOAT32) -> Codelet:
    """``0.5 * x * (1 + erf(x / sqrt(2)))``, or with ``approximate="tanh"``
    ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``, as stages on a temp."""
    if approximate not in _GELU:
        raise UsageError(f"argument 'approximate' to gelu: expected 'none' or 'tanh', "
                         f"got {approximate!r}")
    return pointwise(name, shape, _GELU[approximate], dtype)
