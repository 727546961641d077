"""Boxes: which part of each tensor a block of loop iterations touches."""

from __future__ import annotations

from collections.abc import Mapping

from covenant_lab.codelets.ir import Access, Codelet, Stage

LoopBox = Mapping[str, tuple[int, int]]  # loop -> [start, stop)
Box = tuple[tuple[int, int], ...]  # per tensor axis: [start, stop)


def access_box(access: Access, loops: LoopBox, shape: tuple[int, ...]) -> Box:
    """The part of the tensor ``access`` reads or writes when each loop spans its range.

    The box is clipped to the tensor: padding positions are never stored.
    """
    lo = {v: a for v, (a, _) in loops.items()}
    hi = {v: b - 1 for v, (_, b) in loops.items()}
    out = []
    for expr, n in zip(access.index, shape, strict=True):
        mn, mx = expr.range(lo, hi)
        mn, mx = max(mn, 0), min(mx, n - 1)
        out.append((mn, mx + 1) if mx >= mn else (0, 0))
    return tuple(out)


def union(a: Box, b: Box) -> Box:
    """The bounding box of two boxes (empty boxes are ignored)."""
    if is_empty(a):
        return b
    if is_empty(b):
        return a
    return tuple((min(x0, y0), max(x1, y1)) for (x0, x1), (y0, y1) in zip(a, b, strict=True))


def is_empty(box: Box) -> bool:
    return any(b <= a for a, b in box)


def contains(outer: Box, inner: Box) -> bool:
    return is_empty(inner) or all(
        a0 <= b0 and b1 <= a1 for (a0, a1), (b0, b1) in zip(outer, inner, strict=True)
    )


def volume(box: Box) -> int:
    n = 1
    for a, b in box:
        n *= max(b - a, 0)
    return n


def operand_box(codelet: Codelet, stages: tuple[Stage, ...], operand: str, loops: LoopBox) -> Box:
    """Bounding box of every access to ``operand`` by ``stages`` over the loop box.

    Loops a stage has but ``loops`` does not bound span their whole extent.
    """
    shape = codelet.operand(operand).shape
    box: Box = tuple((0, 0) for _ in shape)
    for stage in stages:
        full = {lp: loops.get(lp, (0, codelet.extent(lp))) for lp in stage.loops}
        for acc in stage.stmt.accesses:
            if acc.operand == operand:
                box = union(box, access_box(acc, full, shape))
    return box
