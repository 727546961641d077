"""A live tile: what a storage holds of an operand, and which of its parts no longer hold it.

Two ways a part of a live tile stops holding its values (both readable elsewhere in it):

- ``holes``: byte intervals a later tile overwrote without covering the tile whole;
- ``stale``: boxes of elements a compute has since given new values elsewhere (another
  storage, or other bytes): the copy here is out of date until they are written again.

The box helpers (meeting, subtracting, joining boxes on one layout grid) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.compiler.program import TileRef
from covenant_lab.sim.regions import Region, one_to_one

__all__ = ["Box", "Live", "box_minus", "covered", "grid_tile", "joined_box", "meet",
           "meet_volume", "patched"]

Box = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Live:
    """A tile resident in a storage, and the instruction that wrote it (-1: a DRAM tensor).

    ``holes`` are the byte intervals later tiles overwrote without covering it whole, with
    who wrote them and what; ``stale`` the boxes of elements a compute has since recomputed
    elsewhere, with which compute and where: its parts outside both are still readable."""

    tile: TileRef
    region: Region
    writer: int
    holes: tuple[tuple[int, int, int, TileRef], ...] = ()
    stale: tuple[tuple[Box, int, TileRef], ...] = ()

    def intact(self, region: Region) -> bool:
        """Whether no hole meets the bytes of ``region`` and, for a region of this tile's
        operand, no stale box meets its elements."""
        if any(lo < region.stop and region.addr < hi for lo, hi, _, _ in self.holes):
            return False
        return region.operand != self.tile.operand or not any(
            meet_volume(box, region.box) for box, _, _ in self.stale)

    def stale_part(self, region: Region) -> tuple[int, TileRef] | None:
        """(the compute, what it wrote) of a stale box meeting ``region``'s elements."""
        if region.operand != self.tile.operand:
            return None
        return next(((by, what) for box, by, what in self.stale
                     if meet_volume(box, region.box)), None)


def joined_box(a: Live, b: Live) -> tuple[tuple[int, int], ...] | None:
    """The box of two whole tiles on one grid that abut along one axis and agree on the
    others, when the layout is one-to-one over it (else None)."""
    if a.holes or b.holes or a.stale or b.stale or not a.region.same_grid(b.region):
        return None
    out, differ = [], 0
    for (a0, a1), (b0, b1) in zip(a.tile.box, b.tile.box, strict=True):
        if (a0, a1) == (b0, b1):
            out.append((a0, a1))
        elif a1 == b0 or b1 == a0:
            differ += 1
            out.append((min(a0, b0), max(a1, b1)))
        else:
            return None
    box = tuple(out)
    if differ != 1 or not one_to_one(a.region.strides, box):
        return None
    return box


def grid_tile(tile: TileRef, box: tuple[tuple[int, int], ...]) -> TileRef:
    """The tile of ``box`` on ``tile``'s layout grid."""
    strides = tile.layout_strides
    shift = sum((n0 - o0) * st for (n0, _), (o0, _), st in zip(box, tile.box, strides, strict=True))
    return TileRef(tile.operand, tile.storage, tile.addr + shift * tile.elem_bytes, box,
                   tile.elem_bytes, strides)


def patched(
    holes: tuple[tuple[int, int, int, TileRef], ...], lo: int, hi: int
) -> tuple[tuple[int, int, int, TileRef], ...]:
    """``holes`` without the bytes ``[lo, hi)``."""
    out: list[tuple[int, int, int, TileRef]] = []
    for start, stop, by, what in holes:
        if start < lo:
            out.append((start, min(stop, lo), by, what))
        if stop > hi:
            out.append((max(start, hi), stop, by, what))
    return tuple(out)


def covered(holes: tuple[tuple[int, int, int, TileRef], ...], lo: int, hi: int) -> bool:
    """Whether the byte intervals of ``holes`` cover ``[lo, hi)``."""
    reach = lo
    for start, stop, _, _ in sorted(holes, key=lambda h: h[0]):
        if start > reach:
            return False
        reach = max(reach, stop)
    return reach >= hi


def meet_volume(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> int:
    n = 1
    for (a0, a1), (b0, b1) in zip(a, b, strict=True):
        n *= max(min(a1, b1) - max(a0, b0), 0)
    return n


def meet(a: Box, b: Box) -> Box | None:
    """The box where ``a`` and ``b`` meet (None when they do not)."""
    out = tuple((max(a0, b0), min(a1, b1)) for (a0, a1), (b0, b1) in zip(a, b, strict=True))
    return out if all(x < y for x, y in out) else None


def box_minus(a: Box, b: Box) -> list[Box]:
    """Boxes covering exactly the elements of ``a`` outside ``b``."""
    if meet(a, b) is None:
        return [a]
    out: list[Box] = []
    rest = list(a)
    for k, ((a0, a1), (b0, b1)) in enumerate(zip(a, b, strict=True)):
        if a0 < b0:
            out.append((*rest[:k], (a0, b0), *rest[k + 1:]))
        if b1 < a1:
            out.append((*rest[:k], (b1, a1), *rest[k + 1:]))
        rest[k] = (max(a0, b0), min(a1, b1))
    return out
