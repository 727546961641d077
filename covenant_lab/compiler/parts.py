"""Parts: a fused group's innermost tile split along loops the group cannot tile.

A fused group tiles only the loops all its stages share and none reduces over (LayerNorm's
rows), so the others (its columns: ``d1`` of the elementwise stages, ``r1`` of the
reductions) span their whole extent in every tile. The first tile's loads must then all
arrive before its first stage starts, and the last tile's stores wait for its last stage.
Split into ``n`` parts along those loops, a stage iterating one of them runs once per part,
and an operand they index moves one part at a time: the first stage starts once the first
part is in, and the first part of the output leaves while the stages work on the next.

**Which loops** (``part_loops``): loops the group does not tile are linked when they index
the same axis of an operand (``x[d0, r1]`` in one stage, ``x[d0, d1]`` in another). A linked
set qualifies when its loops have one extent, no stage iterates two of them, every access
that uses one indexes exactly one axis with it and nothing else (``x[.., r1]``, not
``x[.., r1 + kw]``), and at least two stages iterate them (a chain of stages, as a
reduction and the stages that use its result). An operand is split when every access to it
uses one of the loops on the same axis (LayerNorm's x, t1, y, scale and bias); the others
(its ``t0[d0]``, an operand some stage reads at a constant index) move and are read whole.

**In what order** (``PartPlan.order``): stages in their order; a stage that iterates a part
loop runs its parts in turn, and consecutive such stages run part by part together (a *run*:
``7#0 8#0 9#0 7#1 ...``) unless one of them touches an unsplit operand another writes (a
reduction's result read after it: ``t0`` of the mean, read by the centring).

Example, LayerNorm's ten stages in 4 parts along ``d1, r1``::

    0#0..0#3 | 1 | 2#0 3#0 2#1 3#1 .. 3#3 | 4 | 5 | 6 | 7#0 8#0 9#0 7#1 .. 9#3
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.codelets.ir import Access, Affine, Stage
from covenant_lab.compiler.issue_order import Slot, Use, innermost_slot, stage_operands

if TYPE_CHECKING:
    from collections.abc import Mapping as MappingABC

    from covenant_lab.compiler.mapping import Group, Mapping

__all__ = ["PartPlan", "part_counts", "part_loops", "part_plan", "tail_loops", "tail_start"]

PART_COUNTS = (2, 4, 8)  # what the search tries, where it divides the loops' extent


def _loop(expr: Affine) -> str | None:
    """The loop an index is exactly (``r1``, not ``r1 + kw`` or ``2 * r1``), else None."""
    if expr.const == 0 and len(expr.terms) == 1 and expr.terms[0][1] == 1:
        return expr.terms[0][0]
    return None


def _accesses(stages: tuple[Stage, ...]) -> list[tuple[int, Access]]:
    return [(k, acc) for k, st in enumerate(stages) for acc in st.stmt.accesses]


def _linked(stages: tuple[Stage, ...], free: set[str]) -> list[set[str]]:
    """``free`` loops in sets, two linked where they index the same axis of an operand."""
    home = {lp: lp for lp in free}

    def root(lp: str) -> str:
        while home[lp] != lp:
            lp = home[lp]
        return lp

    first: dict[tuple[str, int], str] = {}
    for _, acc in _accesses(stages):
        for axis, expr in enumerate(acc.index):
            lp = _loop(expr)
            if lp in free:
                other = first.setdefault((acc.operand, axis), lp)
                home[root(lp)] = root(other)
    sets: dict[str, set[str]] = {}
    for lp in sorted(free):
        sets.setdefault(root(lp), set()).add(lp)
    return list(sets.values())


def _qualifies(mapping: Mapping, stages: tuple[Stage, ...], loops: set[str]) -> bool:
    if len({mapping.codelet.extent(lp) for lp in loops}) != 1:
        return False
    if any(len(loops.intersection(st.loops)) > 1 for st in stages):
        return False
    if sum(1 for st in stages if loops.intersection(st.loops)) < 2:
        return False
    for _, acc in _accesses(stages):
        using = [expr for expr in acc.index if loops.intersection(expr.vars)]
        if len(using) > 1 or any(_loop(expr) not in loops for expr in using):
            return False
    return True


def part_loops(mapping: Mapping, group: Group) -> tuple[str, ...]:
    """The loops the group's tile may be split along (see the module doc; empty: none).
    Of several qualifying sets, the one the most stages iterate (then the larger extent)."""
    stages = mapping.stages_of(group)
    free = {lp for st in stages for lp in st.loops} - set(group.tile_loops)
    found = [s for s in _linked(stages, free) if _qualifies(mapping, stages, s)]
    if not found:
        return ()

    def rank(loops: tuple[str, ...]) -> tuple[int, int, tuple[str, ...]]:
        users = sum(1 for st in stages if set(loops).intersection(st.loops))
        return (-users, -mapping.codelet.extent(loops[0]), loops)

    return min((tuple(sorted(s)) for s in found), key=rank)


def part_counts(mapping: Mapping, group: Group,
                loops: tuple[str, ...] | None = None) -> tuple[int, ...]:
    """The numbers of parts the group allows: those of ``PART_COUNTS`` that divide the part
    loops' extent (parts are equal). ``loops``: its ``part_loops``, where known already."""
    loops = part_loops(mapping, group) if loops is None else loops
    if not loops:
        return ()
    extent = mapping.codelet.extent(loops[0])
    return tuple(n for n in PART_COUNTS if extent % n == 0)


@dataclass(frozen=True)
class PartPlan:
    """How one group's innermost tile is split (``count == 1``: it is not)."""

    count: int
    loops: frozenset[str]
    axes: MappingABC[str, int]  # split operand -> the axis its parts are cut along
    stage_loop: tuple[str | None, ...]  # per stage of the group: its part loop
    runs: tuple[tuple[int, ...], ...]  # stages of the group that run part by part together
    order: tuple[tuple[int, int | None], ...]  # (stage of the group, part) in issue order
    start: int = 0  # the first stage that runs in parts (``Group.part_from``)

    def reads_part(self, k: int, stage: Stage, operand: str) -> bool:
        """Whether a part of stage ``k`` (``stage``) uses only its part of ``operand``: a
        split operand, or where an epilogue runs in parts one the first stages wrote whole,
        which the stage indexes by the part loop (a view of it)."""
        split = self.stage_loop[k]
        return split is not None and (operand in self.axes or (self.start > 0 and any(
            split in a.vars for a in stage.stmt.accesses if a.operand == operand)))

    def part(self, lo: int, hi: int, c: int) -> tuple[int, int]:
        """Part ``c`` of a range ``[lo, hi)`` of a part loop (or of a split axis)."""
        size = (hi - lo) // self.count
        return (lo + c * size, lo + (c + 1) * size)

    def box(self, operand: str, box: tuple[tuple[int, int], ...],
            c: int | None) -> tuple[tuple[int, int], ...]:
        """Part ``c`` of a box of ``operand`` (the box itself: unsplit, or ``c`` None)."""
        axis = self.axes.get(operand)
        if c is None or axis is None:
            return box
        return tuple(self.part(*b, c) if k == axis else b for k, b in enumerate(box))

    def slots(self, slot: Slot) -> tuple[Slot, ...]:
        """The slots the overlap schedule tracks for an operand's tile: one per part."""
        if slot.operand not in self.axes:
            return (slot,)
        return tuple(slot._replace(part=c) for c in range(self.count))

    def copies(self, copies: MappingABC[Slot, int]) -> dict[Slot, int]:
        """``copies`` with every part of a split operand's slot as many as the slot."""
        return {s: n for slot, n in copies.items() for s in self.slots(slot)}

    def stage_uses(self, mapping: Mapping, group: Group) -> list[tuple[int, Use]]:
        """(stage of the group, what it reads and writes) of each invocation of a tile, in
        issue order."""
        out = []
        stages = mapping.stages_of(group)
        for k, c in self.order:
            reads, writes = stage_operands(stages[k].stmt)

            def here(operand: str, c: int | None = c) -> Slot:
                slot = innermost_slot(group, operand)
                return slot._replace(part=c) if operand in self.axes else slot

            unit = mapping.binding(group.stages[k]).node.name
            out.append((k, Use(unit, tuple(map(here, reads)), here(writes))))
        return out


def tail_start(mapping: Mapping, group: Group) -> int | None:
    """The position in the group of its epilogue's first stage: the first on another unit
    than the group's first stage, every later one also elsewhere (a conv's ReLU6 on a unit
    of lanes after the MACs). None: the group has no epilogue."""
    units = [mapping.binding(si).node.name for si in group.stages]
    start = next((k for k in range(1, len(units)) if units[k] != units[0]), None)
    if start is None or units[0] in units[start:]:
        return None
    return start


def tail_loops(mapping: Mapping, group: Group) -> tuple[str, ...]:
    """The loops the group tiles that may split its epilogue (``tail_start`` on): every
    epilogue stage iterates the loop, every access of theirs that uses it indexes exactly one
    axis with it and nothing else, and every operand they write is indexed by it."""
    start = tail_start(mapping, group)
    if start is None:
        return ()
    stages = mapping.stages_of(group)[start:]
    out = []
    for lp in group.tile_loops:
        if mapping.codelet.extent(lp) < 2 or any(lp not in st.loops for st in stages):
            continue
        ok = True
        for st in stages:
            for acc in st.stmt.accesses:
                using = [e for e in acc.index if lp in e.vars]
                ok &= len(using) <= 1 and all(_loop(e) == lp for e in using)
            ok &= any(lp in e.vars for e in st.stmt.dst.index)
        if ok:
            out.append(lp)
    return tuple(out)


def part_plan(mapping: Mapping, group: Group) -> PartPlan:
    """The group's split as lowering and the cost model follow it. Stages before
    ``group.part_from`` run whole, and the operands they touch are not split (a conv's
    accumulators, written whole, are read part by part where they sit)."""
    stages = mapping.stages_of(group)
    loops = frozenset(group.part_loops if group.parts > 1 else ())
    start = group.part_from
    stage_loop = tuple(None if k < start else next((lp for lp in st.loops if lp in loops), None)
                       for k, st in enumerate(stages))
    whole = {acc.operand for st in stages[:start] for acc in st.stmt.accesses}
    if start:  # along a loop the group tiles, a part of an outer level's tile is not the
        # inner tile's part: an operand held at several levels moves whole
        whole |= {p.operand for p in group.placements if len(p.levels) > 1}
    axes: dict[str, int] = {}
    for name in dict.fromkeys(acc.operand for _, acc in _accesses(stages)):
        if name in whole:
            continue
        found = {next((a for a, e in enumerate(acc.index) if _loop(e) in loops), None)
                 for _, acc in _accesses(stages) if acc.operand == name}
        if len(found) == 1 and None not in found:
            axes[name] = found.pop()  # type: ignore[assignment]
    count = group.parts if loops else 1
    runs = _runs(stages, stage_loop, axes)
    order = tuple((k, c if stage_loop[k] is not None else None)
                  for run in runs for c in range(count if stage_loop[run[0]] else 1)
                  for k in run)
    return PartPlan(count, loops, axes, stage_loop, runs, order, start)


def _runs(stages: tuple[Stage, ...], stage_loop: tuple[str | None, ...],
          axes: MappingABC[str, int]) -> tuple[tuple[int, ...], ...]:
    """The group's stages in runs: a stage that is not split alone, consecutive split ones
    together unless one touches an unsplit operand another writes."""
    out: list[tuple[int, ...]] = []
    run: list[int] = []
    wrote: set[str] = set()  # unsplit operands the run writes
    touched: set[str] = set()  # unsplit operands the run reads or writes
    for k, st in enumerate(stages):
        reads, writes = stage_operands(st.stmt)
        whole = {op for op in (*reads, writes) if op not in axes}
        if run and (stage_loop[k] is None or whole & wrote
                    or (writes not in axes and writes in touched)):
            out.append(tuple(run))
            run, wrote, touched = [], set(), set()
        if stage_loop[k] is None:
            out.append((k,))
            continue
        run.append(k)
        touched.update(whole)
        wrote.update(op for op in (writes,) if op not in axes)
    if run:
        out.append(tuple(run))
    return tuple(out)
