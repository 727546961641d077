"""Colouring a timeline by energy: each event's picojoules on a log scale.

    Timeline(sim.trace(), colour_by=ColourBy.ENERGY)   # or SimPlayer(sim, colour_by="energy")

An event's colour comes from its ``energy_pj`` (what the simulator charged it, ``sim/energy.py``)
on a log scale from the run's cheapest to its costliest event, pale yellow to dark red
(ColorBrewer YlOrRd); events that cost nothing (stalls) are grey. The colour bar beside the
timeline reads the same scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum

from covenant_lab.choice import choice

__all__ = ["FREE", "PALETTE", "ColourBy", "colour_by", "energy_colour", "energy_span"]

# ColorBrewer YlOrRd, 9 classes, pale to dark (Bokeh's YlOrRd9 reversed; written out so the
# colours need no Bokeh import)
PALETTE = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
           "#bd0026", "#800026")
FREE = "#c8c8c8"  # an event that cost no energy (a stall)


class ColourBy(Enum):
    """What a timeline's bars are coloured by."""

    KIND = "kind"  # compute, transfer, stall
    ENERGY = "energy"  # the event's picojoules, log scale


def colour_by(value: ColourBy | str, where: str = "Timeline") -> ColourBy:
    """``value`` as a ColourBy (a UsageError naming the choices otherwise)."""
    return choice(ColourBy, value, "colour_by", where)


def energy_span(energies: Sequence[float]) -> tuple[float, float]:
    """The (lowest, highest) positive energy, the ends of the log scale ((1, 1) if none)."""
    positive = [e for e in energies if e > 0]
    return (min(positive), max(positive)) if positive else (1.0, 1.0)


def energy_colour(pj: float, low: float, high: float) -> str:
    """The colour of an event of ``pj`` on the log scale ``low`` .. ``high``."""
    if pj <= 0:
        return FREE
    if high <= low:
        return PALETTE[-1]
    x = (math.log(pj) - math.log(low)) / (math.log(high) - math.log(low))
    return PALETTE[min(max(int(x * len(PALETTE)), 0), len(PALETTE) - 1)]
