"""Pass 8: lower a complete mapping to a Program of concrete transfers and computes.

The loop nest of each group is walked level by level in the chosen order. An operand's tile
at a level is (re)loaded exactly when the box it needs changes, so loads are hoisted out of
every loop the operand does not depend on; output tiles are stored when their box changes
and reloaded only when a box is revisited (partial sums). Tiles alternate between the
``buffering`` slots of their storage (double buffering).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Edge, StorageNode
from covenant_lab.codelets.ir import Stage
from covenant_lab.compiler.alloc import WHOLE, Allocator
from covenant_lab.compiler.boxes import Box, contains, operand_box
from covenant_lab.compiler.footprint import tile_uses
from covenant_lab.compiler.invocation import invocation_cycles, invocation_params
from covenant_lab.compiler.issue import Issue as _Issue
from covenant_lab.compiler.issue import Item
from covenant_lab.compiler.mapping import Group, Mapping, Placement
from covenant_lab.compiler.parts import part_plan
from covenant_lab.compiler.program import Compute, DramTensor, Instr, Program, TileRef, Transfer
from covenant_lab.compiler.sites import operand_loops, read_before_written
from covenant_lab.errors import ScheduleError

DRAM_ALIGN = 64


@dataclass
class _Slot:
    """A region of a storage holding ``copies`` tiles of one operand at one level."""

    storage: StorageNode
    addr: int
    stride: int  # bytes per copy
    copies: int
    uses: int = 0
    box: Box | None = None
    tile: TileRef | None = None
    dirty: bool = False
    seen: set[Box] = field(default_factory=set)


class _Emitter:
    def __init__(
        self, mapping: Mapping, acg: ACG, tensors: dict[str, DramTensor], alloc: Allocator
    ) -> None:
        self.m = mapping
        self.acg = acg
        self.tensors = tensors
        self.alloc = alloc
        self.instrs: list[Instr] = []

    # -- helpers -------------------------------------------------------------------------
    def _edge(self, src: StorageNode, dst: StorageNode, operand: str) -> Edge:
        edge = self.acg.edge(src.name, dst.name)
        if edge is None:
            raise ScheduleError(
                "lower",
                f"operand '{operand}' of {self.m.codelet.name} must move {src.name} -> "
                f"{dst.name}, but the architecture has no such edge",
                hint="add the edge, or constrain the operand to another storage",
            )
        return edge

    def _transfer(self, src: TileRef, dst: TileRef, operand: str, kind: str,
                  origin: str) -> Transfer:
        edge = self._edge(src.storage, dst.storage, operand)
        return Transfer(0, edge, src, dst, origin, kind)  # numbered when issued


class _GroupEmitter:
    """Emits one group's loop nest."""

    def __init__(self, em: _Emitter, gi: int, group: Group) -> None:
        self.em = em
        self.m = em.m
        self.gi = gi
        self.group = group
        self.stages: tuple[Stage, ...] = self.m.stages_of(group)
        self.origin = f"{self.m.codelet.name}/group{gi}"
        self.written = self.m.written(group)
        self.keeps = read_before_written(self.stages)  # written operands loaded first
        self.slots: dict[tuple[str, int], _Slot] = {}
        self._allocate()
        self._boxes: dict[tuple[str, tuple[tuple[int, int] | None, ...]], Box] = {}
        self._uses = {p.operand: operand_loops(self.stages, p.operand)  # its box's loops
                      for p in group.placements}
        self._reductions = [st.reduction_loops() for st in self.stages]
        self.parts = part_plan(self.m, group)  # the tile's parts (parts.py)
        self._whole = {d.name: (0, d.extent) for d in self.m.codelet.dims}
        self._cycles: dict[
            tuple[int, tuple[tuple[str, int], ...]], tuple[int, tuple[tuple[str, int], ...]]
        ] = {}
        self.issue = _Issue(self)

    def _allocate(self) -> None:
        """A slot per tile (its copies side by side), live while the group runs."""
        for use in tile_uses(self.m, self.group, self.group.tiles):
            align = max(use.storage.word_bytes, 1)
            stride = -(-max(use.nbytes, 1) // align) * align
            addr = self.em.alloc.reserve(
                use.storage, stride * use.copies, phases=(self.gi, self.gi), align=align
            )
            self.slots[(use.operand, use.level)] = _Slot(use.storage, addr, stride, use.copies)

    # -- the walk ------------------------------------------------------------------------
    def run(self) -> None:
        whole = {lp: self._whole[lp] for lp in self.group.tile_loops}
        self._walk(0, whole)
        for p in self.group.placements:
            if p.operand in self.written:
                self._evict(p, p.first_level)
        self.issue.flush(self.em.instrs)

    def _tiles_of(
        self, level: int, outer: dict[str, tuple[int, int]]
    ) -> Iterator[dict[str, tuple[int, int]]]:
        order = self.group.orders[level]
        ranges = []
        for lp in order:
            t = self.group.tile(level + 1, lp)
            a, b = outer[lp]
            ranges.append([(s, min(s + t, b)) for s in range(a, b, t)])
        for combo in itertools.product(*ranges):
            yield dict(zip(order, combo, strict=True))

    def _walk(self, level: int, outer: dict[str, tuple[int, int]]) -> None:
        for inner in self._tiles_of(level, outer):
            for p in self.group.placements:
                if p.has_tile(level + 1):
                    self._ensure(p, level + 1, inner)
            if level + 1 == self.group.levels:
                self._compute(inner)
            else:
                self._walk(level + 1, inner)

    def _box(self, operand: str, loops: dict[str, tuple[int, int]]) -> Box:
        key = (operand, tuple(loops.get(lp) for lp in self._uses[operand]))
        box = self._boxes.get(key)
        if box is None:
            box = self._boxes[key] = operand_box(self.m.codelet, self.stages, operand, loops)
        return box

    def _ensure(self, p: Placement, level: int, loops: dict[str, tuple[int, int]]) -> None:
        slot = self.slots[(p.operand, level)]
        box = self._box(p.operand, loops)
        if slot.box == box:
            return
        if slot.box is not None and p.operand in self.written:
            self._evict(p, level)
        k = slot.uses % slot.copies
        slot.uses += 1
        self.issue.changed(p.operand, level)
        tile = TileRef(p.operand, slot.storage, slot.addr + k * slot.stride, box,
                       p.bytes_at(level))
        needs_data = p.operand not in self.written or (
            p.home is not None and (box in slot.seen or p.operand in self.keeps)
        )
        if needs_data and tile.elements:  # a box wholly in the padding holds nothing
            src = self._source(p, level, box)
            for c in self._parts(p.operand):
                part = self._part(tile, c)
                outer = src if level == p.first_level else self._part(src, c)
                ins = self.em._transfer(outer, part, p.operand, "load", self.origin)
                self.issue.load(ins, p.operand, level, c)
        slot.seen.add(box)
        slot.box, slot.tile, slot.dirty = box, tile, False

    def _source(self, p: Placement, level: int, box: Box) -> TileRef:
        if level == p.first_level:
            assert p.home is not None
            return self.em.tensors[p.operand].tile
        outer = self.slots[(p.operand, level - 1)].tile
        assert outer is not None and contains(outer.box, box)
        return outer

    def _evict(self, p: Placement, level: int) -> None:
        """Store the operand's tile at ``level`` (after flushing deeper levels) outward."""
        if (p.operand, level + 1) in self.slots:
            self._evict(p, level + 1)
        slot = self.slots.get((p.operand, level))
        if slot is None or slot.tile is None or not slot.dirty:
            return
        if level == p.first_level:
            if p.home is None:
                slot.dirty = False
                return
            dst = self.em.tensors[p.operand].tile
        else:
            outer = self.slots[(p.operand, level - 1)]
            assert outer.tile is not None
            dst = outer.tile
            outer.dirty = True
        for c in self._parts(p.operand):
            part = self._part(slot.tile, c)
            into = dst if level == p.first_level else self._part(dst, c)
            ins = self.em._transfer(part, into.sub(part.box), p.operand, "store", self.origin)
            self.issue.store(ins)
        slot.dirty = False

    def _parts(self, operand: str) -> range | tuple[None]:
        """The parts an operand's tile moves in (``(None,)``: whole)."""
        return range(self.parts.count) if operand in self.parts.axes else (None,)

    def _part(self, tile: TileRef, part: int | None) -> TileRef:
        """Part ``part`` of an operand's tile (the tile: None, or an operand not split). A
        split tile holds its parts one after the other, each laid out row-major on its own,
        so that every part is a span of bytes of its own."""
        box = self.parts.box(tile.operand, tile.box, part)
        if part is None or box == tile.box:
            return tile
        size = tile.elements // self.parts.count * tile.elem_bytes
        return TileRef(tile.operand, tile.storage, tile.addr + part * size, box, tile.elem_bytes)

    def _resident(self, operand: str, part: int | None = None) -> TileRef:
        """The operand's innermost tile, or its part ``part`` where the operand is split."""
        p = self.group.placement(operand)
        tile = self.slots[(operand, min(self.group.levels, p.last_level))].tile
        assert tile is not None
        return self._part(tile, part)

    def _read(self, k: int, operand: str, split: str | None,
              loops: dict[str, tuple[int, int]], part: int | None) -> TileRef:
        """The tile an invocation uses: the operand's innermost tile, its part where it is
        split, and where an epilogue runs in parts (``parts.py``, ``part_from``) the part's
        rows of an operand the first stages wrote whole (a view of the conv's accumulators,
        strided where the loop is not their outermost axis)."""
        tile = self._resident(operand, part)
        if part is None or split is None or operand in self.parts.axes \
                or not self.parts.reads_part(k, self.stages[k], operand):
            return tile
        access = next(a for a in self.stages[k].stmt.accesses if a.operand == operand)
        box = list(tile.box)
        for axis, e in enumerate(access.index):
            if split in e.vars:
                box[axis] = loops[split]
        return tile.sub(tuple(box))

    def _compute(self, inner: dict[str, tuple[int, int]]) -> None:
        computes: list[Item] = []
        for k, c in self.parts.order:
            si, st = self.group.stages[k], self.stages[k]
            b = self.m.binding(si)
            loops = {lp: inner.get(lp) or self._whole[lp] for lp in st.loops}
            split = self.parts.stage_loop[k]
            if split is not None and c is not None:
                loops[split] = self.parts.part(*loops[split], c)
            extents = {lp: hi - lo for lp, (lo, hi) in loops.items()}
            init = (
                st.stmt.op.accumulates
                and st.stmt.init is not None
                and all(loops[r][0] == 0 for r in self._reductions[k])
            )
            tiles = tuple((role, self._read(k, name, split, loops, c)) for role, name in b.roles)
            ops = 1
            for n in extents.values():
                ops *= n
            key = (si, tuple(extents.items()))
            timing = self._cycles.get(key)
            if timing is None:
                sp = self.m.spatial[si]
                timing = self._cycles[key] = (
                    invocation_cycles(b.node, b.capability, sp, extents),
                    invocation_params(b.capability, sp, extents),
                )
            box = tuple((lp, lo, hi) for lp, (lo, hi) in loops.items())
            dst = st.stmt.dst.operand
            computes.append(Item(
                Compute(
                    0,
                    b.node,
                    b.capability.label,
                    si,
                    box,
                    tiles,
                    init,
                    timing[0],
                    math.ceil(b.capability.latency_cycles * b.node.period_cycles - 1e-9),
                    f"{self.origin}/stage{si}",
                    ops,
                    timing[1],
                ),
                reads=tuple(t for _, t in tiles),
                writes=(self._resident(dst, c),),
            ))
            p = self.group.placement(dst)
            self.slots[(dst, min(self.group.levels, p.last_level))].dirty = True
        self.issue.tile(computes)


def dram_layout(mapping: Mapping, alloc: Allocator) -> dict[str, DramTensor]:
    """Every operand with an off-chip home, row-major at aligned addresses of its home, live
    for the whole program."""
    out: dict[str, DramTensor] = {}
    for g in mapping.groups:
        for p in g.placements:
            if p.home is None or p.operand in out:
                continue
            op = mapping.codelet.operand(p.operand)
            width = mapping.home_bytes(p.operand)
            addr = alloc.reserve(p.home, op.size * width, phases=WHOLE, align=DRAM_ALIGN)
            out[p.operand] = DramTensor(p.operand, p.home, addr, op.shape, width)
    return out


def lower(mapping: Mapping, acg: ACG) -> Program:
    """The program executing ``mapping`` (every decision must have been made)."""
    alloc = Allocator()
    tensors = dram_layout(mapping, alloc)
    em = _Emitter(mapping, acg, tensors, alloc)
    for gi, g in enumerate(mapping.groups):
        _GroupEmitter(em, gi, g).run()
    extents = tuple(
        (s.name, max(r.stop for r in alloc.regions[s.name]))
        for s in acg.offchip if s.name in alloc.regions
    )
    return Program(mapping.codelet, acg.name, tuple(tensors.values()), tuple(em.instrs),
                   extents=extents)
