"""Edge routing for the ACGView: smooth left-to-right curves between node ports.

Every drawn segment joins two nodes (an edge routed via a comm node is two segments, through
it). A segment between columns leaves its source from the side facing the target and enters
the target from the side facing the source, as a cubic curve that is horizontal at both
ends; within a column it is a straight vertical line. Segments on the same side of a node
get separate ports spread along that side, ordered by the height of their other end (so they
do not cross near the node), and a segment used by several edges is drawn once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Route", "route_segments"]

Node = Mapping[str, Any]
Segment = tuple[str, str]
Point = tuple[float, float]
_SPREAD = 0.8  # ports use the middle 80% of a side
_MIN_BEND = 20.0
_SAME_COLUMN = 1.0


class Route:
    """One segment's drawing: SVG path data, the curve's midpoint, any point of it."""

    __slots__ = ("c1", "c2", "d", "mid", "p", "q")

    def __init__(self, p: Point, c1: Point, c2: Point, q: Point) -> None:
        self.p, self.c1, self.c2, self.q = p, c1, c2, q
        self.d = f"M{_fmt(p)} C{_fmt(c1)} {_fmt(c2)} {_fmt(q)}"
        self.mid = self.at(0.5)

    def at(self, t: float) -> Point:
        """The point of the curve at parameter ``t`` (0: start, 1: end)."""
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        return (
            a * self.p[0] + b * self.c1[0] + c * self.c2[0] + d * self.q[0],
            a * self.p[1] + b * self.c1[1] + c * self.c2[1] + d * self.q[1],
        )


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
    nodes: Mapping[str, Node], segments: Sequence[Segment]
) -> dict[tuple[Segment, str], Point]:
    """Port of each segment end: keyed by (segment, node name)."""
    sides: dict[tuple[str, int], list[tuple[float, Segment, str]]] = {}
    for seg in segments:
        a, b = nodes[seg[0]], nodes[seg[1]]
        s = _side(a, b)
        if s == 0:
            continue
        canonical = tuple(sorted(seg))
        sides.setdefault((seg[0], s), []).append((b["y"], seg, "".join(canonical)))
        sides.setdefault((seg[1], -s), []).append((a["y"], seg, "".join(canonical)))
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


def route_segments(
    nodes: Mapping[str, Node], segments: Sequence[Segment]
) -> dict[Segment, Route]:
    """A route for every distinct segment (source name, target name)."""
    unique = list(dict.fromkeys(segments))
    ports = _ports(nodes, unique)
    routes: dict[Segment, Route] = {}
    for seg in unique:
        a, b = nodes[seg[0]], nodes[seg[1]]
        s = _side(a, b)
        if s == 0:
            twin = (seg[1], seg[0]) in routes or (seg[1], seg[0]) in unique
            routes[seg] = _vertical(a, b, (5.0 if seg[0] < seg[1] else -5.0) if twin else 0.0)
            continue
        p, q = ports[(seg, seg[0])], ports[(seg, seg[1])]
        bend = max(abs(q[0] - p[0]) * 0.45, _MIN_BEND)
        routes[seg] = Route(p, (p[0] + s * bend, p[1]), (q[0] - s * bend, q[1]), q)
    return routes
