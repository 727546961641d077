"""The timing model: an in-order list scheduler over resources and tile regions.

Resources are each compute node, each edge (named ``"SRC->DST"``) and each comm node. In
program order, every instruction starts when all its resources are free and its dependencies
are met, then holds its resources until ``end``; its results are readable at ``ready``:

- a Transfer occupies its edge and the edge's ``via`` comm node for
  ``ceil(nbytes / rate)`` cycles, ``rate = min(edge, comm, src read, dst write bandwidth)``;
  ``ready = end + edge latency + comm latency + src storage latency``;
- a Compute occupies its node for ``cycles``; ``ready = end + latency_cycles``.

Dependencies are tracked on tile regions (see :mod:`covenant_lab.sim.regions`): an
instruction waits for the ``ready`` of the last writer of every region it reads (RAW) or writes
(WAW), and for the ``end`` of every reader of a region it writes since that region was last
written (WAR). A Transfer reads the part of its source tile holding ``dst.box``; a Compute
reads its source tiles (and its accumulator unless it starts from an init value) and writes
its destination tile.

Example: two loads into one buffer slot of a single-buffered scratchpad, each followed by a
compute reading it. The second load waits (WAR) for the end of the first compute::

    load0  DRAM->SRAM  [0, 16)      compute0  pe  [16, 26)
    load1  DRAM->SRAM  [26, 42)     compute1  pe  [42, 52)    (stall of load1: 10, on #1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.compiler.program import Compute, Program, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.sim.regions import Region, region_of, subtile

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["Schedule", "edge_name", "schedule"]


def edge_name(src: str, dst: str) -> str:
    """The resource name of the edge ``src -> dst``."""
    return f"{src}->{dst}"


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
        self._tiles: dict[tuple[object, ...], tuple[int, int]] = {}
        self._links: dict[tuple[int, int, int], tuple[tuple[int, ...], int, int]] = {}
        self._nodes: dict[int, int] = {}

    def _resource(self, name: str) -> int:
        rid = self.resource_ids.get(name)
        if rid is None:
            rid = self.resource_ids[name] = len(self.resource_ids)
        return rid

    def _intern(self, tile: TileRef) -> int:
        region = region_of(tile)
        rid = self.region_ids.get(region.key)
        if rid is None:
            rid = self.region_ids[region.key] = len(self.regions)
            self.regions.append(region)
        elif not self.regions[rid].same_grid(region):
            self.mixed.add(rid)
        return rid

    def tile(self, tile: TileRef) -> tuple[int, int]:
        """(region id, nbytes) of a tile."""
        key = (tile.storage.name, tile.addr, tile.box, tile.elem_bytes, tile.strides)
        hit = self._tiles.get(key)
        if hit is None:
            hit = self._tiles[key] = (self._intern(tile), tile.nbytes)
        return hit

    def part(self, tile: TileRef, box: tuple[tuple[int, int], ...]) -> int:
        """Region id of the part of ``tile`` holding ``box``."""
        key = (tile.storage.name, tile.addr, tile.box, tile.elem_bytes, tile.strides, box)
        hit = self._tiles.get(key)
        if hit is None:
            hit = self._tiles[key] = (self._intern(subtile(tile, box)), 0)
        return hit[0]

    def link(self, ins: Transfer) -> tuple[tuple[int, ...], int, int]:
        """(resource ids, bytes per cycle, latency) of a transfer's edge."""
        e, ss, ds = ins.edge, ins.src.storage, ins.dst.storage
        key = (id(e), id(ss), id(ds))
        hit = self._links.get(key)
        if hit is None:
            res = [self._resource(edge_name(e.src, e.dst))]
            rates = [e.bytes_per_cycle, ss.read_bytes_per_cycle, ds.write_bytes_per_cycle]
            latency = e.latency_cycles + ss.latency_cycles
            if e.via is not None:
                comm = self.acg.comm(e.via)
                res.append(self._resource(comm.name))
                rates.append(comm.bytes_per_cycle)
                latency += comm.latency_cycles
            hit = self._links[key] = (tuple(res), min(rates), latency)
        return hit

    def node(self, ins: Compute) -> int:
        rid = self._nodes.get(id(ins.node))
        if rid is None:
            rid = self._nodes[id(ins.node)] = self._resource(ins.node.name)
        return rid

    def step(self, i: int, ins: Transfer | Compute) -> tuple[_Step, int]:
        """The hot-loop tuple of instruction ``i`` (checks still unexpanded) and its bytes."""
        if type(ins) is Transfer:
            res, rate, latency = self.link(ins)
            dst, nbytes = self.tile(ins.dst)
            if rate <= 0:
                raise SimulationError(f"schedule: instruction {i}: transfer rate is {rate} B/cycle")
            src = self.part(ins.src, ins.dst.box)
            return ((res, -(-nbytes // rate), latency, (src,), (dst,), (), ()), nbytes)
        assert isinstance(ins, Compute)
        reads: list[int] = []
        writes: list[int] = []
        for role, t in ins.tiles:
            rid = self.tile(t)[0]
            if role == "acc" or role == "out":
                writes.append(rid)
                if role == "acc" and not ins.init:
                    reads.append(rid)
            else:
                reads.append(rid)
        return (((self.node(ins),), ins.cycles, ins.latency_cycles, tuple(reads), tuple(writes),
                 (), ()), 0)

    def overlaps(self) -> list[tuple[int, ...]]:
        """For every region, the regions that may share bytes with it (itself first)."""
        groups: dict[str, list[int]] = {}
        for rid, r in enumerate(self.regions):
            groups.setdefault(r.storage, []).append(rid)
        out: list[list[int]] = [[rid] for rid in range(len(self.regions))]
        for ids in groups.values():
            ids.sort(key=lambda k: self.regions[k].addr)
            active: list[int] = []
            for rid in ids:
                r = self.regions[rid]
                active = [a for a in active if self.regions[a].stop > r.addr]
                for a in active:
                    if self._overlap(a, rid):
                        out[a].append(rid)
                        out[rid].append(a)
                active.append(rid)
        return [tuple(o) for o in out]

    def _overlap(self, a: int, b: int) -> bool:
        ra, rb = self.regions[a], self.regions[b]
        if a in self.mixed or b in self.mixed:
            return bool(ra.span and rb.span)
        return ra.overlaps(rb)


def _expand(steps: list[_Step], overlaps: list[tuple[int, ...]]) -> list[_Step]:
    """Fill in each step's read and write check lists (regions plus their overlaps)."""
    if all(len(o) == 1 for o in overlaps):
        return [(res, d, lat, r, w, r, w) for res, d, lat, r, w, _, _ in steps]
    out: list[_Step] = []
    for res, d, lat, r, w, _, _ in steps:
        rc = tuple(dict.fromkeys(q for g in r for q in overlaps[g]))
        wc = tuple(dict.fromkeys(q for g in w for q in overlaps[g]))
        out.append((res, d, lat, r, w, rc, wc))
    return out


def schedule(program: Program, acg: ACG) -> Schedule:
    """Start, end and ready cycles of every instruction of ``program`` on ``acg``."""
    planner = _Planner(acg)
    planned = [planner.step(i, ins) for i, ins in enumerate(program.instrs)]
    steps = _expand([p for p, _ in planned], planner.overlaps())
    names = list(planner.resource_ids)
    start, end, ready, free, stall_on = _run(steps, len(names), len(planner.regions))
    resources = tuple(tuple(names[r] for r in s[0]) for s in steps)
    return Schedule(tuple(start), tuple(end), tuple(ready), tuple(free), tuple(stall_on),
                    resources, tuple(n for _, n in planned))


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
