"""widgets.acg_geometry: edge routes between node ports, detouring around nodes in between."""

from __future__ import annotations

from typing import Any

from covenant_lab.widgets.acg_geometry import Label, Route, route_segments, space_columns
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


def test_a_shared_segment_is_its_reverse_drawn_backwards() -> None:
    nodes = {"a": _node("a", 0, 0), "b": _node("b", 300, 0)}
    routes = route_segments(nodes, [("a", "b"), ("b", "a")], shared=[("b", "a")])
    there, back = routes[("a", "b")], routes[("b", "a")]
    assert there.at(0) == back.at(1) == (50.0, 0.0)  # one port each side: one connector
    assert there.at(1) == back.at(0) == (250.0, 0.0)
    assert back.pieces == tuple((q, c2, c1, p) for p, c1, c2, q in reversed(there.pieces))


def test_a_detour_takes_the_port_on_the_side_it_comes_from() -> None:
    # z -> b is blocked by m and the gap below m is too narrow: it passes above m, so it
    # enters b above m -> b (by their other ends' heights it would be below: they would cross)
    nodes = {"z": _node("z", 0, 20), "m": _node("m", 200, 0), "n": _node("n", 200, 60),
             "b": _node("b", 400, 0)}
    routes = route_segments(nodes, [("z", "b"), ("m", "b")])
    detour = routes[("z", "b")]
    assert len(detour.pieces) == 3 and detour.pieces[1][0][1] < nodes["m"]["y"]
    assert detour.at(1)[1] < routes[("m", "b")].at(1)[1]


def test_columns_are_as_close_as_the_nodes_facing_each_other_allow() -> None:
    nodes = {"a": _node("a", 0, 0), "wide": _node("wide", 0, 300, w=400),
             "b": _node("b", 900, 0)}
    space_columns(nodes, [("a", "b")], [], min_gap=48, clear_gap=24)
    assert nodes["a"]["x"] == nodes["wide"]["x"] == 0
    assert nodes["b"]["x"] == (400 + 100) / 2 + 24  # far apart in height: clear_gap only
    nodes["wide"]["y"] = 40  # beside b: min_gap
    space_columns(nodes, [("a", "b")], [], min_gap=48, clear_gap=24)
    assert nodes["b"]["x"] == (400 + 100) / 2 + 48


def test_a_label_gets_its_room_between_the_nodes_at_its_height() -> None:
    nodes = {"a": _node("a", 0, 0), "up": _node("up", 0, -90, w=300), "b": _node("b", 900, 0)}
    label = Label(("a", "b"), 150.0, 70.0)
    space_columns(nodes, [("a", "b")], [label], min_gap=48, clear_gap=24)
    assert nodes["b"]["x"] == (100 + 100) / 2 + 150  # below the curve, between a and b
    nodes["down"] = _node("down", 0, 90, w=300)
    space_columns(nodes, [("a", "b")], [label], min_gap=48, clear_gap=24)
    assert nodes["b"]["x"] == (300 + 100) / 2 + 150  # above or below: past a wide node
