"""Energy grouped into the five classes a report stacks: DRAM, on-chip storage, compute,
movement and static.

    from covenant_lab.sim.energy_classes import EnergyClass, by_class
    pj = by_class(sim.energy().parts, acg)        # {EnergyClass.DRAM: 1.2e6, ...}
    pj[EnergyClass.DRAM], EnergyClass.DRAM.field  # 'energy_dram_pj' (a bench/sweep record key)

One rule (:func:`energy_class`) decides the class of an :class:`EnergyPart` from its action and
component: reads and writes of an off-chip storage are DRAM, of any other storage on-chip
storage; operations are compute; bytes moved along edges and through communication nodes, and
PE-to-PE forwarding inside a compute node, are movement; busy, idle and leakage energy (paid per
cycle whatever the data) is static. Each class is ``math.fsum`` of its parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING

from covenant_lab.sim.energy import Action, EnergyPart

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["EnergyClass", "by_class", "energy_class"]


class EnergyClass(Enum):
    """Where energy went, coarsely; ``value`` is the label a plot shows."""

    DRAM = "DRAM"
    ON_CHIP = "on-chip storage"
    COMPUTE = "compute"
    MOVEMENT = "movement (edges, comm, PE-to-PE)"
    STATIC = "static (busy, idle, leakage)"

    @property
    def field(self) -> str:
        """The key of this class's pJ in a sweep or bench record."""
        return f"energy_{self.name.lower()}_pj"


_STATIC = frozenset({Action.BUSY, Action.IDLE, Action.LEAKAGE})
_MOVEMENT = frozenset({Action.MOVE, Action.FORWARD})


def energy_class(part: EnergyPart, offchip: frozenset[str]) -> EnergyClass:
    """The class of one part; ``offchip``: the names of the off-chip storages."""
    if part.action in _STATIC:
        return EnergyClass.STATIC
    if part.action in _MOVEMENT:
        return EnergyClass.MOVEMENT
    if part.action is Action.OP:
        return EnergyClass.COMPUTE
    return EnergyClass.DRAM if part.component in offchip else EnergyClass.ON_CHIP


def by_class(parts: Iterable[EnergyPart], acg: ACG) -> dict[EnergyClass, float]:
    """pJ per class (every class present, 0.0 when nothing was spent on it)."""
    offchip = frozenset(s.name for s in acg.offchip)
    groups: dict[EnergyClass, list[float]] = {c: [] for c in EnergyClass}
    for p in parts:
        groups[energy_class(p, offchip)].append(p.pj)
    return {c: math.fsum(v) for c, v in groups.items()}
