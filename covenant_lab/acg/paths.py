"""Data paths: chains of edges between storage nodes, ranked best first."""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.acg.nodes import CommNode, Edge, StorageNode

__all__ = ["DataPath"]


@dataclass(frozen=True, slots=True)
class DataPath:
    """A chain of edges between storage nodes; ``vias[i]`` is the comm node of ``edges[i]``."""

    nodes: tuple[StorageNode, ...]
    edges: tuple[Edge, ...]
    vias: tuple[CommNode | None, ...] = ()

    @property
    def src(self) -> StorageNode:
        return self.nodes[0]

    @property
    def dst(self) -> StorageNode:
        return self.nodes[-1]

    @property
    def hops(self) -> int:
        return len(self.edges)

    @property
    def bottleneck_bytes_per_cycle(self) -> float:
        """The narrowest edge or comm node on the path (a zero-hop path: the node's read bw)."""
        widths = [e.bytes_per_cycle for e in self.edges]
        widths += [c.bytes_per_cycle for c in self.vias if c is not None]
        return min(widths) if widths else self.nodes[0].read_bytes_per_cycle

    @property
    def latency_cycles(self) -> int:
        """Sum of the edge latencies and of the comm-node latencies along the path."""
        total = sum(e.latency_cycles for e in self.edges)
        return total + sum(c.latency_cycles for c in self.vias if c is not None)

    @property
    def rank(self) -> tuple[float, int, int, tuple[str, ...]]:
        """Sort key, best first: wider bottleneck, fewer hops, lower latency, then names."""
        names = tuple(n.name for n in self.nodes)
        return (-self.bottleneck_bytes_per_cycle, self.hops, self.latency_cycles, names)

    def __repr__(self) -> str:
        return f"DataPath({self})"

    def __str__(self) -> str:
        chain = " -> ".join(n.name for n in self.nodes)
        return f"{chain} ({self.bottleneck_bytes_per_cycle} B/cyc, {self.latency_cycles} cyc)"
