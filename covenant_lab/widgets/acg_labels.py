"""The text of the ACGView: node labels, the attributes panel, capability details, edge labels.

Pure functions of an ACG's frozen nodes; the phrases come from :mod:`covenant_lab.acg.describe`
so the view, the static drawing and the text summary say the same thing. A node's label is its
name, then one short line per property, e.g. for a TPU-like file::

    WFIFO                 WDRAM               host                 ACC -> UB edge
    FIFO 4 x 64 KiB       off-chip            fallback unit        256 B/cyc
    R 256 / W 48.57 B/cyc R 48.57 / W ...     lanes=8              -> int8
                          home of weights     2300 MHz, 3.29x
                                              add, sub, mul +17

A per-PE private storage reads ``448 B per PE x 168`` / ``private to pe_array``; a capability
whose spatial dimension has several entries ``mac (cols: 2 entries)``.
"""

from __future__ import annotations

from typing import Any

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.describe import (
    clock_text,
    dtype_text,
    format_bytes,
    home_kinds,
    home_words,
    number,
    rate_text,
    spatial_note,
    spatial_text,
    storage_lines,
    storage_size,
)
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, Edge, StorageNode

__all__ = [
    "MAX_CHARS",
    "capabilities",
    "edge_attrs",
    "edge_label",
    "label_lines",
    "node_attrs",
    "node_lines",
]

MAX_CHARS = 24  # longer capability lists are clipped
_MAX_CAPS = 3


def _cap_label(c: Capability) -> str:
    note = spatial_note(c)
    return f"{c.label} ({note})" if note else c.label



def _compute_lines(acg: ACG, node: ComputeNode) -> list[str]:
    lines = [node.name]
    if node.fallback:
        lines.append("fallback unit")
    lines.append(" x ".join(f"{d}={s}" for d, s in node.dims) or "scalar")
    if clock_text(acg, node):
        lines.append(clock_text(acg, node))
    lines.append(_capability_line([_cap_label(c) for c in node.capabilities]))
    return lines


def _capability_line(labels: list[str]) -> str:
    """As many capability labels as fit in ``MAX_CHARS`` (``_MAX_CAPS`` at most), then how
    many more: ``add, sub, mul +17``, ``reduce_max +2``; a single long label is clipped."""
    for k in range(min(len(labels), _MAX_CAPS), 0, -1):
        text = ", ".join(labels[:k]) + (f" +{len(labels) - k}" if k < len(labels) else "")
        if len(text) <= MAX_CHARS:
            return text
    if not labels:
        return ""
    more = f" +{len(labels) - 1}" if len(labels) > 1 else ""
    return labels[0][: MAX_CHARS - len(more) - 1] + "…" + more


def node_lines(acg: ACG, node: StorageNode | ComputeNode | CommNode) -> list[str]:
    """The label of a node: its name, then one summary line per property group."""
    if isinstance(node, StorageNode):
        return storage_lines(acg, node)
    if isinstance(node, ComputeNode):
        return _compute_lines(acg, node)
    lines = [node.name, rate_text(node.bytes_per_cycle)]
    if node.latency_cycles:  # on a line of its own: comm nodes are ellipses, keep them narrow
        lines.append(f"lat {node.latency_cycles}")
    return lines


def _capacity(node: StorageNode) -> str:
    if node.capacity_bytes is None:
        return "unbounded"
    if node.access is Access.FIFO or node.private_to is not None:
        total = node.total_bytes
        return f"{storage_size(node)} ({total} B in all)"
    return f"{format_bytes(node.capacity_bytes)} ({node.capacity_bytes} B)"


def _storage_attrs(acg: ACG, node: StorageNode) -> list[tuple[str, str]]:
    pairs = [("capacity", _capacity(node))]
    if node.access is Access.FIFO:
        entry = (node.capacity_bytes or 0) // max(node.buffering, 1)
        pairs += [("access", "FIFO (filled and drained in order)"),
                  ("entries", str(node.buffering)), ("entry", format_bytes(entry))]
    if node.private_to is not None:
        pairs += [("private to", f"{node.private_to} (one copy per PE, {node.replicas} PEs)")]
    pairs += [
        ("read", rate_text(node.read_bytes_per_cycle)),
        ("write", rate_text(node.write_bytes_per_cycle)),
        ("latency", f"{node.latency_cycles} cyc"),
    ]
    if node.access is not Access.FIFO:
        pairs.append(("buffering", str(node.buffering)))
    pairs += [("banks", str(node.banks)), ("word", f"{node.word_bytes} B"),
              ("off-chip", "yes" if node.off_chip else "no")]
    kinds = home_kinds(acg, node)
    if kinds:
        pairs.append(("home of", home_words(kinds)))
    return pairs


def _compute_attrs(acg: ACG, node: ComputeNode) -> list[tuple[str, str]]:
    pairs = [
        ("dims", " x ".join(f"{d}={s}" for d, s in node.dims) or "scalar"),
        ("PEs", str(node.size)), ("capabilities", str(len(node.capabilities))),
    ]
    if clock_text(acg, node):
        pairs.append(("clock", clock_text(acg, node) + " the reference clock"))
    elif acg.clock_mhz is not None:
        pairs.append(("clock", f"{number(acg.clock_mhz)} MHz (the reference clock)"))
    if node.fallback:
        pairs.append(("fallback", "yes: a general-purpose unit, used when no other can run"))
    return pairs


def node_attrs(acg: ACG, node: StorageNode | ComputeNode | CommNode) -> list[list[str]]:
    """Every attribute of a node as (name, text) pairs, for the attributes panel."""
    if isinstance(node, StorageNode):
        pairs = _storage_attrs(acg, node)
    elif isinstance(node, ComputeNode):
        pairs = _compute_attrs(acg, node)
    else:
        pairs = [("bandwidth", rate_text(node.bytes_per_cycle)),
                 ("latency", f"{node.latency_cycles} cyc")]
    if node.description:
        pairs.append(("description", node.description))
    return [[k, v] for k, v in pairs]


def capabilities(node: ComputeNode) -> list[dict[str, Any]]:
    """The capabilities panel: label, op, ports, spatial entries (grouped by dimension), cycles."""
    return [
        {
            "label": c.label,
            "op": c.op.value,
            "ports": ", ".join(
                f"{p.role}: {'|'.join(p.storages)} {p.dtype.value}" for p in c.ports
            ),
            "spatial": spatial_text(c),
            "cycles": str(c.cycles),
            "latency": c.latency_cycles,
            "template": c.template,
        }
        for c in node.capabilities
    ]


def edge_label(e: Edge) -> str:
    """``"64 B/cyc"``, plus the latency and the type a converting edge stores (``-> int8``)."""
    parts = [rate_text(e.bytes_per_cycle)]
    if e.latency_cycles:
        parts.append(f"lat {e.latency_cycles}")
    if e.dtype is not None:
        parts.append(dtype_text(e))
    return ", ".join(parts)


def label_lines(label: str) -> list[str]:
    """An edge label as drawn: latency and conversion on lines of their own (labels sit
    between columns)."""
    return label.split(", ")


def edge_attrs(e: Edge) -> list[list[str]]:
    """An edge's attributes for the panel."""
    attrs = [["bandwidth", rate_text(e.bytes_per_cycle)], ["latency", f"{e.latency_cycles} cyc"]]
    if e.dtype is not None:
        attrs.append(["converts to", f"{e.dtype.value} (data on the memory side of the edge)"])
    if e.via:
        attrs.append(["via", e.via])
    if e.template:
        attrs.append(["template", e.template])
    return attrs
