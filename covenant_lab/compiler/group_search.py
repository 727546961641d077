"""The search of one group: its tile sizes and loop orders, level by level.

Tilings are scored in batches with the vectorised cost model. Levels are chosen from the
innermost outwards, keeping a beam of the best inner tilings; each level tries the
canonical loop orders (one per choice of which operand stays resident). Illegal choices
raise ScheduleError, which the search catches to prune; nothing else is caught.
``floor.group_floor`` bounds what the search of a group can find from below (from the same
inner levels: ``inner_beam``), for the search over structural options (``search.py``) to
skip groups that cannot win.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.candidates import BATCH_LIMIT, candidate_lists, grid
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.cost import GroupModel
from covenant_lab.compiler.group_cost import GroupCost, schedule_all
from covenant_lab.compiler.invocation import invocation_cycles
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.objective import Objective, group_energy, score
from covenant_lab.compiler.work_memo import WorkMemo, group_key, shape_key
from covenant_lab.errors import MappingError, ScheduleError

BEAM = 4
MIN_BATCH = 512  # tilings per batch however many loop orders an exhaustive search tries
FIRST_EXACT = 32  # candidates given the exact cost first (then 4x as many per round)
SMALL_NEST = 4  # up to this many iterating loops, the search tries every loop order
INSTRUCTION_COST = 4.0  # cycles the search charges per instruction (issue overhead)


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
    model = group_model(mapping, group, acg, work)
    beam = _extend(model, mapping, group, cons, 1,
                   inner_beam(mapping, group, acg, cons, exhaustive, objective, work),
                   exhaustive, objective, work)
    est, tiles_best, orders_best = beam[0]
    tiles_out = tuple(tuple(int(v) for v in t[0]) for t in tiles_best)
    return tiles_out, tuple(orders_best), est


def inner_beam(mapping: Mapping, group: Group, acg: ACG, cons: Constraints, exhaustive: bool,
               objective: Objective, work: WorkMemo | None) -> list[_Entry]:
    """The search's beam before its last step: the BEAM best tilings of the inner levels
    (2 .. ``group.levels``, chosen from the innermost outwards; one empty entry for a group of
    one level). Made once per group ``work`` sees: the floor and the search share it."""
    def make() -> list[_Entry] | ScheduleError:
        model = group_model(mapping, group, acg, work)
        beam: list[_Entry] = [(0.0, [], [])]
        try:
            for level in range(group.levels, 1, -1):
                beam = _extend(model, mapping, group, cons, level, beam, exhaustive,
                               objective, work)
        except ScheduleError as exc:  # kept, so that the search raises it without redoing it
            return exc
        return beam

    if work is None or group.levels == 1:
        got = make()
    else:
        key, bindings = group_key(mapping, group)
        got = work.get(("inner", key, exhaustive, objective), make, keep=bindings)
    if isinstance(got, ScheduleError):
        raise got
    return got


def _extend(model: GroupModel, mapping: Mapping, group: Group, cons: Constraints, level: int,
            beam: list[_Entry], exhaustive: bool, objective: Objective,
            work: WorkMemo | None) -> list[_Entry]:
    """The BEAM best tilings of ``level`` over each entry of ``beam`` (its inner levels),
    cheapest first (ScheduleError: none fits)."""
    orders = _orders_to_try(model, mapping, cons, exhaustive=exhaustive)
    new_beam: list[_Entry] = []
    lists: list[list[int]] = []
    for _, inner_tiles, inner_orders in beam:
        lists, tilings = candidate_tilings(mapping, group, cons, level, inner_tiles,
                                           exhaustive, work)
        # bounded memory: a batch's tilings are costed under every order at once
        size = max(MIN_BATCH, BATCH_LIMIT // len(orders))
        for start in range(0, tilings.shape[0], size):
            new_beam += _best_extensions(
                model, level, tilings[start : start + size], inner_tiles, inner_orders,
                orders, objective,
            )
    if not new_beam and model.missing:
        operand, src, dst = next(iter(model.missing.values()))
        raise ScheduleError(
            "tile", f"every tiling that fits moves {operand} {src} -> {dst}, and the "
            f"architecture has no such edge (partial results of {operand} that would come "
            "back to be accumulated, or a tile sent the other way)",
            hint=f"if the hardware has that path, add the edge {src} -> {dst} to the file; "
                 "else give its storages room for the tiles that need no such move "
                 "(a reduction kept whole where its partial results sit)")
    if not new_beam:
        raise ScheduleError(
            "tile", _no_fit_message(mapping, group, lists if group.tile_loops else [], level)
        )
    new_beam.sort(key=lambda x: x[0])
    return new_beam[:BEAM]


def level_tiles(model: GroupModel, level: int, batch: np.ndarray,
                inner_tiles: list[np.ndarray]) -> list[np.ndarray]:
    """Tiles per level of the candidates ``batch`` at ``level``: the outer levels whole, the
    inner ones as ``inner_tiles`` (one row each) has them."""
    width = len(model.loops)
    full = np.broadcast_to(model.extent[None, :], (batch.shape[0], width))
    return [full] * (level - 1) + [batch] + [np.broadcast_to(t, (batch.shape[0], width))
                                             for t in inner_tiles]


def group_model(mapping: Mapping, group: Group, acg: ACG, work: WorkMemo | None) -> GroupModel:
    """The group's cost model, made once per group ``work`` sees (its floor and search)."""
    if work is None:
        return GroupModel(mapping, group, acg)
    key, bindings = group_key(mapping, group)
    return work.get(("model", key), lambda: GroupModel(mapping, group, acg, work),
                    keep=bindings)


def candidate_tilings(mapping: Mapping, group: Group, cons: Constraints, level: int,
                      inner: list[np.ndarray], exhaustive: bool, work: WorkMemo | None
                      ) -> tuple[list[list[int]], np.ndarray]:
    """The tile sizes tried per loop at ``level`` under the tiles of the ``inner`` levels,
    and their grid (made once per group shape and inner tile ``work`` sees: the floor and
    the search ask alike)."""
    def make() -> tuple[list[list[int]], np.ndarray]:
        lists = candidate_lists(mapping, group, cons, level, inner, exhaustive=exhaustive)
        return lists, grid(lists)

    if work is None:
        return make()
    key, bindings = shape_key(mapping, group)  # the sizes owe nothing to the placements
    below = tuple(int(v) for v in inner[0][0]) if inner else None  # (the sizes read only it)
    return work.get(("tilings", key, level, below, exhaustive), make, keep=bindings)


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

    Outer levels keep the whole extent. The BEAM best (tiling, loop order) pairs that fit,
    and at an inner level whose tiles the outer storages could still hold (only those are
    scored: ``GroupModel.nests``).
    """
    tiles = level_tiles(model, level, batch, inner_tiles)
    if level > 1:  # an inner tile the outer storages cannot hold leaves nothing to extend
        nests = model.nests(tiles, level)
        if not nests.all():
            batch = batch[nests]
            tiles = level_tiles(model, level, batch, inner_tiles)
            if not batch.shape[0]:
                return []
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
