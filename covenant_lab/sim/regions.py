"""Byte regions of tiles: identity, sub-views and overlap, shared by the scheduler and sanitizer.

A tile occupies the bytes ``addr + elem_bytes * sum(i_k * stride_k)`` for every position
``i`` of its box (relative to the box start). Its *region key* is ``(storage, addr, span)``;
two tiles with the same key are the same slot (the ping-pong case). Tiles with different keys
can still share bytes: a sub-box of a tensor in DRAM, or a small tile read out of a bigger
one. Two tiles laid out on the same grid (same operand, element size and strides, and the same
address of the grid origin) overlap exactly when their boxes intersect, provided the layout is
injective over both; every other pair is compared by byte interval (conservative).
"""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.compiler.program import TileRef

__all__ = ["Region", "region_of", "subtile"]


def subtile(tile: TileRef, box: tuple[tuple[int, int], ...]) -> TileRef:
    """The part of ``tile`` holding ``box`` (which must lie inside ``tile.box``), as a TileRef."""
    if box == tile.box:
        return tile
    strides = tile.layout_strides
    offset = sum((b0 - t0) * s for (b0, _), (t0, _), s in zip(box, tile.box, strides, strict=True))
    return TileRef(tile.operand, tile.storage, tile.addr + offset * tile.elem_bytes, box,
                   tile.elem_bytes, strides)


def box_contains(outer: tuple[tuple[int, int], ...], inner: tuple[tuple[int, int], ...]) -> bool:
    """Whether box ``inner`` lies inside box ``outer`` (an empty inner box always does)."""
    if len(outer) != len(inner):
        return False
    if any(b <= a for a, b in inner):
        return True
    return all(o0 <= i0 and i1 <= o1 for (o0, o1), (i0, i1) in zip(outer, inner, strict=True))


def _boxes_meet(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    return all(max(a0, b0) < min(a1, b1) for (a0, a1), (b0, b1) in zip(a, b, strict=True))


@dataclass(frozen=True, slots=True)
class Region:
    """The bytes one tile occupies, with what is needed to compare it to other regions."""

    storage: str
    addr: int
    span: int
    operand: str
    box: tuple[tuple[int, int], ...]
    elem_bytes: int
    strides: tuple[int, ...]

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.storage, self.addr, self.span)

    @property
    def stop(self) -> int:
        return self.addr + self.span

    @property
    def grid(self) -> tuple[str, int, tuple[int, ...], int]:
        """The layout grid: (operand, element size, strides, byte address of index 0)."""
        origin = sum(b0 * s for (b0, _), s in zip(self.box, self.strides, strict=True))
        return (self.operand, self.elem_bytes, self.strides, self.addr - origin * self.elem_bytes)

    def same_grid(self, other: Region) -> bool:
        return self.storage == other.storage and self.grid == other.grid

    def contains(self, other: Region) -> bool:
        """Every byte of ``other`` is a byte of this region at the same position of its grid."""
        return self.same_grid(other) and box_contains(self.box, other.box) and _injective(
            self.strides, self.box, other.box
        )

    def overlaps(self, other: Region) -> bool:
        """Whether the two regions may share a byte (exact on a common injective grid)."""
        if self.storage != other.storage or not self.span or not other.span:
            return False
        if self.addr >= other.stop or other.addr >= self.stop:
            return False
        if self.same_grid(other) and _injective(self.strides, self.box, other.box):
            return _boxes_meet(self.box, other.box)
        return True


def _injective(
    strides: tuple[int, ...], a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]
) -> bool:
    """A sufficient test that the layout maps distinct positions of the union box apart."""
    extents = [max(a1, b1) - min(a0, b0) for (a0, a1), (b0, b1) in zip(a, b, strict=True)]
    dims = sorted(zip(strides, extents, strict=True), key=lambda t: -abs(t[0]))
    reach = 0
    for stride, extent in reversed(dims):
        if extent <= 1:
            continue
        if abs(stride) <= reach:
            return False
        reach += abs(stride) * (extent - 1)
    return True


def region_of(tile: TileRef) -> Region:
    """The region of ``tile``."""
    return Region(tile.storage.name, tile.addr, tile.span_bytes, tile.operand, tile.box,
                  tile.elem_bytes, tile.layout_strides)
