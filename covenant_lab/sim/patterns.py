"""An access of a codelet stage as a strided pattern over a compute's loop box.

``x[2*oh + kh, c]`` over the box ``oh in [a, b), kh in [c, d), c in [e, f)`` touches the elements
``origin + oh' * (2, 0) + kh' * (1, 0) + c' * (0, 1)`` (``oh' = oh - a``, ...): an affine index
over a box is a strided pattern, in which loop ``v`` steps ``coef(axis, v)`` along each tensor
axis. So when every position lies inside the tile, the access is a strided *view* of the
tile's storage, and the simulator reads and writes it without index arrays. At a tile on the
tensor's edge a padded access reaches outside the tensor; it is then a view of a copy of the
tile padded with the access's fill. Any other position outside the tile (inside the tensor)
is a fault the caller reports through its slower, index-by-index path.
"""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.codelets.ir import Access, Affine
from covenant_lab.sim.memory import Steps

__all__ = ["Pattern", "Window"]

Box = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Window:
    """Where a pattern falls relative to a tile: the tile-local index of its first position
    per tensor axis, and how many elements it reaches before and after the tile (padding)."""

    origin: tuple[int, ...]
    pad: tuple[tuple[int, int], ...]

    @property
    def padded(self) -> bool:
        return any(before or after for before, after in self.pad)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One access over a stage's loops (in the stage's loop order)."""

    loops: tuple[str, ...]
    index: tuple[Affine, ...]  # per tensor axis
    steps: Steps  # per loop: (tensor axis, coefficient) for the axes it moves along
    used: tuple[bool, ...]  # per loop: whether the access depends on it
    injective: bool  # each axis is a distinct loop variable: no two positions alias

    @staticmethod
    def of(acc: Access, loops: tuple[str, ...]) -> Pattern:
        steps = tuple(tuple((axis, e.coef(lp)) for axis, e in enumerate(acc.index) if e.coef(lp))
                      for lp in loops)
        names = [e.terms[0][0] for e in acc.index if len(e.terms) == 1]
        injective = len(names) == len(acc.index) == len(set(names))
        return Pattern(loops, acc.index, steps, tuple(any(s) for s in steps), injective)

    def shape(self, box_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The view's shape: the box's extent on the loops it uses, 1 on the others."""
        return tuple(n if u else 1 for n, u in zip(box_shape, self.used, strict=True))

    def window(self, spans: Box, tile_box: Box, tensor_shape: tuple[int, ...]) -> Window | None:
        """Where the pattern over the loop box ``spans`` falls in the tile; None when it has no
        axes or reaches positions inside the tensor but outside the tile."""
        if not self.index:
            return None
        first = {lp: a for lp, (a, _) in zip(self.loops, spans, strict=True)}
        last = {lp: b - 1 for lp, (_, b) in zip(self.loops, spans, strict=True)}
        origin, pad = [], []
        for expr, (t0, t1), size in zip(self.index, tile_box, tensor_shape, strict=True):
            lo, hi = expr.range(first, last)
            before, after = max(t0 - lo, 0), max(hi + 1 - t1, 0)
            if t1 > size or (before and t0 != 0) or (after and t1 != size):
                return None
            origin.append(expr.range(first, first)[0] - t0)  # the first position's index
            pad.append((before, after))
        return Window(tuple(origin), tuple(pad))
