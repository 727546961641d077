"""Where several operands with shorter data paths than their group start, below per-PE storage.

An array whose PEs have their own registers (``private_to`` storages) has an innermost tiling
level holding one value per PE: a 32 x 32 output tile in the partial-sum registers of an
output-stationary array. Operands whose paths are one level shorter (the inputs and weights in
their SRAMs) sit by default at that innermost level too, so each of those tiny tiles would
refetch its inputs from off chip. :func:`outer_choice` offers the search the other placement:
every short operand at level 1, where one SRAM tile serves many register tiles.
"""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.compiler.mapping import Mapping, Placement

__all__ = ["level_choices", "outer_choice"]


def outer_choice(
    mapping: Mapping, uneven: Sequence[tuple[int, Placement]]
) -> list[tuple[tuple[int, str, int], ...]]:
    """For the (group index, placement) of operands with short paths: ``[every one at level
    1]`` when there are several, the group's full-length paths end in a per-PE storage and
    some short operand is not at level 1 already; else ``[]``."""
    if len(uneven) < 2:
        return []
    registers = any(
        q.levels[-1].private_to is not None
        for gi, _ in uneven
        for q in mapping.groups[gi].placements
        if len(q.levels) == mapping.groups[gi].levels
    )
    if not registers or all(p.first_level == 1 for _, p in uneven):
        return []
    return [tuple((gi, p.operand, 1) for gi, p in uneven)]


def level_choices(mapping: Mapping) -> list[tuple[tuple[int, str, int], ...]]:
    """Where operands with fewer on-chip levels than their group put their outermost storage:
    the placement's default for all; when just one operand's path is shorter, each of its
    levels; with several below per-PE registers, also all at level 1 (``levels.py``)."""
    uneven = [
        (gi, p) for gi, g in enumerate(mapping.groups) for p in g.placements
        if p.home is not None and len(p.levels) < g.levels
    ]
    if len(uneven) != 1:
        return [(), *outer_choice(mapping, uneven)]
    gi, p = uneven[0]
    last = mapping.groups[gi].levels - len(p.levels) + 1
    levels = [p.first_level] + [lv for lv in range(1, last + 1) if lv != p.first_level]
    return [((gi, p.operand, lv),) for lv in levels]
