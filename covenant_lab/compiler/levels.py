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

A group may also take one level more than its longest path has storages
(:func:`inner_level`), where the operands it only reads keep their tiles at level 1 and the
innermost tiles walk them: where its results pass through a double-buffered storage far
smaller than the one its sources sit in (NVDLA's 1 KiB accumulators beside its 128 KiB
convolution buffer), the innermost tile is as small as that storage makes it, but the
sources' tiles need not be, so they are not reloaded for every few outputs (ResNet-50's
1x1 conv on nvdla_small: 1,144,470 -> 955,934 cycles).
"""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.compiler.mapping import Mapping, Placement

__all__ = ["INNER_RATIO", "inner_level", "level_choices", "outer_choice"]

INNER_RATIO = 16  # a results' storage this many times smaller than the sources' (or more)


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


def inner_level(mapping: Mapping) -> bool:
    """Whether some group of one tiling level writes its results through a double-buffered
    storage at least ``INNER_RATIO`` times smaller than the largest storage its only-read
    operands are read from (NVDLA's convolution core through its 1 KiB accumulators, the
    sources in the 128 KiB buffer): the placement with one more level is worth trying there.
    A group of several levels has them already (its short paths take level 1); with one
    copy of the results, every innermost tile waits for its own store, and more of them
    gain nothing (Gemmini's 1 KiB output staging)."""
    for g in mapping.groups:
        if g.levels > 1:
            continue
        written = mapping.written(g)
        read = [p.levels[-1].capacity_bytes for p in g.placements
                if p.home is not None and p.operand not in written]
        out = [p.levels[-1].capacity_bytes for p in g.placements
               if p.operand in written and p.levels[-1].buffering > 1]
        sources = max((c for c in read if c is not None), default=None)
        results = min((c for c in out if c is not None), default=None)
        if sources is not None and results is not None and results * INNER_RATIO <= sources:
            return True
    return False
