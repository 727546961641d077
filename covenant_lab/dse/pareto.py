"""Pareto fronts of sweep records: the design points no other point beats on cycles, energy
and area at once.

    from covenant_lab.dse.pareto import arch_totals, layer_points
    rows = sweep(archs, layers)                   # records with cycles, energy_pj, area_mm2
    pts = layer_points(rows)                      # one point per (arch, layer), flagged per layer
    totals = arch_totals(rows)                    # one point per arch: sums over its layers
    [p.arch for p in totals if p.optimal]

A point *dominates* another when it is no worse on every objective and better on at least one
(all objectives are minimised). The front is every point nothing dominates, so points equal on
every objective (duplicates) are on the front together or off it together, and a tie on one
objective still lets the other objectives decide. Only records with ``status == "ok"`` take part;
an architecture's total needs every layer of the sweep ``ok`` (else it is listed by
:func:`incomplete` and left out of the total front).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from covenant_lab.errors import UsageError

__all__ = ["OBJECTIVES", "TOTAL", "ParetoPoint", "arch_totals", "dominates", "front",
           "incomplete", "layer_points"]

OBJECTIVES = ("cycles", "energy_pj", "area_mm2")  # record keys, all minimised
TOTAL = "all layers"  # the ``layer`` of an architecture's total point


@dataclass(frozen=True, slots=True)
class ParetoPoint:
    """One design point: ``values`` of :data:`OBJECTIVES` (cycles, pJ, mm2), ``optimal`` when
    nothing in its group (the same layer, or the totals) dominates it."""

    arch: str
    layer: str
    values: tuple[float, ...]
    optimal: bool
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def cycles(self) -> float:
        return self.values[0]

    @property
    def energy_pj(self) -> float:
        return self.values[1]

    @property
    def area_mm2(self) -> float:
        return self.values[2]


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is no worse than ``b`` on every objective and better on one (minimising)."""
    if len(a) != len(b):
        raise UsageError(f"pareto: points of {len(a)} and {len(b)} objectives cannot be compared")
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True))


def front(points: Sequence[Sequence[float]]) -> list[bool]:
    """For each point, whether no other point dominates it (duplicates share the verdict)."""
    for i, p in enumerate(points):
        bad = [v for v in p if not isinstance(v, numbers.Real) or math.isnan(v)]
        if bad:
            raise UsageError(f"pareto: point {i} has the value {bad[0]!r}",
                             hint="every objective must be a number (not NaN)")
    return [not any(dominates(q, p) for q in points) for p in points]


def _values(rec: Mapping[str, Any], objectives: Sequence[str]) -> tuple[float, ...]:
    missing = [k for k in objectives if rec.get(k) is None]
    if missing:
        raise UsageError(f"pareto: record {rec.get('arch')}/{rec.get('layer')} has no "
                         f"{', '.join(missing)}",
                         hint="records come from dse.sweep or covenant bench of this version")
    return tuple(float(rec[k]) for k in objectives)


def _flag(arch_layer: list[tuple[str, str]], values: Sequence[tuple[float, ...]],
          params: Mapping[str, Mapping[str, Any]]) -> list[ParetoPoint]:
    ok = front(values)
    return [ParetoPoint(a, la, v, o, params.get(a, {}))
            for (a, la), v, o in zip(arch_layer, values, ok, strict=True)]


def layer_points(rows: Sequence[Mapping[str, Any]], *,
                 params: Mapping[str, Mapping[str, Any]] | None = None,
                 objectives: Sequence[str] = OBJECTIVES) -> list[ParetoPoint]:
    """One point per ``ok`` record, in record order, flagged against the same layer's points.
    ``params``: per architecture label, what a plot shows for it (e.g. the swept params)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        if r.get("status") == "ok":
            groups.setdefault(r["layer"], []).append(r)
    flagged: dict[tuple[str, str], ParetoPoint] = {}
    for layer, recs in groups.items():
        pts = _flag([(r["arch"], layer) for r in recs], [_values(r, objectives) for r in recs],
                    params or {})
        flagged.update({(p.arch, p.layer): p for p in pts})
    return [flagged[(r["arch"], r["layer"])] for r in rows if r.get("status") == "ok"]


def incomplete(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Architectures some layer of which is not ``ok``: label -> which layers and why."""
    out: dict[str, list[str]] = {}
    for r in rows:
        if r.get("status") != "ok":
            out.setdefault(r["arch"], []).append(f"{r['layer']}: {r.get('status')}")
    return {a: "; ".join(v) for a, v in out.items()}


def arch_totals(rows: Sequence[Mapping[str, Any]], *,
                params: Mapping[str, Mapping[str, Any]] | None = None) -> list[ParetoPoint]:
    """One point per architecture whose every layer is ``ok``: cycles and energy summed over
    its layers (``math.fsum``), its area, flagged against the other architectures' totals."""
    bad = incomplete(rows)
    per: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        if r["arch"] not in bad:
            per.setdefault(r["arch"], []).append(r)
    labels = list(per)
    values = []
    for a in labels:
        vals = [_values(r, OBJECTIVES) for r in per[a]]
        values.append((math.fsum(v[0] for v in vals), math.fsum(v[1] for v in vals),
                       vals[0][2]))
    return _flag([(a, TOTAL) for a in labels], values, params or {})
