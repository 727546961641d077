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

import functools
import itertools
import math
from collections.abc import Sequence, Set
from dataclasses import dataclass

from covenant_lab.compiler.program import TileRef

__all__ = ["Region", "Regions", "overlap_pairs", "region_of", "subtile"]


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
    grid: tuple[str, int, tuple[int, ...], int]  # operand, elem size, strides, addr of index 0

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.storage, self.addr, self.span)

    @property
    def stop(self) -> int:
        return self.addr + self.span

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
        if self.same_grid(other):
            return _grid_overlap(self.strides, self.box, other.box)
        return True


def _grid_overlap(
    strides: tuple[int, ...], a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]
) -> bool:
    """Whether two boxes on one layout may share a byte: they meet, or the layout is not
    one-to-one over their union (one pass over the axes: this runs for every write)."""
    limits = _limits(strides)
    meet, fits = True, limits is not None
    for k, ((a0, a1), (b0, b1)) in enumerate(zip(a, b, strict=True)):
        if a1 <= b0 or b1 <= a0:
            meet = False
        if fits and max(a1, b1) - min(a0, b0) > limits[k]:  # type: ignore[index]
            fits = False
    if meet:
        return True
    return not (fits or _injective(strides, a, b))


@functools.cache
def _limits(strides: tuple[int, ...]) -> tuple[int, ...] | None:
    """For a layout whose strides, largest first, each divide the one before (a row-major
    box): how far each axis may reach with the layout still one-to-one (None otherwise)."""
    order = sorted(range(len(strides)), key=lambda k: -abs(strides[k]))
    out = [0] * len(strides)
    for j, k in enumerate(order):
        if strides[k] == 0 or (j and abs(strides[order[j - 1]]) % abs(strides[k])):
            return None
        out[k] = abs(strides[order[j - 1]]) // abs(strides[k]) if j else 1 << 62
    return tuple(out)


def one_to_one(strides: tuple[int, ...], box: tuple[tuple[int, int], ...]) -> bool:
    """Whether the layout maps distinct positions of ``box`` apart."""
    return _injective(strides, box, box)


def _injective(
    strides: tuple[int, ...], a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]
) -> bool:
    """A sufficient test that the layout maps distinct positions of the union box apart."""
    extents = [max(a1, b1) - min(a0, b0) for (a0, a1), (b0, b1) in zip(a, b, strict=True)]
    limits = _limits(strides)
    if limits is not None and all(e <= n for e, n in zip(extents, limits, strict=True)):
        return True  # mixed radix: every position has its own offset
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
    strides = tile.layout_strides
    eb = tile.elem_bytes
    last = sum((b - a - 1) * s for (a, b), s in zip(tile.box, strides, strict=True))
    empty = any(b <= a for a, b in tile.box)
    origin = sum(a * s for (a, _), s in zip(tile.box, strides, strict=True))
    grid = (tile.operand, eb, strides, tile.addr - origin * eb)
    return Region(tile.storage.name, tile.addr, 0 if empty else (last + 1) * eb, tile.operand,
                  tile.box, eb, strides, grid)


class Regions:
    """A memo of :func:`region_of` by tile value (tiles are rebuilt freely by compilers)."""

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: dict[tuple[object, ...], Region] = {}

    def __call__(self, tile: TileRef) -> Region:
        key = (tile.storage.name, tile.addr, tile.box, tile.elem_bytes, tile.strides,
               tile.operand)
        region = self._memo.get(key)
        if region is None:
            region = self._memo[key] = region_of(tile)
        return region


_MAX_CELLS = 64  # a box touching more cells than this is compared with its whole group


def overlap_pairs(
    regions: Sequence[Region], generic: Set[int] = frozenset()
) -> set[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, of regions that may share a byte.

    Regions on one injective layout grid are compared by box, found through a grid of cells
    (tiles of one tensor rarely meet, so this stays near linear); regions on different grids,
    and the ``generic`` ones (one key seen with several grids), by byte interval.
    """
    pairs: set[tuple[int, int]] = set()
    storages: dict[str, dict[object, list[int]]] = {}
    for rid, r in enumerate(regions):
        if r.span:
            group = ("generic", rid) if rid in generic else r.grid
            storages.setdefault(r.storage, {}).setdefault(group, []).append(rid)
    for groups in storages.values():
        members = list(groups.values())
        for ids in members:
            if len(ids) > 1:
                _within(regions, ids, pairs)
        _across(regions, members, pairs)
    return pairs


def _within(regions: Sequence[Region], ids: list[int], pairs: set[tuple[int, int]]) -> None:
    """Pairs inside one grid: boxes meeting, via cells of the typical box size."""
    boxes = [regions[i].box for i in ids]
    rank = len(boxes[0])
    union = tuple((min(b[k][0] for b in boxes), max(b[k][1] for b in boxes)) for k in range(rank))
    if not _injective(regions[ids[0]].strides, union, union):
        _sweep(regions, [ids], pairs)
        return
    sizes = [max(1, sorted(b[k][1] - b[k][0] for b in boxes)[len(boxes) // 2])
             for k in range(rank)]
    cells: dict[tuple[int, ...], list[int]] = {}
    big: list[int] = []
    for rid, box in zip(ids, boxes, strict=True):
        ranges = [range(a // s, (b - 1) // s + 1) for (a, b), s in zip(box, sizes, strict=True)]
        if math.prod(len(r) for r in ranges) > _MAX_CELLS:
            big.append(rid)
            continue
        for cell in itertools.product(*ranges):
            cells.setdefault(cell, []).append(rid)
    for bucket in cells.values():
        for x, y in itertools.combinations(bucket, 2):
            if _boxes_meet(regions[x].box, regions[y].box):
                pairs.add((min(x, y), max(x, y)))
    for x in big:
        for y in ids:
            if y != x and _boxes_meet(regions[x].box, regions[y].box):
                pairs.add((min(x, y), max(x, y)))


def _across(
    regions: Sequence[Region], groups: list[list[int]], pairs: set[tuple[int, int]]
) -> None:
    """Pairs from different groups whose byte intervals meet (groups by envelope first)."""
    envelopes = sorted(
        (min(regions[i].addr for i in ids), max(regions[i].stop for i in ids), k)
        for k, ids in enumerate(groups)
    )
    active: list[tuple[int, int, int]] = []
    for start, stop, k in envelopes:
        active = [a for a in active if a[1] > start]
        for _, _, other in active:
            _sweep(regions, [groups[other], groups[k]], pairs)
        active.append((start, stop, k))


def _sweep(regions: Sequence[Region], groups: list[list[int]], pairs: set[tuple[int, int]]) -> None:
    """Byte-interval pairs between the groups (or inside the one group given)."""
    items = sorted((regions[i].addr, g, i) for g, ids in enumerate(groups) for i in ids)
    active: list[tuple[int, int, int]] = []
    for addr, g, i in items:
        active = [a for a in active if regions[a[2]].stop > addr]
        for _, h, j in active:
            if len(groups) == 1 or h != g:  # addr-sorted and still active: the bytes meet
                pairs.add((min(i, j), max(i, j)))
        active.append((addr, g, i))
