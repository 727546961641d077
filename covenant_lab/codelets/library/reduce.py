"""Reductions over axes (ONNX ReduceSum, ReduceMean, ReduceMax, ReduceMin)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.ir import Affine, Codelet
from covenant_lab.codelets.library._common import check_axis, check_shape
from covenant_lab.errors import UsageError
from covenant_lab.types import DType, OpKind

__all__ = ["reduce"]

_OPS = {"sum": OpKind.REDUCE_ADD, "mean": OpKind.REDUCE_ADD, "max": OpKind.REDUCE_MAX,
        "min": OpKind.REDUCE_MIN}


def reduce(
    kind: str, shape: Sequence[int], axes: Sequence[int] | None = None, keepdims: bool = True,
    *, name: str | None = None, dtype: DType = DType.FLOAT32,
) -> Codelet:
    """Reduce ``x`` over ``axes`` (None or empty: all axes) with ``kind`` sum, mean, max or min.

    Kept axes loop over ``d<axis>``, reduced ones over a dedicated ``r<axis>``::

        y[d0, 0] += x[d0, r1]                        # reduce("mean", (4, 6), (1,))
        y[d0, 0] = y[d0, 0] * 0.16666666666666666
    """
    fn = name or f"reduce_{kind}"
    if kind not in _OPS:
        raise UsageError(
            f"argument 'kind' to reduce: expected one of {', '.join(_OPS)}, got {kind!r}")
    sh = check_shape(fn, "shape", shape)
    rank = len(sh)
    chosen = tuple(check_axis(fn, "axes", a, rank) for a in axes or range(rank))
    if len(set(chosen)) != len(chosen):
        raise UsageError(f"argument 'axes' to {fn}: repeated axis in {tuple(axes or ())}")
    cb = CodeletBuilder(fn, dtype=dtype)
    kept = tuple(a for a in range(rank) if a not in chosen)
    var: dict[int, Affine] = {a: cb.dim(f"d{a}", sh[a]) for a in kept}
    var.update({a: cb.dim(f"r{a}", sh[a]) for a in sorted(chosen)})
    x = cb.input("x", sh)
    out_idx: list[Affine | int] = []
    out_shape: list[int] = []
    for a in range(rank):
        if a in kept or keepdims:
            out_idx.append(var[a] if a in kept else 0)
            out_shape.append(sh[a] if a in kept else 1)
    y = cb.output("y", out_shape)
    dst = y[tuple(out_idx)]
    outer = tuple(var[a] for a in kept)
    op = _OPS[kind]
    cb.reduce(op, dst, x[tuple(var[a] for a in range(rank))],
              loops=outer + tuple(var[a] for a in sorted(chosen)), init=op.identity, label=kind)
    if kind == "mean":
        count = math.prod(sh[a] for a in chosen)
        cb.binary(OpKind.MUL, dst, dst, 1.0 / count, loops=outer, label="scale")
    cb.attr("axes", tuple(sorted(chosen)))
    cb.attr("keepdims", bool(keepdims))
    return cb.build()
