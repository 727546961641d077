"""widgets.acg_state / acg_overlay: the ACGView's data for the shipped archs and a mapping."""

from __future__ import annotations

import json

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import CompileResult, compile
from covenant_lab.compiler.footprint import footprint
from covenant_lab.errors import UsageError
from covenant_lab.widgets.acg_overlay import (
    PALETTE,
    human_bytes,
    mapping_overlay,
    operand_colours,
    storage_use,
)
from covenant_lab.widgets.acg_state import acg_state, edge_label, node_lines

SHIPPED = ("teaching", "genesys", "hvx")


@pytest.mark.parametrize("name", SHIPPED)
def test_nodes_and_edges_of_the_shipped_archs(name: str) -> None:
    acg = load_arch(name)
    state = acg_state(acg, backend="networkx")
    json.dumps(state)  # plain data only
    assert state["backend"] == "networkx"
    assert len(state["nodes"]) == len(acg.nodes)
    assert len(state["edges"]) == len(acg.edges)
    kinds = {n["name"]: n["kind"] for n in state["nodes"]}
    assert kinds == {n.name: n.kind for n in acg.nodes}
    assert [n["name"] for n in state["nodes"] if n["off_chip"]] == [s.name for s in acg.offchip]
    x0, y0, w, h = state["bounds"]
    for n in state["nodes"]:
        assert x0 <= n["x"] - n["w"] / 2 and n["x"] + n["w"] / 2 <= x0 + w
        assert y0 <= n["y"] - n["h"] / 2 and n["y"] + n["h"] / 2 <= y0 + h
    for e in state["edges"]:
        assert e["d"].startswith("M")
        assert e["d"].count("M") == (2 if e["via"] else 1)
        assert "B/cyc" in e["label"]
    assert state["legend"] == [] and state["mapping"] == ""


def test_labels_and_attributes(teaching: ACG) -> None:
    assert node_lines(teaching.storage("SPAD")) == ["SPAD", "16 KiB x2", "R 16 / W 16 B/cyc"]
    assert node_lines(teaching.comm("bus"))[1] == "8 B/cyc"
    assert edge_label(teaching.edge("DRAM", "SPAD")) == "8 B/cyc"
    state = acg_state(teaching)
    mac = next(n for n in state["nodes"] if n["name"] == "mac_array")
    assert ["dims", "rows=4 x cols=4"] in mac["attrs"]
    assert [c["label"] for c in mac["capabilities"]] == ["mac"]
    assert "SPAD" in mac["capabilities"][0]["ports"]


def test_twin_edges_share_one_label(teaching: ACG) -> None:
    edges = {(e["src"], e["dst"]): e for e in acg_state(teaching)["edges"]}
    there, back = edges[("DRAM", "SPAD")], edges[("SPAD", "DRAM")]
    assert there["label"] == "⇄ 8 B/cyc" and there["label_xy"] is not None
    assert back["label_xy"] is None


def test_operand_colours_follow_operand_order(result: CompileResult) -> None:
    colours = operand_colours(result.mapping)
    assert list(colours) == ["a", "b", "y"]
    assert list(colours.values()) == list(PALETTE[:3])
    legend = acg_state(result.arch, result.mapping)["legend"]
    assert [(o["name"], o["colour"]) for o in legend] == list(colours.items())


def test_overlay_paths(result: CompileResult) -> None:
    state = acg_state(result.arch, result.mapping)
    legend = {o["name"]: o for o in state["legend"]}
    assert legend["a"]["chain"] == "DRAM → SPAD"
    assert legend["a"]["path"] == ["DRAM", "SPAD", "bus", "mac_array"]
    edges = {(e["src"], e["dst"]): e["operands"] for e in state["edges"]}
    assert edges[("DRAM", "SPAD")] == ["a", "b", "y"]
    assert edges[("SPAD", "DRAM")] == ["y"]  # only the output goes back
    assert edges[("mac_array", "SPAD")] == ["y"]
    assert edges[("SPAD", "vector")] == []
    nodes = {n["name"]: n for n in state["nodes"]}
    assert nodes["vector"]["operands"] == []
    assert nodes["bus"]["operands"] == ["a", "b", "y"]
    lines = [x["text"] for x in nodes["mac_array"]["overlay_lines"]]
    assert lines[0] == "stage 0: mac(a=a, b=b, acc=y)"


def test_occupancy_equals_the_footprint(result: CompileResult) -> None:
    m = result.mapping
    (group,) = m.groups
    fp = {s.name: items for s, items in footprint(m, group, group.tiles).items()}
    use = storage_use(m)
    assert set(use) == set(fp) == {"SPAD"}
    spad = use["SPAD"]
    assert spad.used_bytes == sum(n * c for _, n, c in fp["SPAD"])
    assert [(op, n, c) for _, op, n, c in spad.items] == fp["SPAD"]
    assert spad.fraction == spad.used_bytes / 16384
    node = next(n for n in acg_state(result.arch, m)["nodes"] if n["name"] == "SPAD")
    assert node["used_bytes"] == spad.used_bytes
    assert node["fraction"] == round(spad.fraction, 4)
    texts = [x["text"] for x in node["overlay_lines"]]
    for op, n, c in fp["SPAD"]:
        assert f"{op}: {human_bytes(n)} x{c}" in texts
    assert any(t.startswith("tile L1: ") for t in texts)


def test_occupancy_on_genesys_has_one_buffer_per_operand(genesys_result: CompileResult) -> None:
    use = storage_use(genesys_result.mapping)
    assert {name: [op for _, op, _, _ in u.items] for name, u in use.items()} == {
        "IBUF": ["a"], "WBUF": ["b"], "OBUF": ["y"]}
    assert all(0 < u.fraction <= 1 for u in use.values())


def test_partial_mappings_from_the_log(result: CompileResult) -> None:
    first = result.log[0].after  # capabilities matched, nothing placed yet
    ov = mapping_overlay(result.arch, first)
    assert ov.usage == {}
    assert [b["capability"] for b in ov.bindings] == ["mac"]
    state = acg_state(result.arch, first)
    assert [o["name"] for o in state["legend"]] == ["a", "b", "y"]
    assert all(n["fraction"] is None for n in state["nodes"])


def test_a_mapping_for_another_arch_is_refused(result: CompileResult) -> None:
    with pytest.raises(UsageError, match="does not have"):
        acg_state(load_arch("hvx"), result.mapping)


def test_fused_groups_take_the_largest_group() -> None:
    acg = load_arch("teaching")
    r = compile(L.softmax((2, 8, 16)), acg)
    use = storage_use(r.mapping)
    for name, u in use.items():
        per_group: dict[int, int] = {}
        for g, _, n, c in u.items:
            per_group[g] = per_group.get(g, 0) + n * c
        assert u.used_bytes == max(per_group.values()), name


def test_human_bytes() -> None:
    assert human_bytes(None) == "unbounded"
    assert human_bytes(640) == "640 B"
    assert human_bytes(2112) == "2.1 KiB"
    assert human_bytes(16384) == "16 KiB"
    assert human_bytes(3 * 2**20) == "3 MiB"
