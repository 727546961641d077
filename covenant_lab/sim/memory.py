"""Storage contents for functional simulation, and the live-tile bookkeeping of the sanitizer.

Each storage node is a float64 array indexed by *byte* address, as long as the bytes the
program uses there (never the whole ``capacity_bytes``: a huge on-chip memory costs
nothing). A tile of elements of ``elem_bytes`` at ``addr`` is the strided view ``mem[addr +
elem_bytes * (i . strides)]`` over its box. A parallel boolean array marks the element
addresses ever written, so reading bytes nobody wrote is caught.

Live tiles: writing a tile makes it live and kills every live tile whose bytes it overlaps
(a tile at the same address and span replaces the old one: the ping-pong case), unless it
lies inside a live tile on that tile's own layout grid (a store of a sub-box into a DRAM
tensor), which it then updates in place. Reading a tile requires it to be *resident*: a live
tile is it or contains it. When it is not, the tile that held it records which instruction
overwrote it, so the sanitizer can name the culprit of two live tiles overlapping.

Stale copies: a compute writing new values of an operand's elements makes every other live
copy of them (another storage, or other bytes) stale in those elements (``Live.stale``; a
copy stale all over dies), until they are written there again: reading a stale copy is an
error naming the compute, never a silently old value.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from covenant_lab.acg.nodes import Access, StorageNode
from covenant_lab.compiler.program import TileRef
from covenant_lab.errors import SimulationError
from covenant_lab.sim.live import (
    Box,
    Live,
    box_minus,
    covered,
    grid_tile,
    joined_box,
    meet,
    meet_volume,
    patched,
)
from covenant_lab.sim.regions import Regions

__all__ = ["Bank", "Live", "Memory", "Steps", "identity", "show", "strided"]

_Dead = dict[tuple[int, int], tuple["Live", int, TileRef]]
Snapshot = dict[str, tuple[np.ndarray | None, np.ndarray | None, dict[tuple[int, int], "Live"],
                           _Dead, _Dead, tuple[tuple[int, int], ...], int]]


@dataclass(slots=True)
class Bank:
    """One storage node: contents, written mask, live tiles and the last tile that died at
    each address (who overwrote it), all keyed by ``(addr, span)``."""

    node: StorageNode
    size: int
    data: np.ndarray | None = None
    written: np.ndarray | None = None
    live: dict[tuple[int, int], Live] = field(default_factory=dict)
    evicted: dict[tuple[int, int], tuple[Live, int, TileRef]] = field(default_factory=dict)
    # copies made stale by a compute writing newer values of their elements elsewhere
    stale: dict[tuple[int, int], tuple[Live, int, TileRef]] = field(default_factory=dict)
    order: list[tuple[int, int]] = field(default_factory=list)  # a FIFO's entries, pushed
    head: int = 0  # a FIFO's oldest entry still to be drained

    @property
    def occupancy_bytes(self) -> int:
        return sum(v.tile.nbytes for v in self.live.values())


Steps = tuple[tuple[tuple[int, int], ...], ...]  # per view axis: (tensor axis, coefficient)s
_VIEW_CACHE = 50_000  # views kept before the cache starts over


def strided(buffer: np.ndarray, base: int, axis_strides: tuple[int, ...], origin: tuple[int, ...],
            steps: Steps, shape: tuple[int, ...]) -> np.ndarray:
    """The view of the C-contiguous ``buffer`` holding, at byte ``base + origin . axis_strides``,
    the elements ``origin + sum(i_k * steps[k])`` of a tensor for ``i`` over ``shape``."""
    offset = base
    for o, s in zip(origin, axis_strides, strict=True):
        offset += o * s
    strides = []
    for step in steps:
        stride = 0
        for axis, coef in step:
            stride += coef * axis_strides[axis]
        strides.append(stride)
    return np.ndarray(shape, buffer.dtype, buffer=buffer, offset=offset, strides=strides)


@functools.cache
def identity(n: int) -> Steps:
    """The steps of a box view: loop k moves along axis k."""
    return tuple(((k, 1),) for k in range(n))


class Memory:
    """Every storage a program touches; values only when ``functional``."""

    def __init__(self, storages: Iterable[tuple[StorageNode, int]], *, functional: bool) -> None:
        self.functional = functional
        self.region = Regions()
        self._views: dict[tuple[object, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.banks: dict[str, Bank] = {}
        for node, size in storages:
            bank = Bank(node, size)
            if functional:
                bank.data = np.zeros(size, dtype=np.float64)
                bank.written = np.zeros(size, dtype=bool)
            self.banks[node.name] = bank

    # -- views ---------------------------------------------------------------------------------
    def windows(self, tile: TileRef, origin: tuple[int, ...], steps: Steps,
                shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Writable views of the elements ``origin + sum(i_k * steps[k])`` (tile-local
        indices) of ``tile`` for ``i`` over ``shape``: their values and their written mask.

        The views are kept (the banks' arrays are never reallocated, only written in place):
        a program reuses a few tiles and patterns many times. Callers must not change the
        views' flags."""
        key = (tile.storage.name, tile.addr, tile.box, tile.elem_bytes, tile.strides, origin,
               steps, shape)
        found = self._views.get(key)
        if found is None:
            if len(self._views) > _VIEW_CACHE:
                self._views.clear()
            found = self._views[key] = self._windows(tile, origin, steps, shape)
        return found

    def _windows(self, tile: TileRef, origin: tuple[int, ...], steps: Steps,
                 shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        region = self.region(tile)
        bank = self.banks[region.storage]
        if tile.addr < 0 or region.stop > bank.size:
            raise SimulationError(  # guarded by the static checks; never a raw out-of-bounds view
                f"sim: tile {show(tile)} is outside the storage ({bank.size} bytes)"
            )
        assert bank.data is not None and bank.written is not None, "views need values"
        elem = tuple(region.elem_bytes * s for s in region.strides)  # in addresses, per axis
        item = bank.data.itemsize  # the data hold one float64 per byte address
        return (strided(bank.data, item * tile.addr, tuple(item * s for s in elem), origin, steps,
                        shape),
                strided(bank.written, tile.addr, elem, origin, steps, shape))

    def view(self, tile: TileRef) -> np.ndarray:
        """The values of ``tile`` as a writable strided view of the storage (box shape)."""
        return self.whole(tile)[0]

    def written_view(self, tile: TileRef) -> np.ndarray:
        """The written mask of ``tile``'s elements, as a writable view (box shape)."""
        return self.whole(tile)[1]

    def whole(self, tile: TileRef) -> tuple[np.ndarray, np.ndarray]:
        """The values and the written mask of ``tile`` (box shape), as writable views."""
        n = len(tile.box)
        return self.windows(tile, (0,) * n, identity(n), tile.shape)

    def store(self, tile: TileRef, values: np.ndarray) -> None:
        """Write ``values`` (box shape) into ``tile`` and mark its elements written."""
        data, written = self.whole(tile)
        data[...] = values
        written[...] = True

    # -- live tiles ----------------------------------------------------------------------------
    def write(self, tile: TileRef, writer: int) -> None:
        """Record that instruction ``writer`` wrote ``tile``: it becomes live, or updates the
        live tile it lies in on that tile's grid; live tiles it overlaps otherwise die."""
        bank = self.banks[tile.storage.name]
        region = self.region(tile)
        if not region.span:
            return
        key = (region.addr, region.span)
        dead: list[tuple[int, int]] = []
        holed: list[tuple[int, int]] = []
        lo, hi = region.addr, region.stop
        for old_key, old in bank.live.items():
            if old_key[0] >= hi or old_key[0] + old_key[1] <= lo or not old.region.overlaps(region):
                continue
            if old_key == key and (old.tile.operand, old.tile.box) == (tile.operand, tile.box):
                continue  # the same tile written again
            if old_key != key and old.region.contains(region):
                if old.holes or old.stale:  # written in place: those bytes hold values again
                    bank.live[old_key] = replace(old, holes=patched(old.holes, lo, hi),
                                                 stale=_fresh(old.stale, tile.box))
                return
            (dead if lo <= old_key[0] and old_key[0] + old_key[1] <= hi else holed).append(old_key)
        for old_key in dead:
            bank.evicted[old_key] = (bank.live.pop(old_key), writer, tile)
        for old_key in holed:  # bytes outside the new tile keep the old one's values
            old = bank.live[old_key]
            hole = (max(lo, old.region.addr), min(hi, old.region.stop), writer, tile)
            holes = (*old.holes, hole)
            if covered(holes, old.region.addr, old.region.stop):
                bank.evicted[old_key] = (bank.live.pop(old_key), writer, tile)
            else:
                bank.live[old_key] = replace(old, holes=holes)
        if bank.node.access is Access.FIFO:
            bank.live[key] = Live(tile, region, writer)
            bank.order.append(key)
            return
        self._coalesce(bank, Live(tile, region, writer))

    def _coalesce(self, bank: Bank, live: Live) -> None:
        """Make ``live`` live, joined with every live tile on its grid it extends to one box
        (the sub-tiles stored into an outer tile one by one become that tile: the number of
        live tiles, which every write scans, stays small)."""
        joined = True
        while joined:
            joined = False
            for old_key, old in bank.live.items():
                box = joined_box(old, live)
                if box is not None:
                    del bank.live[old_key]
                    tile = grid_tile(live.tile, box)
                    live = Live(tile, self.region(tile), live.writer)
                    joined = True
                    break
        bank.live[(live.region.addr, live.region.span)] = live

    def supersede(self, tile: TileRef, writer: int) -> None:
        """A compute wrote new values of ``tile``'s elements: in every other live copy of any
        of them, in a storage apart or in other bytes, those elements are stale from now on
        (reading them is an error; copies sharing bytes with ``tile`` are the byte-overlap
        rules' business). A copy stale all over dies."""
        region = self.region(tile)
        if not region.span:
            return
        for bank in self.banks.values():
            for key, live in list(bank.live.items()):
                part = meet(live.tile.box, tile.box) if live.tile.operand == tile.operand \
                    else None
                if part is None or not live.region.span or live.region.overlaps(region):
                    continue
                if part == live.tile.box:
                    bank.stale[key] = (bank.live.pop(key), writer, tile)
                else:
                    bank.live[key] = replace(live, stale=(*live.stale, (part, writer, tile)))

    def superseded(self, tile: TileRef) -> tuple[Live, int, TileRef] | None:
        """(the stale copy holding ``tile``, the compute that made it stale, what it wrote)."""
        bank = self.banks[tile.storage.name]
        region = self.region(tile)
        for live in bank.live.values():
            part = live.stale_part(region) if live.region.contains(region) else None
            if part is not None:
                return live, *part
        for dead, by, what in bank.stale.values():
            if dead.region.contains(region) or dead.region.key == region.key:
                return dead, by, what
        return None

    def fits_entry(self, tile: TileRef) -> str | None:
        """A message when ``tile`` is pushed into a FIFO whose entries are smaller than it
        (a FIFO holds ``entries`` tiles of ``capacity_bytes / entries`` bytes each)."""
        node = self.banks[tile.storage.name].node
        if node.access is not Access.FIFO or node.capacity_bytes is None:
            return None
        entry = node.capacity_bytes // max(node.buffering, 1)
        if tile.nbytes > entry:
            return (f"pushes {show(tile)} ({tile.nbytes} B) into FIFO {node.name}, whose "
                    f"entries hold {entry} B")
        return None

    def drain(self, tile: TileRef) -> str | None:
        """Record a read of ``tile`` from a FIFO: entries pushed before the one holding it are
        passed for good. A message when that entry was passed already (read out of order)."""
        bank = self.banks[tile.storage.name]
        if bank.node.access is not Access.FIFO:
            return None
        region = self.region(tile)
        for k in range(len(bank.order) - 1, -1, -1):
            addr, span = bank.order[k]
            if addr <= region.addr and region.stop <= addr + span:
                if k < bank.head:
                    return (f"reads {show(tile)} from FIFO {bank.node.name} after a later entry "
                            "was read: a FIFO is drained in order")
                bank.head = k
                return None
        return None

    def add_live(self, tile: TileRef) -> None:
        """Register ``tile`` (a DRAM tensor) as live, with no writer."""
        region = self.region(tile)
        self.banks[tile.storage.name].live[(region.addr, region.span)] = Live(tile, region, -1)

    def resident(self, tile: TileRef) -> bool:
        """Whether the bytes of ``tile`` hold it: a live tile is it or contains it, or live
        tiles on its grid cover its box."""
        bank = self.banks[tile.storage.name]
        region = self.region(tile)
        if not region.span:
            return True
        same = bank.live.get((region.addr, region.span))
        if (same is not None and (same.tile.operand, same.tile.box) == (tile.operand, tile.box)
                and same.intact(region)):
            return True
        covered = 0
        for live in bank.live.values():
            if not live.intact(region):
                continue
            if live.region.contains(region):
                return True
            if live.region.same_grid(region):
                covered += meet_volume(live.region.box, region.box)
        return covered >= tile.elements

    def clobbered(self, tile: TileRef) -> tuple[Live, int, TileRef] | None:
        """(the tile that held ``tile``, the instruction that overwrote it or the part of it
        ``tile`` needs, what it wrote)."""
        bank = self.banks[tile.storage.name]
        region = self.region(tile)
        for live in bank.live.values():
            if live.region.contains(region) and not live.intact(region):
                hole = next((h for h in live.holes
                             if h[0] < region.stop and region.addr < h[1]), None)
                if hole is not None:
                    return live, hole[2], hole[3]
        for dead, by, what in bank.evicted.values():
            if dead.region.key == region.key and dead.tile.operand == tile.operand:
                return dead, by, what
            if dead.region.contains(region):
                return dead, by, what
        return None

    # -- snapshots -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """A copy of every bank's contents, mask and live tiles."""
        return {
            name: (
                None if b.data is None else b.data.copy(),
                None if b.written is None else b.written.copy(),
                dict(b.live),
                dict(b.evicted),
                dict(b.stale),
                tuple(b.order),
                b.head,
            )
            for name, b in self.banks.items()
        }

    def restore(self, snap: Snapshot) -> None:
        """Return to a snapshot taken by :meth:`snapshot` (the snapshot stays reusable)."""
        for name, (data, written, live, evicted, stale, order, head) in snap.items():
            bank = self.banks[name]
            if data is not None and bank.data is not None:
                bank.data[...] = data
            if written is not None and bank.written is not None:
                bank.written[...] = written
            bank.live = dict(live)
            bank.evicted = dict(evicted)
            bank.stale = dict(stale)
            bank.order, bank.head = list(order), head

    @property
    def nbytes(self) -> int:
        """Host bytes held by the contents and masks."""
        return sum(
            arr.nbytes for b in self.banks.values() for arr in (b.data, b.written)
            if arr is not None
        )


def _fresh(stale: tuple[tuple[Box, int, TileRef], ...], box: Box
           ) -> tuple[tuple[Box, int, TileRef], ...]:
    """``stale`` without the elements of ``box`` (written again)."""
    return tuple((part, by, what) for old, by, what in stale for part in box_minus(old, box))


def show(tile: TileRef) -> str:
    """``a[0:4, 8:12] at SPAD[64, 128)``."""
    box = ", ".join(f"{a}:{b}" for a, b in tile.box)
    stop = tile.addr + tile.span_bytes
    return f"{tile.operand}[{box}] at {tile.storage.name}[{tile.addr}, {stop})"
