"""Semantic validation of an ACG: the rules that need the whole graph.

Every check appends :class:`~covenant_lab.errors.ArchProblem` s to a :class:`Problems`
collector, keyed by the YAML path of the offending field; the loader raises them all at once
as one :class:`~covenant_lab.errors.ArchError`.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Mapping

import networkx as nx

from covenant_lab.acg.capabilities import Capability, OverheadPer
from covenant_lab.acg.expr import Func
from covenant_lab.acg.homes import REQUIRED, TensorHome
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, Edge, EdgeId, Node, StorageNode
from covenant_lab.errors import ArchError, ArchProblem
from covenant_lab.types import DESTINATIONS, PortRole

__all__ = [
    "INVOCATION_NAMES",
    "Problems",
    "TemplateError",
    "check_acg_parts",
    "check_homes",
    "known_hint",
    "reserved_name",
    "template_fields",
]

INVOCATION_NAMES = frozenset({"stream", "elems"})  # plus used_<dim>
_LONG = 500  # characters of a message or hint: input is quoted, never echoed whole
_PARENT = re.compile(r"^(.*?)(\.[^.\[\]]+|\[\d+\])$")


class Problems:
    """Collects ArchProblems; resolves each field's line from the YAML line map."""

    def __init__(self, lines: Mapping[str, int] | None = None) -> None:
        self.lines: Mapping[str, int] = lines if lines is not None else {}
        self.items: list[ArchProblem] = []

    def add(self, field: str, message: str, hint: str | None = None) -> None:
        cut = [t if t is None or len(t) <= _LONG else t[:_LONG] + "…" for t in (message, hint)]
        self.items.append(ArchProblem(field, cut[0] or "", line=self.line(field), hint=cut[1]))

    def line(self, field: str) -> int | None:
        """The line of ``field`` or of its nearest enclosing field in the file."""
        path = field
        while path:
            if path in self.lines:
                return self.lines[path]
            match = _PARENT.match(path)
            path = match.group(1) if match else ""
        return None

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, source: str) -> None:
        if self.items:
            raise ArchError(source, self.items)


class TemplateError(ValueError):
    """An instruction template uses more than plain ``{name}`` fields."""


def template_fields(template: str) -> tuple[str, ...]:
    """The field names of an instruction template (TemplateError unless all are plain names)."""
    names: list[str] = []
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"malformed template: {exc}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name.isidentifier():
            raise TemplateError(
                f"field {{{name}}} must be a plain name (no attribute, index or positional fields)"
            )
        if conversion is not None:
            raise TemplateError(f"field {{{name}!{conversion}}}: conversions are not allowed")
        if spec:
            raise TemplateError(f"field {{{name}:{spec}}}: format specs are not allowed")
        names.append(name)
    return tuple(dict.fromkeys(names))


def reserved_name(name: str) -> bool:
    """Names a parameter or a dimension may not take (invocation variables and functions)."""
    return name in INVOCATION_NAMES or name.startswith("used_") or name in {f.value for f in Func}


def check_acg_parts(
    storage: tuple[StorageNode, ...],
    compute: tuple[ComputeNode, ...],
    comm: tuple[CommNode, ...],
    edges: tuple[Edge, ...],
    problems: Problems,
) -> None:
    """Run every whole-graph check on built nodes and edges (in file order)."""
    nodes = _check_names(storage, compute, comm, problems)
    _check_storage(storage, nodes, problems)
    _check_edges(edges, nodes, problems)
    graph = _graph(nodes, edges)
    reach = _storage_reach(graph, nodes)
    for node in compute:
        for index, cap in enumerate(node.capabilities):
            _check_capability(node, index, cap, nodes, graph, reach, problems)
        _check_labels(node, problems)
    _check_reachable(storage, compute, graph, problems)


def _kind_path(node: Node) -> str:
    section = {"storage": "storage", "compute": "compute", "comm": "communication"}[node.kind]
    return f"{section}.{node.name}"


def _check_names(
    storage: tuple[StorageNode, ...],
    compute: tuple[ComputeNode, ...],
    comm: tuple[CommNode, ...],
    problems: Problems,
) -> dict[str, Node]:
    seen: dict[str, Node] = {}
    every: list[Node] = [*storage, *compute, *comm]
    for node in every:
        other = seen.get(node.name)
        if other is not None:
            problems.add(
                _kind_path(node),
                f"name '{node.name}' is already used by {other.kind} node '{other.name}'",
                hint="node names must be unique across storage, compute and communication",
            )
            continue
        seen[node.name] = node
    for node in compute:
        for dim, _ in node.dims:
            if reserved_name(dim):
                problems.add(f"compute.{node.name}.dims.{dim}", f"'{dim}' is a reserved name")
    return seen


def _check_storage(
    storage: tuple[StorageNode, ...], nodes: Mapping[str, Node], problems: Problems
) -> None:
    if not any(s.off_chip for s in storage):
        problems.add(
            "storage",
            "no off-chip storage",
            hint="mark the main memory (e.g. DRAM) with off_chip: true",
        )
    for s in storage:
        if not s.off_chip and s.capacity_bytes is None:
            problems.add(f"storage.{s.name}.capacity_bytes", "on-chip storage needs a capacity")
        if s.off_chip and s.access is Access.FIFO:
            problems.add(f"storage.{s.name}.access", "an off-chip memory cannot be a FIFO")
        if s.private_to is None:
            continue
        owner = nodes.get(s.private_to)
        if not isinstance(owner, ComputeNode):
            computes = [n for n, v in nodes.items() if isinstance(v, ComputeNode)]
            what = "unknown compute node" if owner is None else f"{owner.kind} node, not compute:"
            problems.add(
                f"storage.{s.name}.private_to",
                f"{what} '{s.private_to}'",
                hint=known_hint(s.private_to, computes),
            )
        if s.off_chip:
            problems.add(
                f"storage.{s.name}.private_to", "an off-chip memory cannot be private to PEs"
            )


def check_homes(
    given: Mapping[TensorHome, str], storage: tuple[StorageNode, ...], problems: Problems
) -> None:
    """``homes:`` names off-chip memories, and says enough when there are several."""
    offchip = [s.name for s in storage if s.off_chip]
    names = {s.name: s for s in storage}
    for kind, name in given.items():
        node = names.get(name)
        if node is None or not node.off_chip:
            what = "unknown storage" if node is None else "on-chip storage"
            problems.add(
                f"homes.{kind.value}",
                f"{what} '{name}': a home must be an off-chip memory",
                hint=known_hint(name, offchip),
            )
    if len(offchip) < 2:
        return
    missing = [k.value for k in REQUIRED if k not in given]
    if missing:
        problems.add(
            "homes" if given else "storage",
            f"{len(offchip)} off-chip memories ({', '.join(offchip)}): say which holds "
            f"{' and '.join(missing)}",
            hint="homes: {" + ", ".join(f"{k}: <{' | '.join(offchip)}>" for k in missing) + "}",
        )


def _check_edges(edges: tuple[Edge, ...], nodes: Mapping[str, Node], problems: Problems) -> None:
    seen: set[EdgeId] = set()
    for i, e in enumerate(edges):
        where = f"edges[{i}]"
        for key, name in (("from", e.src), ("to", e.dst)):
            node = nodes.get(name)
            if node is None:
                problems.add(
                    f"{where}.{key}", f"unknown node '{name}'", hint=known_hint(name, nodes)
                )
            elif isinstance(node, CommNode):
                problems.add(
                    f"{where}.{key}",
                    f"an edge cannot start or end at comm node '{name}'",
                    hint=f"route the edge through it instead: via: {name}",
                )
        if e.src == e.dst:
            problems.add(where, f"edge from '{e.src}' to itself")
        if e.key in seen:
            problems.add(where, f"duplicate edge {e.src} -> {e.dst}")
        seen.add(e.key)
        if e.via is not None:
            via = nodes.get(e.via)
            if via is None:
                comms = [n for n, v in nodes.items() if isinstance(v, CommNode)]
                problems.add(
                    f"{where}.via", f"unknown comm node '{e.via}'", hint=known_hint(e.via, comms)
                )
            elif not isinstance(via, CommNode):
                problems.add(
                    f"{where}.via",
                    f"'{e.via}' is a {via.kind} node; via must name a communication node",
                )
        _check_template(e.template, f"{where}.template", problems)


def _check_template(template: str, field: str, problems: Problems) -> None:
    try:
        template_fields(template)
    except TemplateError as exc:
        problems.add(field, str(exc), hint="templates are str.format strings with {name} fields")


def _graph(nodes: Mapping[str, Node], edges: tuple[Edge, ...]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((e.src, e.dst) for e in edges if e.src in nodes and e.dst in nodes)
    return graph


def _storage_reach(graph: nx.DiGraph, nodes: Mapping[str, Node]) -> tuple[set[str], set[str]]:
    """(storages reachable from off-chip, storages that reach off-chip) over storage edges."""
    stores = {n: v for n, v in nodes.items() if isinstance(v, StorageNode)}
    sub = graph.subgraph(stores)
    offchip = [n for n, v in stores.items() if v.off_chip]
    down: set[str] = set(offchip)
    up: set[str] = set(offchip)
    for mem in offchip:
        down |= nx.descendants(sub, mem)
        up |= nx.ancestors(sub, mem)
    return down, up


def _check_capability(  # noqa: C901 - a flat list of independent checks
    node: ComputeNode,
    index: int,
    cap: Capability,
    nodes: Mapping[str, Node],
    graph: nx.DiGraph,
    reach: tuple[set[str], set[str]],
    problems: Problems,
) -> None:
    where = f"compute.{node.name}.capabilities[{index}]"
    required = cap.op.roles
    allowed = (*required, PortRole.INIT) if cap.op.accumulates else required
    roles = set(cap.roles)
    for missing in (r for r in required if r not in roles):
        problems.add(
            f"{where}.operands",
            f"op {cap.op.value} needs an operand for role '{missing}'",
            hint=f"roles of {cap.op.value}: {_roles_text(cap)}",
        )
    for port in cap.ports:
        field = f"{where}.operands.{port.role}"
        if port.role not in allowed:
            problems.add(
                field,
                f"role '{port.role}' is not valid for op {cap.op.value}",
                hint=f"roles of {cap.op.value}: {_roles_text(cap)}",
            )
            continue
        for i, storage in enumerate(port.storages):
            item = f"{field}[{i}]" if port.alternatives else field
            _check_port_storage(node, port.role, storage, item, nodes, graph, reach, problems)
    dims = dict(node.dims)
    entries = {sd.dim: sum(1 for s in cap.spatial if s.dim == sd.dim) for sd in cap.spatial}
    seen: dict[str, int] = {}
    for sd in cap.spatial:
        field = f"{where}.spatial.{sd.dim}"
        if entries[sd.dim] > 1:
            field += f"[{seen.get(sd.dim, 0)}]"
            seen[sd.dim] = seen.get(sd.dim, 0) + 1
        if sd.dim not in dims:
            problems.add(field, f"{node.name} has no dim '{sd.dim}'", hint=known_hint(sd.dim, dims))
        for key, group in (("requires", sd.requires), ("excludes", sd.excludes)):
            for role in sorted(group - roles):
                problems.add(
                    f"{field}.{key}",
                    f"role '{role}' is not an operand of this capability",
                    hint=f"operand roles: {', '.join(cap.roles)}",
                )
        if sd.requires & sd.excludes:
            problems.add(
                field, f"roles both required and excluded: {sorted(sd.requires & sd.excludes)}"
            )
    for key, group in (("requires", cap.stream_requires), ("excludes", cap.stream_excludes)):
        for role in sorted(group - roles):
            problems.add(
                f"{where}.stream.{key}",
                f"role '{role}' is not an operand of this capability",
                hint=f"operand roles: {', '.join(cap.roles)}",
            )
    if cap.overhead_cycles is None and cap.overhead_per is not OverheadPer.PASS:
        problems.add(
            f"{where}.overhead_per",
            f"'{cap.overhead_per.value}' with no overhead_cycles: there is nothing to pay once "
            "per invocation",
            hint="add overhead_cycles (the pipeline fill and drain), or remove overhead_per",
        )
    if cap.overhead_cycles is not None:
        for name in sorted(cap.overhead_cycles.names - {"stream"}):
            problems.add(
                f"{where}.overhead_cycles",
                f"unknown name '{name}'",
                hint="overhead_cycles may use the params, the node's dims and stream",
            )
    allowed_names = INVOCATION_NAMES | {f"used_{d}" for d in dims}
    for name in sorted(cap.cycles.names - allowed_names):
        problems.add(
            f"{where}.cycles",
            f"unknown name '{name}'",
            hint="cycles may use the params, the node's dims ("
            + ", ".join(dims)
            + "), stream, elems and used_<dim>",
        )
    _check_template(cap.template, f"{where}.template", problems)


def _check_port_storage(
    node: ComputeNode,
    role: str,
    storage: str,
    field: str,
    nodes: Mapping[str, Node],
    graph: nx.DiGraph,
    reach: tuple[set[str], set[str]],
    problems: Problems,
) -> None:
    """One storage a port may use: it exists, connects to the node, and to off-chip memory."""
    store = nodes.get(storage)
    if not isinstance(store, StorageNode):
        what = "unknown storage" if store is None else f"{store.kind} node, not a storage:"
        stores = [n for n, v in nodes.items() if isinstance(v, StorageNode)]
        problems.add(field, f"{what} '{storage}'", hint=known_hint(storage, stores))
        return
    if store.off_chip:
        problems.add(
            field,
            f"'{store.name}' is off-chip memory: a capability reads and writes on-chip storage",
            hint=f"add an on-chip buffer with edges from and to {store.name} and name it here",
        )
        return
    down, up = reach
    source = role not in DESTINATIONS
    src, dst = (store.name, node.name) if source else (node.name, store.name)
    if not graph.has_edge(src, dst):
        problems.add(
            field,
            f"{node.name} cannot {'read' if source else 'write'} '{store.name}': "
            f"no edge {src} -> {dst}",
            hint=f"add an edge {{from: {src}, to: {dst}, bytes_per_cycle: ...}}",
        )
    elif source and store.name not in down and not _written_by_compute(store.name, nodes, graph):
        problems.add(
            field,
            f"'{store.name}' cannot be loaded from off-chip memory, and no compute node "
            "writes it",
            hint=f"add an edge into {store.name} from a storage fed by off-chip memory",
        )
    elif not source and store.name not in up:
        problems.add(field, f"'{store.name}' has no path back to off-chip memory")


def _written_by_compute(store: str, nodes: Mapping[str, Node], graph: nx.DiGraph) -> bool:
    """Whether a compute node writes ``store`` (it can hold a temp another unit reads)."""
    return any(isinstance(nodes.get(n), ComputeNode) for n in graph.predecessors(store))


def _check_labels(node: ComputeNode, problems: Problems) -> None:
    seen: set[str] = set()
    for i, cap in enumerate(node.capabilities):
        if cap.label in seen:
            problems.add(
                f"compute.{node.name}.capabilities[{i}].name",
                f"duplicate capability name '{cap.label}'",
                hint="give one of them a distinct name: field",
            )
        seen.add(cap.label)


def _check_reachable(
    storage: tuple[StorageNode, ...],
    compute: tuple[ComputeNode, ...],
    graph: nx.DiGraph,
    problems: Problems,
) -> None:
    reach: set[str] = set()
    for mem in (s for s in storage if s.off_chip):
        reach |= nx.descendants(graph, mem.name)
    for node in compute:
        if node.name not in reach:
            problems.add(
                f"compute.{node.name}",
                f"compute node '{node.name}' is unreachable from off-chip memory",
                hint="add edges from a storage node fed by off-chip memory",
            )


def _roles_text(cap: Capability) -> str:
    text = ", ".join(cap.op.roles)
    return text + (" (and optional init)" if cap.op.accumulates else "")


def known_hint(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    lead = f"did you mean '{close[0]}'? " if close else ""
    return lead + "known: " + (", ".join(names) or "none")
