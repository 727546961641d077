"""How the instructions of a group overlap across resources, tile after tile.

Lowering emits, for every innermost tile, the transfers whose tiles change there (the store
of the tile just left, then the loads) and one invocation of each stage, in the group's
order; the simulator runs each resource's instructions (a compute unit's invocations, an
edge's or communication node's transfers) in program order, each after what it depends on.
Per tile, a step starts when

1. its resource has finished its previous step;
2. the steps that wrote what it reads are ready (their end plus latency);
3. when it writes a slot (an operand's tile at one level): the copy of that slot it is about
   to reuse was last written and read (one copy: in the previous tile; two: the tile before).

The first tile pays each transfer in full; later tiles pay its average share (transfers of
a tile that stays for several innermost tiles are spread over them). Played for a few tiles
the schedule settles into a period, which may span two tiles (a chain through the two copies
of a double-buffered operand); the span is the first tile plus the mean period for every
further tile. Times are ints or numpy arrays (the search's candidates).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

STEADY = 6  # tiles played; the period is the mean of the last two (a chain through an
PERIOD = 2  # operand's two copies can alternate 600 and 979 cycles per tile)


@dataclass(frozen=True)
class Step:
    """One instruction of an innermost tile: a stage's invocation or a tile's transfer."""

    resource: str  # compute node, edge "A->B" or the communication node it goes through
    first: Any  # cycles in the first tile
    cycles: Any  # cycles in each later tile
    latency: Any  # after its end, until what it wrote can be read
    reads: tuple[str, ...]  # slots
    writes: str | None
    lag: int = 0  # 1: acts on the previous tile's data (the store of the tile just left)


def compute_span(steps: list[Step], copies: Mapping[str, int], invocations: Any) -> Any:
    """Cycles from the first step's start to the last one's end, for ``invocations``
    innermost tiles. ``copies``: how many copies each slot rotates through (a slot not
    listed has a fresh copy every tile)."""

    def slot(name: str, tile: int) -> tuple[str, int]:
        return (name, tile % copies[name]) if name in copies else (name, tile)

    # a step of no time is no instruction: it waits for nothing, and nothing waits for it
    real = [[_real(s.first), _real(s.cycles)] for s in steps]
    free: dict[str, Any] = {}  # resource -> end of its last step
    ready: dict[tuple[str, int], Any] = {}  # slot copy -> when its last write is readable
    read_end: dict[tuple[str, int], Any] = {}  # slot copy -> end of its reads since then
    finish: list[Any] = []
    for tile in range(STEADY):
        last: Any = 0
        for s, when in zip(steps, real, strict=True):
            t = tile - s.lag
            mask = when[tile > 0]
            if t < 0 or mask is False:
                continue
            cycles = s.first if tile == 0 else s.cycles
            start = free.get(s.resource, 0)
            for name in s.reads:
                start = np.maximum(start, ready.get(slot(name, t), 0))
            own = slot(s.writes, t) if s.writes is not None else None
            if own is not None:  # after the copy's last write and the reads since
                start = np.maximum(start, np.maximum(ready.get(own, 0), read_end.get(own, 0)))
            end = start + cycles
            free[s.resource] = _keep(mask, end, free.get(s.resource, 0))
            for name in s.reads:
                key = slot(name, t)
                old = read_end.get(key, 0)
                read_end[key] = _keep(mask, np.maximum(old, end), old)
            if own is not None:
                ready[own] = _keep(mask, end + s.latency, ready.get(own, 0))
                read_end[own] = _keep(mask, 0, read_end.get(own, 0))
            last = np.maximum(last, _keep(mask, end, 0))
        finish.append(last)
    period = (finish[-1] - finish[-1 - PERIOD]) / PERIOD
    return finish[0] + period * (np.asarray(invocations) - 1)


def _real(cycles: Any) -> Any:
    """True where a step takes time (an instruction exists), False where it never does,
    else the mask."""
    mask = np.asarray(cycles) > 0
    return True if mask.all() else (False if not mask.any() else mask)


def _keep(mask: Any, new: Any, old: Any) -> Any:
    """``new`` where the step is real, ``old`` where it is not."""
    return new if mask is True else np.where(mask, new, old)
