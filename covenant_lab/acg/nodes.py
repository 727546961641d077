"""Components of an Architecture Covenant Graph: storage, compute and communication nodes, edges."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from covenant_lab.acg.capabilities import Capability
from covenant_lab.types import DType


class EdgeId(str):
    """The identity of the edge ``src -> dst``: its ``src`` and ``dst`` node names.

    It is a ``str`` (``"DRAM->SPAD"``) so that tables, JSON and timeline rows keyed by edges
    print and serialise as they read, and ``sim.bytes_moved()["DRAM->SPAD"]`` works; code
    reads ``.src`` and ``.dst`` instead of splitting the text.
    """

    src: str
    dst: str

    def __new__(cls, src: str, dst: str) -> EdgeId:
        self = super().__new__(cls, f"{src}->{dst}")
        self.src, self.dst = src, dst
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (self.src, self.dst)


class Access(Enum):
    """How a storage is addressed."""

    RAM = "ram"  # any tile at any address
    FIFO = "fifo"  # ``entries`` tiles, filled and drained in order (a weight FIFO)


@dataclass(frozen=True, slots=True)
class StorageNode:
    """A memory the compiler manages explicitly (a scratchpad, a register file, DRAM).

    ``private_to`` names a compute node whose every PE has its own copy of this storage
    (Eyeriss's spads): ``capacity_bytes`` is then the capacity of one PE's copy, and a tile
    placed here is spread over the PEs by the spatial mapping. A FIFO holds ``buffering``
    entries of ``capacity_bytes / buffering`` bytes each.
    """

    name: str
    capacity_bytes: int | None  # None: unbounded (off-chip DRAM); per PE when private
    read_bytes_per_cycle: float
    write_bytes_per_cycle: float
    latency_cycles: int = 0
    buffering: int = 1  # 2: double buffered (ping-pong tiles); a FIFO: its entries
    banks: int = 1
    word_bytes: int = 1
    off_chip: bool = False
    description: str = ""
    access: Access = Access.RAM
    private_to: str | None = None
    replicas: int = 1  # copies of a private storage: the PEs of its compute node

    @property
    def kind(self) -> str:
        return "storage"

    @property
    def total_bytes(self) -> int | None:
        """Bytes of every copy together (None: unbounded)."""
        return None if self.capacity_bytes is None else self.capacity_bytes * self.replicas


@dataclass(frozen=True, slots=True)
class ComputeNode:
    """A fixed-function compute unit with spatial dimensions and capabilities.

    ``period_cycles`` is the length of one of the node's own cycles in cycles of the
    architecture's reference clock (1.0 unless the node has a clock of its own): a host CPU
    at 2100 MHz beside a 700 MHz accelerator has ``period_cycles = 1/3``. ``fallback`` marks a
    general-purpose unit (a host CPU, a scalar core): the compiler may use it, and reports
    each layer that runs there.
    """

    name: str
    dims: tuple[tuple[str, int], ...]  # e.g. (("rows", 32), ("cols", 32))
    capabilities: tuple[Capability, ...]
    description: str = ""
    period_cycles: float = 1.0
    fallback: bool = False

    @property
    def kind(self) -> str:
        return "compute"

    def dim(self, name: str) -> int:
        return dict(self.dims)[name]

    @property
    def size(self) -> int:
        """Number of processing elements (product of the dimensions)."""
        n = 1
        for _, s in self.dims:
            n *= s
        return n


@dataclass(frozen=True, slots=True)
class CommNode:
    """A shared bus, DMA engine or NoC; transfers routed through it take turns."""

    name: str
    bytes_per_cycle: float
    latency_cycles: int = 0
    description: str = ""

    @property
    def kind(self) -> str:
        return "comm"


Node = StorageNode | ComputeNode | CommNode


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed data path between two nodes, optionally routed through a communication node.

    ``dtype`` (a conversion unit on the path, such as a requantising activation unit) is the
    element type data have on the memory side of the edge: past it, away from the compute
    node, an operand is held at that width.
    """

    src: str
    dst: str
    bytes_per_cycle: float
    latency_cycles: int = 0
    via: str | None = None  # name of a CommNode
    template: str = ""  # instruction template for transfers on this edge
    dtype: DType | None = None

    @property
    def key(self) -> EdgeId:
        return EdgeId(self.src, self.dst)
