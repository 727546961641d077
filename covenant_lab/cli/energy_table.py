"""``covenant simulate --energy``: each simulated layer's energy per component, as text and JSON.

Rows are layers, columns those of :func:`covenant_lab.sim.energy_columns.energy_columns` that
are not zero in every layer (each storage, each compute node, moves, static), then the
layer's total and its pJ per operation (per MAC on a MAC array). One unit for the whole table,
the one in which the median layer's total reads 1 to 999 (most cells then have 3-4 figures)::

    energy (nJ)     DRAM    SPAD mac_array  moves static   total  pJ/op
    fc1            24.00    0.38      0.03   0.10   0.06   24.57  384.0
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from covenant_lab.sim.energy_columns import (
    EnergyColumn,
    energy_columns,
    energy_row,
    energy_unit,
    operations,
)

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG
    from covenant_lab.sim.compiled import LayerSim
    from covenant_lab.sim.energy import EnergyReport

__all__ = ["energy_json", "energy_table"]


def _cell(pj: float, size: float) -> str:
    if pj == 0:
        return "-"
    v = pj / size
    return f"{v:,.2f}" if abs(v) >= 0.005 else "<0.01"


def _per_op(total: float, ops: float) -> str:
    return f"{total / ops:,.1f}" if ops else "-"


def energy_table(acg: ACG, sims: Sequence[LayerSim], layers: Sequence[str] = ()) -> str:
    """The per-layer, per-component table of the layers that were simulated; those of
    ``layers`` (every layer's name, in order) that were not are named under it."""
    rows = [(r.layer, r.energy) for r in sims if r.energy is not None]
    done = {name for name, _ in rows}
    missing = [name for name in layers if name not in done]
    note = (f"\nno energy (not compiled or not simulated): {', '.join(missing)}"
            if missing else "")
    if not rows:
        return "energy: no layer was simulated" + note
    columns = energy_columns(acg)
    values = [(name, energy_row(rep, columns), rep) for name, rep in rows]
    shown = [c for c in columns if any(v[c] for _, v, _ in values)]
    totals = [rep.total_pj for _, _, rep in values]
    unit, size = energy_unit(statistics.median(totals))
    width = max(len(f"energy ({unit})"), *(len(name) for name, _ in rows), len("total"))
    heads = [c.name for c in shown] + ["total", "pJ/op"]
    widths = [max(len(h), 9) for h in heads]
    lines = [f"{f'energy ({unit})':<{width}} "
             + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))]

    def line(name: str, row: dict[EnergyColumn, float], total: float, ops: float) -> str:
        cells = [_cell(row[c], size) for c in shown] + [_cell(total, size), _per_op(total, ops)]
        return f"{name:<{width}} " + " ".join(
            f"{x:>{w}}" for x, w in zip(cells, widths, strict=True))

    for name, row, rep in values:
        lines.append(line(name, row, rep.total_pj, operations(rep)))
    if len(values) > 1:
        column_sums = {c: math.fsum(v[c] for _, v, _ in values) for c in shown}
        lines.append(line("total", column_sums, math.fsum(totals),
                          math.fsum(operations(rep) for _, _, rep in values)))
    return "\n".join(lines) + note


def energy_json(acg: ACG, report: EnergyReport) -> dict[str, Any]:
    """A layer's energy for ``--json``: pJ per table column (zeros left out), per component,
    per action, the operations and pJ per operation."""
    row = energy_row(report, energy_columns(acg))
    ops = operations(report)
    return {
        "total_pj": report.total_pj,
        "columns": {c.name: pj for c, pj in row.items() if pj},
        "components": report.by_component,
        "actions": report.by_action,
        "operations": ops,
        "pj_per_op": report.total_pj / ops if ops else None,
    }
