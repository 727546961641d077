"""viz.layout: the layered networkx layout, and the Graphviz backends' plumbing."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

import covenant_lab.viz.layout as layout_mod
from covenant_lab.acg import ACG, load_arch
from covenant_lab.errors import CovenantError, UsageError
from covenant_lab.viz.layout import Layout, available_backends, layout, parse_plain

SHIPPED = ("teaching", "genesys", "hvx")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_node_is_placed_deterministically(name: str) -> None:
    acg = load_arch(name)
    first = layout(acg, backend="networkx")
    assert isinstance(first, Layout)
    assert first.backend == "networkx"
    assert set(first) == {n.name for n in acg.nodes}
    assert first == layout(acg, backend="networkx")


@pytest.mark.parametrize("name", SHIPPED)
def test_offchip_left_compute_right(name: str) -> None:
    acg = load_arch(name)
    pos = layout(acg, backend="networkx")
    xs = [x for x, _ in pos.values()]
    for s in acg.offchip:
        assert pos[s.name][0] == min(xs)
    for c in acg.compute_nodes:
        assert pos[c.name][0] == max(xs)


@pytest.mark.parametrize("name", SHIPPED)
def test_comm_nodes_sit_between_their_endpoints(name: str) -> None:
    acg = load_arch(name)
    pos = layout(acg, backend="networkx")
    for comm in acg.comm_nodes:
        ends = [pos[n][0] for e in acg.edges if e.via == comm.name for n in (e.src, e.dst)]
        assert min(ends) < pos[comm.name][0] < max(ends)


@pytest.mark.parametrize("name", SHIPPED)
def test_nodes_of_a_column_do_not_overlap(name: str) -> None:
    acg = load_arch(name)
    sizes = {n.name: (100.0 + 10 * i, 40.0 + 5 * i) for i, n in enumerate(acg.nodes)}
    pos = layout(acg, sizes, backend="networkx")
    names = list(pos)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (xa, ya), (xb, yb) = pos[a], pos[b]
            apart_x = abs(xa - xb) >= (sizes[a][0] + sizes[b][0]) / 2
            apart_y = abs(ya - yb) >= (sizes[a][1] + sizes[b][1]) / 2
            assert apart_x or apart_y, (a, b)


def test_unknown_backend_is_a_usage_error(teaching: ACG) -> None:
    with pytest.raises(UsageError, match="argument 'backend' to layout"):
        layout(teaching, backend="neato")


def test_missing_backend_is_explained(teaching: ACG, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout_mod, "available_backends", lambda: ("networkx",))
    with pytest.raises(CovenantError, match="not available") as info:
        layout(teaching, backend="pygraphviz")
    assert "pygraphviz" in str(info.value)


def test_networkx_is_always_available() -> None:
    assert available_backends()[-1] == "networkx"


def test_parse_plain_reads_centres_in_points_with_y_down() -> None:
    text = (
        'graph 1 3 2\nnode DRAM 0.5 1 1 0.5 "" solid box black lightgrey\n'
        'node "a b" 2 0.25 1 1\nstop\n'
    )
    assert parse_plain(text) == {"DRAM": (36.0, -72.0), "a b": (144.0, -18.0)}


_FAKE_DOT = """#!{python}
import re, sys
text = sys.stdin.read()
print("graph 1 10 10")
for i, name in enumerate(re.findall(r'^  "([^"]+)" \\[width', text, re.M)):
    print(f"node {{name}} {{i}} {{i % 2}} 1 1")
print("stop")
"""


def test_dot_binary_backend(
    teaching: ACG, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "dot"
    fake.write_text(_FAKE_DOT.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(layout_mod, "_pygraphviz", lambda: None)
    assert available_backends()[0] == "dot"
    pos = layout(teaching)
    assert pos.backend == "dot"
    assert set(pos) == {n.name for n in teaching.nodes}
    assert min(x for x, _ in pos.values()) == 0.0


@pytest.mark.parametrize("name", SHIPPED)
def test_gaps_between_columns_and_rows_can_be_chosen(name: str) -> None:
    acg = load_arch(name)
    tight = layout(acg, backend="networkx", column_gap=40, row_gap=10)
    loose = layout(acg, backend="networkx", column_gap=120, row_gap=60)
    span = {k: (max(x for x, _ in p.values()) - min(x for x, _ in p.values()),
                max(y for _, y in p.values()) - min(y for _, y in p.values()))
            for k, p in (("tight", tight), ("loose", loose))}
    assert span["tight"][0] < span["loose"][0]
    assert span["tight"][1] <= span["loose"][1]
    text = layout_mod._dot_text(acg, {n.name: (72.0, 36.0) for n in acg.nodes}, 90.0, 36.0)
    assert "nodesep=0.5, ranksep=1.25" in text
    assert "nodesep=0.4, ranksep=1.2" in layout_mod._dot_text(
        acg, {n.name: (72.0, 36.0) for n in acg.nodes})


def test_graphviz_ranks_follow_the_storage_levels() -> None:
    """Every segment is handed to Graphviz pointing away from off-chip memory: a converting
    edge back from the accumulators (ACC -> UB) and the writes of compute nodes do not pull
    a deeper level left of a shallower one."""
    from tests._featured_archs import tpu_like

    acg = tpu_like()
    text = layout_mod._dot_text(acg, {n.name: (72.0, 36.0) for n in acg.nodes})
    edges = [line.strip() for line in text.splitlines() if "->" in line]
    assert '"UB" -> "ACC";' in edges and '"ACC" -> "UB";' not in edges
    assert '"ACC" -> "mmu";' in edges and '"mmu" -> "ACC";' not in edges
    assert '"HOST" -> "pcie";' in edges and '"pcie" -> "HOST";' not in edges
    assert len(edges) == len(set(edges))
    if "pygraphviz" in available_backends():
        pos = layout(acg, backend="pygraphviz")
        assert pos["HOST"][0] < pos["UB"][0] < pos["ACC"][0] < pos["mmu"][0]
        assert pos["WDRAM"][0] < pos["WFIFO"][0] < pos["mmu"][0]
