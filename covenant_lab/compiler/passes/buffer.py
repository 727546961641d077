"""Pass: give a temp handed between compute units a copy per unit (double buffering)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.errors import ScheduleError


@dataclass(frozen=True)
class BufferTemps:
    """Double-buffer the named temps (``(group, operand)``), each in its storage's
    ``buffering`` copies, so the unit producing the next tile need not wait for the unit
    still reading this one. The search tries it for every temp handed between units
    (``Mapping.handoffs``); the copies count against capacity.

    rewrite (a MatMul on one unit, its bias added by another)::

        t0: accumulators x1               ->   t0: accumulators x2
        MatMul(tile i+1) waits for add(i)      MatMul(tile i+1) fills the other copy
    """

    name: ClassVar[str] = "buffer"
    temps: tuple[tuple[int, str], ...] = ()

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = tuple(self._group(mapping, i, g) for i, g in enumerate(mapping.groups))
        return replace(mapping, groups=groups)

    def _group(self, mapping: Mapping, index: int, group: Group) -> Group:
        names = {op for gi, op in self.temps if gi == index}
        temps = {p.operand for p in group.placements if p.home is None}
        unknown = names - temps
        if unknown:
            raise ScheduleError(
                self.name,
                f"group {index} of {mapping.codelet.name} has no on-chip temp "
                f"{', '.join(sorted(unknown))} (temps: {', '.join(sorted(temps)) or 'none'})",
            )
        placements = tuple(
            replace(p, buffered=True) if p.operand in names else p for p in group.placements
        )
        return replace(group, placements=placements)


def buffer_options(mapping: Mapping) -> list[tuple[tuple[int, str], ...]]:
    """The choices the search tries besides leaving every temp in one copy: every temp
    handed between units that its storage can double-buffer (none when there is none)."""
    handed = tuple(
        (gi, h.operand)
        for gi, g in enumerate(mapping.groups)
        for h in mapping.handoffs(g)
        if g.placement(h.operand).at(g.levels).buffering > 1
    )
    return [handed] if handed else []
