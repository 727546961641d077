"""The cost of a batch of candidate tilings of one group (``cost.GroupModel.cost_of``), and
the overlap schedule (``overlap.py``) played for some of them: ``schedule_all`` plays the
candidates of several loop orders whose schedules have one shape in one call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from covenant_lab.acg.nodes import EdgeId
from covenant_lab.compiler.issue_order import Slot
from covenant_lab.compiler.moves import Move
from covenant_lab.compiler.overlap import Step, compute_span

__all__ = ["GroupCost", "SchedulePlan", "schedule_all"]


@dataclass
class GroupCost:
    """Cost arrays for N candidate tilings of one group (inf where a tiling does not fit).

    ``bound`` is cheap: the busiest resource, as if everything overlapped. The cycles come
    from the overlap schedule (``overlap.py``), never below the bound; ``cycles_of`` gives
    them for some candidates only (the search's branch and bound, which plays several loop
    orders in one schedule with ``schedule_all``), ``cycles`` for all.
    """

    bound: np.ndarray
    compute: dict[str, np.ndarray]  # compute node -> busy cycles
    transfer: dict[str, np.ndarray]  # edge "A->B" or comm node -> busy cycles
    traffic: dict[EdgeId, np.ndarray]  # bytes per edge (at the arrival width)
    read: dict[EdgeId, np.ndarray]  # bytes read at each edge's source (a converting edge's
    # source holds them wider or narrower)
    moves_per_edge: dict[str, np.ndarray]  # edge "A->B" -> transfers (plan.moves: their kinds)
    fits: np.ndarray
    instructions: np.ndarray  # transfers + compute invocations
    plan: SchedulePlan = field(repr=False)  # what the overlap schedule needs
    finish: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)  # idx, span

    def cycles_of(self, idx: np.ndarray) -> np.ndarray:
        """Estimated cycles of the candidates ``idx``."""
        return schedule_all([(self, idx)])[0]

    @cached_property
    def cycles(self) -> np.ndarray:
        return self.cycles_of(np.arange(len(self.bound)))


def schedule_all(parts: Sequence[tuple[GroupCost, np.ndarray]]) -> list[np.ndarray]:
    """Estimated cycles of the candidates ``idx`` of each ``(cost, idx)``, playing the parts
    whose schedules have the same shape (one group under several loop orders) as one: one
    call of ``compute_span`` over all their candidates instead of one per part."""
    shapes: dict[tuple[object, ...], list[int]] = {}
    for i, (gc, _) in enumerate(parts):
        shapes.setdefault(gc.plan.shape, []).append(i)
    out: list[np.ndarray] = [np.empty(0)] * len(parts)
    for members in shapes.values():
        sizes = [len(parts[i][1]) for i in members]
        columns = zip(*(parts[i][0].plan.values(parts[i][1]) for i in members), strict=True)
        joined = [np.concatenate(col) for col in columns]
        plan = parts[members[0]][0].plan
        span = np.broadcast_to(compute_span(*plan.steps(joined)), (sum(sizes),))
        start = 0
        for i, n in zip(members, sizes, strict=True):
            gc, idx = parts[i]
            out[i] = gc.finish(idx, span[start : start + n])
            start += n
    return out


@dataclass(frozen=True)
class SchedulePlan:
    """A group's overlap schedule for one tiling batch and loop order: its moves (in the
    order lowering emits them per tile), its stages, and their per-candidate numbers."""

    moves: list[Move]
    stages: list[Step]
    stage_cycles: list[Any]
    invocations: np.ndarray
    copies: dict[Slot, int]

    @property
    def shape(self) -> tuple[object, ...]:
        """Equal for plans ``compute_span`` can play together."""
        return (id(self.copies), *((m.resource, m.reads, m.writes, m.store) for m in self.moves))

    def values(self, idx: np.ndarray) -> list[np.ndarray]:
        """The per-candidate numbers of candidates ``idx``, one array each (see ``steps``)."""
        n = len(idx)

        def pick(v: Any) -> np.ndarray:
            return v[idx] if np.ndim(v) else np.full(n, v)

        out = [pick(self.invocations)]
        for m in self.moves:
            out += [pick(m.times), pick(m.changes), pick(m.each), pick(m.busy)]
        return out + [pick(c) for c in self.stage_cycles]

    def steps(self, values: list[np.ndarray]) -> tuple[list[Step], dict[Slot, int], np.ndarray]:
        """``compute_span``'s arguments from ``values`` (joined over any number of plans)."""
        invocations, rest = values[0], values[1:]
        steps = [m.step(rest[4 * k], rest[4 * k + 1], rest[4 * k + 2], rest[4 * k + 3],
                        invocations) for k, m in enumerate(self.moves)]
        tail = rest[4 * len(self.moves):]
        steps += [replace(st, first=c, cycles=c) for st, c in zip(self.stages, tail, strict=True)]
        return steps, self.copies, invocations
