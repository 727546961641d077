"""Floors: cycles the search cannot estimate less than, so that what cannot win is not searched.

One rule, at two points of the search. The estimate of a group is never less than the busiest
compute unit's cycles plus the issue overhead of the invocations (the moves, their waits and
their own instructions only add to it: ``cost.GroupModel.floor``), so a floor is the least of
that over the choices not made yet:

- ``group_floor``: a mapped group, its units and spatial maps made, its tilings open. The
  least over the tilings its search's last step scores, in the cost model's own cycles: the
  option bound of ``search._plan_one`` (an option whose groups' floors add up to more than
  the best cost found is not searched).
- ``form_floor``: a codelet form not mapped yet, its units, spatial maps and tilings open.
  Each stage at least its iterations at the peak of the fastest unit allowed it (``at_peak``),
  no overhead: ``search.plan`` does not plan a rewritten form whose floor is no less than the
  best plan found.
"""

from __future__ import annotations

import math

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.candidates import BATCH_LIMIT
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.group_search import (
    INSTRUCTION_COST,
    candidate_tilings,
    group_model,
    inner_beam,
    level_tiles,
)
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.objective import Objective
from covenant_lab.compiler.passes.match import allowed_candidates
from covenant_lab.compiler.work_memo import WorkMemo
from covenant_lab.errors import ScheduleError

__all__ = ["at_peak", "form_floor", "group_floor"]


def group_floor(mapping: Mapping, group: Group, acg: ACG, cons: Constraints, *,
                exhaustive: bool = False, work: WorkMemo | None = None) -> float:
    """What ``search_group`` cannot estimate less than (cycles with the issue overhead): the
    least ``GroupModel.floor`` of the tilings its last step scores, the outermost level's
    candidates under each inner tiling of its beam (``group_search.inner_beam``, the same
    one, shared through ``work``; a group of one level has no inner levels). 0 when the
    inner levels or a tiling's timing are refused (the search says why).

    Never more than the search's estimate, whatever the timing expressions: the search
    returns the cost of one of these tilings (cycles + ``INSTRUCTION_COST`` per instruction
    + a tie-break on bytes moved), and for every tiling ``GroupModel.floor`` counts only
    part of it, its busiest unit's compute cycles (the cycles are never below them) and the
    overhead of its invocations (instructions are invocations and moves). The tilings that
    do not fit, which the search does not cost, only lower the least.
    """
    model = group_model(mapping, group, acg, work)
    try:
        least = math.inf
        for _, inner, _ in inner_beam(mapping, group, acg, cons, exhaustive, Objective.CYCLES,
                                      work):
            _, tilings = candidate_tilings(mapping, group, cons, 1, inner, exhaustive, work)
            for start in range(0, tilings.shape[0], BATCH_LIMIT):  # as the search batches them
                batch = tilings[start : start + BATCH_LIMIT]
                least = min(least, model.floor(level_tiles(model, 1, batch, inner),
                                               INSTRUCTION_COST))
        return least
    except ScheduleError:
        return 0.0


def form_floor(codelet: Codelet, acg: ACG, cons: Constraints) -> float:
    """Cycles no mapping of ``codelet`` beats: each stage's iterations at the peak of the
    fastest unit the constraints allow it (``at_peak``; MappingError: none).

    A floor of every plan's estimate when no fold of an invocation costs its unit fewer
    cycles than its ``stream`` (true of every shipped file): a fold then runs at most one
    iteration per position per cycle of the unit, so a stage's cycles on a unit are at least
    its iterations at that unit's peak, and a plan's no less than its dearest stage's. Not
    otherwise (a fold costing 2 cycles whatever its stream): then a rewrite that could win
    may not be planned. The options' floors (``group_floor``) hold for any timing, but
    finding them for every option of each rewrite made a MobileNetV2 compile about 3x
    slower (each depthwise layer offers several blockings), and deciding by them alone drops
    rewrites that ``Plan.tried`` lists today among a rewrite's rivals.
    """
    floor = 0.0
    want = dict(cons.capability)
    for i in range(len(codelet.stages)):
        units = allowed_candidates(Mapping(codelet), acg, i, want.get(i))
        floor = max(floor, min(at_peak(codelet, i, n, c) for n, c in units))
    return floor


def at_peak(codelet: Codelet, stage: int, node: ComputeNode, cap: Capability) -> float:
    """Reference cycles of a stage's iterations on every position of a capability's
    dimensions at once, one iteration per position per cycle of its node."""
    positions = math.prod(size for _, size in cap.dims)
    return codelet.iterations(codelet.stages[stage]) * node.period_cycles / positions
