"""Data movement: transpose, reshape, concat and split (COPY stages)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.chain import FLAT_ATTR
from covenant_lab.codelets.ir import Affine, Codelet
from covenant_lab.codelets.library._common import axis_dims, check_axis, check_shape
from covenant_lab.errors import UsageError
from covenant_lab.types import DType

__all__ = ["concat", "reshape", "split", "transpose"]


def transpose(shape: Sequence[int], perm: Sequence[int] | None = None, *,
              name: str = "transpose", dtype: DType = DType.FLOAT32) -> Codelet:
    """``y[d0, d1, d2] = x[d1, d2, d0]`` for perm (2, 0, 1): output axis i is input axis
    ``perm[i]`` (ONNX; None reverses the axes)."""
    sh = check_shape(name, "shape", shape)
    p = tuple(reversed(range(len(sh)))) if perm is None else tuple(int(a) for a in perm)
    if sorted(p) != list(range(len(sh))):
        raise UsageError(f"argument 'perm' to {name}: {p} is not a permutation of "
                         f"{len(sh)} axes")
    out = tuple(sh[a] for a in p)
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, out)
    x, y = cb.input("x", sh), cb.output("y", out)
    src: list[Affine] = [Affine()] * len(sh)
    for i, a in enumerate(p):
        src[a] = d[i]
    cb.copy(y[d], x[tuple(src)], loops=d)
    cb.attr("perm", p)
    return cb.build()


def reshape(in_shape: Sequence[int], out_shape: Sequence[int], *, name: str = "reshape",
            dtype: DType = DType.FLOAT32) -> Codelet:
    """A copy in flat order: ``y[i] = x[i]``. Both operands are stored as flat 1-D views;
    the attribute ``flat_shapes`` (see ``flat_operands``) keeps their tensor shapes. An output
    size of -1 is inferred and 0 copies the input size (ONNX, allowzero=0)."""
    sh = check_shape(name, "in_shape", in_shape)
    size = math.prod(sh)
    out = _resolve_reshape(name, sh, tuple(int(s) for s in out_shape))
    cb = CodeletBuilder(name, dtype=dtype)
    i = cb.dim("i", size)
    x, y = cb.input("x", (size,)), cb.output("y", (size,))
    cb.copy(y[i], x[i])
    cb.attr(FLAT_ATTR, (("x", sh), ("y", out)))
    return cb.build()


def _resolve_reshape(fn: str, sh: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, ...]:
    resolved = [sh[k] if s == 0 and k < len(sh) else s for k, s in enumerate(out)]
    size = math.prod(sh)
    if resolved.count(-1) == 1:
        known = math.prod(s for s in resolved if s != -1)
        if known and size % known == 0:
            resolved[resolved.index(-1)] = size // known
    if any(s < 1 for s in resolved) or math.prod(resolved) != size:
        raise UsageError(f"{fn}: cannot reshape {sh} (size {size}) to {out}")
    return tuple(resolved)


def concat(shapes: Sequence[Sequence[int]], axis: int, *, name: str = "concat",
           dtype: DType = DType.FLOAT32) -> Codelet:
    """Inputs ``x0..xn`` stacked along ``axis``; one copy stage per input, each with its own
    dim ``d<axis>_<i>`` along the axis: ``y[d0, 3 + d1_1] = x1[d0, d1_1]``."""
    if not shapes:
        raise UsageError(f"argument 'shapes' to {name}: expected at least one shape")
    shs = [check_shape(name, f"shapes[{k}]", s, min_rank=1) for k, s in enumerate(shapes)]
    ax = check_axis(name, "axis", axis, len(shs[0]))
    for k, s in enumerate(shs):
        if len(s) != len(shs[0]) or s[:ax] + s[ax + 1:] != shs[0][:ax] + shs[0][ax + 1:]:
            raise UsageError(f"{name}: shapes[{k}] {s} differs from {shs[0]} off axis {ax}")
    out = (*shs[0][:ax], sum(s[ax] for s in shs), *shs[0][ax + 1:])
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, out, axes=[a for a in range(len(out)) if a != ax])
    pieces = [cb.dim(f"d{ax}_{k}", s[ax]) for k, s in enumerate(shs)]
    xs = [cb.input(f"x{k}", s) for k, s in enumerate(shs)]
    y = cb.output("y", out)
    offset = 0
    for k, (x, piece) in enumerate(zip(xs, pieces, strict=True)):
        idx = (*d[:ax], piece, *d[ax:])
        cb.copy(y[(*d[:ax], piece + offset, *d[ax:])], x[idx], loops=idx, label=f"x{k}")
        offset += shs[k][ax]
    cb.attr("axis", ax)
    return cb.build()


def split(shape: Sequence[int], axis: int, splits: Sequence[int] | int, *, name: str = "split",
          dtype: DType = DType.FLOAT32) -> Codelet:
    """Outputs ``y0..yn`` cut from ``x`` along ``axis``; ``splits`` gives their sizes, or an
    int the number of outputs (ONNX num_outputs: equal parts, the last one smaller)."""
    sh = check_shape(name, "shape", shape, min_rank=1)
    ax = check_axis(name, "axis", axis, len(sh))
    sizes = _split_sizes(name, sh[ax], splits)
    cb = CodeletBuilder(name, dtype=dtype)
    d = axis_dims(cb, sh, axes=[a for a in range(len(sh)) if a != ax])
    pieces = [cb.dim(f"d{ax}_{k}", s) for k, s in enumerate(sizes)]
    x = cb.input("x", sh)
    ys = [cb.output(f"y{k}", (*sh[:ax], s, *sh[ax + 1:])) for k, s in enumerate(sizes)]
    offset = 0
    for k, (y, piece) in enumerate(zip(ys, pieces, strict=True)):
        idx = (*d[:ax], piece, *d[ax:])
        cb.copy(y[idx], x[(*d[:ax], piece + offset, *d[ax:])], loops=idx, label=f"y{k}")
        offset += sizes[k]
    cb.attr("axis", ax)
    cb.attr("splits", sizes)
    return cb.build()


def _split_sizes(fn: str, total: int, splits: Sequence[int] | int) -> tuple[int, ...]:
    if isinstance(splits, int):
        if not 1 <= splits <= total:
            raise UsageError(f"argument 'splits' to {fn}: cannot cut {total} into {splits} parts")
        part = -(-total // splits)
        sizes = tuple(min(part, total - k * part) for k in range(splits))
    else:
        sizes = tuple(int(s) for s in splits)
    if any(s < 1 for s in sizes) or sum(sizes) != total:
        raise UsageError(f"argument 'splits' to {fn}: sizes {sizes} must be positive and sum "
                         f"to {total}")
    return sizes
