"""The timing model: an in-order list scheduler over resources and tile regions.

Resources are each compute node, each edge (its ``EdgeId``, which reads ``"SRC->DST"``) and
each comm node. In program order, every instruction starts when all its resources are free and
its dependencies are met, then holds its resources until ``end``; its results are readable at
``ready``:

- a Transfer occupies its edge and the edge's ``via`` comm node for
  ``ceil(nbytes / rate)`` cycles, ``rate = min(edge, comm, src read, dst write bandwidth)``;
  ``ready = end + edge latency + comm latency + src storage latency``;
- a Compute occupies its node for ``cycles``; ``ready = end + latency_cycles``.

Dependencies are tracked on tile regions (see :mod:`covenant_lab.sim.regions`): an
instruction waits for the ``ready`` of the last writer of every region it reads (RAW) or writes
(WAW), and for the ``end`` of every reader of a region it writes since that region was last
written (WAR). A Transfer reads the part of its source tile holding ``dst.box``; a Compute
reads its source tiles and its accumulator, and writes its destination tile.

Example: two loads into one buffer slot of a single-buffered scratchpad, each followed by a
compute reading it. The second load waits (WAR) for the end of the first compute::

    load0  DRAM->SRAM  [0, 16)      compute0  pe  [16, 26)
    load1  DRAM->SRAM  [26, 42)     compute1  pe  [42, 52)    (stall of load1: 10, on #1)
"""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.compiler.program import Compute, Instr, Program, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.sim.regions import Region, overlap_pairs, region_of, subtile
from covenant_lab.types import DESTINATIONS, PortRole

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["Accesses", "Schedule", "accesses", "interleave", "schedule"]


def transfer_cycles(nbytes: int, rate: float) -> int:
    """Cycles to move ``nbytes`` at ``rate`` bytes per cycle (whole cycles, rounded up)."""
    if isinstance(rate, int):
        return -(-nbytes // rate)
    return math.ceil(nbytes / rate - 1e-9)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Start, end and ready cycle of every instruction, in program order.

    ``resources[i]`` names what instruction ``i`` occupies, its primary resource first (the
    compute node, or the edge of a transfer followed by its comm node). ``free[i]`` is when
    all of them were free; the instruction then waited ``stall(i) = start - free`` cycles on
    its dependencies, the latest of which was instruction ``stall_on[i]`` (-1: no wait).
    """

    start: tuple[int, ...]
    end: tuple[int, ...]
    ready: tuple[int, ...]
    free: tuple[int, ...]
    stall_on: tuple[int, ...]
    resources: tuple[tuple[str, ...], ...]
    nbytes: tuple[int, ...]  # bytes moved by a transfer (0 for a compute)

    def __len__(self) -> int:
        return len(self.start)

    def resource(self, i: int) -> str:
        """The primary resource of instruction ``i``."""
        return self.resources[i][0]

    def stall(self, i: int) -> int:
        """Cycles instruction ``i`` waited on dependencies after its resources were free."""
        return self.start[i] - self.free[i]

    @property
    def total_cycles(self) -> int:
        """When the last result is ready (0 for an empty program)."""
        return max(self.ready, default=0)

    @property
    def resource_names(self) -> tuple[str, ...]:
        """Every resource used, in order of first use."""
        return tuple(dict.fromkeys(r for rs in self.resources for r in rs))

    def busy_cycles(self) -> dict[str, int]:
        """Cycles each resource is occupied."""
        out: dict[str, int] = {}
        for rs, s, e in zip(self.resources, self.start, self.end, strict=True):
            for r in rs:
                out[r] = out.get(r, 0) + (e - s)
        return out


# One instruction, ready for the hot loop:
# (resource ids, duration, latency, regions read, regions written, read checks, write checks)
_Step = tuple[tuple[int, ...], int, int, tuple[int, ...], tuple[int, ...], tuple[int, ...],
              tuple[int, ...]]


class _Planner:
    """Interns resources and tile regions and turns instructions into plain tuples."""

    def __init__(self, acg: ACG) -> None:
        self.acg = acg
        self.resource_ids: dict[str, int] = {}
        self.region_ids: dict[tuple[str, int, int], int] = {}
        self.regions: list[Region] = []
        self.mixed: set[int] = set()  # region keys seen with different layout grids

    def resource(self, name: str) -> int:
        rid = self.resource_ids.get(name)
        if rid is None:
            rid = self.resource_ids[name] = len(self.resource_ids)
        return rid

    def intern(self, tile: TileRef) -> int:
        """The region id of a tile."""
        region = region_of(tile)
        rid = self.region_ids.get(region.key)
        if rid is None:
            rid = self.region_ids[region.key] = len(self.regions)
            self.regions.append(region)
        elif rid not in self.mixed and not self.regions[rid].same_grid(region):
            self.mixed.add(rid)
        return rid

    def link(self, i: int, ins: Transfer) -> tuple[tuple[int, ...], float, int]:
        """(resource ids, bytes per cycle, latency) of a transfer's edge."""
        e = ins.edge
        res = [self.resource(e.key)]
        if e.via is not None:
            res.append(self.resource(e.via))
        rate = self.acg.transfer_rate(e)
        if rate <= 0:
            raise SimulationError(f"schedule: instruction {i}: transfer rate is {rate} B/cycle")
        return (tuple(res), rate, self.acg.transfer_latency(e))

    def overlaps(self) -> list[tuple[int, ...]]:
        """For every region, the regions that may share bytes with it (itself first)."""
        out: list[list[int]] = [[rid] for rid in range(len(self.regions))]
        for a, b in sorted(overlap_pairs(self.regions, self.mixed)):
            out[a].append(b)
            out[b].append(a)
        return [tuple(o) for o in out]


def _plan(  # noqa: C901 - one inlined loop: a helper call per instruction costs 5-10 %
    instrs: Sequence[Instr], planner: _Planner
) -> tuple[list[_Step], list[int]]:
    """The hot-loop tuple of every instruction (checks not yet widened) and its bytes.

    Tiles are looked up by identity first (a compiler reuses one TileRef for a slot's
    loads, computes and stores), then by value.
    """
    by_id: dict[int, tuple[TileRef, int, int]] = {}
    by_value: dict[tuple[object, ...], tuple[int, int]] = {}
    parts: dict[tuple[object, ...], int] = {}
    links: dict[tuple[int, int, int], tuple[tuple[int, ...], float, int]] = {}
    nodes: dict[int, tuple[int]] = {}
    steps: list[_Step] = []
    moved: list[int] = []

    def tile(t: TileRef) -> tuple[TileRef, int, int]:
        key = (t.storage.name, t.addr, t.box, t.elem_bytes, t.strides)
        hit = by_value.get(key)
        if hit is None:
            hit = by_value[key] = (planner.intern(t), t.nbytes)
        out = by_id[id(t)] = (t, *hit)
        return out

    for i, ins in enumerate(instrs):
        if type(ins) is Transfer:
            d, s, e = ins.dst, ins.src, ins.edge
            dh = by_id.get(id(d))
            if dh is None or dh[0] is not d:
                dh = tile(d)
            key = (s.storage.name, s.addr, s.box, s.elem_bytes, s.strides, d.box)
            src = parts.get(key)
            if src is None:
                src = parts[key] = planner.intern(subtile(s, d.box))
            lk = (id(e), id(s.storage), id(d.storage))
            link = links.get(lk)
            if link is None:
                link = links[lk] = planner.link(i, ins)
            nbytes = dh[2]
            rd, wr = (src,), (dh[1],)
            steps.append((link[0], transfer_cycles(nbytes, link[1]), link[2], rd, wr, rd, wr))
            moved.append(nbytes)
            continue
        assert isinstance(ins, Compute)
        reads: list[int] = []
        writes: list[int] = []
        for role, t in ins.tiles:
            th = by_id.get(id(t))
            if th is None or th[0] is not t:
                th = tile(t)
            if role in DESTINATIONS:
                writes.append(th[1])
                if role == PortRole.ACC:  # read-modify-write; timing-neutral from init
                    reads.append(th[1])
            else:
                reads.append(th[1])
        node = nodes.get(id(ins.node))
        if node is None:
            node = nodes[id(ins.node)] = (planner.resource(ins.node.name),)
        r, w = tuple(reads), tuple(writes)
        steps.append((node, ins.cycles, ins.latency_cycles, r, w, r, w))
        moved.append(0)
    return steps, moved


def _expand(steps: list[_Step], overlaps: list[tuple[int, ...]]) -> list[_Step]:
    """Widen each step's read and write checks to the regions overlapping what it touches."""
    shared = {g for g, o in enumerate(overlaps) if len(o) > 1}
    if not shared:
        return steps
    out: list[_Step] = []
    for step in steps:
        res, d, lat, r, w, _, _ = step
        if shared.isdisjoint(r) and shared.isdisjoint(w):
            out.append(step)
            continue
        rc = tuple(dict.fromkeys(q for g in r for q in overlaps[g]))
        wc = tuple(dict.fromkeys(q for g in w for q in overlaps[g]))
        out.append((res, d, lat, r, w, rc, wc))
    return out


@dataclass(frozen=True, slots=True)
class Accesses:
    """The tile regions every instruction reads and writes, as the scheduler sees them.

    ``reads[i]``/``writes[i]`` are region ids (into ``regions``) of what instruction ``i``
    touches; ``read_checks[i]``/``write_checks[i]`` widen them to every region sharing a byte
    (the dependencies the scheduler honours). ``nbytes[g]`` is region ``g``'s tile size.
    """

    regions: tuple[Region, ...]
    nbytes: tuple[int, ...]
    reads: tuple[tuple[int, ...], ...]
    writes: tuple[tuple[int, ...], ...]
    read_checks: tuple[tuple[int, ...], ...]
    write_checks: tuple[tuple[int, ...], ...]


def accesses(program: Program, acg: ACG) -> Accesses:
    """The regions each instruction of ``program`` reads and writes (the scheduler's rule)."""
    planner = _Planner(acg)
    steps = _expand(_plan(program.instrs, planner)[0], planner.overlaps())
    sizes = tuple(math.prod(b - a for a, b in r.box) * r.elem_bytes for r in planner.regions)
    return Accesses(tuple(planner.regions), sizes, tuple(s[3] for s in steps),
                    tuple(s[4] for s in steps), tuple(s[5] for s in steps),
                    tuple(s[6] for s in steps))


def schedule(program: Program, acg: ACG) -> Schedule:
    """Start, end and ready cycles of every instruction of ``program`` on ``acg``."""
    collecting = gc.isenabled()
    gc.disable()  # the planning allocates many small tuples, none of them cyclic
    try:
        planner = _Planner(acg)
        planned, moved = _plan(program.instrs, planner)
        steps = _expand(planned, planner.overlaps())
        names = list(planner.resource_ids)
        start, end, ready, free, stall_on = _run(steps, len(names), len(planner.regions))
        named: dict[int, tuple[str, ...]] = {}
        resources = []
        for step in steps:
            res = named.get(id(step[0]))  # one ids tuple per edge / node, kept alive by steps
            if res is None:
                res = named[id(step[0])] = tuple(names[r] for r in step[0])
            resources.append(res)
    finally:
        if collecting:
            gc.enable()
    return Schedule(tuple(start), tuple(end), tuple(ready), tuple(free), tuple(stall_on),
                    tuple(resources), tuple(moved))


def interleave(streams: Sequence[Sequence[Instr]], acg: ACG
               ) -> tuple[list[Instr], list[int]]:
    """The streams as one program order, and the start cycle of each of its instructions:
    each stream keeps its own order, and at every step the next instruction of the stream
    that would start first under this module's rule is issued (a tie: the earlier stream).
    Independent parts of one layer then share an in-order resource (the DMA, a unit both
    use) as each needs it, not in an order fixed beforehand. The rule is ``_run``'s, step by
    step (``_run`` is inlined for speed); the starts are what ``schedule`` gives the order."""
    planner = _Planner(acg)
    planned, _ = _plan([ins for stream in streams for ins in stream], planner)
    steps = _expand(planned, planner.overlaps())
    queues, k = [], 0
    for stream in streams:
        queues.append(steps[k:k + len(stream)])
        k += len(stream)
    rfree = [0] * len(planner.resource_ids)
    w_ready = [0] * len(planner.regions)
    r_end = [0] * len(planner.regions)
    heads = [0] * len(streams)
    out: list[Instr] = []
    starts: list[int] = []
    while len(out) < len(steps):
        best, pick = math.inf, 0
        for q, queue in enumerate(queues):
            if heads[q] < len(queue):
                res, _, _, _, _, rchecks, wchecks = queue[heads[q]]
                s = max([0, *(rfree[r] for r in res), *(w_ready[g] for g in rchecks),
                         *(max(w_ready[g], r_end[g]) for g in wchecks)])
                if s < best:
                    best, pick = s, q
        res, dur, lat, reads, writes, _, _ = queues[pick][heads[pick]]
        e = int(best) + dur
        for r in res:
            rfree[r] = e
        for g in reads:
            r_end[g] = max(r_end[g], e)
        for g in writes:
            w_ready[g] = e + lat
            r_end[g] = 0
        out.append(streams[pick][heads[pick]])
        starts.append(int(best))
        heads[pick] += 1
    return out, starts


def _run(  # noqa: C901 - the hot loop is inlined on purpose (see bench/sim_speed.py)
    steps: list[_Step], n_resources: int, n_regions: int
) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """The hot loop: one pass in program order over plain tuples and lists."""
    rfree = [0] * n_resources
    w_ready = [0] * n_regions  # ready cycle of the last writer of each region
    w_idx = [-1] * n_regions
    r_end = [0] * n_regions  # latest end of a reader since the last write
    r_idx = [-1] * n_regions
    start: list[int] = []
    end: list[int] = []
    ready: list[int] = []
    free: list[int] = []
    stall_on: list[int] = []
    for i, (res, dur, lat, reads, writes, rchecks, wchecks) in enumerate(steps):
        f = 0
        for r in res:
            if rfree[r] > f:
                f = rfree[r]
        dep = 0
        on = -1
        for g in rchecks:
            if w_ready[g] > dep:
                dep = w_ready[g]
                on = w_idx[g]
        for g in wchecks:
            if w_ready[g] > dep:
                dep = w_ready[g]
                on = w_idx[g]
            if r_end[g] > dep:
                dep = r_end[g]
                on = r_idx[g]
        if dep > f:
            s = dep
        else:
            s = f
            on = -1
        e = s + dur
        for r in res:
            rfree[r] = e
        for g in reads:
            if e >= r_end[g]:
                r_end[g] = e
                r_idx[g] = i
        rd = e + lat
        for g in writes:
            w_ready[g] = rd
            w_idx[g] = i
            r_end[g] = 0
            r_idx[g] = -1
        start.append(s)
        end.append(e)
        ready.append(rd)
        free.append(f)
        stall_on.append(on)
    return start, end, ready, free, stall_on
