"""widgets.model_graph(_state): a model's units as a graph; a click compiles the unit."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import covenant_lab as cl
from covenant_lab.compiler.model import CompiledLayer, fusion_candidates
from covenant_lab.errors import UsageError
from covenant_lab.widgets.model_graph import ModelGraph
from covenant_lab.widgets.model_graph_state import (
    efficiency_colour,
    model_graph_state,
    run_name,
    tint,
)


@pytest.fixture(scope="module")
def resnet18() -> Any:
    return cl.onnx.load(cl.models.BUILDERS["resnet18"]())


@pytest.fixture(scope="module")
def lenet() -> Any:
    return cl.onnx.load(cl.models.BUILDERS["lenet"]())


def _onnx_edges(model: Any) -> set[tuple[str, str, str]]:
    """(writer unit, reader unit, tensor) straight from the ONNX proto and the fusion runs."""
    unit_of = {la.name: run_name(run) for run in fusion_candidates(model) for la in run}
    graph = model.proto.graph
    writer = {i.name: f"input:{i.name}" for i in graph.input}
    for node in graph.node:
        for out in node.output:
            writer[out] = unit_of[node.name]
    consts = {t.name for t in graph.initializer}
    edges = set()
    for node in graph.node:
        for inp in node.input:
            if inp in writer and inp not in consts and writer[inp] != unit_of[node.name]:
                edges.add((writer[inp], unit_of[node.name], inp))
    edges |= {(writer[o.name], f"output:{o.name}", o.name) for o in graph.output}
    return edges


@pytest.mark.parametrize("name", ["lenet", "resnet18"])
def test_nodes_and_edges_match_the_onnx_graph(name: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(name)
    state = model_graph_state(model)
    json.dumps(state)
    runs = fusion_candidates(model)
    units = [n["id"] for n in state["nodes"] if n["kind"] == "unit"]
    assert units == [run_name(r) for r in runs]
    assert [n["id"] for n in state["nodes"] if n["kind"] != "unit"] == [
        *(f"input:{t.name}" for t in model.inputs), *(f"output:{t.name}" for t in model.outputs)]
    drawn = {(e["src"], e["dst"], e["tensor"]) for e in state["edges"]}
    assert len(drawn) == len(state["edges"])
    assert drawn == _onnx_edges(model)


def test_resnet18_has_its_skip_connections(resnet18: Any) -> None:
    state = model_graph_state(resnet18)
    adds = [n for n in state["nodes"] if "Add" in n["op"]]
    assert len(adds) == 8  # one per basic block
    into = {a["id"]: [e["src"] for e in state["edges"] if e["dst"] == a["id"]] for a in adds}
    assert all(len(srcs) == 2 for srcs in into.values())


def test_resnet50_lays_out_fast_without_overlaps() -> None:
    model = cl.onnx.load(cl.models.BUILDERS["resnet50"]())
    t0 = time.perf_counter()
    state = model_graph_state(model)
    ms = 1000 * (time.perf_counter() - t0)
    print(f"resnet50 model graph: {len(state['nodes'])} nodes, {len(state['edges'])} edges, "
          f"{ms:.0f} ms, {state['bounds'][2]:.0f} x {state['bounds'][3]:.0f} px")
    assert len(state["nodes"]) == 57 + 2
    boxes = [(n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2)
             for n in state["nodes"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    # shown at its own size in a notebook's output area (840 px): text at 13-14 px
    assert state["bounds"][2] <= 840
    assert state["style"]["line_px"] >= 11


def test_a_click_compiles_the_unit(lenet: Any) -> None:
    g = ModelGraph(lenet, "genesys")
    seen: list[Any] = []
    g.on_select(seen.append)
    assert g.unit is None and g.result is None
    first = g.graph["nodes"][1]  # after the graph input
    assert first["efficiency"] is None
    g.selected = first["id"]
    assert isinstance(g.unit, CompiledLayer) and g.unit.name == first["id"]
    assert seen == [g.unit] and g.result is g.unit.result
    assert g.status.startswith(f"{first['id']}: compiled in ") and "estimated" in g.status
    node = next(n for n in g.graph["nodes"] if n["id"] == first["id"])
    assert 0 < node["efficiency"] <= 1 and node["rows"][-1].startswith("efficiency ")
    assert node["unit"] == "+".join(dict.fromkeys(
        b.node.name for b in g.result.mapping.bindings))
    g.selected = "no such layer"  # refused: nothing selected
    assert g.selected == "" and g.unit is None


def test_colour_by_efficiency_and_by_unit(lenet: Any) -> None:
    result = cl.compile_model(lenet, "genesys")
    g = ModelGraph(result)
    assert g.colour_by == "efficiency"
    units = [n for n in g.graph["nodes"] if n["kind"] == "unit"]
    assert all(n["colour"] == efficiency_colour(n["efficiency"]) for n in units)
    assert all(n["efficiency"] is not None for n in units)
    g.colour_by = "unit"
    legend = {item["label"]: item["colour"] for item in g.graph["legend"]}
    assert all(legend[n["unit"]] == n["colour"] for n in g.graph["nodes"] if n["kind"] == "unit")
    assert tint("#000000", 0.5) == "#808080" and tint("#4e79a7") == "#afc3d7"
    assert efficiency_colour(None) == "#d9d9d9"
    assert efficiency_colour(0.0) == "#e65060" and efficiency_colour(1.0) == "#46c860"


def test_bad_arguments_are_refused(lenet: Any) -> None:
    with pytest.raises(UsageError, match="'colour_by' to ModelGraph: expected one of op"):
        ModelGraph(lenet, "genesys", colour_by="speed")
    with pytest.raises(UsageError, match="colour_by='efficiency' needs a compile"):
        ModelGraph(lenet, colour_by="efficiency")
    with pytest.raises(UsageError, match="'model' to ModelGraph: expected a Model"):
        ModelGraph("lenet")
    g = ModelGraph(lenet)
    g.selected = g.graph["nodes"][1]["id"]
    assert "pass an architecture" in g.status and g.unit is None


def test_a_click_picks_the_layer_in_a_lab(lenet: Any) -> None:
    from covenant_lab.widgets import Lab

    lab = Lab(lenet, "genesys")
    g = ModelGraph(lenet, "genesys")
    g.link_lab(lab)
    unit = next(n for n in g.graph["nodes"] if n["kind"] == "unit" and len(n["layers"]) > 1)
    g.selected = unit["id"]
    assert lab.picker.value == unit["layers"][0]
    assert lab.result().codelet.name == lab.model.layer(unit["layers"][0]).codelet.name
