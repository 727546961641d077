"""Pure edits of an ACG: each returns a new ACG rebuilt and validated from an edited document.

Edits change the document the ACG was loaded from (``ACG.spec``) and rebuild it through the
same validation as a file, so an edit that breaks a rule raises an
:class:`~covenant_lab.errors.ArchError` naming the field. Expressions stay symbolic: after
``with_param("rows", 16)`` every size written as ``rows * ...`` follows.

Example::

    small = load_arch("genesys").with_param("rows", 16).with_param("cols", 16)
    no_dma = acg.remove_node("axi")          # edges routed via axi become direct edges
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from covenant_lab.acg.expr import Expr
from covenant_lab.acg.graph import ACG, thaw
from covenant_lab.acg.nodes import CommNode, ComputeNode, StorageNode
from covenant_lab.acg.schema import SCHEMA
from covenant_lab.errors import ArchError, UsageError
from covenant_lab.quote import quote_value

__all__ = [
    "NodeKind",
    "add_edge",
    "add_node",
    "remove_edge",
    "remove_node",
    "with_node_attr",
    "with_param",
    "with_params",
]


class NodeKind(Enum):
    """The three kinds of ACG node; the value is the ``node.kind`` string."""

    STORAGE = "storage"
    COMPUTE = "compute"
    COMM = "comm"

    @property
    def section(self) -> str:
        """The top-level key of the architecture file holding nodes of this kind."""
        return "communication" if self is NodeKind.COMM else self.value


def _kind_of(node: StorageNode | ComputeNode | CommNode) -> NodeKind:
    return NodeKind(node.kind)


def _attrs_allowed(kind: NodeKind) -> tuple[str, ...]:
    props: dict[str, Any] = SCHEMA["properties"][kind.section]["additionalProperties"]["properties"]
    return tuple(props)


def _rebuild(acg: ACG, spec: dict[str, Any], what: str) -> ACG:
    from covenant_lab.acg.load import build_acg

    try:
        return build_acg(spec, source=acg.source, comment=acg.comment)
    except ArchError as exc:
        raise ArchError(f"{what} on {acg.source}", exc.problems) from None


def _spec(acg: ACG) -> dict[str, Any]:
    from covenant_lab.acg.save import spec_of

    return spec_of(acg)


def _plain(value: Any) -> Any:
    if isinstance(value, Expr):
        return str(value)
    return thaw(value)


def with_param(acg: ACG, name: str, value: int) -> ACG:
    """The ACG with parameter ``name`` set to ``value`` (every expression re-evaluated)."""
    return with_params(acg, {name: value})


def with_params(acg: ACG, values: Mapping[str, int]) -> ACG:
    """The ACG with several parameters set at once (useful when they must change together)."""
    spec = _spec(acg)
    params = dict(spec.get("params") or {})
    for name, value in values.items():
        if name not in params:
            raise UsageError(
                f"with_param: {acg.name} has no parameter {name!r}",
                hint=f"params: {', '.join(params) or 'none'}",
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(
                f"with_param: argument 'value' for {name!r}: expected an int, "
                f"got {quote_value(value)}"
            )
        params[name] = value
    spec["params"] = params
    what = "with_param(" + ", ".join(f"{k}={quote_value(v)}" for k, v in values.items()) + ")"
    return _rebuild(acg, spec, what)


def with_node_attr(acg: ACG, node: str, attr: str, value: Any) -> ACG:
    """The ACG with one attribute of a node set (``None`` removes it).

    ``attr`` is a field of the node's entry in the file: ``capacity_bytes``, ``buffering``,
    ``read_bytes_per_cycle``, ``bytes_per_cycle``, ``description``..., or ``dims.<dim>`` for a
    compute node. ``value`` is a number, an expression (text or Expr) or a bool.
    """
    kind = _kind_of(acg.node(node))
    spec = _spec(acg)
    entry: dict[str, Any] = spec[kind.section][node]
    what = f"with_node_attr({node!r}, {quote_value(attr)}, {quote_value(value)})"
    if kind is NodeKind.COMPUTE and attr.startswith("dims."):
        dim = attr.removeprefix("dims.")
        dims = entry.setdefault("dims", {})
        if dim not in dims:
            raise UsageError(f"{what}: {node} has no dim {dim!r}", hint=f"dims: {', '.join(dims)}")
        entry, attr = dims, dim
    elif attr not in _attrs_allowed(kind) or attr in ("capabilities", "dims"):
        allowed = [a for a in _attrs_allowed(kind) if a not in ("capabilities", "dims")]
        if kind is NodeKind.COMPUTE:
            allowed.append("dims.<dim>")
        raise UsageError(
            f"{what}: {kind.value} node {node!r} has no attribute {attr!r}",
            hint=f"attributes: {', '.join(allowed)}",
        )
    if value is None:
        entry.pop(attr, None)
    else:
        entry[attr] = _plain(value)
    return _rebuild(acg, spec, what)


def add_node(
    acg: ACG,
    kind: NodeKind | str,
    name: str,
    attrs: Mapping[str, Any],
    *,
    edges: Sequence[Mapping[str, Any]] = (),
) -> ACG:
    """The ACG with a new node; ``attrs`` is its entry as written in a file.

    ``edges`` (entries as in a file: ``{"from": ..., "to": ..., "bytes_per_cycle": ...}``)
    are added in the same edit, since a compute node is only valid once it is connected.
    """
    try:
        node_kind = NodeKind(kind)
    except ValueError:
        raise UsageError(
            f"add_node: argument 'kind': expected one of storage, compute, comm, got {kind!r}"
        ) from None
    if any(n.name == name for n in acg.nodes):
        raise UsageError(f"add_node: {acg.name} already has a node named {name!r}")
    spec = _spec(acg)
    section = dict(spec.get(node_kind.section) or {})
    section[name] = {k: _plain(v) for k, v in attrs.items()}
    spec[node_kind.section] = section
    spec["edges"] = [
        *(spec.get("edges") or []),
        *({k: _plain(v) for k, v in e.items()} for e in edges),
    ]
    return _rebuild(acg, spec, f"add_node({node_kind.value}, {name!r})")


def remove_node(acg: ACG, name: str) -> ACG:
    """The ACG without node ``name`` and its edges (edges routed via a removed comm node
    become direct edges). Capabilities still naming it make the result invalid."""
    kind = _kind_of(acg.node(name))
    spec = _spec(acg)
    del spec[kind.section][name]
    edges = []
    for e in spec.get("edges") or []:
        if name in (e.get("from"), e.get("to")):
            continue
        if e.get("via") == name:
            e = {k: v for k, v in e.items() if k != "via"}
        edges.append(e)
    spec["edges"] = edges
    return _rebuild(acg, spec, f"remove_node({name!r})")


def add_edge(
    acg: ACG,
    src: str,
    dst: str,
    bytes_per_cycle: int | str | Expr,
    *,
    latency_cycles: int | str | Expr = 0,
    via: str | None = None,
    template: str = "",
) -> ACG:
    """The ACG with a new edge ``src -> dst``."""
    if acg.edge(src, dst) is not None:
        raise UsageError(f"add_edge: {acg.name} already has an edge {src} -> {dst}")
    spec = _spec(acg)
    edge: dict[str, Any] = {"from": src, "to": dst, "bytes_per_cycle": _plain(bytes_per_cycle)}
    if latency_cycles != 0:
        edge["latency_cycles"] = _plain(latency_cycles)
    if via is not None:
        edge["via"] = via
    if template:
        edge["template"] = template
    spec["edges"] = [*(spec.get("edges") or []), edge]
    return _rebuild(acg, spec, f"add_edge({src!r}, {dst!r})")


def remove_edge(acg: ACG, src: str, dst: str) -> ACG:
    """The ACG without the edge ``src -> dst``."""
    if acg.edge(src, dst) is None:
        raise UsageError(f"remove_edge: {acg.name} has no edge {src} -> {dst}")
    spec = _spec(acg)
    spec["edges"] = [
        e for e in spec.get("edges") or [] if (e.get("from"), e.get("to")) != (src, dst)
    ]
    return _rebuild(acg, spec, f"remove_edge({src!r}, {dst!r})")
