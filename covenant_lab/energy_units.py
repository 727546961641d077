"""Energy in the unit that suits it: ``24568.8`` pJ reads ``24.6 nJ``.

One rule for every package that prints an energy (the simulator's tables, the compiler's
fallback explanations, the dse command), so that none depends on another for it.
"""

from __future__ import annotations

__all__ = ["UNITS", "energy_unit", "format_pj"]

UNITS = (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3), ("pJ", 1.0))  # name, size in pJ


def energy_unit(pj: float) -> tuple[str, float]:
    """The largest unit in which ``pj`` is at least 1 (pJ below 1 pJ), and its size in pJ."""
    for name, size in UNITS:
        if abs(pj) >= size:
            return name, size
    return UNITS[-1]


def format_pj(pj: float) -> str:
    """``24568.8`` -> ``24.6 nJ``: three significant figures in the unit that suits."""
    if pj == 0:
        return "0 pJ"
    name, size = energy_unit(pj)
    v = pj / size
    decimals = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2
    return f"{v:.{decimals}f} {name}"
