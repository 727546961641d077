"""Static checks of a Program against its ACG, and the shape of sanitizer messages.

Every message names the instruction (index, kind, origin)::

    sim: instruction 3 (transfer load DRAM->SRAM of 'a', origin 'gemm/s0'): edge DRAM->SRAM
    does not exist in architecture 'tiny'

Checked once, before simulation (the fields' types and ranges were checked when the Program
was built, ``compiler/program_check.py``): every storage, compute node and edge an
instruction names is the ACG's own (not an altered copy); every transfer's edge exists in the
ACG and joins the storages of its tiles, its tiles hold the same operand, its source box
contains its destination box; every compute runs a capability of its node performing its
stage's op, has a tile of the right operand for each access of its stage and a box over
exactly the stage's loops; every tile lies inside its storage (capacity, or the program's
tensors for off-chip memory). ``coverage.py`` then checks the work adds up to the codelet.
Checks that depend on execution order (live-tile overlap, reads of unwritten bytes, reads
outside a tile) run as the simulation goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from covenant_lab.acg.nodes import StorageNode
from covenant_lab.compiler.program import Compute, Instr, Program, TileRef, Transfer, tiles_of
from covenant_lab.compiler.program_check import describe
from covenant_lab.errors import SimulationError
from covenant_lab.sim.regions import Regions, box_contains
from covenant_lab.types import DESTINATIONS, PortRole

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["check_program", "describe", "fault", "storage_sizes"]  # describe: program_check


def fault(i: int, ins: Instr, message: str, *, hint: str | None = None) -> SimulationError:
    """A SimulationError about instruction ``i``."""
    return SimulationError(f"sim: {describe(i, ins)}: {message}", hint=hint)


def storage_sizes(program: Program) -> dict[str, tuple[StorageNode, int]]:
    """Every storage the program uses, with its size in bytes.

    On-chip storage has its capacity (every PE's copy of a private one); unbounded (off-chip)
    storage has the extent the program laid out there (its tensors and the tiles staged
    through it).
    """
    nodes: dict[str, StorageNode] = {}
    for t in program.tensors:
        nodes.setdefault(t.storage.name, t.storage)
    for ins in program.instrs:
        for tile in tiles_of(ins):
            nodes.setdefault(tile.storage.name, tile.storage)
    ends = dict(program.extents)
    for t in program.tensors:
        ends[t.storage.name] = max(ends.get(t.storage.name, 0), t.addr + t.tile.span_bytes)
    out: dict[str, tuple[StorageNode, int]] = {}
    for name, node in nodes.items():
        total = node.total_bytes
        out[name] = (node, total if total is not None else ends.get(name, 0))
    return out


def check_program(program: Program, acg: ACG, regions: Regions
                  ) -> tuple[dict[str, tuple[StorageNode, int]], dict[str, int]]:
    """Raise a SimulationError for the first statically broken instruction; else every
    storage with its size (see :func:`storage_sizes`) and the bytes the program uses in it."""
    _check_parts(program, acg)
    sizes = storage_sizes(program)
    used = {name: 0 for name in sizes}
    for t in program.tensors:
        used[t.storage.name] = max(used[t.storage.name], regions(t.tile).stop)
    for i, ins in enumerate(program.instrs):
        if isinstance(ins, Transfer):
            _check_transfer(i, ins, acg)
            _check_bounds(i, ins, ins.src, regions, sizes, "read", used)
            _check_bounds(i, ins, ins.dst, regions, sizes, "written", used)
        else:
            _check_compute(i, ins, program)
            for role, tile in ins.tiles:
                how = "written" if role in DESTINATIONS else "read"
                _check_bounds(i, ins, tile, regions, sizes, how, used)
    return sizes, used


def _equal(a: object, b: object) -> bool:
    """``a == b``, False when comparing fails (an altered field of a type without ``==``)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _differs(mine: object, theirs: object) -> str:
    """``bytes_per_cycle 8 here, 16 there`` for the first field that differs."""
    for name in getattr(mine, "__slots__", ()):
        a, b = getattr(mine, name), getattr(theirs, name)
        if not _equal(a, b):
            return f"{name} {a!r} here, {b!r} there"
    return "a field differs"


class _Parts:
    """The architecture's nodes by name, and the parts of a program found equal to them."""

    def __init__(self, acg: ACG) -> None:
        self.acg = acg
        self.storages = {n.name: n for n in acg.storage_nodes}
        self.computes = {n.name: n for n in acg.compute_nodes}
        self.good: set[int] = set()  # ids of parts found equal to the architecture's

    def same(self, part: object, theirs: object) -> bool:
        if id(part) in self.good or part is theirs:
            return True
        if _equal(part, theirs):
            self.good.add(id(part))
            return True
        return False

    def storage_problem(self, node: StorageNode) -> str | None:
        theirs = self.storages.get(node.name)
        if theirs is None:
            return f"storage {node.name} does not exist in architecture '{self.acg.name}'"
        if not self.same(node, theirs):
            return (f"storage {node.name} differs from architecture '{self.acg.name}': "
                    f"{_differs(node, theirs)}")
        return None


def _check_parts(program: Program, acg: ACG) -> None:
    """Every node, storage and edge an instruction names is the architecture's own."""
    parts = _Parts(acg)
    for t in program.tensors:
        problem = parts.storage_problem(t.storage)
        if problem is not None:
            raise SimulationError(f"sim: {program.codelet.name}: home of '{t.operand}': "
                                  f"{problem}")
    for i, ins in enumerate(program.instrs):
        for tile in tiles_of(ins):
            problem = parts.storage_problem(tile.storage)
            if problem is not None:
                raise fault(i, ins, f"tile of '{tile.operand}': {problem}")
        if isinstance(ins, Transfer):
            edge = acg.edge(ins.edge.src, ins.edge.dst)
            if edge is not None and not parts.same(ins.edge, edge):
                raise fault(i, ins, f"edge {ins.edge.src}->{ins.edge.dst} differs from the "
                                    f"architecture's: {_differs(ins.edge, edge)}")
        else:
            _check_node(i, ins, program, parts)


def _check_node(i: int, ins: Compute, program: Program, parts: _Parts) -> None:
    node = parts.computes.get(ins.node.name)
    if node is None:
        raise fault(i, ins, f"compute node {ins.node.name} does not exist in architecture "
                            f"'{parts.acg.name}'")
    if not parts.same(ins.node, node):
        raise fault(i, ins, f"compute node {node.name} differs from the architecture's: "
                            f"{_differs(ins.node, node)}")
    cap = next((c for c in node.capabilities if c.label == ins.capability), None)
    if cap is None:
        raise fault(i, ins, f"node {node.name} has no capability '{ins.capability}'",
                    hint=f"its capabilities: {', '.join(c.label for c in node.capabilities)}")
    stages = program.codelet.stages
    if 0 <= ins.stage < len(stages) and cap.op is not stages[ins.stage].stmt.op:
        raise fault(i, ins, f"capability '{cap.label}' performs {cap.op.value}, stage "
                            f"{ins.stage} is {stages[ins.stage].stmt.op.value}")


def _check_transfer(i: int, ins: Transfer, acg: ACG) -> None:
    e = ins.edge
    if acg.edge(e.src, e.dst) is None:
        raise fault(i, ins, f"edge {e.src}->{e.dst} does not exist in architecture '{acg.name}'",
                    hint="transfers may only use edges of the ACG")
    src, dst = ins.src.storage.name, ins.dst.storage.name
    if (e.src, e.dst) != (src, dst):
        raise fault(i, ins, f"edge {e.src}->{e.dst} does not join the tiles' storages "
                            f"{src}->{dst}")
    if ins.src.operand != ins.dst.operand:
        raise fault(i, ins, f"source tile holds '{ins.src.operand}', destination tile holds "
                            f"'{ins.dst.operand}'")
    if not box_contains(ins.src.box, ins.dst.box):
        raise fault(i, ins, f"source box {list(ins.src.box)} does not contain the destination "
                            f"box {list(ins.dst.box)}")


def _check_bounds(i: int, ins: Instr, tile: TileRef, regions: Regions,
                  sizes: Mapping[str, tuple[StorageNode, int]], how: str,
                  used: dict[str, int]) -> None:
    node, size = sizes[tile.storage.name]
    stop = regions(tile).stop
    if tile.addr >= 0 and stop <= size:
        used[node.name] = max(used[node.name], stop)
        return
    limit = (f"capacity {size} bytes" if node.capacity_bytes is not None
             else f"the program's layout there ends at byte {size}")
    raise fault(i, ins, f"tile of '{tile.operand}' {how} at {node.name}[{tile.addr}, {stop}) is "
                        f"beyond the storage ({limit})")


def _check_compute(i: int, ins: Compute, program: Program) -> None:
    stages = program.codelet.stages
    if not 0 <= ins.stage < len(stages):
        raise fault(i, ins, f"stage {ins.stage} does not exist ({len(stages)} stages)")
    stage = stages[ins.stage]
    loops = tuple(lp for lp, _, _ in ins.box)
    if sorted(loops) != sorted(stage.loops):
        raise fault(i, ins, f"box loops {list(loops)} are not the stage's loops "
                            f"{list(stage.loops)}")
    stmt = stage.stmt
    needed = [(role, acc) for role, acc in stmt.roles if role is not PortRole.INIT or ins.init]
    for role, acc in needed:
        tile = ins.tile(role)
        if tile is None:
            raise fault(i, ins, f"no tile for role '{role}' (operand '{acc.operand}')")
        if tile.operand != acc.operand:
            raise fault(i, ins, f"tile for role '{role}' holds '{tile.operand}', the stage "
                                f"accesses '{acc.operand}' there")
