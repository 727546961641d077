"""The analytical cost model: estimated cycles of a group for many tilings at once.

Per candidate: compute cycles from the capability timing and the number of invocations
(``invocation.py``); transfer cycles per edge and per communication node from bytes and
bandwidth, a tile moving each time its box changes in the loop order (``sites.py``: so
hoisting and reuse are modelled). The cheap ``bound`` is the busiest resource; the estimate
plays the moves and stages of a few tiles as the simulator runs them (``overlap.py``: single
buffering, units taking turns on a temp, the first tile's loads, the last tile's stores);
where a group's tile is split into parts (``parts.py``) each part of a stage or a move is a
step of its own.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Edge, StorageNode
from covenant_lab.compiler.footprint import Axes, access_axes, bounding_elements, stored
from covenant_lab.compiler.group_cost import GroupCost, SchedulePlan
from covenant_lab.compiler.invocation import invocation_cycles
from covenant_lab.compiler.issue_order import Slot, Use
from covenant_lab.compiler.mapping import Binding, Group, Mapping, Placement, Spatial
from covenant_lab.compiler.moves import Charge, Move, TransferTotals
from covenant_lab.compiler.overlap import Step
from covenant_lab.compiler.parts import PartPlan, part_plan
from covenant_lab.compiler.ragged import blocks, mean_sizes, moved_elements, total_cycles
from covenant_lab.compiler.sites import counts_key, move_counts, operand_loops, read_before_written
from covenant_lab.compiler.work_memo import WorkMemo, tilings_key

Tiles = Sequence[np.ndarray]  # per level: (N, n_tile_loops) int array
# a tile's moves as the loop orders place them: (key, uses per position, positions)
_Site = tuple[tuple[str, int, object], list[bool], list[tuple[int, int]]]


@dataclass(frozen=True)
class Prepared:
    """The order-independent part of the cost of N tilings (see ``GroupModel.prepare``)."""

    n: int
    trips: list[np.ndarray]  # per level: (N, n_tile_loops) trip counts
    iterating: list[list[bool]]  # per level and loop: more than one trip for some candidate
    elems: dict[tuple[str, int], np.ndarray]  # (operand, level) -> tile elements
    fits: np.ndarray
    invocations: np.ndarray
    compute: dict[str, np.ndarray]  # compute node -> busy cycles
    stage_cycles: list[np.ndarray | int]  # one invocation of each stage (a part of a split
    # stage, ``parts.py``), in the order ``PartPlan.order`` issues them
    inner: dict[str, np.ndarray | int]  # loop -> its innermost tile size (an invocation's)
    kept: np.ndarray | None = None  # the rows of the tilings given (None: all of them)
    # (operand, level, sites.counts_key) -> its moves (equal for equal keys: GroupModel._charges)
    charges: dict[object, list[Charge]] = field(default_factory=dict, repr=False, compare=False)
    # the keys of every tile's moves -> the cost: orders that move every tile alike cost alike
    costs: dict[object, GroupCost] = field(default_factory=dict, repr=False, compare=False)


class GroupModel:
    """Everything about a group that does not depend on the tiling, computed once."""

    def __init__(self, mapping: Mapping, group: Group, acg: ACG,
                 work: WorkMemo | None = None) -> None:
        self.m, self.g, self.acg = mapping, group, acg
        self.work = WorkMemo() if work is None else work  # shared with other groups' models
        self.codelet = mapping.codelet
        self.loops = group.tile_loops
        self.extent = np.array([self.codelet.extent(lp) for lp in self.loops], dtype=np.int64)
        self.stages = mapping.stages_of(group)
        self.position = {lp: k for k, lp in enumerate(self.loops)}
        self.missing: dict[str, tuple[str, str, str]] = {}  # edges it lacks: ``_edge``

    # -- what the moves and the schedule need (made on first use: a floor needs none) -----
    @cached_property
    def written(self) -> set[str]:
        return self.m.written(self.g)

    @cached_property
    def keeps(self) -> set[str]:
        return read_before_written(self.stages) & self.written

    @cached_property
    def uses(self) -> dict[str, set[str]]:
        return {p.operand: set(operand_loops(self.stages, p.operand)) for p in self.g.placements}

    @cached_property
    def axes(self) -> dict[str, Axes | None]:
        return {p.operand: access_axes(self.stages, p.operand) for p in self.g.placements}

    @cached_property
    def axes_key(self) -> dict[str, Hashable]:
        return {op: None if a is None else tuple(frozenset(x) for x in a)
                for op, a in self.axes.items()}

    @cached_property
    def parts(self) -> PartPlan:
        return part_plan(self.m, self.g)

    @cached_property
    def copies(self) -> dict[Slot, int]:
        return self.parts.copies({
            Slot(p.operand, level): p.copies(level)
            for p in self.g.placements for level in range(p.first_level, p.last_level + 1)
        })

    @cached_property
    def stage_steps(self) -> list[Step]:
        return [_stage_step(self.m, self.g.stages[k], use)
                for k, use in self.parts.stage_uses(self.m, self.g)]

    # -- pieces ---------------------------------------------------------------------------
    def sizes(self, tiles: np.ndarray) -> dict[str, np.ndarray | int]:
        out: dict[str, np.ndarray | int] = {d.name: d.extent for d in self.codelet.dims}
        for k, lp in enumerate(self.loops):
            out[lp] = tiles[:, k]
        return out

    def elements(self, operand: str, sizes: dict[str, np.ndarray | int],
                 moved: bool = False) -> np.ndarray:
        """Elements of the tile (``footprint.bounding_elements``), per candidate; ``moved``:
        of the mean box its moves carry, for mean blocks ``sizes`` (``ragged.moved_elements``)."""
        shape = self.codelet.operand(operand).shape
        if moved:
            extents = {d.name: d.extent for d in self.codelet.dims}
            out = moved_elements(self.axes[operand], shape, sizes, extents)
        else:
            out = bounding_elements(self.axes[operand], shape, sizes)
        return np.asarray(out, dtype=float)

    def trips(self, tiles: Tiles) -> list[np.ndarray]:
        out, prev = [], self.extent[None, :]
        for t in tiles:
            out.append(-(-prev // t))
            prev = t
        return out

    # -- the estimate ---------------------------------------------------------------------
    def prepare(self, tiles: Tiles, *, from_level: int = 1, fitting: bool = False) -> Prepared:
        """What the cost of N tilings owes nothing to the loop orders: trips, tile sizes,
        capacity (checked for levels >= ``from_level`` only) and compute cycles. With
        ``fitting``, of the tilings that fit only (``Prepared.kept``: their rows of
        ``tiles``; every number of a tiling is its own, whatever else is in the batch)."""
        n = tiles[0].shape[0]
        key = tilings_key(tiles)
        level_sizes = [self.sizes(t) for t in tiles]
        full = self._tile_elements(level_sizes, (key, "box"))  # what a tile occupies
        fits = self._fits(level_sizes, n, from_level, full)
        busy = self._stage_totals(tiles, level_sizes[-1], key)
        trips = self.trips(tiles)
        # moves carry the mean box (ragged last blocks are smaller): ragged.py
        elems = self._tile_elements([self.sizes(m) for m in mean_sizes(self.extent, trips)],
                                    (key, "mean"), moved=True)
        if fitting and not fits.all():
            kept = np.flatnonzero(fits)
            fits, n = fits[kept], len(kept)
            trips = [t[kept] for t in trips]
            level_sizes[-1] = self.sizes(tiles[-1][kept])
            elems = {k: v[kept] if np.ndim(v) else v for k, v in elems.items()}
            busy = [b[kept] if np.ndim(b) else b for b in busy]
        else:
            kept = None
        invocations = self._invocations(trips, n)
        one = [busy[k] / invocations / (1 if c is None else self.parts.count)
               for k, c in self.parts.order]  # the mean invocation, for the overlap schedule
        iterating = [[bool(x) for x in np.atleast_1d((t > 1).any(axis=0))] for t in trips]
        return Prepared(n, trips, iterating, elems, fits, invocations, self._per_unit(busy),
                        one, level_sizes[-1], kept)

    def _per_unit(self, busy: list[Any]) -> dict[str, Any]:
        """Compute cycles per unit, from each stage's (the stages on one unit take turns)."""
        compute: dict[str, Any] = {}
        for si, cycles in zip(self.g.stages, busy, strict=True):
            node = self.m.binding(si).node.name
            compute[node] = compute.get(node, 0) + cycles
        return compute

    def floor(self, tiles: Tiles, per_instruction: float) -> float:
        """Less than or equal to what any of the tilings is estimated to cost with
        ``per_instruction`` cycles of issue overhead (the search's): the busiest unit's
        compute cycles, which ``cost_of``'s cycles are never below (the bound is no less and
        the schedule never ends before it), plus that overhead for the invocations alone
        (its instructions are the invocations' and the moves')."""
        n = tiles[0].shape[0]
        busy = self._stage_totals(tiles, self.sizes(tiles[-1]), tilings_key(tiles))
        busiest = np.zeros(n)
        for v in self._per_unit(busy).values():
            busiest = np.maximum(busiest, v)
        invocations = self._invocations(self.trips(tiles), n)
        least = busiest + per_instruction * (invocations * len(self.parts.order))
        return float(least.min()) if n else math.inf

    def cost(
        self, tiles: Tiles, orders: Sequence[Sequence[str]], *, from_level: int = 1
    ) -> GroupCost:
        """Cost of N tilings; capacity is checked for levels >= ``from_level`` only."""
        return self.cost_of(self.prepare(tiles, from_level=from_level), orders)

    def cost_of(self, prep: Prepared, orders: Sequence[Sequence[str]]) -> GroupCost:
        """Cost of prepared tilings under one loop order per level (the same object for
        orders whose every tile moves alike: ``Prepared.costs``)."""
        sites = [(p, level, self._site(p, level, prep, orders))
                 for level in range(1, self.g.levels + 1) for p in self.g.placements
                 if p.home is not None and p.has_tile(level)]
        key = tuple(site[0] for _, _, site in sites)
        if key in prep.costs:
            return prep.costs[key]
        n = prep.n
        totals = self._transfer_totals(prep, sites, n)
        busiest = np.zeros(n)
        for v in totals.transfer.values():
            busiest = np.maximum(busiest, v)
        for v in prep.compute.values():  # no unit starts before its first tiles are in
            busiest = np.maximum(busiest, v + totals.first)

        legal = prep.fits  # and no move over an edge the architecture lacks
        for edge in self.missing.keys() & totals.moves_per_edge.keys():
            legal = legal & ~(np.asarray(totals.moves_per_edge[edge]) > 0)

        def finish(idx: np.ndarray, span: np.ndarray) -> np.ndarray:
            cycles = np.maximum(span, busiest[idx] + totals.last[idx])
            return np.where(legal[idx], cycles, np.inf)

        plan = SchedulePlan(totals.moves, self.stage_steps, prep.stage_cycles, prep.invocations,
                     self.copies)
        prep.costs[key] = GroupCost(
            np.where(legal, busiest + totals.last, np.inf), prep.compute, totals.transfer,
            totals.traffic, totals.read, totals.moves_per_edge, legal, totals.instructions,
            plan, finish,
        )
        return prep.costs[key]

    def _tile_elements(
        self, level_sizes: list[dict[str, np.ndarray | int]], key: Hashable, moved: bool = False
    ) -> dict[tuple[str, int], np.ndarray]:
        """Elements of each (operand, level) tile, for every level the operand has a tile at
        (``key``: what the sizes are made from, for ``WorkMemo``; ``moved``: see
        ``elements``)."""
        elems: dict[tuple[str, int], np.ndarray] = {}
        for level in range(1, self.g.levels + 1):
            for p in self.g.placements:
                if p.has_tile(level):
                    op, sizes = p.operand, level_sizes[level - 1]
                    elems[(op, level)] = self.work.get(
                        ("elements", self.axes_key[op], self.codelet.operand(op).shape,
                         self.codelet.dims, self.loops, level, key),
                        functools.partial(self.elements, op, sizes, moved))
        return elems

    def nests(self, tiles: Tiles, level: int) -> np.ndarray:
        """Whether the tiles at ``level`` and inside fit with the outer levels holding just
        the tile at ``level`` (no less: an outer tile holds the box of the one inside it)."""
        least = [tiles[level - 1]] * (level - 1) + list(tiles[level - 1:])
        sizes = [self.sizes(t) for t in least]
        return self._fits(sizes, tiles[0].shape[0], 1,
                          self._tile_elements(sizes, (tilings_key(least), "box")))

    def _fits(self, level_sizes: list[dict[str, np.ndarray | int]], n: int, from_level: int,
              elems: dict[tuple[str, int], np.ndarray]) -> np.ndarray:
        """Capacity check: whether each tiling's tiles (levels >= ``from_level``) fit storage
        (``footprint.stored``: the rule lowering allocates by; ``elems``: the tiles')."""
        used: dict[StorageNode, np.ndarray] = {}
        for p in self.g.placements:  # held from an outer level: its tile there holds this box
            if p.home is not None and p.last_level < from_level:
                store, _, copies, need = stored(self.m, self.g, p, from_level,
                                                level_sizes[from_level - 1])
                used[store] = used.get(store, 0) + need * copies
        for level in range(max(from_level, 1), self.g.levels + 1):
            for p in self.g.placements:
                if p.has_tile(level):
                    store, _, copies, need = stored(self.m, self.g, p, level,
                                                    level_sizes[level - 1],
                                                    elems[(p.operand, level)])
                    used[store] = used.get(store, 0) + need * copies
        fits = np.ones(n, dtype=bool)
        for store, nbytes in used.items():
            if store.capacity_bytes is not None:
                fits &= np.broadcast_to(nbytes <= store.capacity_bytes, (n,))
        return fits

    def _invocations(self, trips: list[np.ndarray], n: int) -> np.ndarray:
        """Capability invocations per stage: the product of the trip counts of every level."""
        return np.asarray(
            np.prod([t.prod(axis=1, dtype=float) for t in trips], axis=0)) * np.ones(n)

    def _stage_totals(self, tiles: Tiles, sizes: dict[str, np.ndarray | int],
                      key: Hashable) -> list[Any]:
        """Cycles of every invocation of each stage, each on its own block (``ragged.py``;
        ``key``: the tilings', for ``WorkMemo``)."""
        per_loop: list[Any] = []

        def total(b: Binding, spatial: Spatial, split: str | None) -> Any:
            if not per_loop:
                per_loop.extend(blocks(int(e), [t[:, k] for t in tiles])
                                for k, e in enumerate(self.extent))
            one = functools.partial(invocation_cycles, b.node, b.capability, spatial)
            if split is not None:  # one invocation per part (parts.py)
                one = functools.partial(_parts_cycles, one, split, self.parts.count)
            return total_cycles(self.loops, per_loop, sizes, one)

        out = []
        for si, split in zip(self.g.stages, self.parts.stage_loop, strict=True):
            b, spatial = self.m.binding(si), self.m.spatial[si]
            count = 1 if split is None else self.parts.count
            out.append(self.work.get(
                ("stage", id(b.node), id(b.capability), spatial, split, count,
                 self.codelet.dims, self.loops, key), functools.partial(total, b, spatial, split),
                keep=(b.node, b.capability)))
        return out

    def _transfer_totals(self, prep: Prepared, sites: list[tuple[Placement, int, _Site]],
                         n: int) -> TransferTotals:
        """Every tile move of every off-chip operand, added up, level by level as lowering
        emits them."""
        totals = TransferTotals(transfer={}, traffic={}, read={}, moves_per_edge={},
                                instructions=prep.invocations * len(self.parts.order),
                                moves=[], first=np.zeros(n), last=np.zeros(n))
        chains: dict[str, np.ndarray] = {}  # operand -> its first tile's loads, level by level
        ends: dict[str, np.ndarray] = {}  # operand -> its last tile's stores
        for p, level, site in sites:  # level by level, as lowering emits them
            charges = self._charges(p, level, prep, site)
            for c in charges:
                self._add_move(totals, c)
            # the last tile's stores, level by level outwards (of a split operand its last
            # part's), and the first tile's loads (its first part's)
            stores = [c for c in charges if c.move.store]
            if stores:
                ends[p.operand] = ends.get(p.operand, 0) + stores[-1].one
            elif charges and p.operand not in self.written:
                chains[p.operand] = chains.get(p.operand, 0) + charges[0].one
        for chain in chains.values():
            totals.first = np.maximum(totals.first, chain)
        # the last stores start once the last results are readable (their stage's latency)
        ready = {st.writes.operand: st.latency for st in self.stage_steps if st.writes is not None}
        for operand, end in ends.items():
            totals.last = np.maximum(totals.last, end + ready.get(operand, 0))
        return totals

    def _add_move(self, totals: TransferTotals, c: Charge) -> None:
        """Charge a kind of move (over its edge and comm node) to ``totals``."""
        totals.instructions = totals.instructions + c.move.times
        _add(totals.transfer, c.key, c.move.busy)
        _add(totals.traffic, c.key, c.moved)
        _add(totals.read, c.key, c.read)
        _add(totals.moves_per_edge, c.key, c.move.times)
        if c.via:
            _add(totals.transfer, c.via, c.move.busy)
        totals.moves.append(c.move)

    def _site(self, p: Placement, level: int, prep: Prepared,
              orders: Sequence[Sequence[str]]) -> _Site:
        """What the moves of the operand's tile at ``level`` owe to the loop orders: the
        positions above it that iterate (loops no candidate iterates are left out: one trip
        changes nothing), whether the operand uses each, and their ``sites.counts_key``."""
        uses = self.uses[p.operand]
        flags, where = [], []
        for lvl in range(level):
            for lp in orders[lvl]:
                k = self.position[lp]
                if prep.iterating[lvl][k]:
                    flags.append(lp in uses)
                    where.append((lvl, k))
        return (p.operand, level, counts_key(flags, where)), flags, where

    def _charges(self, p: Placement, level: int, prep: Prepared, site: _Site) -> list[Charge]:
        """The moves of the operand's tile at ``level``: each edge, the times the tile's box
        changes (``sites.move_counts`` over the positions of ``site``), and what they cost.
        Orders with the same ``sites.counts_key`` share them (``Prepared.charges``)."""
        key, flags, where = site
        if key in prep.charges:
            return prep.charges[key]
        end = max((i + 1 for i, used in enumerate(flags) if used), default=0)  # none after
        steps = [prep.trips[lvl][:, k] for lvl, k in where[:end]]  # the last used one counts
        _, moves, distinct = move_counts(flags[:end], steps, site_too=False)
        count, distinct = (np.broadcast_to(v, (prep.n,)) if np.ndim(v) == 0 else v
                           for v in (moves, distinct))  # arrays of the candidates already
        inner = p.at(level).name
        outer = self.m.home_bytes(p.operand) if level == p.first_level else p.bytes_at(level - 1)
        out = []
        pieces = list(zip(self.parts.slots(Slot(p.operand, level)),
                          self.parts.slots(Slot(p.operand, level - 1)), strict=True))
        for edge, times in self._moves(p, level, count, distinct):
            width, depart = ((p.bytes_at(level), outer) if edge.dst == inner
                             else (outer, p.bytes_at(level)))  # at the arrival, departure
            nbytes = prep.elems[(p.operand, level)] * width / len(pieces)  # a part's
            rate = self.acg.transfer_rate(edge)
            moved = times * nbytes
            busy = moved / rate  # latencies delay what waits for it, not the edge
            key_e = edge.key
            latency = self.acg.transfer_latency(edge)
            store = edge.dst != inner
            one = np.where(times > 0, nbytes / rate + latency, 0)
            for here, there in pieces:  # a split operand moves part by part (parts.py)
                up = () if level == p.first_level else (there,)
                move = Move(edge.via or key_e, times, count, nbytes / rate, busy, latency, store,
                            (here,) if store else up, (up or (None,))[0] if store else here)
                out.append(Charge(key_e, edge.via, move, moved, one, moved * depart / width))
        prep.charges[key] = out
        return out

    def _moves(
        self, p: Placement, level: int, count: np.ndarray, distinct: np.ndarray
    ) -> list[tuple[Edge, np.ndarray]]:
        outer = p.home if level == p.first_level else p.at(level - 1)
        inner = p.at(level)
        assert outer is not None
        if p.operand not in self.written:
            return [(self._edge(p.operand, outer, inner), count)]
        moves = [(self._edge(p.operand, inner, outer), count)]
        reloads = count if p.operand in self.keeps else count - distinct
        edge_in = self.acg.edge(outer.name, inner.name)
        if edge_in is not None:
            moves.append((edge_in, reloads))
        elif np.any(reloads > 0):
            moves.append((self._edge(p.operand, outer, inner), reloads))
        return moves

    def _edge(self, operand: str, src: StorageNode, dst: StorageNode) -> Edge:
        edge = self.acg.edge(src.name, dst.name)
        if edge is None:  # a stand-in: a tiling moving anything over it is illegal (cost_of)
            edge = Edge(src.name, dst.name, 1, 10**12)
            self.missing[edge.key] = (operand, src.name, dst.name)
        return edge


def _add(totals: dict[Any, Any], key: object, value: np.ndarray) -> None:
    """``totals[key] += value``, the first value kept as it is (no array is changed in
    place: the values are shared)."""
    totals[key] = value if key not in totals else totals[key] + value


def _stage_step(mapping: Mapping, si: int, use: Use) -> Step:
    """A stage's place in the overlap schedule (its cycles are filled in per tiling): it
    reads and writes the innermost tiles of its operands (``use``, ``PartPlan.stage_uses``)."""
    b = mapping.binding(si)
    latency = math.ceil(b.capability.latency_cycles * b.node.period_cycles - 1e-9)
    return Step(b.node.name, 0, 0, latency, use.reads, use.writes)


def _parts_cycles(one: Callable[[dict[str, Any]], Any], loop: str, count: int,
                  sizes: dict[str, Any]) -> Any:
    """Cycles of the ``count`` invocations of a stage split along ``loop``, one per part."""
    return count * one({**sizes, loop: sizes[loop] // count})
