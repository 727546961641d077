"""How the stages of a group overlap across compute units, tile after tile.

Lowering emits, for every innermost tile, one invocation of each stage in the group's order;
the simulator runs each unit's invocations in program order, each after what it depends on.
Per tile, a stage starts when

1. its unit has finished its previous invocation;
2. the stages of this tile that wrote what it reads are ready (end plus latency);
3. for an on-chip temp it writes: every stage that read the copy it is about to reuse has
   finished (one copy: the previous tile's readers; two: those of the tile before).

Played for a few tiles, the schedule settles into a period. The group's compute time is the
first tile's span plus one period for every further tile: with one unit, the sum of the
stages' cycles and latencies on the chain; with units handing temps over in two copies,
about the busiest unit's share. Times are ints or numpy arrays (the search's candidates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

STEADY = 4  # tiles played; the period is read between the last two


@dataclass(frozen=True)
class StageTiming:
    """One stage as the schedule sees it."""

    node: str
    cycles: Any  # one invocation (int or array)
    latency: int  # after its end, until what it wrote can be read
    reads: tuple[str, ...]
    writes: str
    copies: int  # copies of ``writes`` if it is an on-chip temp, else 0 (no reuse waits)


def compute_span(stages: list[StageTiming], invocations: Any) -> Any:
    """Cycles from the first invocation's start to the last one's end, for ``invocations``
    innermost tiles."""
    copies = {s.writes: s.copies for s in stages if s.copies}

    def slot(operand: str, tile: int) -> tuple[str, int]:
        """Where the operand's tile sits: temps reuse their copies; the other operands'
        slots are the loads' and stores' business, never waited for here."""
        return (operand, tile % copies[operand]) if operand in copies else (operand, tile)

    free: dict[str, Any] = {}  # unit -> end of its last invocation
    ready: dict[tuple[str, int], Any] = {}  # slot -> when its last write is readable
    read_end: dict[tuple[str, int], Any] = {}  # slot -> end of its reads since that write
    finish: list[Any] = []
    for tile in range(STEADY):
        last: Any = 0
        for s in stages:
            own = slot(s.writes, tile)
            start = free.get(s.node, 0)
            for o in s.reads:
                start = np.maximum(start, ready.get(slot(o, tile), 0))
            if s.copies:
                start = np.maximum(start, read_end.get(own, 0))
            end = start + s.cycles
            free[s.node] = end
            for o in s.reads:
                read_end[slot(o, tile)] = np.maximum(read_end.get(slot(o, tile), 0), end)
            ready[own] = end + s.latency
            read_end[own] = 0
            last = np.maximum(last, end)
        finish.append(last)
    period = finish[-1] - finish[-2]
    return finish[0] + period * (np.asarray(invocations) - 1)
