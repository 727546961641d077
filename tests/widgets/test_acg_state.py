"""widgets.acg_state / acg_overlay: the ACGView's data for the shipped archs and a mapping."""

from __future__ import annotations

import json
import re

import pytest

from covenant_lab.acg import ACG, load_arch, shipped_archs
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
from covenant_lab.widgets.acg_state import (
    MAX_HEIGHT,
    MIN_HEIGHT,
    REFERENCE_WIDTH,
    WRAPS,
    acg_state,
    edge_label,
    label_box,
    node_lines,
    screen_px,
    view_height,
)

SHIPPED = ("teaching", "genesys", "hvx")
# the width of a notebook's output area: JupyterLab in a 1280 px window, file browser open
OUTPUT_WIDTH = 840
assert REFERENCE_WIDTH <= OUTPUT_WIDTH


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
    spad = node_lines(teaching, teaching.storage("SPAD"))
    assert spad == ["SPAD", "16 KiB x2", "R/W 16 B/cyc"]
    assert node_lines(teaching, teaching.comm("bus"))[1] == "8 B/cyc"
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


def _points(d: str) -> list[str]:
    return re.findall(r"-?[\d.]+,-?[\d.]+", d)


@pytest.mark.parametrize(("name", "there", "back"), [
    ("teaching", ("DRAM", "SPAD"), ("SPAD", "DRAM")),  # via the bus: both hops
    ("tpu_v1", ("ACC", "act"), ("act", "ACC")),
])
def test_twin_edges_are_one_connector(name: str, there: tuple[str, str],
                                      back: tuple[str, str]) -> None:
    edges = {(e["src"], e["dst"]): e for e in acg_state(load_arch(name))["edges"]}
    # the twin is the same curve drawn backwards: one line, an arrow at either end
    assert _points(edges[back]["d"]) == _points(edges[there]["d"])[::-1]
    assert edges[back]["d"].count("M") == edges[there]["d"].count("M")


def _sample(d: str, n: int = 60) -> list[tuple[float, float]]:
    """Points along an SVG path of cubic curves."""
    out = []
    for sub in re.split(r"(?=M)", d):
        pts = [tuple(map(float, p.split(","))) for p in _points(sub)]
        for k in range(1, len(pts), 3):
            p, c1, c2, q = pts[k - 1], pts[k], pts[k + 1], pts[k + 2]
            for i in range(n + 1):
                t = i / n
                u = 1 - t
                out.append(tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * e
                                 for a, b, c, e in zip(p, c1, c2, q, strict=True)))
    return out


@pytest.mark.parametrize("backend", ["networkx", "auto"])
@pytest.mark.parametrize("name", shipped_archs())
def test_every_shipped_arch_has_its_edge_labels_clear(name: str, backend: str) -> None:
    """No label over a node, another label or its own curve (text struck through)."""
    state = acg_state(load_arch(name), backend=backend)
    nodes = [_box(n) for n in state["nodes"]]
    labelled = [e for e in state["edges"] if e["label_xy"]]
    labels = [label_box(e["label_xy"], e["label_lines"]) for e in labelled]
    for i, (e, lab) in enumerate(zip(labelled, labels, strict=True)):
        assert not any(_overlap(lab, n) for n in nodes), e["label"]
        assert not any(_overlap(lab, other) for other in labels[i + 1:]), e["label"]
        inner = (lab[0] + 0.5, lab[1] + 0.5, lab[2] - 0.5, lab[3] - 0.5)
        assert not [p for p in _sample(e["d"]) if _overlap(inner, (*p, *p))], e["label"]


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
    # the output is never loaded: its edges point toward its home, and so does its chain
    assert edges[("DRAM", "SPAD")] == ["a", "b"]
    assert edges[("SPAD", "DRAM")] == ["y"]
    assert legend["y"]["chain"] == "SPAD → DRAM" and legend["y"]["home"] == "DRAM"
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


def _box(n: dict[str, float]) -> tuple[float, float, float, float]:
    return (n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("backend", ["networkx", "auto"])
@pytest.mark.parametrize("name", SHIPPED)
def test_bounds_fit_the_drawing_tightly(name: str, backend: str) -> None:
    state = acg_state(load_arch(name), backend=backend)
    boxes = [_box(n) for n in state["nodes"]]
    boxes += [label_box(e["label_xy"], e["label_lines"]) for e in state["edges"] if e["label_xy"]]
    x0, y0, w, h = state["bounds"]
    margins = (min(b[0] for b in boxes) - x0, min(b[1] for b in boxes) - y0,
               x0 + w - max(b[2] for b in boxes), y0 + h - max(b[3] for b in boxes))
    assert all(0 <= m <= 16 for m in margins), margins


@pytest.mark.parametrize("backend", ["networkx", "auto"])
@pytest.mark.parametrize("name", SHIPPED)
def test_node_text_is_readable_at_the_default_zoom(name: str, backend: str) -> None:
    state = acg_state(load_arch(name), backend=backend)
    assert screen_px(state, OUTPUT_WIDTH) >= 10
    assert state["style"]["line_px"] >= 10 and state["style"]["title_px"] >= 10


def test_text_with_a_mapping_is_readable_too(
    result: CompileResult, genesys_result: CompileResult
) -> None:
    conv = L.conv2d((1, 16, 14, 14), (16, 16, 3, 3), bias=True, pads=(1, 1, 1, 1))
    tall = compile(conv, genesys_result.arch)  # four operands: four buffers of overlay lines
    for r in (result, genesys_result, tall):
        assert screen_px(acg_state(r.arch, r.mapping), OUTPUT_WIDTH) >= 10


@pytest.mark.parametrize("name", SHIPPED)
def test_edge_labels_keep_clear_of_nodes_and_each_other(name: str) -> None:
    state = acg_state(load_arch(name))
    nodes = [_box(n) for n in state["nodes"]]
    labels = [label_box(e["label_xy"], e["label_lines"]) for e in state["edges"] if e["label_xy"]]
    for i, lab in enumerate(labels):
        assert not any(_overlap(lab, n) for n in nodes)
        assert not any(_overlap(lab, other) for other in labels[i + 1:])


def test_view_height_follows_the_aspect_ratio_within_bounds() -> None:
    assert view_height([0, 0, 1000, 500], 800) == 400
    assert view_height([0, 0, 400, 300], 800) == 300  # never blown up past its own size
    assert view_height([0, 0, 2000, 100], 800) == MIN_HEIGHT
    assert view_height([0, 0, 500, 2000], 800) == MAX_HEIGHT


def test_overlay_lines_are_wrapped_into_rows(result: CompileResult) -> None:
    state = acg_state(result.arch, result.mapping)
    for node in state["nodes"]:
        rows = node["rows"]
        assert [r["text"] for r in rows[: len(node["lines"])]] == node["lines"]
        overlay = [r["text"] for r in rows if r["class"] == "overlay"]
        assert " ".join(t.strip() for t in overlay).split() == " ".join(
            x["text"] for x in node["overlay_lines"]).split()
        assert all(len(t) <= max(WRAPS) for t in overlay if " " in t.strip())
    spad = next(n for n in state["nodes"] if n["name"] == "SPAD")
    used = [r["text"] for r in spad["rows"] if r["text"].startswith("used")]
    assert used and "KiB" in used[0]  # "5.8 KiB" is not split between rows


# -- the architecture features ------------------------------------------------------------
@pytest.mark.parametrize("backend", ["networkx", "auto"])
def test_state_of_a_tpu_like_file(backend: str) -> None:
    from tests._featured_archs import tpu_like

    state = acg_state(tpu_like(), backend=backend)
    json.dumps(state)
    assert (state["name"], state["title"], state["clock_mhz"]) == (
        "tpu_like", "tpu_like @ 700 MHz", 700)
    nodes = {n["name"]: n for n in state["nodes"]}
    assert [n for n, v in nodes.items() if v["fallback"]] == ["host"]
    assert nodes["host"]["lines"] == [
        "host", "fallback unit", "lanes=8", "2300 MHz, 3.29x", "add, exp, mac"]
    assert nodes["WFIFO"]["access"] == "fifo" and nodes["UB"]["access"] == "ram"
    assert nodes["WFIFO"]["lines"][1] == "FIFO 4 x 64 KiB"
    assert nodes["WDRAM"]["lines"][-1] == "home of weights"
    assert nodes["pcie"]["access"] is None and nodes["pcie"]["lines"] == ["pcie", "21.47 B/cyc"]
    edges = {(e["src"], e["dst"]): e for e in state["edges"]}
    assert edges[("ACC", "UB")]["label_lines"] == ["256 B/cyc", "-> int8"]
    assert edges[("HOST", "UB")]["label"] == "⇄ 21.47 B/cyc"  # its twin: the same width
    assert edges[("UB", "HOST")]["label_xy"] is None
    assert ["converts to", "int8 (data on the memory side of the edge)"] in edges[
        ("ACC", "UB")]["attrs"]
    assert not [t for e in state["edges"] for t in e["label_lines"] if "0000" in t]
    assert screen_px(state, OUTPUT_WIDTH) >= 10


def test_state_of_private_storage_draws_a_stack() -> None:
    from tests._featured_archs import row_stationary

    state = acg_state(row_stationary())
    assert state["title"] == "row_stationary @ 200 MHz"
    assert state["style"]["stack"] > 0 and state["style"]["cylinder"] > 0
    nodes = {n["name"]: n for n in state["nodes"]}
    spad, glb = nodes["WEIGHTS_SPAD"], nodes["GLB"]
    assert spad["private_to"] == "pe_array" and glb["private_to"] is None
    assert spad["lines"] == [
        "WEIGHTS_SPAD", "448 B per PE x 168", "private to pe_array", "R/W 2 B/cyc"]
    # the cards behind the front one take room of their own: wider and taller than the text
    st = state["style"]
    assert spad["h"] == len(spad["rows"]) * st["line_h"] + 2 * st["pad"] + st["stack"]
    assert nodes["pe_array"]["lines"][-1] == "mac (cols: 2 entries)"
    (cap,) = nodes["pe_array"]["capabilities"]
    assert "cols=14 (2 entries) needs {a,acc} not {b} | needs {acc,b} not {a}" in cap["spatial"]
    assert screen_px(state, OUTPUT_WIDTH) >= 10


@pytest.mark.parametrize("name", ["tpu_v1", "eyeriss_v1", "gemmini", "nvdla_small"])
def test_the_new_shipped_archs_are_readable_too(name: str) -> None:
    state = acg_state(load_arch(name))
    assert screen_px(state, OUTPUT_WIDTH) >= 10
    nodes = [_box(n) for n in state["nodes"]]
    labels = [label_box(e["label_xy"], e["label_lines"]) for e in state["edges"] if e["label_xy"]]
    for lab in labels:
        assert not any(_overlap(lab, n) for n in nodes)


def test_an_arch_without_a_clock_is_titled_by_its_name(teaching: ACG) -> None:
    state = acg_state(teaching)
    assert (state["title"], state["clock_mhz"]) == ("teaching", None)
    assert not any(n["fallback"] or n["private_to"] for n in state["nodes"])
