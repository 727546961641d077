"""widgets.acg_geometry: edge routes between node ports, detouring around nodes in between."""

from __future__ import annotations

from typing import Any

from covenant_lab.widgets.acg_geometry import Route, route_segments
from covenant_lab.widgets.acg_state import acg_state
from tests._featured_archs import tpu_like


def _node(name: str, x: float, y: float, w: float = 100, h: float = 50) -> dict[str, Any]:
    return {"name": name, "kind": "storage", "x": x, "y": y, "w": w, "h": h}


def _inside(route: Route, n: dict[str, Any], margin: float = 0.0) -> list[tuple[float, float]]:
    x0, x1 = n["x"] - n["w"] / 2 - margin, n["x"] + n["w"] / 2 + margin
    y0, y1 = n["y"] - n["h"] / 2 - margin, n["y"] + n["h"] / 2 + margin
    points = [route.at(k / 400) for k in range(401)]
    return [(x, y) for x, y in points if x0 < x < x1 and y0 < y < y1]


def test_a_clear_segment_is_one_curve() -> None:
    nodes = {"a": _node("a", 0, 0), "b": _node("b", 300, 0), "c": _node("c", 150, 200)}
    route = route_segments(nodes, [("a", "b")])[("a", "b")]
    assert len(route.pieces) == 1
    assert route.d.startswith("M50.0,0.0 C") and route.d.count("C") == 1
    assert route.at(0) == (50.0, 0.0) and route.at(1) == (250.0, 0.0)


def test_a_segment_detours_around_a_node_in_between() -> None:
    nodes = {"a": _node("a", 0, 0), "m": _node("m", 200, 10), "b": _node("b", 400, 0)}
    route = route_segments(nodes, [("a", "b")])[("a", "b")]
    assert len(route.pieces) == 3  # curve, across the middle column, curve
    assert _inside(route, nodes["m"], margin=7.9) == []
    (_, c1, c2, q) = route.pieces[1]
    assert c1[1] == c2[1] == q[1]  # straight across the column
    assert route.at(0) == (50.0, 0.0) and route.at(1) == (350.0, 0.0)


def test_detours_through_one_gap_keep_apart() -> None:
    nodes = {"a": _node("a", 0, 0), "m": _node("m", 200, 0), "b": _node("b", 400, -5),
             "c": _node("c", 400, 60)}
    routes = route_segments(nodes, [("a", "b"), ("a", "c")])
    ys = sorted(r.pieces[1][0][1] for r in routes.values())
    assert len(ys) == 2 and ys[1] - ys[0] >= 6
    for r in routes.values():
        assert _inside(r, nodes["m"]) == []


def test_tpu_like_edges_skip_the_accumulators() -> None:
    state = acg_state(tpu_like(), backend="networkx")
    nodes = {n["name"]: n for n in state["nodes"]}
    routes = route_segments(nodes, [("UB", "mmu"), ("act", "UB")])
    for route in routes.values():
        assert _inside(route, nodes["ACC"]) == []
