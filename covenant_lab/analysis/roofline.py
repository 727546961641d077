"""Roofline data (pure numbers, no plotting): layer points and architecture roofs.

A layer's point is (operational intensity, achieved throughput)::

    intensity  = operations / off-chip bytes moved     (operations per byte)
    throughput = operations / simulated cycles         (operations per cycle)

An architecture's roof is ``min(peak, bandwidth * intensity)``: ``peak`` is the operations per
cycle of its main capability (the one with the highest peak, e.g. the systolic array's MAC),
``bandwidth`` its off-chip bytes per cycle. Layers on another unit (a vector unit's
elementwise work) sit far below the MAC roof by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Point", "Roof", "points", "roof_curve", "roofs"]


@dataclass(frozen=True, slots=True)
class Point:
    arch: str
    layer: str
    intensity: float  # operations per off-chip byte
    throughput: float  # operations per cycle


@dataclass(frozen=True, slots=True)
class Roof:
    arch: str
    peak_ops_per_cycle: float
    bytes_per_cycle: float

    @property
    def ridge(self) -> float:
        """The intensity where the bandwidth roof meets the compute roof."""
        return self.peak_ops_per_cycle / self.bytes_per_cycle

    def at(self, intensity: float) -> float:
        return min(self.peak_ops_per_cycle, self.bytes_per_cycle * intensity)


def points(layers: Iterable[Mapping[str, Any]]) -> list[Point]:
    """One point per simulated layer record with off-chip traffic and cycles."""
    out = []
    for r in layers:
        if r.get("status") != "ok" or not r.get("offchip_bytes") or not r.get("cycles"):
            continue
        ops = r["operations"]
        out.append(Point(r["arch"], r["layer"], ops / r["offchip_bytes"], ops / r["cycles"]))
    return out


def roofs(archs: Mapping[str, Mapping[str, Any]]) -> list[Roof]:
    """The roof of each architecture in a results document's ``archs``."""
    return [Roof(label, a["peak_ops_per_cycle"], a["bandwidth_roof_bytes_per_cycle"])
            for label, a in archs.items()]


def roof_curve(roof: Roof, lo: float, hi: float) -> tuple[Sequence[float], Sequence[float]]:
    """(intensities, throughputs) of the roof between ``lo`` and ``hi`` (the ridge included)."""
    xs = sorted({lo, hi, *([roof.ridge] if lo < roof.ridge < hi else [])})
    return xs, [roof.at(x) for x in xs]
