"""Lowering's issue order: a group's instructions, tile by tile, reordered by ``issue_order``.

Lowering hands over, for every innermost tile, the transfers that became due since the
previous tile (stores of tiles just left, loads of the new ones) and one invocation per
stage. They are issued as::

    tile 0:   its transfers; the loads that run ahead from it; its stages
    tile k:   the loads that run ahead from it; its other transfers; its stages

A load runs ahead from the tile where its slot's tile changed before: the tile before its
own, for a slot that changes every tile; for a slot whose tile stays for several innermost
tiles (an outer level's), the first of those, so a large move does not wait for the last
of them, and (a tile an inner level walks: ``levels.py``) in up to ``CHUNKS`` pieces, one
in each of those tiles (as the cost model spreads it: ``moves.Move.step``): a queue that
moves in order (one DMA) then never holds a whole tile's load ahead of a small store the
next stage waits for. The first stages of the next tile go just before the stage they
overtake (``issue_order.hoist``). Before moving a stage ahead, the exact tiles are
checked: it must not touch bytes that the instructions it overtakes write, nor write bytes
they use (where a tile's box does not change from one tile to the next, the rule's slots
would miss it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from covenant_lab.compiler.issue_order import Hoist, Slot, Use, hoist, leading
from covenant_lab.compiler.program import Instr, TileRef, Transfer

if TYPE_CHECKING:
    from covenant_lab.compiler.lower import _GroupEmitter

__all__ = ["CHUNKS", "Issue", "Item"]

CHUNKS = 8  # pieces a load running ahead over several innermost tiles is cut into, at most


@dataclass(frozen=True)
class Item:
    """An instruction (numbered when issued), the tiles it reads and writes, and, for a load
    running ahead, its slot and the tile where that slot's tile changed before."""

    ins: Instr
    reads: tuple[TileRef, ...]
    writes: tuple[TileRef, ...]
    ahead: Slot | None = None  # a load running ahead: the slot it fills
    since: int | None = None  # such a load: the tile where its slot's tile changed before
    pieces: bool = False  # such a load goes in pieces (a tile the inner level walks)


@dataclass
class _Tile:
    transfers: list[Item]
    stages: list[Item]


class Issue:
    """Collects one group's instructions tile by tile; ``flush`` issues them in order."""

    def __init__(self, ge: _GroupEmitter) -> None:
        levels = ge.group.levels
        parts = ge.parts
        copies = parts.copies({Slot(*key): slot.copies for key, slot in ge.slots.items()})
        homed = [p for p in ge.group.placements if p.home is not None]
        loads = [Use("", () if level == p.first_level else (outer,), inner)
                 for level in range(1, levels + 1) for p in homed
                 if p.operand not in ge.written and (p.operand, level) in ge.slots
                 for inner, outer in zip(parts.slots(Slot(p.operand, level)),
                                         parts.slots(Slot(p.operand, level - 1)), strict=True)]
        stages = [use for _, use in parts.stage_uses(ge.m, ge.group)]
        self.ahead = leading(loads, {s.writes for s in stages if s.writes is not None}, copies)
        homed_slots = {s: op for op, level in ge.slots
                       if any(p.operand == op for p in homed)
                       for s in parts.slots(Slot(op, level))}
        self.hoist: Hoist = hoist(
            stages, copies, behind=set(homed_slots) - self.ahead,
            stored={name for name, op in homed_slots.items() if op in ge.written},
        )
        # in a group with an inner level, the tiles the innermost tiles walk (levels.py)
        self._walked = {(p.operand, p.last_level) for p in homed
                        if ge.group.inner and p.last_level < levels}
        self.pending: list[Item] = []
        self.tiles: list[_Tile] = []
        self._changed: dict[tuple[str, int], int] = {}  # (operand, level) -> tile it changed
        self._since: dict[tuple[str, int], int] = {}  # ... and the tile it changed before

    def changed(self, operand: str, level: int) -> None:
        """The operand's tile at ``level`` changes for the next tile (loaded or not: a box
        wholly in the padding holds nothing, but takes its copy all the same)."""
        key = (operand, level)
        if key in self._changed:
            self._since[key] = self._changed[key]
        self._changed[key] = len(self.tiles)

    def load(self, ins: Transfer, operand: str, level: int, part: int | None = None) -> None:
        """A load of the operand's tile (or of its part ``part``) at ``level``, due before the
        next tile's stages."""
        slot = Slot(operand, level, part)
        ahead = slot in self.ahead
        self.pending.append(Item(ins, (ins.src,), (ins.dst,), slot if ahead else None,
                                 self._since.get((operand, level)) if ahead else None,
                                 (operand, level) in self._walked))

    def store(self, ins: Transfer) -> None:
        """A store, due before the next tile's stages."""
        self.pending.append(Item(ins, (ins.src,), (ins.dst,)))

    def tile(self, stages: list[Item]) -> None:
        """The stages of one innermost tile (the transfers so far are due before them)."""
        self.tiles.append(_Tile(self.pending, stages))
        self.pending = []

    def flush(self, out: list[Instr]) -> None:
        """Append every instruction collected, in issue order, numbered, to ``out``."""
        order: list[Item] = []
        tiles, cut = self.tiles, self.hoist.before
        early = _early(tiles)
        done = 0  # stages of this tile already issued with the previous one
        for k, t in enumerate(tiles):
            nxt = tiles[k + 1] if k + 1 < len(tiles) else None
            if k == 0:
                order += t.transfers + early[k]
            else:
                order += early[k] + [x for x in t.transfers if x.ahead is None]
            moved = self._movable(t, nxt)
            order += t.stages[done:cut] + nxt.stages[:moved] if nxt else t.stages[done:cut]
            order += t.stages[max(cut, done):]
            done = moved
        order += self.pending
        self.pending, self.tiles = [], []
        for item in order:
            n = len(out)
            out.append(item.ins if item.ins.index == n else replace(item.ins, index=n))

    def _movable(self, t: _Tile, nxt: _Tile | None) -> int:
        """How many of the next tile's first stages may be issued before this tile's stage
        ``hoist.before``: the rule's count, cut where the exact tiles clash."""
        if nxt is None or not self.hoist.count:
            return 0
        overtaken = t.stages[self.hoist.before:] + [x for x in nxt.transfers if x.ahead is None]
        count = 0
        for st in nxt.stages[:self.hoist.count]:
            if any(_clash(st, other) for other in overtaken):
                break
            count += 1
        return count


def _early(tiles: list[_Tile]) -> list[list[Item]]:
    """Per tile, the loads issued ahead in it: each load running ahead is issued in the tile
    where its slot's tile changed before (the other copy it fills was last read by the tile
    before that one), so a slot whose tile stays for several innermost tiles is loaded one
    of its own tiles ahead, in pieces spread over the tiles until its own (``_pieces``)."""
    out: list[list[Item]] = [[] for _ in tiles]
    for k, t in enumerate(tiles):
        for x in t.transfers:
            if x.ahead is None or k == 0:
                continue
            if x.since is None:
                out[k - 1].append(x)
                continue
            span = k - x.since  # the tiles from the slot's change to the one needing it
            pieces = _pieces(x, min(span, CHUNKS) if x.pieces else 1)
            for j, piece in enumerate(pieces):
                out[x.since + j * span // len(pieces)].append(piece)
    return out


def _pieces(x: Item, count: int) -> list[Item]:
    """The load ``x`` in at most ``count`` pieces along the first axis of its box with more
    than one index (each piece a span of bytes of the row-major tile it fills)."""
    ins = x.ins
    assert isinstance(ins, Transfer)
    box = ins.dst.box
    axis = next((a for a, (lo, hi) in enumerate(box) if hi - lo > 1), None)
    if axis is None or count < 2 or ins.dst.strides:
        return [x]
    lo, hi = box[axis]
    n = min(count, hi - lo)
    cuts = [lo + (hi - lo) * i // n for i in range(n + 1)]
    out = []
    for a, b in itertools.pairwise(cuts):
        dst = ins.dst.sub((*box[:axis], (a, b), *box[axis + 1:]))
        out.append(replace(x, ins=replace(ins, dst=dst), writes=(dst,)))
    return out


def _clash(a: Item, b: Item) -> bool:
    """Whether one of the two writes bytes the other reads or writes."""
    return any(_overlap(w, x) for w in a.writes for x in (*b.reads, *b.writes)) or any(
        _overlap(w, x) for w in b.writes for x in a.reads)


def _overlap(a: TileRef, b: TileRef) -> bool:
    if a.storage.name != b.storage.name:
        return False
    return a.addr < b.addr + max(b.span_bytes, 1) and b.addr < a.addr + max(a.span_bytes, 1)
