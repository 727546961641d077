"""Who waits for whom: why an instruction stalled, who produces and consumes its tiles, and
how long each tile holds a buffer.

Read from the scheduler's own rule (:func:`covenant_lab.sim.schedule.accesses`: the tile
regions each instruction reads and writes, widened to every region sharing a byte) and its
result (the :class:`~covenant_lab.sim.schedule.Schedule`)::

    flow = Dataflow(program, sim.schedule, accesses(program, acg))
    flow.wait(4)        # Wait(index=4, on=1, kind=DepKind.WAR, tile='x[0:4, 0:4] at SPAD[0, 64)')
    flow.producers(3)   # the instructions whose results #3 reads
    flow.consumers(0)   # the instructions reading what #0 wrote
    flow.lifetimes      # one Lifetime per tile written: from its data arriving to its last read

A stall (``Schedule.stall(i) > 0``) is the wait on instruction ``Schedule.stall_on[i]``: it
wrote a region ``i`` reads (read after write: a result not ready yet), or wrote or still
reads a region ``i`` overwrites (write after write / write after read: a buffer slot still
in use).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.sim.regions import Region
from covenant_lab.sim.schedule import Accesses, Schedule

__all__ = ["Dataflow", "DepKind", "Lifetime", "Wait", "instr_label", "region_text"]


class DepKind(Enum):
    """Why an instruction waits on another one."""

    RAW = "read after write"
    WAR = "write after read"
    WAW = "write after write"


def region_text(region: Region) -> str:
    """``x[0:4, 0:8] at SPAD[64, 192)``."""
    box = ", ".join(f"{a}:{b}" for a, b in region.box)
    return f"{region.operand}[{box}] at {region.storage}[{region.addr}, {region.stop})"


def instr_label(program: Program, i: int) -> str:
    """A short name of instruction ``i``: ``#12 load w DRAM->SPAD``, ``#7 mac on pe``."""
    ins = program.instrs[i]
    if isinstance(ins, Transfer):
        return f"#{i} {ins.kind} {ins.dst.operand} {ins.edge.src}->{ins.edge.dst}"
    assert isinstance(ins, Compute)
    return f"#{i} {ins.capability} on {ins.node.name}"


@dataclass(frozen=True, slots=True)
class Wait:
    """Instruction ``index`` waited ``cycles`` for instruction ``on`` (``on_label``) over the
    tile ``tile`` (``kind``: what the two do to it)."""

    index: int
    on: int
    on_label: str
    on_resource: str
    kind: DepKind
    tile: str
    cycles: int

    @property
    def text(self) -> str:
        """``waits 4 cycles for #1 relu on pe to finish reading x[0:4, 0:4] at ...``."""
        verb = {DepKind.RAW: "to write", DepKind.WAR: "to finish reading",
                DepKind.WAW: "to finish writing"}[self.kind]
        return (f"waits {self.cycles:,} cycles for {self.on_label} {verb} {self.tile} "
                f"({self.kind.value})")


@dataclass(frozen=True, slots=True)
class Lifetime:
    """A tile holding its buffer bytes: written by ``writer`` (data there from ``alloc``),
    last read by ``last_reader`` ending at ``free`` (``free > alloc``)."""

    storage: str
    tile: str
    nbytes: int
    writer: int
    last_reader: int
    alloc: int
    free: int


class Dataflow:
    """Dependencies of a scheduled program (see the module docstring)."""

    def __init__(self, program: Program, schedule: Schedule, acc: Accesses) -> None:
        self.program = program
        self.schedule = schedule
        self.acc = acc
        n = len(program.instrs)
        prod: list[tuple[int, ...]] = []
        cons: list[list[int]] = [[] for _ in range(n)]
        last_writer = [-1] * len(acc.regions)
        for i in range(n):
            found = dict.fromkeys(last_writer[g] for g in acc.read_checks[i])
            found.pop(-1, None)
            found.pop(i, None)
            prod.append(tuple(sorted(found)))
            for w in found:
                cons[w].append(i)
            for g in acc.writes[i]:
                last_writer[g] = i
        self._producers = tuple(prod)
        self._consumers = tuple(tuple(c) for c in cons)
        self.lifetimes = self._lifetimes()

    def producers(self, i: int) -> tuple[int, ...]:
        """The instructions whose results instruction ``i`` reads (its last writers)."""
        return self._producers[i]

    def consumers(self, i: int) -> tuple[int, ...]:
        """The instructions reading what instruction ``i`` wrote, before it is overwritten."""
        return self._consumers[i]

    def wait(self, i: int) -> Wait | None:
        """Why instruction ``i`` stalled (None when it started as soon as its resources were
        free)."""
        s, acc = self.schedule, self.acc
        j = s.stall_on[i]
        if j < 0 or s.stall(i) <= 0:
            return None
        written, read = set(acc.writes[j]), set(acc.reads[j])
        kind, region = DepKind.RAW, -1
        for g in acc.read_checks[i]:
            if g in written:
                region = g
                break
        else:
            for g in acc.write_checks[i]:
                if g in written:
                    kind, region = DepKind.WAW, g
                    break
                if g in read:
                    kind, region = DepKind.WAR, g
                    break
        tile = region_text(acc.regions[region]) if region >= 0 else "?"
        return Wait(i, j, instr_label(self.program, j), s.resource(j), kind, tile, s.stall(i))

    def _lifetimes(self) -> tuple[Lifetime, ...]:
        """Each tile from the end of its writer to the end of its last reader; a tile nobody
        reads holds nothing (its bytes are free to reuse at once)."""
        s, acc = self.schedule, self.acc
        open_: dict[int, list[int]] = {}  # region -> [writer, last reader, its end]
        out: list[Lifetime] = []

        def close(g: int) -> None:
            writer, reader, free = open_.pop(g)
            if reader >= 0 and free > s.end[writer]:
                region = acc.regions[g]
                out.append(Lifetime(region.storage, region_text(region), acc.nbytes[g],
                                    writer, reader, s.end[writer], free))

        for i in range(len(self.program.instrs)):
            for g in acc.read_checks[i]:
                life = open_.get(g)
                if life is not None and life[0] != i and s.end[i] >= life[2]:
                    life[1], life[2] = i, s.end[i]
            for g in acc.write_checks[i]:
                if g in open_:
                    close(g)
            for g in acc.writes[i]:
                open_[g] = [i, -1, s.end[i]]
        for g in list(open_):
            close(g)
        return tuple(sorted(out, key=lambda life: (life.alloc, life.writer)))
