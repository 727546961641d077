"""viz.dag_layout: ranks by longest path, waypoints on long edges, no overlaps."""

from __future__ import annotations

import itertools

import pytest

from covenant_lab.errors import UsageError
from covenant_lab.viz.dag_layout import NODE_GAP, RANK_GAP, curve, dag_layout

SIZE = (100.0, 40.0)


def _sizes(names: list[str]) -> dict[str, tuple[float, float]]:
    return dict.fromkeys(names, SIZE)


def test_a_residual_block() -> None:
    # a -> b -> c -> add, and the skip a -> add: add is three ranks below a
    names = ["a", "b", "c", "add"]
    edges = [("a", "b"), ("b", "c"), ("c", "add"), ("a", "add")]
    lay = dag_layout(names, edges, _sizes(names))
    ys = [lay.positions[n][1] for n in names]
    assert ys == [20.0 + k * (40 + RANK_GAP) for k in range(4)]
    skip = lay.routes[("a", "add")]
    assert len(skip) == 4  # a's bottom, a waypoint on b's rank and on c's, add's top
    assert skip[0] == (lay.positions["a"][0], 40.0) and skip[-1][1] == ys[3] - 20
    for (x, y), n in zip(skip[1:3], ["b", "c"], strict=True):
        bx, by = lay.positions[n]
        assert y == by and abs(x - bx) >= SIZE[0] / 2 + NODE_GAP - 0.1  # beside, not through
    assert lay.ranks == [["a"], ["b"], ["c"], ["add"]]


def test_siblings_do_not_overlap() -> None:
    names = ["in", *[f"n{k}" for k in range(6)], "out"]
    edges = [("in", f"n{k}") for k in range(6)] + [(f"n{k}", "out") for k in range(6)]
    lay = dag_layout(names, edges, _sizes(names))
    xs = sorted(lay.positions[f"n{k}"][0] for k in range(6))
    assert all(b - a >= SIZE[0] + NODE_GAP - 0.1 for a, b in itertools.pairwise(xs))
    # the fan sits centred under its source
    assert sum(xs) / 6 == pytest.approx(lay.positions["in"][0], abs=1)


def test_a_cycle_and_an_unknown_node_are_refused() -> None:
    with pytest.raises(UsageError, match="the graph has a cycle"):
        dag_layout(["a", "b"], [("a", "b"), ("b", "a")], _sizes(["a", "b"]))
    with pytest.raises(UsageError, match="edge 'a' -> 'z' names a node not in the graph"):
        dag_layout(["a"], [("a", "z")], _sizes(["a"]))


def test_curve_is_vertical_at_every_point() -> None:
    d = curve([(0.0, 0.0), (10.0, 40.0)])
    assert d == "M0.0,0.0 C0.0,20.0 10.0,20.0 10.0,40.0"
