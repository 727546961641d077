"""Components of an Architecture Covenant Graph: storage, compute and communication nodes, edges."""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.acg.capabilities import Capability


@dataclass(frozen=True, slots=True)
class StorageNode:
    """A memory the compiler manages explicitly (a scratchpad, a register file, DRAM)."""

    name: str
    capacity_bytes: int | None  # None: unbounded (off-chip DRAM)
    read_bytes_per_cycle: int
    write_bytes_per_cycle: int
    latency_cycles: int = 0
    buffering: int = 1  # 2: double buffered (ping-pong tiles)
    banks: int = 1
    word_bytes: int = 1
    off_chip: bool = False
    description: str = ""

    @property
    def kind(self) -> str:
        return "storage"


@dataclass(frozen=True, slots=True)
class ComputeNode:
    """A fixed-function compute unit with spatial dimensions and capabilities."""

    name: str
    dims: tuple[tuple[str, int], ...]  # e.g. (("rows", 32), ("cols", 32))
    capabilities: tuple[Capability, ...]
    description: str = ""

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
    bytes_per_cycle: int
    latency_cycles: int = 0
    description: str = ""

    @property
    def kind(self) -> str:
        return "comm"


Node = StorageNode | ComputeNode | CommNode


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed data path between two nodes, optionally routed through a communication node."""

    src: str
    dst: str
    bytes_per_cycle: int
    latency_cycles: int = 0
    via: str | None = None  # name of a CommNode
    template: str = ""  # instruction template for transfers on this edge

    @property
    def key(self) -> tuple[str, str]:
        return (self.src, self.dst)
