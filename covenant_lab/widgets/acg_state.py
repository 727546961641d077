"""The ACGView's state: an ACG (and optionally a mapping over it) as plain JSON-able data.

``acg_state(acg, mapping)`` returns everything the browser draws, geometry included, so the
JavaScript only turns records into SVG elements::

    {"name", "title", "clock_mhz", "description", "params": [[k, v]], "backend",
     "bounds": [x, y, w, h],
     "style": {"title_px", "line_px", "edge_px", "line_h", "edge_line_h", "pad", "bar_h",
               "stack", "cylinder", "min_height", "max_height", "max_scale"},
     "nodes": [{"name", "kind", "off_chip", "fallback", "private_to", "access",
                "x", "y", "w", "h", "lines", "overlay_lines",
                "rows": [{"text", "class", "colour"}], "fraction", "operands",
                "attrs": [[k, v]], "capabilities": [{...}],
                "heat": {"pj", "share", "text", "colour", "actions": [[action, text]]} | None}],
     "edges": [{"src", "dst", "via", "label", "label_lines", "d", "label_xy", "operands",
                "attrs", "heat": {"pj", "share", "own_pj", "bytes", "text", "colour",
                                  "width"} | None, "label_energy"}],
     "legend": [{"name", "colour", "role", "shape", "path", "chain", "home"}],
     "bindings": [{"stage", "node", "capability", "roles", "spatial"}],
     "notes": [{"node", "stage", "op", "text"}],   # stages on a fallback unit, and why
     "mapping": codelet name or "",
     "energy": {"layer", "total_pj", "total", "hottest", "items": [{"name", "kind", "pj",
                "share", "text", "colour"}], "more", "ramp": [colour], "ticks": [{"t", "text"}]}
               or None}          # a layer's energy as heat (ACGView.show_energy)

``title`` is the name with the reference clock (``tpu_v1 @ 700 MHz``). The label text of
nodes and edges comes from :mod:`covenant_lab.widgets.acg_labels` (FIFO entries, per-PE
storage, homes, node clocks, fallback units, converting edges); a fallback unit is drawn
dashed and a per-PE private storage as a stack of ``stack`` px offset cards.

Node positions come from :func:`covenant_lab.viz.layout.layout` (centres, y down); sizes
from the text rows (``rows``: the label lines, then the overlay lines wrapped at the width
that suits the drawing's shape best). Edges are curves between node borders
(:mod:`~covenant_lab.widgets.acg_geometry`), one path per hop (``d``: an edge routed via a
comm node passes through it). Two edges that are each other's reverse with the same label are
one connector with an arrow at both ends and one ``⇄`` label (the twin's ``d`` is the same
curve drawn backwards, its ``label_xy`` None); so are a comm node's unlabelled spokes both
ways. Edge labels sit beside their curve, clear of nodes, of each other and of the other
curves where there is room (:mod:`~covenant_lab.widgets.acg_label_spots`). Columns are only
as far apart as the nodes facing each other across the gap and the labels between them need.

``bounds`` is the drawing's bounding box (nodes and edge labels) plus a small margin: the view
opens fitted to it, its height following the drawing's aspect ratio between ``min_height``
and ``max_height`` (:func:`view_height`). Type sizes are in ``style``, so the text on screen
at that default zoom is :func:`screen_px` pixels tall for a given view width.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

from covenant_lab.acg.describe import arch_title
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import ComputeNode, Edge, EdgeId, StorageNode
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.viz.layout import layout
from covenant_lab.widgets.acg_energy import (
    EnergyHeat,
    edge_heat,
    energy_legend,
    heat_text,
    node_heat,
)
from covenant_lab.widgets.acg_geometry import Label, route_segments, space_columns
from covenant_lab.widgets.acg_label_spots import LABEL_RISE, place_labels
from covenant_lab.widgets.acg_labels import (
    capabilities,
    edge_attrs,
    edge_label,
    label_lines,
    node_attrs,
    node_lines,
)
from covenant_lab.widgets.acg_overlay import Overlay, mapping_overlay
from covenant_lab.widgets.acg_viewport import (
    MAX_HEIGHT,
    MAX_SCALE,
    MIN_HEIGHT,
    screen_px,
    view_height,
)

__all__ = [
    "acg_state", "edge_label", "label_box", "label_lines", "node_attrs", "node_lines",
    "node_rows", "screen_px", "view_height",
]

Box = tuple[float, float, float, float]

# Type sizes (px in the drawing's user units) and the metrics derived from them. The view
# opens fitted to the drawing, so these are about the sizes on screen at the default zoom
# for a drawing as wide as a notebook's output area: ``screen_px`` tells exactly.
TITLE_PX = 17.0  # bold node names
LINE_PX = 16.0  # node lines
EDGE_PX = 11.5  # edge labels
CHAR_EM = 0.61  # advance of a monospace glyph, in em (DejaVu Sans Mono, Menlo: 0.60)
CHAR_W = LINE_PX * CHAR_EM
TITLE_W = TITLE_PX * (CHAR_EM + 0.01)
EDGE_W = EDGE_PX * CHAR_EM
LINE_H = round(LINE_PX * 1.3)
EDGE_LINE_H = round(EDGE_PX * 1.15)
PAD = 7.0
BAR_H = 8.0
STACK = 6.0  # offset of the cards behind a per-PE private storage
CYLINDER = 8.0  # room for the top of an off-chip memory's cylinder, above its text
MIN_W = 80.0
WRAPS = (16, 20, 28, 40)  # overlay lines wrap at whichever reads largest at REFERENCE_WIDTH
REFERENCE_WIDTH = 840  # px: a notebook's output area (JupyterLab, 1280 px window, file browser)
ASCENT, DESCENT = 0.93, 0.24  # of the monospace font, in em
LABEL_BASELINE = 4.0  # the last baseline of a label is this far below its label_xy (acg.js)
_MARGIN = 12.0  # around the drawing, in the fitted view
LABEL_ROOM = 5.0  # between an edge label and the columns either side of it
MIN_COLUMN_GAP = 36.0
CLEAR_GAP = 24.0  # between nodes of neighbouring columns far apart in height
ROW_GAP = 24.0
# the view's height follows the drawing's aspect ratio, within these bounds (px)
STYLE = {
    "title_px": TITLE_PX, "line_px": LINE_PX, "edge_px": EDGE_PX, "line_h": LINE_H,
    "edge_line_h": EDGE_LINE_H, "pad": PAD, "bar_h": BAR_H, "stack": STACK,
    "cylinder": CYLINDER,
    "min_height": MIN_HEIGHT, "max_height": MAX_HEIGHT, "max_scale": MAX_SCALE,
}


_NBSP = "\u00a0"
_KEEP = re.compile(r"(?<=\d) (?=[KMG]?i?B\b)")  # "4.9 KiB" stays on one line


def _wrap(text: str, width: int) -> list[str]:
    """An overlay line wrapped to ``width`` characters (continuations indented under it)."""
    indent = " " * (len(text) - len(text.lstrip()) + 2)
    lines = textwrap.wrap(_KEEP.sub(_NBSP, text), width, subsequent_indent=indent,
                          break_on_hyphens=False, break_long_words=False)
    return [t.replace(_NBSP, " ") for t in lines] or [text]


def node_rows(
    lines: list[str], extra: list[dict[str, str]], wrap: int = WRAPS[0]
) -> list[dict[str, str]]:
    """The text rows drawn in a node: its title, its lines, then the overlay lines wrapped to
    ``wrap`` characters."""
    rows = [{"text": t, "class": "title" if i == 0 else "line", "colour": ""}
            for i, t in enumerate(lines)]
    for x in extra:
        rows += [{"text": t, "class": x.get("class", "overlay"), "colour": x.get("colour", "")}
                 for t in _wrap(x["text"], wrap)]
    return rows


def _size(
    rows: list[dict[str, str]], bar: bool, kind: str, off_chip: bool, stacked: bool = False
) -> tuple[float, float]:
    title = max([len(r["text"]) for r in rows if r["class"] == "title"] + [0])
    chars = max([len(r["text"]) for r in rows if r["class"] != "title"] + [0])
    w = max(MIN_W, title * TITLE_W + 2 * PAD, chars * CHAR_W + 2 * PAD)
    h = len(rows) * LINE_H + 2 * PAD + (BAR_H + 4 if bar else 0) + (CYLINDER if off_chip else 0)
    if stacked:  # the cards behind a private storage take STACK px right and up
        w, h = w + STACK, h + STACK
    if kind == "comm":  # text fits in the inscribed box of the ellipse
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


def _plan_labels(acg: ACG, heat: EnergyHeat | None = None
                 ) -> list[tuple[str, tuple[str, str] | None]]:
    """Per edge: its label text and the segment it is drawn on (None: its twin's label is it);
    with ``heat``, the energy along the connector on a line of its own (both ways for twins)."""
    via_count: dict[tuple[str, str], int] = {}
    for e in acg.edges:
        if e.via:
            for end in (e.src, e.dst):
                via_count[(e.via, end)] = via_count.get((e.via, end), 0) + 1
    out: list[tuple[str, tuple[str, str] | None]] = []
    shown: set[EdgeId] = set()
    for e in acg.edges:
        label = edge_label(e)
        seg: tuple[str, str] | None = _label_segment(e, via_count)
        twin = acg.edge(e.dst, e.src)
        if twin is not None and edge_label(twin) == label and twin.via == e.via:
            if twin.key in shown:
                seg = None
            else:
                label = f"⇄ {label}"
        shown.add(e.key)
        if heat is not None and seg is not None:
            pj = _connector_pj(heat, e, label)
            label += f", {heat_text(heat, pj)}" if pj else ""
        out.append((label, seg))
    return out


def _respace(
    nodes: dict[str, dict[str, Any]], hops: list[tuple[str, str]],
    plan: list[tuple[str, tuple[str, str] | None]],
) -> None:
    """Space the columns apart by the nodes facing each other and the labels drawn between
    them (:func:`~covenant_lab.widgets.acg_geometry.space_columns`): a label gets its width
    plus ``LABEL_ROOM`` either side, ``MIN_COLUMN_GAP`` at least."""
    labels = []
    for label, seg in plan:
        if seg is not None:
            lines = label_lines(label)
            room = max(MIN_COLUMN_GAP, max(len(t) for t in lines) * EDGE_W + 2 * LABEL_ROOM)
            labels.append(Label(seg, room, LABEL_RISE + len(lines) * EDGE_LINE_H))
    space_columns(nodes, hops, labels, min_gap=MIN_COLUMN_GAP, clear_gap=CLEAR_GAP)


def _connector_pj(heat: EnergyHeat, e: Edge, label: str) -> float:
    """The energy along the connector an edge's label names: both ways for a twin (``⇄``)."""
    pj = heat.edges.get(e.key, 0.0)
    return pj + heat.edges.get(EdgeId(e.dst, e.src), 0.0) if label.startswith("⇄") else pj


def _span(nodes: dict[str, dict[str, Any]], seg: tuple[str, str] | None) -> float:
    """How far a labelled segment reaches across the drawing (0 for none)."""
    return abs(nodes[seg[0]]["x"] - nodes[seg[1]]["x"]) if seg else 0.0


def label_box(xy: list[float], lines: list[str]) -> Box:
    """The box an edge label covers, its anchor ``xy`` being where acg.js puts it: the font's
    ascent above the first baseline and its descent below the last (as the browser measures
    text boxes: DejaVu Sans Mono, 0.93 and 0.24 em)."""
    x, y = xy
    half = max(len(t) for t in lines) * EDGE_W / 2
    base = y + LABEL_BASELINE
    return (x - half, base - ASCENT * EDGE_PX - (len(lines) - 1) * EDGE_LINE_H,
            x + half, base + DESCENT * EDGE_PX)


def _shared(acg: ACG, plan: list[tuple[str, tuple[str, str] | None]]) -> list[tuple[str, str]]:
    """The segments drawn back along their reverse's connector (one line, an arrow at both
    ends): those of a twin whose label is its twin's, and unlabelled ones whose reverse is
    unlabelled too (the spokes of a comm node, labelled on their other side)."""
    drawn = {h for e in acg.edges for h in _hops(e)}
    labelled = {seg for _, seg in plan if seg is not None}
    out: list[tuple[str, str]] = []
    for e, (_, seg) in zip(acg.edges, plan, strict=True):
        for a, b in _hops(e):
            if ((b, a) in drawn and (a, b) not in labelled and (b, a) not in out
                    and (a, b) not in out and (seg is None or (b, a) not in labelled)):
                out.append((a, b))
    return out


def _edges(
    acg: ACG,
    nodes: dict[str, dict[str, Any]],
    ov: Overlay | None,
    plan: list[tuple[str, tuple[str, str] | None]],
    heat: EnergyHeat | None = None,
) -> list[dict[str, Any]]:
    shared = _shared(acg, plan)
    routes = route_segments(nodes, [h for e in acg.edges for h in _hops(e)], shared)
    boxes: list[Box] = [
        (n["x"] - n["w"] / 2 - 2, n["y"] - n["h"] / 2 - 2,
         n["x"] + n["w"] / 2 + 2, n["y"] + n["h"] / 2 + 2)
        for n in nodes.values()
    ]
    # labels between neighbouring columns first: those of longer edges go where room is left
    wanted = [(i, seg, label_lines(label))
              for i, (label, seg) in sorted(enumerate(plan), key=lambda p: _span(nodes, p[1][1]))
              if seg is not None]
    where = place_labels({s: r for s, r in routes.items() if s not in shared}, wanted, boxes,
                         label_box, LABEL_ROOM)
    out: list[dict[str, Any]] = []
    for i, (e, (label, _)) in enumerate(zip(acg.edges, plan, strict=True)):
        label_xy = where.get(i)
        out.append({
            "src": e.src, "dst": e.dst, "via": e.via or "", "label": label,
            "label_lines": label_lines(label),
            "d": " ".join(routes[h].d for h in _hops(e)),
            "label_xy": label_xy,
            "operands": list(ov.edge_operands.get(e.key, [])) if ov else [],
            "attrs": edge_attrs(e),
            "heat": edge_heat(heat, e.key) if heat else None,
            # the label's last line is the energy along the connector
            "label_energy": bool(heat and label_xy and _connector_pj(heat, e, label)),
        })
    return out


def _bounds(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> list[float]:
    """The drawing's bounding box (nodes and edge labels) with a small margin: the fitted view."""
    if not nodes:
        return [0.0, 0.0, 100.0, 100.0]
    boxes = [(n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2)
             for n in nodes]
    boxes += [label_box(e["label_xy"], e["label_lines"]) for e in edges if e["label_xy"]]
    x0 = min(b[0] for b in boxes) - _MARGIN
    y0 = min(b[1] for b in boxes) - _MARGIN
    x1 = max(b[2] for b in boxes) + _MARGIN
    y1 = max(b[3] for b in boxes) + _MARGIN
    return [round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1)]


def _drawing(
    acg: ACG, ov: Overlay | None, wrap: int, backend: str, heat: EnergyHeat | None = None
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], list[float], str]:
    """Nodes, edges, bounds and layout engine of ``acg`` with overlay lines wrapped at ``wrap``
    (a node's energy, with ``heat``, on the line after its label)."""
    nodes: dict[str, dict[str, Any]] = {}
    for n in acg.nodes:
        lines = node_lines(acg, n)
        extra = ov.node_lines.get(n.name, []) if ov else []
        use = ov.usage.get(n.name) if ov else None
        fraction = use.fraction if use is not None else None
        store = n if isinstance(n, StorageNode) else None
        off_chip = bool(store and store.off_chip)
        private_to = store.private_to if store else None
        hot = node_heat(heat, n.name) if heat else None
        energy = [{"text": hot["text"], "colour": "", "class": "energy"}] if hot else []
        rows = node_rows(lines, energy + extra, wrap)
        w, h = _size(rows, fraction is not None, n.kind, off_chip, private_to is not None)
        nodes[n.name] = {
            "name": n.name, "kind": n.kind,
            "off_chip": off_chip,
            "fallback": isinstance(n, ComputeNode) and n.fallback,
            "private_to": private_to,
            "access": store.access.value if store else None,
            "x": 0.0, "y": 0.0, "w": w, "h": h,
            "lines": lines, "overlay_lines": extra, "rows": rows,
            "fraction": None if fraction is None else round(fraction, 4),
            "used_bytes": use.used_bytes if use is not None else None,
            "operands": list(ov.node_operands.get(n.name, [])) if ov else [],
            "attrs": node_attrs(acg, n),
            "capabilities": capabilities(n) if isinstance(n, ComputeNode) else [],
            "heat": hot,
        }
    sizes = {k: (v["w"], v["h"]) for k, v in nodes.items()}
    plan = _plan_labels(acg, heat)
    pos = layout(acg, sizes, backend=backend, row_gap=ROW_GAP)
    for name, (x, y) in pos.items():
        nodes[name]["x"], nodes[name]["y"] = x, y
    shared = set(_shared(acg, plan))
    _respace(nodes, [h for e in acg.edges for h in _hops(e) if h not in shared], plan)
    edges = _edges(acg, nodes, ov, plan, heat)
    return nodes, edges, _bounds(list(nodes.values()), edges), pos.backend


def acg_state(
    acg: ACG, mapping: Mapping | None = None, *, backend: str = "auto",
    fallback: Sequence[Fallback] = (), energy: EnergyHeat | None = None,
) -> dict[str, Any]:
    """Everything the ACGView draws for ``acg``, with ``mapping`` overlaid when given (and its
    stages on a fallback unit, ``CompileResult.fallback``, noted), and a layer's ``energy``
    as a heat overlay (:mod:`~covenant_lab.widgets.acg_energy`).

    Overlay lines wrap at the width in ``WRAPS`` whose drawing has the largest text in a view
    ``REFERENCE_WIDTH`` px wide (narrow nodes suit a wide drawing, wider ones a tall one).
    """
    ov = mapping_overlay(acg, mapping, fallback) if mapping is not None else None
    best: tuple[float, Any] | None = None
    for wrap in WRAPS if ov or energy else WRAPS[:1]:
        drawing = _drawing(acg, ov, wrap, backend, energy)
        px = screen_px({"bounds": drawing[2], "style": STYLE}, REFERENCE_WIDTH)
        if best is None or px > best[0] + 0.05:
            best = (px, drawing)
    assert best is not None
    nodes, edges, bounds, engine = best[1]
    return {
        "name": acg.name,
        "title": arch_title(acg),
        "clock_mhz": acg.clock_mhz,
        "description": acg.description,
        "params": [[k, v] for k, v in acg.params],
        "backend": engine,
        "bounds": bounds,
        "style": dict(STYLE),
        "nodes": list(nodes.values()),
        "edges": edges,
        "legend": ov.operands if ov else [],
        "bindings": ov.bindings if ov else [],
        "notes": ov.notes if ov else [],
        "mapping": mapping.codelet.name if mapping is not None else "",
        "energy": energy_legend(energy) if energy is not None else None,
    }
