"""Energy grouped into the six classes a report stacks: DRAM, on-chip buffers, PE-local
storage, compute, movement and static (the levels of the Eyeriss energy breakdown).

    from covenant_lab.sim.energy_classes import EnergyClass, by_class
    pj = by_class(sim.energy().parts, acg)        # {EnergyClass.DRAM: 1.2e6, ...}
    pj[EnergyClass.DRAM], EnergyClass.DRAM.field  # 'energy_dram_pj' (a bench/sweep record key)

One rule (:func:`energy_class`) decides the class of an :class:`EnergyPart` from its action and
component: reads and writes of an off-chip storage are DRAM, of a storage private to a compute
node's PEs (a register file in every PE) PE-local, of any other storage on-chip buffers;
operations are compute; bytes moved along edges and through communication nodes, and
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
    ON_CHIP = "on-chip buffers"
    PE_LOCAL = "PE-local storage (register files)"
    COMPUTE = "compute"
    MOVEMENT = "movement (edges, comm, PE-to-PE)"
    STATIC = "static (busy, idle, leakage)"

    @property
    def field(self) -> str:
        """The key of this class's pJ in a sweep or bench record."""
        return f"energy_{self.name.lower()}_pj"


_STATIC = frozenset({Action.BUSY, Action.IDLE, Action.LEAKAGE})
_MOVEMENT = frozenset({Action.MOVE, Action.FORWARD})


def energy_class(part: EnergyPart, offchip: frozenset[str],
                 private: frozenset[str] = frozenset()) -> EnergyClass:
    """The class of one part; ``offchip``: the names of the off-chip storages, ``private``:
    of the storages private to a compute node's PEs."""
    if part.action in _STATIC:
        return EnergyClass.STATIC
    if part.action in _MOVEMENT:
        return EnergyClass.MOVEMENT
    if part.action is Action.OP:
        return EnergyClass.COMPUTE
    if part.component in offchip:
        return EnergyClass.DRAM
    return EnergyClass.PE_LOCAL if part.component in private else EnergyClass.ON_CHIP


def by_class(parts: Iterable[EnergyPart], acg: ACG) -> dict[EnergyClass, float]:
    """pJ per class (every class present, 0.0 when nothing was spent on it)."""
    offchip = frozenset(s.name for s in acg.offchip)
    private = frozenset(s.name for s in acg.storage_nodes if s.private_to is not None)
    groups: dict[EnergyClass, list[float]] = {c: [] for c in EnergyClass}
    for p in parts:
        groups[energy_class(p, offchip, private)].append(p.pj)
    return {c: math.fsum(v) for c, v in groups.items()}
