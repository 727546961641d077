"""The Architecture Covenant Graph: an immutable, validated model of one accelerator.

An :class:`ACG` is built by :func:`covenant_lab.acg.load_arch` (from a file) or by its edit
methods (from another ACG). Queries answer what the compiler needs: nodes by name, the data
paths between storage levels with their bandwidth bottleneck and latency, the storage levels
around a compute node, and which compute nodes provide an operation. networkx is used
inside and never appears in a signature.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.energy import ArchEnergy
from covenant_lab.acg.frozen import FrozenMap, freeze, thaw
from covenant_lab.acg.homes import TensorHome, resolve
from covenant_lab.acg.nodes import CommNode, ComputeNode, Edge, EdgeId, Node, StorageNode
from covenant_lab.acg.paths import DataPath
from covenant_lab.errors import UsageError
from covenant_lab.types import DType, OpKind

if TYPE_CHECKING:
    from covenant_lab.acg.edits import NodeKind

__all__ = ["ACG", "DataPath", "FrozenMap", "freeze", "thaw"]  # re-exported from their modules


@dataclass(frozen=True, slots=True)
class ACG:
    """An immutable, validated architecture (see the module docstring of ``acg.load``)."""

    name: str
    description: str
    params: tuple[tuple[str, int], ...]
    storage_nodes: tuple[StorageNode, ...]
    compute_nodes: tuple[ComputeNode, ...]
    comm_nodes: tuple[CommNode, ...]
    edges: tuple[Edge, ...]
    homes: tuple[tuple[TensorHome, str], ...] = ()  # every kind's off-chip memory
    clock_mhz: float | None = None  # the reference clock of every cycle count, when given
    energy: ArchEnergy = field(default_factory=ArchEnergy)  # resolved by acg.energy_model
    source: str = field(default="<memory>", compare=False)
    spec: Mapping[str, Any] = field(default_factory=FrozenMap, compare=False, repr=False)
    comment: str = field(default="", compare=False, repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.homes:  # built in memory: the defaults a file without homes: gets
            homes = resolve({}, tuple(s.name for s in self.storage_nodes if s.off_chip))
            object.__setattr__(self, "homes", homes)

    # lookups
    @property
    def param_values(self) -> dict[str, int]:
        return dict(self.params)

    def param(self, name: str) -> int:
        for key, value in self.params:
            if key == name:
                return value
        raise UsageError(
            f"{self.name}: no parameter {name!r}",
            hint=_known_hint(name, [k for k, _ in self.params]),
        )

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (*self.storage_nodes, *self.compute_nodes, *self.comm_nodes)

    def _index(self) -> dict[str, Node]:
        index: dict[str, Node] | None = self._cache.get("index")
        if index is None:
            index = {n.name: n for n in self.nodes}
            self._cache["index"] = index
        return index

    def node(self, name: str) -> Node:
        """The node called ``name`` (UsageError listing the known names if none)."""
        node = self._index().get(name)
        if node is None:
            raise UsageError(
                f"{self.name}: no node named {name!r}", hint=_known_hint(name, self._index())
            )
        return node

    def _typed(self, name: str, kind: type[Any], label: str) -> Any:
        node = self.node(name)
        if not isinstance(node, kind):
            raise UsageError(f"{self.name}: {name!r} is a {node.kind} node, not a {label} node")
        return node

    def storage(self, name: str) -> StorageNode:
        result: StorageNode = self._typed(name, StorageNode, "storage")
        return result

    def compute(self, name: str) -> ComputeNode:
        result: ComputeNode = self._typed(name, ComputeNode, "compute")
        return result

    def comm(self, name: str) -> CommNode:
        result: CommNode = self._typed(name, CommNode, "comm")
        return result

    @property
    def offchip(self) -> tuple[StorageNode, ...]:
        return tuple(s for s in self.storage_nodes if s.off_chip)

    def home(self, kind: TensorHome) -> StorageNode:
        """The off-chip memory holding tensors of ``kind`` (``homes:`` in the file)."""
        name = dict(self.homes).get(kind)
        if name is None:
            raise UsageError(
                f"{self.name}: no home for {kind.value} among the off-chip memories "
                f"{', '.join(s.name for s in self.offchip) or '(none)'}",
                hint=f"say where they live: homes: {{{kind.value}: <off-chip storage>}}",
            )
        return self.storage(name)

    def edge(self, src: str | Node, dst: str | Node) -> Edge | None:
        """The edge from ``src`` to ``dst`` (names or nodes), or None."""
        edges: dict[EdgeId, Edge] | None = self._cache.get("edges")
        if edges is None:
            edges = {e.key: e for e in self.edges}
            self._cache["edges"] = edges
        return edges.get(EdgeId(_name(src), _name(dst)))

    def via(self, edge: Edge) -> CommNode | None:
        """The comm node an edge is routed through, if any."""
        return self.comm(edge.via) if edge.via is not None else None

    def edges_from(self, node: str | Node) -> tuple[Edge, ...]:
        name = _name(node)
        return tuple(e for e in self.edges if e.src == name)

    def edges_to(self, node: str | Node) -> tuple[Edge, ...]:
        name = _name(node)
        return tuple(e for e in self.edges if e.dst == name)

    # bandwidth
    @property
    def offchip_bytes_per_cycle(self) -> tuple[float, float]:
        """(read, write) bandwidth of off-chip memory, limited by its edges and comm nodes."""
        read: float = 0
        write: float = 0
        for mem in self.offchip:
            r, w = self.memory_bytes_per_cycle(mem)
            read, write = read + r, write + w
        return read, write

    def _aggregate(self, edges: tuple[Edge, ...]) -> float:
        """Total bandwidth of parallel edges; edges sharing a comm node share its bandwidth."""
        direct = sum(e.bytes_per_cycle for e in edges if e.via is None)
        shared: dict[str, float] = {}
        for e in edges:
            if e.via is not None:
                shared[e.via] = shared.get(e.via, 0) + e.bytes_per_cycle
        return direct + sum(min(bw, self.comm(c).bytes_per_cycle) for c, bw in shared.items())

    def transfer_rate(self, edge: Edge) -> float:
        """Bytes per cycle of a transfer on ``edge``: the narrowest of the edge, its comm node,
        the source's read and the destination's write bandwidth (a private storage's ports
        work in every PE at once: its bandwidth times its replicas)."""
        key = ("rate", edge)
        cached: float | None = self._cache.get(key)
        if cached is not None:  # the search asks for every move of every candidate batch
            return cached
        rate = edge.bytes_per_cycle
        if edge.via is not None:
            rate = min(rate, self.comm(edge.via).bytes_per_cycle)
        for name, read in ((edge.src, True), (edge.dst, False)):
            node = self.node(name)
            if isinstance(node, StorageNode):
                port = node.read_bytes_per_cycle if read else node.write_bytes_per_cycle
                rate = min(rate, port * node.replicas)
        self._cache[key] = rate
        return rate

    def transfer_latency(self, edge: Edge) -> int:
        """Cycles before a transfer's data are usable: the edge's, its comm node's and the
        source storage's latency."""
        key = ("latency", edge)
        cached: int | None = self._cache.get(key)
        if cached is not None:
            return cached
        latency = edge.latency_cycles
        if edge.via is not None:
            latency += self.comm(edge.via).latency_cycles
        src = self.node(edge.src)
        if isinstance(src, StorageNode):
            latency += src.latency_cycles
        self._cache[key] = latency
        return latency

    # paths
    def _graph(self) -> nx.DiGraph:
        graph: nx.DiGraph | None = self._cache.get("graph")
        if graph is None:
            graph = nx.DiGraph()
            for node in self.nodes:
                graph.add_node(node.name, kind=node.kind)
            for e in self.edges:
                graph.add_edge(e.src, e.dst, edge=e)
            self._cache["graph"] = graph
        return graph

    def _storage_graph(self) -> nx.DiGraph:
        sub: nx.DiGraph | None = self._cache.get("storage_graph")
        if sub is None:
            sub = self._graph().subgraph(s.name for s in self.storage_nodes).copy()
            self._cache["storage_graph"] = sub
        return sub

    def data_paths(self, src: str | Node, dst: str | Node) -> tuple[DataPath, ...]:
        """Every simple storage-only path from ``src`` to ``dst``, best first (DataPath.rank)."""
        a, b = self.storage(_name(src)), self.storage(_name(dst))
        key = ("paths", a.name, b.name)
        cached: tuple[DataPath, ...] | None = self._cache.get(key)
        if cached is not None:
            return cached
        if a.name == b.name:
            paths: list[DataPath] = [DataPath((a,), ())]
        else:
            paths = [
                self._path(names)
                for names in nx.all_simple_paths(self._storage_graph(), a.name, b.name)
            ]
        result = tuple(sorted(paths, key=lambda p: p.rank))
        self._cache[key] = result
        return result

    def _path(self, names: list[str]) -> DataPath:
        edges = tuple(self.edge(s, d) for s, d in itertools.pairwise(names))
        assert all(e is not None for e in edges)
        real = tuple(e for e in edges if e is not None)
        return DataPath(
            tuple(self.storage(n) for n in names), real, tuple(self.via(e) for e in real)
        )

    def element_bytes(self, path: DataPath, port_dtype: DType, *, outward: bool) -> tuple[int, ...]:
        """Element size in each storage of ``path`` for an operand its compute port holds as
        ``port_dtype``. ``outward``: the path runs from the port to memory (a store), else from
        memory to the port. Crossing an edge that converts (``Edge.dtype``) away from the port
        gives every storage beyond it the edge's type: one rule for loads and stores."""
        nodes = path.nodes if outward else tuple(reversed(path.nodes))
        edges = path.edges if outward else tuple(reversed(path.edges))
        width = port_dtype.itemsize
        out = [width]
        for edge in edges:
            if edge.dtype is not None:
                width = edge.dtype.itemsize
            out.append(width)
        assert len(out) == len(nodes)
        return tuple(out) if outward else tuple(reversed(out))

    def best_path(self, src: str | Node, dst: str | Node) -> DataPath | None:
        paths = self.data_paths(src, dst)
        return paths[0] if paths else None

    def levels(self, compute: str | ComputeNode) -> tuple[DataPath, ...]:
        """Best paths off-chip -> each storage feeding ``compute``, and each storage it writes
        -> off-chip (storages that do not connect to off-chip memory are left out)."""
        node = self.compute(_name(compute))
        key = ("levels", node.name)
        cached: tuple[DataPath, ...] | None = self._cache.get(key)
        if cached is not None:
            return cached
        result: list[DataPath] = []
        for store in self.storage_nodes:
            if self.edge(store, node) is not None:
                best = self._best_among(self.data_paths(m, store) for m in self.offchip)
                if best is not None:
                    result.append(best)
            if self.edge(node, store) is not None:
                best = self._best_among(self.data_paths(store, m) for m in self.offchip)
                if best is not None:
                    result.append(best)
        levels = tuple(result)
        self._cache[key] = levels
        return levels

    @staticmethod
    def _best_among(groups: Iterable[tuple[DataPath, ...]]) -> DataPath | None:
        candidates = [p for paths in groups for p in paths[:1]]
        return min(candidates, key=lambda p: p.rank) if candidates else None

    # capabilities
    def providers(self, op: OpKind | str) -> tuple[tuple[ComputeNode, Capability], ...]:
        """Every (compute node, capability) performing ``op``, by node name then capability
        name (the order of entries in a file never matters)."""
        kind = _op_kind(op)
        found = [(n, c) for n in self.compute_nodes for c in n.capabilities if c.op is kind]
        return tuple(sorted(found, key=lambda nc: (nc[0].name, nc[1].label)))

    def peak_ops_per_cycle(self, op: OpKind | str) -> float:
        """The best peak among the providers of ``op``, in reference cycles (0 when none)."""
        return max((self.node_peak(n, c) for n, c in self.providers(op)), default=0)

    @staticmethod
    def node_peak(node: ComputeNode, cap: Capability) -> float:
        """Statement executions per reference cycle of ``cap`` on ``node`` (its own clock)."""
        return cap.peak_ops_per_cycle / node.period_cycles

    def memory_bytes_per_cycle(self, memory: StorageNode) -> tuple[float, float]:
        """(read, write) bandwidth of one off-chip memory, limited by its edges and comm nodes."""
        read = min(memory.read_bytes_per_cycle, self._aggregate(self.edges_from(memory)))
        write = min(memory.write_bytes_per_cycle, self._aggregate(self.edges_to(memory)))
        return read, write

    def summary(self) -> str:
        """A one-screen text summary: nodes, edges and capabilities."""
        from covenant_lab.acg.save import summary

        return summary(self)

    def to_data(self) -> dict[str, Any]:
        """A plain-data (JSON-able) description: params, nodes, capabilities, edges."""
        from covenant_lab.acg.save import to_data

        return to_data(self)

    def to_yaml(self) -> str:
        from covenant_lab.acg.save import to_yaml

        return to_yaml(self)

    # edits (pure: each returns a new validated ACG; see acg.edits)
    def with_param(self, name: str, value: int) -> ACG:
        from covenant_lab.acg import edits

        return edits.with_param(self, name, value)

    def with_params(self, values: Mapping[str, int]) -> ACG:
        from covenant_lab.acg import edits

        return edits.with_params(self, values)

    def with_node_attr(self, node: str, attr: str, value: Any) -> ACG:
        from covenant_lab.acg import edits

        return edits.with_node_attr(self, node, attr, value)

    def add_node(
        self,
        kind: NodeKind | str,
        name: str,
        attrs: Mapping[str, Any],
        *,
        edges: Sequence[Mapping[str, Any]] = (),
    ) -> ACG:
        from covenant_lab.acg import edits

        return edits.add_node(self, kind, name, attrs, edges=edges)

    def remove_node(self, name: str) -> ACG:
        from covenant_lab.acg import edits

        return edits.remove_node(self, name)

    def add_edge(
        self,
        src: str,
        dst: str,
        bytes_per_cycle: int | str,
        *,
        latency_cycles: int | str = 0,
        via: str | None = None,
        template: str = "",
    ) -> ACG:
        from covenant_lab.acg import edits

        return edits.add_edge(
            self,
            src,
            dst,
            bytes_per_cycle,
            latency_cycles=latency_cycles,
            via=via,
            template=template,
        )

    def remove_edge(self, src: str, dst: str) -> ACG:
        from covenant_lab.acg import edits

        return edits.remove_edge(self, src, dst)


def _name(node: str | Node) -> str:
    return node if isinstance(node, str) else node.name


def _op_kind(op: OpKind | str) -> OpKind:
    if isinstance(op, OpKind):
        return op
    try:
        return OpKind(op)
    except ValueError:
        raise UsageError(
            f"unknown op {op!r}", hint=_known_hint(op, [k.value for k in OpKind])
        ) from None


def _known_hint(name: str, known: Any) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    lead = f"did you mean {close[0]!r}? " if close else ""
    return lead + "known: " + (", ".join(names) or "none")
