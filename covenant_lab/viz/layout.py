"""Node positions of an ACG for drawing, computed in Python (no ``dot`` binary needed).

``layout(acg)`` returns the centre ``(x, y)`` of every node in pixels (y grows downwards), as a
:class:`Layout` (a dict that also says which ``backend`` made it):

- ``"networkx"``: a layered left-to-right layout. Off-chip storage is in the first column,
  storage levels follow by their hop distance from off-chip memory, compute nodes are in the
  last column, and each communication node sits in a column between the nodes whose edges
  it carries. Nodes are ordered within a column by the barycentre of their neighbours (a
  few deterministic sweeps), then nudged towards their neighbours' height. Pure Python and
  deterministic: the same ACG always gets the same positions.
- ``"pygraphviz"`` / ``"dot"``: Graphviz ``dot`` with ``rankdir=LR`` through the pygraphviz
  wheel or the ``dot`` binary, when either is present (``backend="auto"`` prefers them). Every
  segment is given to Graphviz pointing away from off-chip memory (by the columns above), so
  its ranks follow the storage levels too.

Node sizes (``sizes``: name -> (width, height) in pixels) only space the nodes; they default to
a box of 120x50. ``column_gap`` is the room left between columns (for edge labels; Graphviz's
``ranksep``) and ``row_gap`` between the nodes of a column (``nodesep``), in pixels; by
default 90 and 28 (Graphviz: 1.2 and 0.4 inches).
"""

from __future__ import annotations

import importlib
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

import networkx as nx

from covenant_lab.acg.graph import ACG
from covenant_lab.errors import CovenantError, UsageError

__all__ = ["BACKENDS", "Layout", "available_backends", "layout", "stack"]

BACKENDS = ("auto", "networkx", "pygraphviz", "dot")
DEFAULT_SIZE = (120.0, 50.0)
COLUMN_GAP = 90.0  # room for edge labels between columns
ROW_GAP = 28.0
_SWEEPS = 4
_POINTS_PER_INCH = 72.0
_RANKSEP, _NODESEP = 1.2, 0.4  # Graphviz's defaults here, in inches


class Layout(dict[str, tuple[float, float]]):
    """Node name -> centre (x, y) in pixels; ``backend`` names the engine that computed it."""

    def __init__(self, positions: Mapping[str, tuple[float, float]], backend: str) -> None:
        super().__init__(positions)
        self.backend = backend

    def __repr__(self) -> str:
        return f"Layout({dict(self)!r}, backend={self.backend!r})"


def available_backends() -> tuple[str, ...]:
    """The layout engines usable here, preferred first (``networkx`` always is)."""
    found = []
    if _pygraphviz() is not None:
        found.append("pygraphviz")
    if shutil.which("dot") is not None:
        found.append("dot")
    return (*found, "networkx")


def layout(
    acg: ACG,
    sizes: Mapping[str, tuple[float, float]] | None = None,
    *,
    backend: str = "auto",
    column_gap: float | None = None,
    row_gap: float | None = None,
) -> Layout:
    """Centre of every node of ``acg`` (see the module docstring for the backends)."""
    if backend not in BACKENDS:
        raise UsageError(
            f"argument 'backend' to layout: expected one of {', '.join(BACKENDS)}, got {backend!r}"
        )
    size = {n.name: tuple(map(float, (sizes or {}).get(n.name, DEFAULT_SIZE))) for n in acg.nodes}
    chosen = available_backends()[0] if backend == "auto" else backend
    if chosen == "networkx":
        return Layout(_layered(acg, size, column_gap or COLUMN_GAP, row_gap or ROW_GAP),
                      "networkx")
    if chosen not in available_backends():
        raise CovenantError(
            f"layout: backend {chosen!r} is not available here",
            hint="install pygraphviz (pip install pygraphviz) or Graphviz, or use "
            "backend='networkx'",
        )
    text = _dot_text(acg, size, column_gap, row_gap)
    raw = _pygraphviz_positions(text) if chosen == "pygraphviz" else _dot_positions(text)
    return Layout(_normalise(raw), chosen)


# -- the layered networkx layout ------------------------------------------------------------
def _segments(acg: ACG) -> list[tuple[str, str]]:
    """Edges as drawn: an edge routed via a comm node becomes src -> comm -> dst."""
    out: list[tuple[str, str]] = []
    for e in acg.edges:
        if e.via:
            out += [(e.src, e.via), (e.via, e.dst)]
        else:
            out.append((e.src, e.dst))
    return out


def _storage_ranks(acg: ACG) -> dict[str, int]:
    storage = [s.name for s in acg.storage_nodes]
    g = nx.Graph()
    g.add_nodes_from(storage)
    g.add_edges_from((e.src, e.dst) for e in acg.edges if e.src in g and e.dst in g)
    sources = [s.name for s in acg.offchip] or storage[:1]
    dist = dict(nx.multi_source_dijkstra_path_length(g, sources)) if sources else {}
    deepest = max(dist.values(), default=0)
    ranks = {name: int(dist.get(name, deepest)) for name in storage}
    # storage only a compute node reaches (e.g. immediates): beside the compute column
    for name in storage:
        if name not in dist:
            ranks[name] = max(deepest, 1)
    return ranks


def _columns(acg: ACG) -> dict[str, int]:
    """Column of every node (0 = left), empty columns removed."""
    ranks = _storage_ranks(acg)
    last = max(ranks.values(), default=-1) + 1
    slot = {name: 2 * r for name, r in ranks.items()}
    for c in acg.compute_nodes:
        slot[c.name] = 2 * last
    for comm in acg.comm_nodes:
        ends = [
            (slot.get(e.src, 0) + slot.get(e.dst, 0)) / 2 for e in acg.edges if e.via == comm.name
        ]
        slot[comm.name] = round(sum(ends) / len(ends)) if ends else 1
    order = sorted(set(slot.values()))
    return {name: order.index(s) for name, s in slot.items()}


def _order(acg: ACG, column: dict[str, int]) -> list[list[str]]:
    """Nodes of each column, top to bottom (barycentre sweeps from file order)."""
    cols: list[list[str]] = [[] for _ in range(max(column.values(), default=-1) + 1)]
    for n in acg.nodes:
        cols[column[n.name]].append(n.name)
    neighbours: dict[str, set[str]] = {n.name: set() for n in acg.nodes}
    for a, b in _segments(acg):
        neighbours[a].add(b)
        neighbours[b].add(a)

    def sweep(indices: range, side: int) -> None:
        for c in indices:
            ref = c - side
            if not 0 <= ref < len(cols):
                continue
            pos = {name: i for i, name in enumerate(cols[ref])}
            current = {name: i for i, name in enumerate(cols[c])}

            def key(name: str, pos: dict[str, int] = pos, now: dict[str, int] = current) -> float:
                near = [pos[m] for m in neighbours[name] if m in pos]
                return sum(near) / len(near) if near else float(now[name])

            cols[c].sort(key=lambda name: (key(name), current[name]))

    for _ in range(_SWEEPS):
        sweep(range(1, len(cols)), 1)
        sweep(range(len(cols) - 2, -1, -1), -1)
    return cols


def _layered(
    acg: ACG, size: Mapping[str, tuple[float, ...]], column_gap: float, row_gap: float
) -> dict[str, tuple[float, float]]:
    cols = _order(acg, _columns(acg))
    xs: dict[str, float] = {}
    x = 0.0
    for k, names in enumerate(cols):
        width = max((size[n][0] for n in names), default=0.0)
        if k:
            x += width / 2
        for n in names:
            xs[n] = x
        x += width / 2 + column_gap
    ys: dict[str, float] = {}
    for names in cols:
        stack(names, size, ys, {n: 0.0 for n in names}, row_gap)
    neighbours: dict[str, list[str]] = {n.name: [] for n in acg.nodes}
    for a, b in _segments(acg):
        neighbours[a].append(b)
        neighbours[b].append(a)
    for _ in range(2):  # pull each column towards its neighbours' heights
        for names in cols:
            want = {}
            for n in names:
                near = [ys[m] for m in neighbours[n] if m not in names]
                want[n] = sum(near) / len(near) if near else ys[n]
            stack(names, size, ys, want, row_gap)
    return {n: (round(xs[n], 1), round(ys[n], 1)) for n in xs}


def stack(
    names: list[str],
    size: Mapping[str, tuple[float, ...]],
    ys: dict[str, float],
    want: Mapping[str, float],
    row_gap: float,
) -> None:
    """Place ``names`` top to bottom without overlap, as near their wanted centres as can be
    (``size[name][1]``: its extent along the stack); the centres go into ``ys``."""
    placed: list[float] = []
    bottom = float("-inf")
    for n in names:
        h = size[n][1]
        y = max(want[n], bottom + row_gap + h / 2)
        placed.append(y)
        bottom = y + h / 2
    # shift the column so it is centred on the wanted heights (keeps the gaps)
    shift = sum(want[n] - y for n, y in zip(names, placed, strict=True)) / max(len(names), 1)
    for n, y in zip(names, placed, strict=True):
        ys[n] = y + shift


# -- Graphviz backends ---------------------------------------------------------------------
def _pygraphviz() -> Any | None:
    try:
        return importlib.import_module("pygraphviz")
    except ImportError:
        return None


def _dot_text(
    acg: ACG,
    size: Mapping[str, tuple[float, ...]],
    column_gap: float | None = None,
    row_gap: float | None = None,
) -> str:
    ranksep = column_gap / _POINTS_PER_INCH if column_gap else _RANKSEP
    nodesep = row_gap / _POINTS_PER_INCH if row_gap else _NODESEP
    lines = [
        "digraph G {",
        f"  graph [rankdir=LR, nodesep={nodesep:.3g}, ranksep={ranksep:.3g}];",
        "  node [shape=box, fixedsize=true, label=\"\"];",
    ]
    for n in acg.nodes:
        w, h = (v / _POINTS_PER_INCH for v in size[n.name][:2])
        lines.append(f'  "{n.name}" [width={w:.3f}, height={h:.3f}];')
    offchip = [s.name for s in acg.offchip]
    if offchip:
        lines.append("  {rank=min; " + "; ".join(f'"{n}"' for n in offchip) + ";}")
    compute = [c.name for c in acg.compute_nodes]
    if compute:
        lines.append("  {rank=max; " + "; ".join(f'"{n}"' for n in compute) + ";}")
    for a, b in _levelled(acg):
        lines.append(f'  "{a}" -> "{b}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _levelled(acg: ACG) -> list[tuple[str, str]]:
    """The drawn segments, each pointing away from off-chip memory (the networkx layout's
    columns): a write back, or a converting edge from an accumulator to the buffer it feeds
    (``ACC -> UB``), would otherwise pull the deeper level left of the shallower one. Only
    positions are taken from Graphviz, so the direction is free."""
    column = _columns(acg)
    out: dict[tuple[str, str], None] = {}
    for a, b in _segments(acg):
        if column[a] > column[b]:
            a, b = b, a
        out[(a, b)] = None
    return list(out)


def _pygraphviz_positions(text: str) -> dict[str, tuple[float, float]]:
    module = _pygraphviz()
    assert module is not None
    graph = module.AGraph(string=text)
    graph.layout(prog="dot")
    out = {}
    for node in graph.nodes():
        x, y = (float(v) for v in str(node.attr["pos"]).split(","))
        out[str(node)] = (x, -y)  # Graphviz y grows upwards
    return out


def _dot_positions(text: str) -> dict[str, tuple[float, float]]:
    binary = shutil.which("dot")
    assert binary is not None
    try:
        done = subprocess.run(
            [binary, "-Tplain"], input=text, capture_output=True, text=True, timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CovenantError(f"layout: running Graphviz failed: {exc}") from None
    if done.returncode != 0:
        raise CovenantError(f"layout: Graphviz failed: {done.stderr.strip()}")
    return parse_plain(done.stdout)


def parse_plain(text: str) -> dict[str, tuple[float, float]]:
    """Node centres (points, y down) from Graphviz ``-Tplain`` output (inches, y up)."""
    out = {}
    for line in text.splitlines():
        parts = shlex.split(line)
        if len(parts) >= 4 and parts[0] == "node":
            x, y = float(parts[2]), float(parts[3])
            out[parts[1]] = (x * _POINTS_PER_INCH, -y * _POINTS_PER_INCH)
    return out


def _normalise(raw: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Shift so the leftmost centre is at x=0 and the column is centred on y=0."""
    if not raw:
        return {}
    x0 = min(x for x, _ in raw.values())
    ys = [y for _, y in raw.values()]
    ym = (min(ys) + max(ys)) / 2
    return {n: (round(x - x0, 1), round(y - ym, 1)) for n, (x, y) in raw.items()}
