"""The Program: a mapping lowered to concrete instructions the simulator replays.

Instructions are frozen records in program order. Every tile an instruction touches is a
:class:`TileRef`: which operand, which box of the tensor (global coordinates, half-open), and
where it sits (storage node, byte address, element size, row-major layout of the box).

Functional semantics (what the simulator executes):

- :class:`Transfer` copies the box ``dst.box`` of the operand from ``src`` to ``dst``. ``src``
  holds a box that contains ``dst.box`` (off chip, the whole tensor). Elements of ``dst.box``
  outside the tensor are never transferred (boxes are clipped to the tensor).
- :class:`Compute` executes ``stage`` of the codelet for the loop iterations in ``box``
  (``(loop, start, stop)`` for every loop of the stage), reading each source from the tile
  given for it and writing the destination tile. A read whose global index is outside the
  tensor yields the access's fill value; a read inside the tensor but outside the tile is a
  sanitizer error. If ``init`` is true an accumulating statement first sets the destination
  box (the part this invocation's dst index covers) to its ``init`` value.
- Element sizes (and so addresses and byte counts) follow the hardware dtypes; values are
  carried at full precision.

Building a Program checks every field (``compiler/program_check.py``): a program altered
after compilation with an out-of-range field is refused there, naming the instruction.

Timing (what the simulator schedules): a transfer occupies its edge and the edge's comm node
for ``ceil(nbytes / bytes_per_cycle)`` cycles and its data are ready ``latency_cycles`` later;
a compute occupies its node for ``cycles`` and its results are ready ``latency_cycles`` later.
An instruction waits for the tiles it reads to be written (RAW), for earlier readers of the
tile region it overwrites (WAR) and earlier writers of it (WAW). Each resource serves its
instructions in program order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from covenant_lab.acg.nodes import ComputeNode, Edge, StorageNode
from covenant_lab.codelets.ir import Codelet
from covenant_lab.types import DESTINATIONS, PortRole


@dataclass(frozen=True, slots=True)
class TileRef:
    """A box of an operand resident in a storage node, laid out row-major from ``addr``."""

    operand: str
    storage: StorageNode
    addr: int  # byte address of the box's first element
    box: tuple[tuple[int, int], ...]  # per tensor axis: [start, stop)
    elem_bytes: int
    strides: tuple[int, ...] = ()  # element strides of the layout; () = row-major of box

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(b - a for a, b in self.box)

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.elements * self.elem_bytes

    def sub(self, box: tuple[tuple[int, int], ...]) -> TileRef:
        """The part ``box`` of the tile, with the tile's layout."""
        strides = self.layout_strides
        offset = sum((b0 - o0) * s for (b0, _), (o0, _), s in zip(box, self.box, strides,
                                                                  strict=True))
        return TileRef(self.operand, self.storage, self.addr + offset * self.elem_bytes, box,
                       self.elem_bytes, strides)

    @property
    def layout_strides(self) -> tuple[int, ...]:
        """Element strides of the layout (row-major over the box unless given)."""
        if self.strides:
            return self.strides
        out, acc = [], 1
        for n in reversed(self.shape):
            out.append(acc)
            acc *= n
        return tuple(reversed(out))

    @property
    def span_bytes(self) -> int:
        """Bytes from addr to one past the last element."""
        if not self.elements:
            return 0
        last = sum((n - 1) * s for n, s in zip(self.shape, self.layout_strides, strict=True))
        return (last + 1) * self.elem_bytes


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move a tile along one ACG edge."""

    index: int
    edge: Edge
    src: TileRef
    dst: TileRef
    origin: str  # codelet / stage the transfer serves, for messages
    kind: str = "load"  # "load" (towards compute) or "store" (towards off-chip)

    @property
    def nbytes(self) -> int:
        return self.dst.nbytes


@dataclass(frozen=True, slots=True)
class Compute:
    """One capability invocation on a box of a stage's iteration space."""

    index: int
    node: ComputeNode
    capability: str  # Capability.label on that node
    stage: int
    box: tuple[tuple[str, int, int], ...]  # (loop, start, stop)
    tiles: tuple[tuple[PortRole, TileRef], ...]  # the tile of each role
    init: bool
    cycles: int
    latency_cycles: int
    origin: str
    operations: int  # statement executions (MACs, elements)
    params: tuple[tuple[str, int], ...] = ()  # timing inputs: stream, used_<dim>, folds_<dim>

    def tile(self, role: PortRole) -> TileRef | None:
        for r, t in self.tiles:
            if r == role:
                return t
        return None

    @property
    def destination(self) -> TileRef | None:
        """The tile the compute writes (its ``acc`` or ``out``)."""
        return next((t for r, t in self.tiles if r in DESTINATIONS), None)


Instr = Transfer | Compute


def tiles_of(ins: Instr) -> tuple[TileRef, ...]:
    """Every tile an instruction touches: a transfer's source and destination, a compute's
    tile of each role."""
    if isinstance(ins, Transfer):
        return (ins.src, ins.dst)
    return tuple(t for _, t in ins.tiles)


@dataclass(frozen=True, slots=True)
class DramTensor:
    """An operand's home in off-chip memory (row-major)."""

    operand: str
    storage: StorageNode
    addr: int
    shape: tuple[int, ...]
    elem_bytes: int

    @property
    def tile(self) -> TileRef:
        return TileRef(
            self.operand,
            self.storage,
            self.addr,
            tuple((0, n) for n in self.shape),
            self.elem_bytes,
        )


@dataclass(frozen=True)
class Program:
    """A codelet lowered onto an ACG: off-chip layout, instructions, assembly text."""

    codelet: Codelet
    arch: str
    tensors: tuple[DramTensor, ...]
    instrs: tuple[Instr, ...]
    asm: str = field(default="", repr=False)
    extents: tuple[tuple[str, int], ...] = ()  # bytes laid out in each off-chip memory

    def __post_init__(self) -> None:
        from covenant_lab.compiler.program_check import check_fields  # it imports this module

        check_fields(self)  # a SimulationError naming the instruction and the field

    def tensor(self, operand: str) -> DramTensor:
        for t in self.tensors:
            if t.operand == operand:
                return t
        raise KeyError(operand)

    @property
    def transfers(self) -> tuple[Transfer, ...]:
        return tuple(i for i in self.instrs if isinstance(i, Transfer))

    @property
    def computes(self) -> tuple[Compute, ...]:
        return tuple(i for i in self.instrs if isinstance(i, Compute))
