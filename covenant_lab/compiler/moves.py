"""A group's tile moves as the cost model counts them: each kind of move per candidate tiling
(``Move``), what it adds to the totals (``Charge``) and the running totals (``TransferTotals``).
``compiler/cost.py`` makes them; ``compiler/overlap.py`` plays their steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from covenant_lab.acg.nodes import EdgeId
from covenant_lab.compiler.issue_order import Slot
from covenant_lab.compiler.overlap import Step

__all__ = ["Charge", "Move", "TransferTotals"]


@dataclass
class TransferTotals:
    """Running totals over a group's tile moves, one entry per candidate tiling."""

    transfer: dict[str, np.ndarray]  # edge "A->B" or comm node -> busy cycles
    traffic: dict[EdgeId, np.ndarray]  # bytes per edge (at the arrival width)
    read: dict[EdgeId, np.ndarray]  # bytes read at each edge's source (at its width)
    moves_per_edge: dict[str, np.ndarray]  # edge "A->B" -> transfers
    instructions: np.ndarray  # compute invocations plus transfers so far
    moves: list[Move]  # every kind of move, in the order lowering emits them per tile
    first: np.ndarray  # longest chain of first loads of an operand that is only read
    last: np.ndarray  # longest store of a written operand


@dataclass(frozen=True)
class Charge:
    """One kind of tile move with what it adds to the totals, per candidate."""

    key: EdgeId
    via: str | None  # its communication node
    move: Move
    moved: np.ndarray  # bytes (at the arrival width)
    one: np.ndarray  # cycles of one move with its latency (0 where it never moves)
    read: np.ndarray  # bytes read at the source: ``moved`` at the departure width


@dataclass(frozen=True)
class Move:
    """One kind of tile move of a group (an operand, a level, a direction), per candidate."""

    resource: str  # the edge, or the communication node it goes through
    times: np.ndarray
    changes: np.ndarray  # how often its tile's box changes (a reload: not on the first visit)
    each: np.ndarray  # cycles of one move (bytes / rate)
    busy: np.ndarray  # all of them
    latency: int
    store: bool  # the store of the tile just left (else a load or a reload)
    reads: tuple[Slot, ...]
    writes: Slot | None

    def step(self, times: np.ndarray, changes: np.ndarray, each: np.ndarray, busy: np.ndarray,
             invocations: np.ndarray) -> Step:
        """The move as one step of every innermost tile (overlap.py), from its numbers for
        some candidates: the first tile pays one move, each later tile the average of the
        others; ``every``: the innermost tiles its tile stays for."""
        one = np.where(times > 0, each, 0)
        every = invocations / np.maximum(changes, 1)
        # the other moves fall in the tiles of every tile of the slot but one (the last's
        # loads, the first's stores: none)
        carrying = np.maximum(invocations - np.maximum(every, 1), 1)
        rest = np.where(invocations > 1, np.maximum(busy - one, 0) / carrying, 0)
        latency = np.where(times > 0, self.latency, 0)  # no move: no wait
        return Step(self.resource, one, rest, latency, self.reads, self.writes,
                    lag=1 if self.store else 0, load=not self.store,
                    every=every,
                    share=np.where(changes > 0, times / np.maximum(changes, 1), 1))
