"""The ACGView's state: an ACG (and optionally a mapping over it) as plain JSON-able data.

``acg_state(acg, mapping)`` returns everything the browser draws, geometry included, so the
JavaScript only turns records into SVG elements::

    {"name", "description", "params": [[k, v]], "backend",
     "bounds": [x, y, w, h],
     "nodes": [{"name", "kind", "off_chip", "x", "y", "w", "h", "lines", "overlay_lines",
                "fraction", "operands", "attrs": [[k, v]], "capabilities": [{...}]}],
     "edges": [{"src", "dst", "via", "label", "d", "label_xy", "operands", "attrs"}],
     "legend": [{"name", "colour", "role", "shape", "path", "chain", "home"}],
     "bindings": [{"stage", "node", "capability", "roles", "spatial"}],
     "mapping": codelet name or ""}

Node positions come from :func:`covenant_lab.viz.layout.layout` (centres, y down); sizes
from the label lines. Edges are polylines clipped at node borders; an edge routed via a
comm node passes through it, and an edge with a reverse twin is offset to its right side.
"""

from __future__ import annotations

from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import CommNode, ComputeNode, Edge, StorageNode
from covenant_lab.acg.save import format_bytes
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.viz.layout import layout
from covenant_lab.widgets.acg_geometry import route_segments
from covenant_lab.widgets.acg_overlay import Overlay, mapping_overlay

__all__ = ["acg_state", "edge_label", "node_attrs", "node_lines"]

CHAR_W = 6.7  # 11px monospace
TITLE_W = 7.4  # 12px bold monospace
LINE_H = 15.0
PAD = 10.0
BAR_H = 8.0
MIN_W = 90.0
MAX_CHARS = 38
LABEL_RISE = 6.0  # edge labels sit just above the middle of their curve
_MAX_CAPS = 4
_MARGIN = 40.0


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def node_lines(node: StorageNode | ComputeNode | CommNode) -> list[str]:
    """The label of a node: its name, then one summary line per property group."""
    if isinstance(node, StorageNode):
        size = "off-chip" if node.capacity_bytes is None else format_bytes(node.capacity_bytes)
        if node.buffering > 1:
            size += f" x{node.buffering}"
        elif node.off_chip and node.capacity_bytes is not None:
            size += " off-chip"
        bw = f"R {node.read_bytes_per_cycle} / W {node.write_bytes_per_cycle} B/cyc"
        return [node.name, size, bw]
    if isinstance(node, ComputeNode):
        dims = " x ".join(f"{d}={s}" for d, s in node.dims) or "scalar"
        labels = [c.label for c in node.capabilities]
        more = len(labels) - _MAX_CAPS
        caps = ", ".join(labels[:_MAX_CAPS]) + (f" +{more}" if more > 0 else "")
        return [node.name, dims, _clip(caps)]
    lat = f", lat {node.latency_cycles}" if node.latency_cycles else ""
    return [node.name, f"{node.bytes_per_cycle} B/cyc{lat}"]


def node_attrs(node: StorageNode | ComputeNode | CommNode) -> list[list[str]]:
    """Every attribute of a node as (name, text) pairs, for the side panel."""
    if isinstance(node, StorageNode):
        cap = "unbounded" if node.capacity_bytes is None else (
            f"{format_bytes(node.capacity_bytes)} ({node.capacity_bytes} B)")
        pairs = [
            ("capacity", cap), ("read", f"{node.read_bytes_per_cycle} B/cyc"),
            ("write", f"{node.write_bytes_per_cycle} B/cyc"),
            ("latency", f"{node.latency_cycles} cyc"), ("buffering", str(node.buffering)),
            ("banks", str(node.banks)), ("word", f"{node.word_bytes} B"),
            ("off-chip", "yes" if node.off_chip else "no"),
        ]
    elif isinstance(node, ComputeNode):
        pairs = [
            ("dims", " x ".join(f"{d}={s}" for d, s in node.dims) or "scalar"),
            ("PEs", str(node.size)), ("capabilities", str(len(node.capabilities))),
        ]
    else:
        pairs = [("bandwidth", f"{node.bytes_per_cycle} B/cyc"),
                 ("latency", f"{node.latency_cycles} cyc")]
    if node.description:
        pairs.append(("description", node.description))
    return [[k, v] for k, v in pairs]


def _capabilities(node: ComputeNode) -> list[dict[str, Any]]:
    out = []
    for c in node.capabilities:
        out.append({
            "label": c.label,
            "op": c.op.value,
            "ports": ", ".join(
                f"{p.role}: {'|'.join(p.storages)} {p.dtype.value}" for p in c.ports
            ),
            "spatial": "; ".join(
                f"{s.dim}={s.size} needs {{{','.join(sorted(s.requires))}}}"
                + (f" not {{{','.join(sorted(s.excludes))}}}" if s.excludes else "")
                + (" fold" if s.fold else "")
                for s in c.spatial
            ),
            "cycles": str(c.cycles),
            "latency": c.latency_cycles,
            "template": c.template,
        })
    return out


def edge_label(e: Edge) -> str:
    """``"64 B/cyc"`` (plus the latency when there is one)."""
    return f"{e.bytes_per_cycle} B/cyc" + (f", lat {e.latency_cycles}" if e.latency_cycles else "")


def _size(
    lines: list[str], extra: list[dict[str, str]], bar: bool, ellipse: bool
) -> tuple[float, float]:
    chars = max([len(t) for t in lines[1:]] + [len(x["text"]) for x in extra] + [0])
    w = max(MIN_W, len(lines[0]) * TITLE_W + 2 * PAD, chars * CHAR_W + 2 * PAD)
    h = (len(lines) + len(extra)) * LINE_H + 2 * PAD - 4 + (BAR_H + 4 if bar else 0)
    if ellipse:  # text fits in the inscribed box of the ellipse
        w, h = w * 1.2, h * 1.25
    return round(w, 1), round(h, 1)


# -- edges -------------------------------------------------------------------------------
def _hops(e: Edge) -> list[tuple[str, str]]:
    return [(e.src, e.via), (e.via, e.dst)] if e.via else [(e.src, e.dst)]


def _label_segment(e: Edge, via_count: dict[tuple[str, str], int]) -> tuple[str, str]:
    """An edge via a comm node is labelled on its spoke, not on the segment shared at the hub."""
    hops = _hops(e)
    if not e.via:
        return hops[0]
    hub_is_src = via_count[(e.via, e.src)] >= via_count[(e.via, e.dst)]
    return hops[1] if hub_is_src else hops[0]


def _edges(acg: ACG, nodes: dict[str, dict[str, Any]], ov: Overlay | None) -> list[dict[str, Any]]:
    via_count: dict[tuple[str, str], int] = {}
    for e in acg.edges:
        if e.via:
            for end in (e.src, e.dst):
                via_count[(e.via, end)] = via_count.get((e.via, end), 0) + 1
    routes = route_segments(nodes, [h for e in acg.edges for h in _hops(e)])
    out: list[dict[str, Any]] = []
    shown: set[tuple[str, str]] = set()
    for e in acg.edges:
        label = edge_label(e)
        mid = routes[_label_segment(e, via_count)].mid
        label_xy: list[float] | None = [round(mid[0], 1), round(mid[1] - LABEL_RISE, 1)]
        twin = acg.edge(e.dst, e.src)
        if twin is not None and edge_label(twin) == label and twin.via == e.via:
            if (e.dst, e.src) in shown:
                label_xy = None
            else:
                label = f"⇄ {label}"
        shown.add(e.key)
        attrs = [
            ["bandwidth", f"{e.bytes_per_cycle} B/cyc"],
            ["latency", f"{e.latency_cycles} cyc"],
        ]
        if e.via:
            attrs.append(["via", e.via])
        if e.template:
            attrs.append(["template", e.template])
        out.append({
            "src": e.src, "dst": e.dst, "via": e.via or "", "label": label,
            "d": " ".join(routes[h].d for h in _hops(e)),
            "label_xy": label_xy,
            "operands": list(ov.edge_operands.get(e.key, [])) if ov else [],
            "attrs": attrs,
        })
    return out


def _bounds(nodes: list[dict[str, Any]]) -> list[float]:
    if not nodes:
        return [0.0, 0.0, 100.0, 100.0]
    x0 = min(n["x"] - n["w"] / 2 for n in nodes) - _MARGIN
    y0 = min(n["y"] - n["h"] / 2 for n in nodes) - _MARGIN
    x1 = max(n["x"] + n["w"] / 2 for n in nodes) + _MARGIN
    y1 = max(n["y"] + n["h"] / 2 for n in nodes) + _MARGIN
    return [round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1)]


def acg_state(
    acg: ACG, mapping: Mapping | None = None, *, backend: str = "auto"
) -> dict[str, Any]:
    """Everything the ACGView draws for ``acg``, with ``mapping`` overlaid when given."""
    ov = mapping_overlay(acg, mapping) if mapping is not None else None
    nodes: dict[str, dict[str, Any]] = {}
    for n in acg.nodes:
        lines = node_lines(n)
        extra = ov.node_lines.get(n.name, []) if ov else []
        use = ov.usage.get(n.name) if ov else None
        fraction = use.fraction if use is not None else None
        w, h = _size(lines, extra, fraction is not None, isinstance(n, CommNode))
        nodes[n.name] = {
            "name": n.name, "kind": n.kind,
            "off_chip": bool(isinstance(n, StorageNode) and n.off_chip),
            "x": 0.0, "y": 0.0, "w": w, "h": h,
            "lines": lines, "overlay_lines": extra,
            "fraction": None if fraction is None else round(fraction, 4),
            "used_bytes": use.used_bytes if use is not None else None,
            "operands": list(ov.node_operands.get(n.name, [])) if ov else [],
            "attrs": node_attrs(n),
            "capabilities": _capabilities(n) if isinstance(n, ComputeNode) else [],
        }
    pos = layout(acg, {k: (v["w"], v["h"]) for k, v in nodes.items()}, backend=backend)
    for name, (x, y) in pos.items():
        nodes[name]["x"], nodes[name]["y"] = x, y
    return {
        "name": acg.name,
        "description": acg.description,
        "params": [[k, v] for k, v in acg.params],
        "backend": pos.backend,
        "bounds": _bounds(list(nodes.values())),
        "nodes": list(nodes.values()),
        "edges": _edges(acg, nodes, ov),
        "legend": ov.operands if ov else [],
        "bindings": ov.bindings if ov else [],
        "mapping": mapping.codelet.name if mapping is not None else "",
    }
