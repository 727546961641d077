"""A layered top-to-bottom layout of a directed acyclic graph (a model's layers), pure Python.

The same method as the ACG layout (:mod:`covenant_lab.viz.layout`), for graphs of any size:

1. ranks: each node one rank below the lowest of its predecessors (longest path);
2. an edge spanning several ranks passes through a *waypoint* on every rank in between, so
   it is ordered and spaced like a narrow node and never crosses one;
3. order within a rank: barycentre sweeps down and up (deterministic, from the input order);
4. x: each rank is stacked left to right without overlap (``viz.layout.stack``), pulled
   toward its neighbours' x a few times; y: the ranks one under another.

``dag_layout(names, edges, sizes)`` returns a :class:`DagLayout`: node centres, and per edge
the points it passes (its source's bottom, its waypoints, its target's top), which
:func:`curve` turns into a smooth SVG path (vertical at every point).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from covenant_lab.errors import UsageError
from covenant_lab.viz.layout import stack

__all__ = ["DagLayout", "curve", "dag_layout"]

Point = tuple[float, float]
RANK_GAP = 36.0
NODE_GAP = 20.0
WAYPOINT_W = 10.0
_SWEEPS = 4
_PULLS = 3


@dataclass(frozen=True)
class DagLayout:
    """Centres of the nodes, each edge's points (top to bottom) and the ranks' node order."""

    positions: dict[str, Point]
    routes: dict[tuple[str, str], list[Point]]
    ranks: list[list[str]]  # real nodes only, left to right

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the node centres and edge points."""
        pts = [*self.positions.values(), *(p for r in self.routes.values() for p in r)]
        if not pts:
            return (0.0, 0.0, 0.0, 0.0)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return (min(xs), min(ys), max(xs), max(ys))


def _ranks(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in names}
    succs: dict[str, list[str]] = {n: [] for n in names}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    waiting = {n: len(preds[n]) for n in names}
    ready = [n for n in names if waiting[n] == 0]
    rank: dict[str, int] = {}
    while ready:
        n = ready.pop(0)
        rank[n] = max((rank[p] + 1 for p in preds[n]), default=0)
        for s in succs[n]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    if len(rank) != len(names):
        stuck = sorted(set(names) - set(rank))[:3]
        raise UsageError(f"dag_layout: the graph has a cycle (through {', '.join(stuck)})")
    return rank


def _segments(
    names: Sequence[str], edges: Sequence[tuple[str, str]], rank: Mapping[str, int]
) -> tuple[list[list[str]], list[tuple[str, str]], dict[tuple[str, str], list[str]]]:
    """Rank members (waypoints included), the one-rank segments and each edge's chain."""
    rows: list[list[str]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for n in names:
        rows[rank[n]].append(n)
    segments: list[tuple[str, str]] = []
    chains: dict[tuple[str, str], list[str]] = {}
    for a, b in edges:
        chain = [a]
        for r in range(rank[a] + 1, rank[b]):
            way = f"\0{a}\0{b}\0{r}"
            rows[r].append(way)
            chain.append(way)
        chain.append(b)
        chains[(a, b)] = chain
        segments += list(itertools.pairwise(chain))
    return rows, segments, chains


def _order(rows: list[list[str]], segments: Sequence[tuple[str, str]]) -> None:
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for a, b in segments:
        down.setdefault(a, []).append(b)
        up.setdefault(b, []).append(a)

    def sweep(indices: range, near: dict[str, list[str]], side: int) -> None:
        for r in indices:
            pos = {n: i for i, n in enumerate(rows[r - side])}
            now = {n: i for i, n in enumerate(rows[r])}

            def key(n: str, pos: dict[str, int] = pos, now: dict[str, int] = now) -> float:
                ps = [pos[m] for m in near.get(n, []) if m in pos]
                return sum(ps) / len(ps) if ps else float(now[n])

            rows[r].sort(key=lambda n: (key(n), now[n]))

    for _ in range(_SWEEPS):
        sweep(range(1, len(rows)), up, 1)
        sweep(range(len(rows) - 2, -1, -1), down, -1)


def dag_layout(
    names: Sequence[str],
    edges: Sequence[tuple[str, str]],
    sizes: Mapping[str, tuple[float, float]],
    *,
    rank_gap: float = RANK_GAP,
    node_gap: float = NODE_GAP,
) -> DagLayout:
    """Lay out the DAG ``names`` / ``edges`` (``sizes``: name -> (width, height) px)."""
    known = set(names)
    for a, b in edges:
        if a not in known or b not in known:
            raise UsageError(f"dag_layout: edge {a!r} -> {b!r} names a node not in the graph")
    edges = list(dict.fromkeys(e for e in edges if e[0] != e[1]))
    rank = _ranks(names, edges)
    rows, segments, chains = _segments(names, edges, rank)
    _order(rows, segments)
    size = {n: sizes[n] for n in names}
    for row in rows:
        for n in row:
            size.setdefault(n, (WAYPOINT_W, 0.0))
    across = {n: (s[1], s[0]) for n, s in size.items()}  # stack() spaces along [1]
    xs: dict[str, float] = {}
    for row in rows:
        stack(row, across, xs, {n: 0.0 for n in row}, node_gap)
    near: dict[str, list[str]] = {}
    for a, b in segments:
        near.setdefault(a, []).append(b)
        near.setdefault(b, []).append(a)
    for _ in range(_PULLS):
        for row in (*rows, *rows[::-1]):
            want = {n: _mean([xs[m] for m in near.get(n, [])], xs[n]) for n in row}
            stack(row, across, xs, want, node_gap)
    ys: dict[str, float] = {}
    y = 0.0
    for row in rows:
        h = max((size[n][1] for n in row), default=0.0)
        for n in row:
            ys[n] = y + h / 2
        y += h + rank_gap
    pos = {n: (round(xs[n], 1), round(ys[n], 1)) for n in names}
    routes: dict[tuple[str, str], list[Point]] = {}
    for (a, b), chain in chains.items():
        pts = [(xs[a], ys[a] + size[a][1] / 2)]
        pts += [(xs[w], ys[w]) for w in chain[1:-1]]
        pts.append((xs[b], ys[b] - size[b][1] / 2))
        routes[(a, b)] = [(round(x, 1), round(y, 1)) for x, y in pts]
    ordered = [[n for n in row if n in known] for row in rows]
    return DagLayout(pos, routes, ordered)


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def curve(points: Sequence[Point]) -> str:
    """An SVG path through ``points`` (top to bottom), vertical at each point."""
    if not points:
        return ""
    (x0, y0), *rest = points
    d = [f"M{x0:.1f},{y0:.1f}"]
    px, py = x0, y0
    for x, y in rest:
        bend = (y - py) / 2
        d.append(f"C{px:.1f},{py + bend:.1f} {x:.1f},{y - bend:.1f} {x:.1f},{y:.1f}")
        px, py = x, y
    return " ".join(d)
