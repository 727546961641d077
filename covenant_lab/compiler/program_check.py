"""The field checks of a :class:`~covenant_lab.compiler.program.Program`, run when it is built.

A Program is data anyone can build or alter (``dataclasses.replace``); the simulator trusts
what this module checks, so a bad field is a :class:`SimulationError` naming the instruction
and the field, never a numpy error later::

    program 'gemm' for my_arch: instruction 3 (transfer load MEM->BUF of 'a', origin 'gemm/s0'):
    destination tile: element size 0 is not a positive int

Checked here, without the architecture: every field has its type; integers are in range
(addresses, element sizes, strides and cycles not negative, element sizes positive); every
box lies inside its tensor (or loop) and does not end before it starts; a tile's layout maps
distinct elements to distinct bytes; instruction ``index`` is its position; every
input, weight and output has one home in off-chip memory with the operand's shape; a compute's
``operations`` is the number of iterations in its box. What needs the architecture (edges,
nodes, capacities) and the order of execution is the sanitizer's (``covenant_lab.sim``).
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

from covenant_lab.acg.nodes import ComputeNode, Edge, StorageNode
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.program import Compute, DramTensor, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.types import PortRole, Role

if TYPE_CHECKING:
    from covenant_lab.compiler.program import Instr, Program

__all__ = ["ROLES", "check_fields", "describe", "nested_layout"]

#: the roles a compute's tiles may have
ROLES = frozenset(role.value for role in PortRole)
_KINDS = ("load", "store")


def describe(i: int, ins: object) -> str:
    """``instruction 3 (transfer load MEM->BUF of 'a', origin 'gemm/s0')`` (never fails,
    whatever the fields hold)."""
    if isinstance(ins, Transfer):
        edge, dst = ins.edge, ins.dst
        what = (f"transfer {ins.kind} {getattr(edge, 'src', '?')}->{getattr(edge, 'dst', '?')} "
                f"of '{getattr(dst, 'operand', '?')}'")
    elif isinstance(ins, Compute):
        what = f"compute {ins.capability} on {getattr(ins.node, 'name', '?')}, stage {ins.stage}"
    else:
        return f"instruction {i} (a {type(ins).__name__}, not a Transfer or Compute)"
    return f"instruction {i} ({what}, origin '{ins.origin}')"


def _is_int(value: object) -> bool:
    return type(value) is int or (isinstance(value, numbers.Integral)
                                  and not isinstance(value, bool))


def _count(value: object, what: str, *, positive: bool = False) -> str | None:
    """A problem when ``value`` is not an int >= 0 (> 0 when ``positive``)."""
    if _is_int(value) and (value > 0 if positive else value >= 0):  # type: ignore[operator]
        return None
    return f"{what} {value!r} is not a {'positive' if positive else 'non-negative'} int"


def nested_layout(strides: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether strides (largest first) each reach past every element of the smaller ones: a
    layout with no two elements of the box at one address."""
    reach = 0
    for stride, extent in sorted(zip(strides, shape, strict=True)):
        if extent <= 1:
            continue
        if stride <= reach:
            return False
        reach += stride * (extent - 1)
    return True


def _box_problem(box: object, shape: tuple[int, ...]) -> str | None:
    if type(box) is tuple and len(box) == len(shape):  # the fast path: every box of a program
        for pair, n in zip(box, shape, strict=True):
            if type(pair) is not tuple or len(pair) != 2:
                break
            a, b = pair
            if type(a) is not int or type(b) is not int or not 0 <= a <= b <= n:
                break
        else:
            return None
    if not isinstance(box, tuple) or len(box) != len(shape):
        return f"box {box!r} does not have one [start, stop) pair per axis ({len(shape)} axes)"
    for k, (pair, n) in enumerate(zip(box, shape, strict=True)):
        if not (isinstance(pair, tuple) and len(pair) == 2 and _is_int(pair[0])
                and _is_int(pair[1])):
            return f"box axis {k} is {pair!r}, not a (start, stop) pair of ints"
        a, b = pair
        if a > b:
            return f"box axis {k} [{a}, {b}) ends before it starts"
        if a < 0 or b > n:
            return f"box axis {k} [{a}, {b}) is not inside the tensor's [0, {n})"
    return None


def _strides_problem(tile: TileRef, rank: int) -> str | None:
    strides = tile.strides
    if (not isinstance(strides, tuple) or len(strides) != rank
            or not all(_is_int(s) and s > 0 for s in strides)):
        return f"strides {strides!r} are not one positive int per axis"
    if not nested_layout(strides, tile.shape):
        return f"strides {list(strides)} put two elements of box {list(tile.box)} at one address"
    return None


def _loop_box_fast(box: object, extents: dict[str, int]) -> bool:
    """Whether ``box`` is plainly good (the case of every box of a compiled program)."""
    if type(box) is not tuple:
        return False
    loops = []
    for entry in box:
        if type(entry) is not tuple or len(entry) != 3:
            return False
        loop, a, b = entry
        if type(loop) is not str or type(a) is not int or type(b) is not int or not (
                0 <= a <= b <= extents.get(loop, -1)):
            return False
        loops.append(loop)
    return len(set(loops)) == len(loops)


class _Checker:
    """Checks one program; tiles shared by several instructions are checked once."""

    def __init__(self, program: Program) -> None:
        self.program = program
        codelet = program.codelet
        self.shapes = {o.name: o.shape for o in codelet.operands}
        self.extents = {d.name: d.extent for d in codelet.dims}
        self.checked: set[object] = set()  # tiles found good, by value (they are rebuilt)
        self.ids: set[int] = set()  # and by identity (one tile object in several places)
        self.where = f"program '{codelet.name}' for {program.arch}"

    def fail(self, message: str, i: int | None = None, ins: object = None) -> SimulationError:
        at = f": {describe(i, ins)}" if i is not None else ""
        return SimulationError(f"{self.where}{at}: {message}",
                               hint="a program is made by compile(); an altered one must keep "
                                    "every field in range")

    def tile(self, tile: object) -> str | None:
        if id(tile) in self.ids:
            return None
        if not isinstance(tile, TileRef):
            return f"is a {type(tile).__name__}, not a TileRef"
        try:
            key: object = (tile.operand, id(tile.storage), tile.addr, tile.box, tile.elem_bytes,
                           tile.strides)
            if key in self.checked:
                self.ids.add(id(tile))
                return None
        except TypeError:  # an unhashable field: the checks below name it
            key = None
        shape = self.shapes.get(tile.operand) if isinstance(tile.operand, str) else None
        if shape is None:
            return f"operand {tile.operand!r} is not an operand of the codelet"
        if not isinstance(tile.storage, StorageNode) or not isinstance(tile.storage.name, str):
            return f"storage {tile.storage!r:.80} is not a StorageNode with a name"
        problem = _box_problem(tile.box, shape)
        if type(tile.addr) is not int or tile.addr < 0 or type(tile.elem_bytes) is not int \
                or tile.elem_bytes <= 0:
            problem = (_count(tile.addr, "address")
                       or _count(tile.elem_bytes, "element size", positive=True) or problem)
        if problem is None and tile.strides != ():
            problem = _strides_problem(tile, len(shape))
        if problem is None:
            self.ids.add(id(tile))  # tiles stay alive in the program: ids are not reused
            if key is not None:
                self.checked.add(key)
        return problem

    def tensors(self) -> None:
        seen: set[str] = set()
        for t in self.program.tensors:
            if not isinstance(t, DramTensor):
                raise self.fail(f"tensors holds a {type(t).__name__}, not a DramTensor")
            shape = self.shapes.get(t.operand) if isinstance(t.operand, str) else None
            problem = None
            if shape is None:
                problem = "is not an operand of the codelet"
            elif t.operand in seen:
                problem = "has two homes"
            elif not isinstance(t.storage, StorageNode) or not isinstance(t.storage.name, str):
                problem = f"storage {t.storage!r:.80} is not a StorageNode with a name"
            elif t.shape != shape:
                problem = f"has shape {t.shape!r}, the operand {list(shape)}"
            problem = problem or _count(t.addr, "address") or _count(
                t.elem_bytes, "element size", positive=True)
            if problem:
                raise self.fail(f"home of {t.operand!r} in off-chip memory: {problem}")
            seen.add(t.operand)
        for o in self.program.codelet.operands:
            if o.role is not Role.TEMP and o.name not in seen:
                raise self.fail(f"{o.role.value} '{o.name}' has no home in off-chip memory")

    def instruction(self, i: int, ins: Instr) -> None:
        if not isinstance(ins, Transfer | Compute):
            raise self.fail("is not an instruction", i, ins)
        problem = None if type(ins.index) is int else _count(ins.index, "index")
        if problem is None and ins.index != i:
            problem = f"index {ins.index} is not its position {i} in the program"
        if problem is None and not isinstance(ins.origin, str):
            problem = f"origin {ins.origin!r} is not a str"
        if problem is None:
            problem = self.transfer(ins) if isinstance(ins, Transfer) else self.compute(ins)
        if problem is not None:
            raise self.fail(problem, i, ins)

    def transfer(self, ins: Transfer) -> str | None:
        edge = ins.edge
        if not (isinstance(edge, Edge) and isinstance(edge.src, str)
                and isinstance(edge.dst, str)):
            return f"edge {edge!r:.80} is not an Edge between two named nodes"
        if ins.kind not in _KINDS:
            return f"kind {ins.kind!r} is not 'load' or 'store'"
        for name, tile in (("source", ins.src), ("destination", ins.dst)):
            problem = self.tile(tile)
            if problem is not None:
                return f"{name} tile: {problem}"
        return None

    def compute(self, ins: Compute) -> str | None:
        if not isinstance(ins.node, ComputeNode) or not isinstance(ins.node.name, str):
            return f"node {ins.node!r:.80} is not a ComputeNode with a name"
        if not isinstance(ins.capability, str):
            return f"capability {ins.capability!r} is not a str (a capability label)"
        if not isinstance(ins.init, bool):
            return f"init {ins.init!r} is not a bool"
        counts = (ins.stage, ins.cycles, ins.latency_cycles, ins.operations)
        problem = None
        if not all(type(v) is int and v >= 0 for v in counts):  # else the slow path names it
            problem = (_count(ins.stage, "stage") or _count(ins.cycles, "cycles")
                       or _count(ins.latency_cycles, "latency_cycles")
                       or _count(ins.operations, "operations"))
        problem = problem or self.loop_box(ins.box)
        if problem is not None:
            return problem
        volume = math.prod(b - a for _, a, b in ins.box)
        if ins.operations != volume:
            return f"operations {ins.operations} is not the {volume} iterations of its box"
        if not isinstance(ins.params, tuple) or not all(
                type(p) is tuple and len(p) == 2 and type(p[0]) is str and _is_int(p[1])
                for p in ins.params):
            return f"params {ins.params!r} are not (name, int) pairs"
        return self.roles(ins.tiles)

    def roles(self, tiles: object) -> str | None:
        if not isinstance(tiles, tuple):
            return f"tiles {tiles!r} are not (role, tile) pairs"
        roles: set[str] = set()
        for pair in tiles:
            if not (isinstance(pair, tuple) and len(pair) == 2 and pair[0] in ROLES):
                return (f"tiles entry {pair!r} is not a (role, tile) pair with a role of "
                        f"{sorted(ROLES)}")
            if pair[0] in roles:
                return f"two tiles for role '{pair[0]}'"
            roles.add(pair[0])
            problem = self.tile(pair[1])
            if problem is not None:
                return f"tile for role '{pair[0]}': {problem}"
        return None

    def loop_box(self, box: object) -> str | None:
        extents = self.extents
        if _loop_box_fast(box, extents):
            return None
        if not isinstance(box, tuple):
            return f"box {box!r} is not a tuple of (loop, start, stop)"
        loops: set[str] = set()
        for entry in box:
            if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], str)
                    and _is_int(entry[1]) and _is_int(entry[2])):
                return f"box entry {entry!r} is not a (loop, start, stop) triple"
            loop, a, b = entry
            n = extents.get(loop)
            if n is None:
                return f"box entry {entry!r}: the codelet has no loop '{loop}'"
            if loop in loops:
                return f"box entry {entry!r}: loop '{loop}' appears twice"
            loops.add(loop)
            if a > b:
                return f"box loop {loop} [{a}, {b}) ends before it starts"
            if a < 0 or b > n:
                return f"box loop {loop} [{a}, {b}) is not inside the loop's [0, {n})"
        return None


def check_fields(program: Program) -> None:
    """Raise a SimulationError at the first field of ``program`` out of type or range."""
    if not isinstance(program.codelet, Codelet):
        raise SimulationError(f"program: codelet is a {type(program.codelet).__name__}, "
                              "not a Codelet")
    if not isinstance(program.arch, str):
        raise SimulationError(f"program '{program.codelet.name}': arch {program.arch!r} is not "
                              "a str (the architecture's name)")
    checker = _Checker(program)
    if not isinstance(program.tensors, tuple) or not isinstance(program.instrs, tuple):
        raise checker.fail("tensors and instrs must be tuples")
    if not isinstance(program.extents, tuple) or not all(
            isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], str)
            and _count(e[1], "") is None for e in program.extents):
        raise checker.fail(f"extents {program.extents!r} are not (storage, bytes) pairs")
    checker.tensors()
    for i, ins in enumerate(program.instrs):
        checker.instruction(i, ins)
