"""Where in a group's loop nest each operand's tile moves, and how often: one rule for the cost
model, the text view of the nest and (by construction) lowering.

The nest's positions are the group's tiled loops, level by level, outermost first. The tile of
an operand at level L holds the part of the operand its loops' current blocks touch; it moves
(is loaded, or stored and perhaps reloaded) when that part changes. So it moves just inside
its *site*: the innermost position above level L whose loop the operand's accesses use and
which iterates (more than one trip); with no such position it moves once, before the nest.
Lowering moves a tile exactly when its box changes, which is the same rule unrolled.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from covenant_lab.codelets.ir import Stage


def operand_loops(stages: Iterable[Stage], operand: str) -> tuple[str, ...]:
    """The loops an operand's accesses use (its tile's box depends on them), sorted."""
    return tuple(sorted({v for st in stages for acc in st.stmt.accesses
                         if acc.operand == operand for v in acc.vars}))


def read_before_written(stages: Iterable[Stage]) -> set[str]:
    """Operands some stage reads before any stage of the group writes them.

    Includes an accumulation with ``init=None``, which reads its destination's contents.
    """
    written: set[str] = set()
    out: set[str] = set()
    for st in stages:
        reads = [a.operand for a in st.stmt.accesses[:-1]]
        if st.stmt.op.accumulates and st.stmt.init is None:
            reads.append(st.stmt.dst.operand)
        out.update(r for r in reads if r not in written)
        written.add(st.stmt.dst.operand)
    return out


def move_counts(
    uses: Sequence[bool], trips: Sequence[Any], *, site_too: bool = True
) -> tuple[Any, Any, Any]:
    """(site, moves, distinct boxes) of one operand's tile at one level.

    ``trips``: the trip count of each position above the tile's level, in nest order (ints,
    or arrays of candidates); ``uses``: whether the operand uses each position's loop. The
    site is a position index (-1: before the nest); moves are the product of the trips down
    to the site; distinct boxes the product of the trips of the loops it uses.
    ``site_too=False`` leaves the site out (-1): the search needs only the counts.
    """
    site: Any = -1
    moves: Any = 1
    distinct: Any = 1
    running: Any = 1
    for k, (used, t) in enumerate(zip(uses, trips, strict=True)):
        running = running * t
        if used:
            distinct = distinct * t
            iterates = t > 1
            moves = np.where(iterates, running, moves)
            if site_too:
                site = np.where(iterates, k, site)
    return site, moves, distinct


def counts_key(
    uses: Sequence[bool], positions: Sequence[Hashable]
) -> tuple[frozenset[Hashable], ...]:
    """What ``move_counts``' moves and distinct boxes owe to the order of the positions: nests
    of the same positions (the same trips at each) with equal keys have equal counts.

    The moves are the distinct boxes times the trips of each position the operand does not
    use that some used, iterating position follows (the product down to the site). So only
    the runs of unused positions count, each with the used positions after it: the key is
    the runs, alternating, from the first unused run to the last used one.
    """
    runs: list[tuple[bool, list[Hashable]]] = []
    for used, pos in zip(uses, positions, strict=True):
        if runs and runs[-1][0] == used:
            runs[-1][1].append(pos)
        else:
            runs.append((used, [pos]))
    if runs and runs[0][0]:
        runs.pop(0)
    if runs and not runs[-1][0]:
        runs.pop()
    return tuple(frozenset(run) for _, run in runs)
