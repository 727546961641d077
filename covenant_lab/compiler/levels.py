"""Where operands with shorter data paths than their group start.

A group has as many tiling levels as its longest operand path has on-chip storages. An
operand whose path is shorter sits by default at the innermost levels (a weight in its
SRAM beside partial sums in an SRAM and then per-PE registers: at the registers' level, so
each tiny register tile would refetch it from off chip). :func:`level_choices` offers the
search the other places: each level for a single short operand, and every short operand at
level 1 when there are several (:func:`outer_choice`), where one tile of theirs serves many
inner tiles (TPU v1's BERT QKV with its bias, a group of three levels: 66,692 -> 66,262
cycles). That choice was once offered only below per-PE registers; it is offered wherever
it exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.compiler.mapping import Mapping, Placement

__all__ = ["level_choices", "outer_choice"]


def outer_choice(
    mapping: Mapping, uneven: Sequence[tuple[int, Placement]]
) -> list[tuple[tuple[int, str, int], ...]]:
    """For the (group index, placement) of operands with short paths: ``[every one at level
    1]`` when there are several and some is not at level 1 already; else ``[]``."""
    if len(uneven) < 2 or all(p.first_level == 1 for _, p in uneven):
        return []
    return [tuple((gi, p.operand, 1) for gi, p in uneven)]


def level_choices(mapping: Mapping) -> list[tuple[tuple[int, str, int], ...]]:
    """Where operands with fewer on-chip levels than their group put their outermost storage:
    the placement's default for all; when just one operand's path is shorter, each of its
    levels; with several, also all at level 1 (``levels.py``)."""
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
