"""A whole model's layers in two sets: those with a structural gap and the rest.

A layer has a structural gap where its structural bound lies above the strict one
(``analysis/structural.py``: its loops cannot fill a unit, or a form's band or a unit's port
widths add bytes): no mapping reaches the strict bound there. A model's Σideal/Σcycles mixes
such layers with the others; the benchmark prints both sets apart, each with its own sums,
so a model below its target shows whether its shortfall is in the gap or not::

    mobilenetv2 on genesys: 17 of 55 layers have a structural gap: 289,095 cycles,
    Σideal/Σcycles 0.705, Σstructural/Σcycles 0.883; the other 38: 0.908 of Σideal
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["GAP_FIELDS", "gap_fields", "gap_text"]

GAP_FIELDS = ("gap_layers", "gap_cycles", "gap_ideal_cycles", "gap_structural_cycles",
              "rest_cycles", "rest_ideal_cycles")


def gap_fields(layers: list[tuple[int, float, float, bool]]) -> dict[str, float]:
    """The record's fields from (cycles, ideal, structural, gap?) per layer."""
    gap = [x for x in layers if x[3]]
    rest = [x for x in layers if not x[3]]
    return {"gap_layers": len(gap), "gap_cycles": sum(x[0] for x in gap),
            "gap_ideal_cycles": sum(x[1] for x in gap),
            "gap_structural_cycles": sum(x[2] for x in gap),
            "rest_cycles": sum(x[0] for x in rest),
            "rest_ideal_cycles": sum(x[1] for x in rest)}


def gap_text(rec: Mapping[str, Any]) -> str | None:
    """One line for a model record with layers of both kinds (None: no gap, or no record)."""
    n, cycles, rest = rec.get("gap_layers"), rec.get("gap_cycles"), rec.get("rest_cycles")
    if not n or not cycles or not rest:
        return None
    return (f"{rec['model']} on {rec['arch']}: {n} of {rec['layers']} layers have a structural "
            f"gap: {cycles:,} cycles, Σideal/Σcycles {rec['gap_ideal_cycles'] / cycles:.3f}, "
            f"Σstructural/Σcycles {rec['gap_structural_cycles'] / cycles:.3f}; the other "
            f"{rec['layers'] - n}: {rec['rest_ideal_cycles'] / rest:.3f} of Σideal")
