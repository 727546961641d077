"""Edge routing for the ACGView: smooth left-to-right curves between node ports.

Every drawn segment joins two nodes (an edge routed via a comm node is two segments, through
it). A segment between columns leaves its source from the side facing the target and enters
the target from the side facing the source, as a cubic curve that is horizontal at both
ends; within a column it is a straight vertical line. Segments on the same side of a node
get separate ports spread along that side, ordered by the height they head to (their other
end's, or where a detour crosses the next column) so they do not cross near the node, and a
segment used by several edges is drawn once. A segment and its reverse can be one connector
(``shared``: the reverse segments, drawn back along the other's curve: an arrow at both ends).

A segment spanning several columns whose curve would cross a node of a column between its
ends (``UB -> mmu`` past ``ACC`` in a TPU-like machine) detours instead: it crosses each
column in between horizontally, through the free gap nearest the straight line, with curves
between the columns.

:func:`space_columns` sets the distance between neighbouring columns (nodes sharing an x) from
the nodes that face each other across the gap, not from the widest node of each column: nodes
at about the same height (or joined by a segment) keep ``min_gap`` apart, nodes far apart in
height only ``clear_gap``, and a label between two columns gets its room between the widest
nodes of either column at the label's height (a :class:`Label`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

__all__ = ["Label", "Route", "route_segments", "space_columns"]

Node = Mapping[str, Any]
Segment = tuple[str, str]
Point = tuple[float, float]
_SPREAD = 0.8  # ports use the middle 80% of a side
_MIN_BEND = 20.0
_SAME_COLUMN = 1.0


Cubic = tuple[Point, Point, Point, Point]
_DETOUR_MARGIN = 8.0  # a detour keeps this far from the nodes it passes
_SPACING = 18.0  # between detours through one gap: room for a label between them
_SAMPLES = 40


def _bezier(piece: Cubic, t: float) -> Point:
    p, c1, c2, q = piece
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (a * p[0] + b * c1[0] + c * c2[0] + d * q[0],
            a * p[1] + b * c1[1] + c * c2[1] + d * q[1])


def _length(piece: Cubic) -> float:
    """About the arc length: the mean of the chord and the control polygon."""
    p, c1, c2, q = piece
    net = math.dist(p, c1) + math.dist(c1, c2) + math.dist(c2, q)
    return (net + math.dist(p, q)) / 2


class Route:
    """One segment's drawing: SVG path data, its midpoint, any point of it. A chain of cubic
    curves (one, unless the segment detours around nodes)."""

    __slots__ = ("_lengths", "d", "mid", "pieces")

    def __init__(self, p: Point, c1: Point, c2: Point, q: Point, *more: Cubic) -> None:
        self.pieces: tuple[Cubic, ...] = ((p, c1, c2, q), *more)
        self.d = f"M{_fmt(p)} " + " ".join(
            f"C{_fmt(a)} {_fmt(b)} {_fmt(c)}" for _, a, b, c in self.pieces)
        self._lengths = [max(_length(piece), 1e-9) for piece in self.pieces]
        self.mid = self.at(0.5)

    @classmethod
    def chain(cls, pieces: Sequence[Cubic]) -> Route:
        return cls(*pieces[0], *pieces[1:])

    def reversed(self) -> Route:
        """The same curve drawn the other way (an edge's twin shares its connector)."""
        return Route.chain([(q, c2, c1, p) for p, c1, c2, q in reversed(self.pieces)])

    @property
    def length(self) -> float:
        """About the route's length in px."""
        return sum(self._lengths)

    def at(self, t: float) -> Point:
        """The point of the route at ``t`` (0: start, 1: end; by length over the pieces)."""
        goal = min(max(t, 0.0), 1.0) * sum(self._lengths)
        for piece, length in zip(self.pieces, self._lengths, strict=True):
            if goal <= length:
                return _bezier(piece, goal / length)
            goal -= length
        return self.pieces[-1][3]


def _fmt(pt: Point) -> str:
    return f"{pt[0]:.1f},{pt[1]:.1f}"


def _side(a: Node, b: Node) -> int:
    """+1: b is right of a; -1: left; 0: same column."""
    dx = b["x"] - a["x"]
    return 0 if abs(dx) < _SAME_COLUMN else (1 if dx > 0 else -1)


def _side_x(node: Node, side: int, y: float) -> float:
    """x of the node's border on ``side`` at height ``y`` (ellipses follow their curve)."""
    hw, hh = node["w"] / 2, node["h"] / 2
    if node["kind"] != "comm":
        return float(node["x"] + side * hw)
    dy = min(abs(y - node["y"]) / hh, 1.0)
    return float(node["x"] + side * hw * math.sqrt(1 - dy * dy))


def _ports(
    nodes: Mapping[str, Node], segments: Sequence[Segment],
    toward: Mapping[tuple[Segment, str], float] | None = None,
) -> dict[tuple[Segment, str], Point]:
    """Port of each segment end: keyed by (segment, node name). Ports on a side are ordered by
    the height the segment heads to (``toward``, keyed alike; else its other end's centre)."""
    toward = toward or {}
    sides: dict[tuple[str, int], list[tuple[float, Segment, str]]] = {}
    for seg in segments:
        a, b = nodes[seg[0]], nodes[seg[1]]
        s = _side(a, b)
        if s == 0:
            continue
        canonical = "".join(sorted(seg))
        sides.setdefault((seg[0], s), []).append(
            (toward.get((seg, seg[0]), b["y"]), seg, canonical))
        sides.setdefault((seg[1], -s), []).append(
            (toward.get((seg, seg[1]), a["y"]), seg, canonical))
    ports: dict[tuple[Segment, str], Point] = {}
    for (name, s), entries in sides.items():
        node = nodes[name]
        entries.sort(key=lambda e: (e[0], e[2], e[1]))
        top, h = node["y"] - node["h"] / 2, node["h"]
        n = len(entries)
        for i, (_, seg, _key) in enumerate(entries):
            y = top + h * (1 - _SPREAD) / 2 + h * _SPREAD * (i + 1) / (n + 1)
            ports[(seg, name)] = (_side_x(node, s, y), y)
    return ports


def _vertical(a: Node, b: Node, shift: float) -> Route:
    down = 1 if b["y"] >= a["y"] else -1
    p = (a["x"] + shift, a["y"] + down * a["h"] / 2)
    q = (b["x"] + shift, b["y"] - down * b["h"] / 2)
    return Route(p, p, q, q)


def _curve(p: Point, q: Point, s: int) -> Cubic:
    """A cubic from ``p`` to ``q`` (``s``: +1 rightwards), horizontal at both ends."""
    bend = max(abs(q[0] - p[0]) * 0.45, _MIN_BEND)
    return (p, (p[0] + s * bend, p[1]), (q[0] - s * bend, q[1]), q)


Box = tuple[float, float, float, float]


def _box(n: Node, margin: float) -> Box:
    return (n["x"] - n["w"] / 2 - margin, n["y"] - n["h"] / 2 - margin,
            n["x"] + n["w"] / 2 + margin, n["y"] + n["h"] / 2 + margin)


def _hits(pieces: Sequence[Cubic], boxes: Sequence[Box]) -> bool:
    for piece in pieces:
        for k in range(1, _SAMPLES):
            x, y = _bezier(piece, k / _SAMPLES)
            if any(b[0] < x < b[2] and b[1] < y < b[3] for b in boxes):
                return True
    return False


def _free_y(boxes: Sequence[Box], want: float, taken: Sequence[float]) -> float:
    """The height nearest ``want`` clear of ``boxes`` (one column's nodes, with margins) and
    ``_SPACING`` from the heights other detours ``taken`` through this column."""
    spans = [(b[1], b[3]) for b in boxes]
    candidates = [want]
    for top, bottom in spans:
        candidates += [y for k in range(12) for y in (top - k * _SPACING, bottom + k * _SPACING)]

    def ok(y: float) -> bool:
        return (not any(top < y < bottom for top, bottom in spans)
                and all(abs(y - t) >= _SPACING - 1e-6 for t in taken))

    return min((y for y in candidates if ok(y)), key=lambda y: (abs(y - want), y),
               default=want)


def _detour(
    nodes: Mapping[str, Node], seg: Segment, p: Point, q: Point, s: int,
    taken: dict[float, list[float]],
) -> list[Cubic] | None:
    """Pieces crossing each column between ``p`` and ``q`` horizontally, through the gap
    nearest the straight line (None when no column lies between them); ``taken``: per column,
    the heights of the detours already through it (this one's are added)."""
    columns: dict[float, list[Node]] = {}
    for name, n in nodes.items():
        if name not in seg and min(p[0], q[0]) < n["x"] < max(p[0], q[0]):
            columns.setdefault(round(n["x"]), []).append(n)
    if not columns:
        return None
    points = [p]
    for x in sorted(columns, key=lambda c: s * c):
        members = columns[x]
        half = max(n["w"] for n in members) / 2 + _DETOUR_MARGIN
        want = p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0])
        y = _free_y([_box(n, _DETOUR_MARGIN) for n in members], want, taken.get(x, []))
        taken.setdefault(x, []).append(y)
        points += [(x - s * half, y), (x + s * half, y)]
    points.append(q)
    pieces = []
    for k in range(len(points) - 1):
        a, b = points[k], points[k + 1]
        straight = k % 2 == 1  # across a column
        pieces.append((a, a, b, b) if straight else _curve(a, b, s))
    return pieces


def _routes(
    nodes: Mapping[str, Node], unique: Sequence[Segment], ports: Mapping[tuple[Segment, str], Point]
) -> tuple[dict[Segment, Route], dict[tuple[Segment, str], float]]:
    """The routes between the given ports, and the height each detour heads to from either
    end (keyed like the ports)."""
    routes: dict[Segment, Route] = {}
    toward: dict[tuple[Segment, str], float] = {}
    taken: dict[float, list[float]] = {}
    for seg in unique:
        a, b = nodes[seg[0]], nodes[seg[1]]
        s = _side(a, b)
        if s == 0:
            twin = (seg[1], seg[0]) in unique
            routes[seg] = _vertical(a, b, (5.0 if seg[0] < seg[1] else -5.0) if twin else 0.0)
            continue
        p, q = ports[(seg, seg[0])], ports[(seg, seg[1])]
        pieces = [_curve(p, q, s)]
        others = [_box(n, 2.0) for name, n in nodes.items() if name not in seg]
        if _hits(pieces, others):
            pieces = _detour(nodes, seg, p, q, s, taken) or pieces
            if len(pieces) > 1:
                toward[(seg, seg[0])], toward[(seg, seg[1])] = pieces[0][3][1], pieces[-1][0][1]
        routes[seg] = Route.chain(pieces)
    return routes, toward


def route_segments(
    nodes: Mapping[str, Node], segments: Sequence[Segment], shared: Sequence[Segment] = ()
) -> dict[Segment, Route]:
    """A route for every distinct segment (source name, target name); a segment in ``shared``
    is its reverse's route drawn backwards (one connector, arrows at both ends)."""
    unique = [seg for seg in dict.fromkeys(segments) if seg not in shared]
    routes, toward = _routes(nodes, unique, _ports(nodes, unique))
    if toward:  # a detour heads elsewhere than its other end: its ports follow where it heads
        routes, _ = _routes(nodes, unique, _ports(nodes, unique, toward))
    for seg in dict.fromkeys(segments):
        if seg in shared:
            routes[seg] = routes[(seg[1], seg[0])].reversed()
    return routes


class Label(NamedTuple):
    """An edge label drawn between two columns on ``seg``: ``room`` px wide (margins included),
    reaching ``reach`` px above (or below) the heights of the segment's ports."""

    seg: Segment
    room: float
    reach: float


def _rows_meet(a: Node, b: Node, margin: float) -> bool:
    """Whether ``a`` and ``b`` are within ``margin`` of each other in height."""
    return bool(abs(a["y"] - b["y"]) < (a["h"] + b["h"]) / 2 + margin)


def _widest(members: Sequence[Node], top: float, bottom: float) -> float:
    """Width of the widest of ``members`` reaching into the band ``top``..``bottom``."""
    return max((n["w"] for n in members
                if n["y"] - n["h"] / 2 < bottom and n["y"] + n["h"] / 2 > top), default=0.0)


def space_columns(
    nodes: Mapping[str, dict[str, Any]], segments: Sequence[Segment], labels: Sequence[Label],
    *, min_gap: float, clear_gap: float,
) -> None:
    """Move the columns of ``nodes`` (x, in place) as close as the nodes facing each other,
    the ``segments`` between them and the ``labels`` between them allow (module docstring)."""
    xs = sorted({round(n["x"]) for n in nodes.values()})
    col = {name: xs.index(round(n["x"])) for name, n in nodes.items()}
    members: list[list[dict[str, Any]]] = [[] for _ in xs]
    for name, n in nodes.items():
        members[col[name]].append(n)
    need = [0.0] * len(xs)  # need[k]: distance between the centres of columns k-1 and k
    for k in range(1, len(xs)):
        for a in members[k - 1]:
            for b in members[k]:
                gap = min_gap if _rows_meet(a, b, min_gap / 2) else clear_gap
                need[k] = max(need[k], (a["w"] + b["w"]) / 2 + gap)
    for seg in segments:
        lo, hi = sorted(seg, key=col.__getitem__)
        if col[hi] == col[lo] + 1:
            need[col[hi]] = max(need[col[hi]], (nodes[lo]["w"] + nodes[hi]["w"]) / 2 + min_gap)
    ports = _ports(nodes, list(dict.fromkeys(segments)))  # their heights do not depend on x
    for lab in labels:
        lo, hi = sorted(lab.seg, key=col.__getitem__)
        k = col[hi]
        if k != col[lo] + 1:
            continue
        ys = [ports[(lab.seg, end)][1] for end in lab.seg]
        wide = min(  # room above the curve or below it
            _widest(members[k - 1], top, bottom) + _widest(members[k], top, bottom)
            for top, bottom in ((min(ys) - lab.reach, max(ys)), (min(ys), max(ys) + lab.reach)))
        need[k] = max(need[k], wide / 2 + lab.room)
    centre = 0.0
    for k in range(len(xs)):
        centre += need[k]
        for n in members[k]:
            n["x"] = round(centre, 1)
