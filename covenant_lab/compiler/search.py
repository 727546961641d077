"""Cost-model-guided search over capability choice, fusion, tiling and loop order.

Tilings are scored in batches with the vectorised cost model. Levels are chosen from the
innermost outwards, keeping a beam of the best inner tilings; each level tries the
canonical loop orders (one per choice of which operand stays resident). Illegal choices
raise ScheduleError, which the search catches to prune; nothing else is caught.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.candidates import BATCH_LIMIT, candidate_lists, grid
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.cost import GroupCost, GroupModel, schedule_all
from covenant_lab.compiler.forms import codelet_forms, compute_floor
from covenant_lab.compiler.group_memo import GroupMemo
from covenant_lab.compiler.invocation import invocation_cycles
from covenant_lab.compiler.levels import outer_choice
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.objective import (
    Objective,
    group_energy,
    group_figures,
    plan_score,
    score,
)
from covenant_lab.compiler.passes.block import BlockWindows
from covenant_lab.compiler.passes.buffer import buffer_options
from covenant_lab.compiler.passes.fold import FoldInit
from covenant_lab.compiler.passes.fuse import FuseStages
from covenant_lab.compiler.passes.match import MatchCapabilities, allowed_candidates
from covenant_lab.compiler.passes.order import Reorder
from covenant_lab.compiler.passes.place import PlaceOperands
from covenant_lab.compiler.passes.spatial import SpatialMap, preferences
from covenant_lab.compiler.passes.tile import Tile
from covenant_lab.compiler.work_memo import WorkMemo
from covenant_lab.errors import MappingError, ScheduleError

BEAM = 4
FIRST_EXACT = 32  # candidates given the exact cost first (then 4x as many per round)
SMALL_NEST = 4  # up to this many iterating loops, the search tries every loop order
INSTRUCTION_COST = 4.0  # cycles the search charges per instruction (issue overhead)
MAX_CHOICES = 64  # capability combinations tried per codelet
MAX_TRIED = 64  # structural options a Plan keeps for the explanation


@dataclass(frozen=True)
class Plan:
    """The passes (with their chosen options) that produce the best mapping found, and the
    codelet they start from (the layer's, or it with accumulations' init split off; a first
    ``fold`` pass folds adds into inits itself)."""

    passes: tuple[object, ...]
    estimate: float
    codelet: Codelet
    constraints: Constraints  # as they apply to the mapped codelet (stage numbers after a
    # split or a fold)
    fallback_work: int = 0  # statement executions on fallback units
    # the structural options the search scored for this codelet (best first, at most
    # MAX_TRIED): (fallback work, search cost, passes); the explanation reads them
    tried: tuple[tuple[int, float, tuple[object, ...]], ...] = ()

    def rank(self) -> tuple[int, float]:
        """Better plans first: least work on fallback units, then the fewest cycles."""
        return (self.fallback_work, self.estimate)


def canonical_orders(model: GroupModel) -> list[tuple[str, ...]]:
    """One loop order per choice of stationary operand (its unused loops innermost)."""
    operands = [p.operand for p in model.g.placements if p.home is not None]
    loops = model.loops
    seen: dict[tuple[str, ...], None] = {tuple(loops): None}
    for perm in itertools.permutations(operands, min(len(operands), 3)):
        key = [tuple(loops[k] not in model.uses[op] for op in perm) for k in range(len(loops))]
        order = tuple(lp for _, lp in sorted(zip(key, loops, strict=True), key=lambda x: x[0]))
        seen.setdefault(order, None)
    return list(seen)


# one beam entry: (score, tiles of the levels chosen so far, their loop orders), innermost last
_Entry = tuple[float, list[np.ndarray], list[tuple[str, ...]]]


def search_group(
    mapping: Mapping, group: Group, acg: ACG, cons: Constraints, *, exhaustive: bool = False,
    objective: Objective = Objective.CYCLES, work: WorkMemo | None = None,
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[str, ...], ...], float]:
    """Best (tiles per level, orders per level, estimated score) for one group: the score is
    the estimated cycles, energy (pJ) or their product (``objective.py``). ``work``: what the
    cost model computed for other groups of the same codelet (``work_memo.py``)."""
    model = GroupModel(mapping, group, acg, work)
    orders_all = _orders_to_try(model, mapping, cons, exhaustive=exhaustive)
    beam: list[_Entry] = [(0.0, [], [])]
    for level in range(group.levels, 0, -1):
        new_beam: list[_Entry] = []
        lists: list[list[int]] = []
        for _, inner_tiles, inner_orders in beam:
            lists = candidate_lists(
                mapping, group, cons, level, inner_tiles, exhaustive=exhaustive
            )
            tilings = grid(lists)
            for start in range(0, tilings.shape[0], BATCH_LIMIT):  # bounded memory per batch
                new_beam += _best_extensions(
                    model, level, tilings[start : start + BATCH_LIMIT], inner_tiles, inner_orders,
                    orders_all, objective,
                )
        if not new_beam:
            raise ScheduleError(
                "tile", _no_fit_message(mapping, group, lists if group.tile_loops else [], level)
            )
        new_beam.sort(key=lambda x: x[0])
        beam = new_beam[:BEAM]
    est, tiles_best, orders_best = beam[0]
    tiles_out = tuple(tuple(int(v) for v in t[0]) for t in tiles_best)
    return tiles_out, tuple(orders_best), est


def _orders_to_try(
    model: GroupModel, mapping: Mapping, cons: Constraints, *, exhaustive: bool
) -> list[tuple[str, ...]]:
    """The loop orders tried at each level: the constrained one, all, or the canonical ones."""
    loops = model.loops
    if cons.order:
        if sorted(cons.order) != sorted(loops):
            raise MappingError(
                f"order: constraint {', '.join(cons.order)} must list the tiled loops "
                f"{', '.join(loops)} of {mapping.codelet.name}"
            )
        return [tuple(cons.order)]
    live = [lp for lp, n in zip(loops, model.extent, strict=True) if n > 1]
    if exhaustive or len(live) <= SMALL_NEST:
        # few loops that iterate: every order is cheap to score (loops of extent 1 stay put)
        fixed = [lp for lp in loops if lp not in live]
        return [(*p, *fixed) for p in itertools.permutations(live)]
    return canonical_orders(model)


def _best_extensions(
    model: GroupModel,
    level: int,
    batch: np.ndarray,
    inner_tiles: list[np.ndarray],
    inner_orders: list[tuple[str, ...]],
    orders: list[tuple[str, ...]],
    objective: Objective = Objective.CYCLES,
) -> list[_Entry]:
    """Score every tiling of ``batch`` at ``level`` under the chosen inner levels.

    Outer levels keep the whole extent. The BEAM best (tiling, loop order) pairs that fit
    (only those are scored).
    """
    width = len(model.loops)
    full = np.broadcast_to(model.extent[None, :], (batch.shape[0], width))
    tiles = [full] * (level - 1) + [batch] + [np.broadcast_to(t, (batch.shape[0], width))
                                              for t in inner_tiles]
    prepared = model.prepare(tiles, from_level=level, fitting=True)  # the same for every order
    if prepared.kept is not None:
        batch = batch[prepared.kept]
    n = prepared.n
    if n == 0:
        return []
    level_orders = [[tuple(model.loops)] * (level - 1) + [order] + inner_orders
                    for order in orders]
    costs = [model.cost_of(prepared, lo) for lo in level_orders]

    def price(k: int, idx: np.ndarray, cycles: np.ndarray) -> np.ndarray:
        """The objective of candidates ``idx`` under order ``k`` at ``cycles`` (inf stays)."""
        finite = np.isfinite(cycles)
        energy = group_energy(model, prepared, costs[k], idx, np.where(finite, cycles, 0))
        return np.where(finite, score(objective, energy, cycles), np.inf)

    pricing = None if objective is Objective.CYCLES else price
    return [(cost, [batch[i : i + 1], *inner_tiles], [orders[k], *inner_orders])
            for cost, k, i in _best(costs, n, pricing)]


Pricing = Callable[[int, np.ndarray, np.ndarray], np.ndarray]


def _best(costs: list[GroupCost], n: int,
          price: Pricing | None = None) -> list[tuple[float, int, int]]:
    """The BEAM best (search cost, order, candidate) of ``n`` candidates under each order.

    Branch and bound: every pair has the cheap lower bound; the exact cost (the overlap
    schedule) is computed for the most promising first, in growing batches, until no pair
    left unscored can beat the BEAM best scored (so the result is what scoring all of them
    exactly would give)."""
    extra = [_overhead(gc, n) for gc in costs]
    every = np.arange(n)
    bound = np.concatenate([gc.bound + e if price is None else price(k, every, gc.bound + e)
                            for k, (gc, e) in enumerate(zip(costs, extra, strict=True))])
    live = np.flatnonzero(np.isfinite(bound))
    scored: list[tuple[float, int, int]] = []
    done, batch = 0, FIRST_EXACT
    rank = _smallest(bound, live, done + batch)
    while done < len(live):
        chunk = rank[done:]
        parts = [(k, chunk[chunk // n == k] % n) for k in range(len(costs))]
        parts = [(k, idx) for k, idx in parts if len(idx)]
        exact = schedule_all([(costs[k], idx) for k, idx in parts])
        for (k, idx), cycles in zip(parts, exact, strict=True):
            cost = cycles + extra[k][idx]
            if price is not None:  # energy grows with cycles: the bound stays a bound
                cost = price(k, idx, cost)
            scored += [(float(cost[j]), k, int(idx[j]))
                       for j in np.argsort(cost, kind="stable")[:BEAM] if np.isfinite(cost[j])]
        scored = sorted(scored)[:BEAM]
        done, batch = done + len(chunk), batch * 4
        if done >= len(live):
            break
        rank = _smallest(bound, live, done + batch)  # the next round's (rank[done]: the
        if len(scored) == BEAM and scored[-1][0] <= bound[rank[done]]:  # least unscored)
            break
    return scored


def _smallest(values: np.ndarray, among: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` indices of ``among`` with the smallest values, in increasing order (ties by
    index); a partial sort, as the search needs only the first few."""
    if k < len(among):
        among = among[np.argpartition(values[among], k - 1)[:k]]
    return among[np.lexsort((among, values[among]))]


def _overhead(gc: GroupCost, n: int) -> np.ndarray:
    """What the search adds to the estimated cycles: issue overhead for every instruction,
    and a tie-break (transfers hidden under compute) towards moving fewer bytes."""
    return INSTRUCTION_COST * gc.instructions + sum(gc.traffic.values(), np.zeros(n)) * 1e-7


def _no_fit_message(mapping: Mapping, group: Group, lists: list[list[int]], level: int) -> str:
    """Why even the smallest allowed tiles do not fit."""
    from covenant_lab.compiler.footprint import overflow

    smallest = tuple(min(v) for v in lists) if lists else ()
    tiles = tuple(smallest for _ in range(group.levels))
    problem = overflow(mapping, group, tiles)
    if problem is None:  # it fits: then a timing expression refused every candidate
        sizes = dict(zip(group.tile_loops, smallest, strict=True))
        for si in group.stages:
            b, st = mapping.binding(si), mapping.codelet.stages[si]
            extents = {lp: sizes.get(lp, mapping.codelet.extent(lp)) for lp in st.loops}
            invocation_cycles(b.node, b.capability, mapping.spatial[si], extents)  # raises
        problem = "no tiling fits"
    shown = " x ".join(f"{lp}={t}" for lp, t in zip(group.tile_loops, smallest, strict=True))
    return f"tile {shown} of {mapping.codelet.name} at level {level}: {problem}"


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


def _structural(
    codelet: Codelet, acg: ACG, cons: Constraints, choice: tuple[int, ...], fuse: bool
) -> list[tuple[Mapping, tuple[object, ...]]]:
    """The mappings (and passes) of one capability choice, one per choice of levels for
    uneven operand paths and spatial preference."""
    m = Mapping(codelet)
    head: list[object] = [MatchCapabilities(choice, cons.capability), FuseStages(fuse)]
    for p in head:
        m = p.run(m, acg)  # type: ignore[attr-defined]
    placed = PlaceOperands(cons.storage, cons.home).run(m, acg)
    fixed = tuple((0, d, v) for d, v in cons.spatial)
    out = []
    for first in level_choices(placed):
        place = PlaceOperands(cons.storage, cons.home, first)
        mp = place.run(m, acg)
        for prefer in preferences(codelet, mp):
            sp = SpatialMap(fixed, prefer)
            ms = sp.run(mp, acg)
            out.append((ms, (*head, place, sp)))
            for buf in buffer_options(ms):  # a pass is listed only when it changes something
                out.append((buf.run(ms, acg), (*head, place, sp, buf)))
    return out


def capability_choices(
    codelet: Codelet, acg: ACG, cons: Constraints, *, fallback: bool
) -> list[tuple[int, ...]]:
    """Which candidate capability each stage takes (indices into the candidates its
    constraint allows): first every stage on one node (where all can run there), then the
    others in order, non-fallback units first, at most MAX_CHOICES. Fallback units only with
    ``fallback``."""
    base, required = Mapping(codelet), dict(cons.capability)
    every = [allowed_candidates(base, acg, i, required.get(i)) for i in range(len(codelet.stages))]
    allowed = []
    for options in every:
        preferred = [k for k, (n, _) in enumerate(options) if not n.fallback]
        others = [k for k in range(len(options)) if k not in preferred]
        if options and not preferred and not fallback:
            return []  # only a fallback unit can run this stage, and they are not allowed
        allowed.append(preferred + others if fallback else preferred)
    out: dict[tuple[int, ...], None] = {}
    for node in sorted(acg.compute_nodes, key=lambda n: n.name):
        picks = [next((k for k in ks if every[i][k][0] is node), None)
                 for i, ks in enumerate(allowed)]
        if all(k is not None for k in picks):
            out.setdefault(tuple(k for k in picks if k is not None), None)
    for choice in itertools.islice(itertools.product(*[ks or [0] for ks in allowed]),
                                   MAX_CHOICES):
        out.setdefault(choice, None)
    return list(out)[:MAX_CHOICES]


def plan(
    codelet: Codelet, acg: ACG, cons: Constraints | None = None, *, exhaustive: bool = False,
    objective: Objective = Objective.CYCLES,
) -> Plan:
    """Search the mapping space; the returned passes reproduce the best mapping found
    (fewest cycles, least energy or least energy x cycles: ``objective``)."""
    cons = cons or Constraints()
    best: Plan | None = None
    errors: list[ScheduleError] = []
    refused: list[MappingError] = []  # a variant whose stages a constraint cannot take
    tiers = codelet_forms(codelet, acg, cons)  # a tier's forms compete on cost (forms.py)
    for fallback in (False, True):  # fallback units only for stages nothing else can run
        found: list[Plan] = []
        for tier in tiers:
            for variant, vcons, head in tier:
                try:
                    if head and found and objective is Objective.CYCLES and (
                            compute_floor(variant, acg, vcons)
                            >= min(p.estimate for p in found)):
                        continue  # a rewrite that cannot beat what is found (its work alone)
                    one = _plan_one(variant, acg, vcons, errors, fallback=fallback,
                                    exhaustive=exhaustive, objective=objective)
                except MappingError as exc:
                    refused.append(exc)
                    continue
                if one is not None:
                    found.append(_with_head(one, head, codelet) if head else one)
            if found and not fallback:
                break  # the first tier that maps onto the preferred units
        if found:
            best = _with_rivals(min(found, key=Plan.rank), found)
            break
        if not any(n.fallback for n in acg.compute_nodes):
            break
    if best is None and refused and not errors:
        raise refused[0]
    if best is None:
        first = errors[0] if errors else None
        raise MappingError(
            f"no legal mapping of {codelet.name} onto {acg.name}"
            + (f" with constraints ({cons.describe()})" if cons != Constraints() else "")
            + (f": {first.message}" if first else ""),
            hint=first.hint if first else None,
        )
    return best


def _with_head(one: Plan, head: tuple[object, ...], codelet: Codelet) -> Plan:
    """``one`` (planned for a rewritten codelet) as passes that start from ``codelet``."""
    tried = tuple((w, c, (*head, *p)) for w, c, p in one.tried)
    return replace(one, passes=(*head, *one.passes), codelet=codelet, tried=tried)


def _with_rivals(best: Plan, found: list[Plan]) -> Plan:
    """``best`` after a rewrite (a fold, a blocking), with the best option of each other
    form among what it tried (so the rewrite's decision names what it beat: the layer as
    written)."""
    if not best.passes or not isinstance(best.passes[0], FoldInit | BlockWindows):
        return best
    extra = [p.tried[0] for p in found if p is not best and p.tried]
    kept = best.tried[: MAX_TRIED - len(extra)]
    return replace(best, tried=tuple(sorted((*kept, *extra), key=lambda x: x[:2])))


def _plan_one(
    codelet: Codelet, acg: ACG, cons: Constraints, errors: list[ScheduleError], *,
    fallback: bool, exhaustive: bool, objective: Objective = Objective.CYCLES,
) -> Plan | None:
    """The best plan of one codelet variant (None: nothing legal; errors collects why)."""
    fuses = (
        [cons.fuse]
        if cons.fuse is not None
        else ([True, False] if len(codelet.stages) > 1 else [True])
    )
    best: Plan | None = None
    tried: list[tuple[int, float, tuple[object, ...]]] = []
    searched = GroupMemo(search_group)  # a group several options share is searched once
    for choice in capability_choices(codelet, acg, cons, fallback=fallback):
        for fuse in fuses:
            try:
                options = _structural(codelet, acg, cons, choice, fuse)
            except ScheduleError as exc:
                errors.append(exc)
                continue
            for m, head in options:
                try:
                    tiles, orders, total, figures = [], [], 0.0, []
                    for g in m.groups:
                        t, o, c = searched.get(m, g, acg, cons, exhaustive=exhaustive,
                                               objective=objective)
                        tiles.append(t)
                        orders.append(o)
                        total += c
                        if objective is Objective.EDP:  # a product of sums, not a sum
                            figures.append(group_figures(GroupModel(m, g, acg), t, o,
                                                         INSTRUCTION_COST))
                    if figures:
                        total = plan_score(objective, figures)
                except ScheduleError as exc:
                    errors.append(exc)
                    continue
                work = sum(codelet.iterations(codelet.stages[b.stage])
                           for b in m.bindings if b.node.fallback)
                passes = (*head, Tile(tuple(tiles)), Reorder(tuple(orders)))
                tried.append((work, total, passes))
                if best is None or (work, total) < best.rank():
                    best = Plan(passes, total, codelet, cons, work)
    if best is None:
        return None
    return replace(best, tried=tuple(sorted(tried, key=lambda x: x[:2])[:MAX_TRIED]))


def outer_ranking(
    mapping: Mapping, group: Group, acg: ACG, cons: Constraints,
    tiles: tuple[int, ...] | None = None,
) -> list[tuple[float, tuple[tuple[int, ...], ...], tuple[tuple[str, ...], ...]]]:
    """The search's last step again, for the explanation: with the inner levels as ``group``
    has them, (search cost, tiles per level, orders per level) of the BEAM best outermost
    tilings (or only ``tiles``) under each loop order the search tries, cheapest first (the
    group's own tiles and orders first, unless tied). Ranked per order, so the BEAM best
    tilings overall are among them (each is among the best under its own best order)."""
    model = GroupModel(mapping, group, acg)
    inner = [np.asarray([t], dtype=np.int64) for t in group.tiles[1:]]
    if tiles is None:
        tilings = grid(candidate_lists(mapping, group, cons, 1, inner, exhaustive=False))
    else:
        tilings = np.asarray([tiles], dtype=np.int64)
    found: list[_Entry] = []
    for order in _orders_to_try(model, mapping, cons, exhaustive=False):
        for start in range(0, tilings.shape[0], BATCH_LIMIT):
            found += _best_extensions(model, 1, tilings[start : start + BATCH_LIMIT], inner,
                                      list(group.orders[1:]), [order])
    found.sort(key=lambda x: x[0])
    return [(cost, tuple(tuple(int(v) for v in t[0]) for t in ts), tuple(o))
            for cost, ts, o in found]
