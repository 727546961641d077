"""A layer's energy in the columns of a table: each storage, each compute node, moves, static.

:func:`energy_columns` names the columns of an architecture, :func:`energy_row` splits one
layer's :class:`~covenant_lab.sim.energy.EnergyReport` over them so that the row sums to the
layer's total:

- one column per **storage** (off-chip first, then on-chip in file order): its reads and
  writes (by transfers and by compute ports);
- one column per **compute node**: its operations and its PE-to-PE forwarding;
- **moves**: every edge and communication node (bytes moved along the paths);
- **static**: busy and idle power of the compute nodes and leakage of the storages
  (``Action.BUSY``, ``IDLE``, ``LEAKAGE``), whichever component paid it.

:func:`energy_unit` and :func:`format_pj` choose units people read (pJ, nJ, uJ, mJ, J).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from covenant_lab.energy_units import energy_unit, format_pj
from covenant_lab.sim.energy import Action, EnergyPart, EnergyReport

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = [
    "STATIC_ACTIONS",
    "ColumnKind",
    "EnergyColumn",
    "energy_columns",
    "energy_row",
    "energy_unit",
    "format_pj",
    "operations",
]

#: the actions whose energy is static power (the "static" column)
STATIC_ACTIONS = frozenset({Action.BUSY, Action.IDLE, Action.LEAKAGE})


class ColumnKind(Enum):
    """What a column of the energy table counts."""

    STORAGE = "storage"  # one storage's reads and writes
    COMPUTE = "compute"  # one compute node's operations and PE-to-PE forwarding
    MOVES = "moves"  # every edge and communication node
    STATIC = "static"  # busy, idle and leakage power


@dataclass(frozen=True, slots=True)
class EnergyColumn:
    """One column: ``name`` is the storage or compute node (or ``moves`` / ``static``)."""

    name: str
    kind: ColumnKind


def energy_columns(acg: ACG) -> tuple[EnergyColumn, ...]:
    """The columns of ``acg``'s energy table, in the order they are shown."""
    stores = sorted(acg.storage_nodes, key=lambda s: not s.off_chip)  # stable: file order
    return (
        *(EnergyColumn(s.name, ColumnKind.STORAGE) for s in stores),
        *(EnergyColumn(n.name, ColumnKind.COMPUTE) for n in acg.compute_nodes),
        EnergyColumn("moves", ColumnKind.MOVES),
        EnergyColumn("static", ColumnKind.STATIC),
    )


def _column_of(part: EnergyPart, named: dict[str, EnergyColumn], moves: EnergyColumn,
               static: EnergyColumn) -> EnergyColumn:
    if part.action in STATIC_ACTIONS:
        return static
    return named.get(part.component, moves)  # edges "SRC->DST" and comm nodes: moves


def energy_row(report: EnergyReport, columns: tuple[EnergyColumn, ...]
               ) -> dict[EnergyColumn, float]:
    """pJ per column of one layer (every column, zeros included); the values sum to
    ``report.total_pj`` up to rounding."""
    named = {c.name: c for c in columns if c.kind in (ColumnKind.STORAGE, ColumnKind.COMPUTE)}
    moves = next(c for c in columns if c.kind is ColumnKind.MOVES)
    static = next(c for c in columns if c.kind is ColumnKind.STATIC)
    sums: dict[EnergyColumn, list[float]] = {c: [] for c in columns}
    for p in report.parts:
        sums[_column_of(p, named, moves, static)].append(p.pj)
    return {c: math.fsum(v) for c, v in sums.items()}


def operations(report: EnergyReport) -> float:
    """The operations the layer executed (MACs on a MAC array), over all compute nodes."""
    return math.fsum(p.amount for p in report.parts if p.action is Action.OP)


