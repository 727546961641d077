"""Pass: choose how many copies of a tile an operand keeps, where the default is not best."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Access, StorageNode
from covenant_lab.compiler.mapping import Group, Mapping, Placement
from covenant_lab.errors import ScheduleError


@dataclass(frozen=True)
class Buffer:
    """Change the copies of some operands' tiles (``(group, operand)`` pairs).

    By default a tile loaded from or stored to off-chip memory takes its storage's
    ``buffering`` copies (the next one fills while this one is used) and a temp kept on chip
    takes one. ``double``: temps handed between two units, given ``buffering`` copies so the
    unit producing the next tile need not wait for the unit still reading this one.
    ``single``: loaded or stored operands kept in one copy, so that larger tiles fit; their
    transfers then wait for their readers (the cost model sees by how much). The search
    tries both (``buffer_options``); the copies count against capacity.

    rewrite (a MatMul on one unit, its bias added by another)::

        t0: accumulators x1               ->   t0: accumulators x2
        MatMul(tile i+1) waits for add(i)      MatMul(tile i+1) fills the other copy
    """

    name: ClassVar[str] = "buffer"
    double: tuple[tuple[int, str], ...] = ()
    single: tuple[tuple[int, str], ...] = ()

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = tuple(self._group(mapping, i, g) for i, g in enumerate(mapping.groups))
        return replace(mapping, groups=groups)

    def _group(self, mapping: Mapping, index: int, group: Group) -> Group:
        double = {op for gi, op in self.double if gi == index}
        single = {op for gi, op in self.single if gi == index}
        temps = {p.operand for p in group.placements if p.home is None}
        loaded = {p.operand for p in group.placements if p.home is not None}
        for names, allowed, what in ((double, temps, "on-chip temp"),
                                     (single, loaded, "operand with an off-chip home")):
            unknown = names - allowed
            if unknown:
                has = ", ".join(sorted(allowed)) or "none"
                raise ScheduleError(
                    self.name,
                    f"group {index} of {mapping.codelet.name} has no {what} "
                    f"{', '.join(sorted(unknown))} (it has: {has})",
                )
        fifo = sorted(p.operand for p in group.placements if p.operand in single and _fifo(p))
        if fifo:
            raise ScheduleError(self.name, f"{', '.join(fifo)} of {mapping.codelet.name} "
                                "passes through a FIFO, whose entries are fixed: it cannot "
                                "be kept in one copy")
        placements = tuple(
            replace(p, buffered=p.operand in double or (p.home is not None
                                                        and p.operand not in single))
            for p in group.placements
        )
        return replace(group, placements=placements)


def buffer_options(mapping: Mapping) -> list[Buffer]:
    """What the search tries besides the default: every temp handed between units that its
    storage can double-buffer; and, in groups of several stages (whose temps take room),
    every loaded operand in one copy. None where neither changes anything."""
    handed = tuple(
        (gi, t)
        for gi, g in enumerate(mapping.groups)
        for t in mapping.handoffs(g)
        if g.placement(t).at(g.levels).buffering > 1
    )
    tight = tuple(
        (gi, p.operand)
        for gi, g in enumerate(mapping.groups) if len(g.stages) > 1
        for p in g.placements
        if p.home is not None and _reducible(p)
    )
    return [b for b in (Buffer(double=handed), Buffer(single=tight)) if b.double or b.single]


def _stores(p: Placement) -> list[StorageNode]:
    return [p.at(lv) for lv in range(p.first_level, p.last_level + 1)]


def _fifo(p: Placement) -> bool:
    """Whether the operand passes through a FIFO (whose entries are its size, not a choice)."""
    return any(s.access is Access.FIFO for s in _stores(p))


def _reducible(p: Placement) -> bool:
    """Whether the operand's tiles can drop to one copy: some level keeps several, no FIFO."""
    return not _fifo(p) and any(s.buffering > 1 for s in _stores(p))
