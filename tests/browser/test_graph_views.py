"""The ACG views, the machine animated and the model graph in a real JupyterLab (issue 14,
items 2, 3 and 5).

One notebook shows GeneSys with a conv mapping, HVX, ResNet-50's model graph, and a SimPlayer
linked to an ACGView of the teaching machine. The tests check in the page: node text on screen
>= 11 px and no edge label over a node or another label; the canvas as tall as the drawing;
hovering an operand focuses its lanes; stepping the player lights the active edge and unit
(step -> repaint time printed); clicking a model-graph node compiles the layer (click ->
status time printed). Screenshots: ``test-artifacts/browser/graph_*.png``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .jlab import Lab, cell_output, kernel_exec, notebook_page

pytestmark = pytest.mark.browser

NOTEBOOK = "graph_views.ipynb"
CELLS = (
    "import covenant_lab as cl\n"
    "from covenant_lab.codelets import library as L\n"
    "from covenant_lab.widgets import ACGView, ModelGraph, SimPlayer, link",
    "conv = L.conv2d((1, 16, 14, 14), (16, 16, 3, 3), bias=True, pads=(1, 1, 1, 1))\n"
    "genesys = cl.show('genesys', cl.compile(conv, cl.load_arch('genesys')))\ngenesys",
    "hvx = cl.show('hvx')\nhvx",
    "mg = ModelGraph(cl.onnx.load(cl.models.BUILDERS['resnet50']()), 'genesys')\nmg",
    "r = cl.compile(L.matmul((16, 40), (40, 24)), cl.load_arch('teaching'))\n"
    "player = SimPlayer(cl.Simulator(r.program, r.arch), occupancy=False)\n"
    "machine = ACGView(r.arch, r)\ncontrols = link(player, machine, cycles=100)\n"
    "display(player, controls, machine)",
)

# per view, in the page: the smallest node text on screen (px), labels over nodes or labels,
# and the canvas's height against the drawing's height on screen
GEOMETRY_JS = """(root) => {
  const svg = root.querySelector('svg.covenant-acg-svg');
  const canvas = root.querySelector('.covenant-acg-canvas');
  let smallest = Infinity;
  const nodes = [];
  for (const g of svg.querySelectorAll('g.covenant-node')) {
    for (const t of g.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      const px = parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
      if (r.width > 0) smallest = Math.min(smallest, px);
    }
    nodes.push([g.dataset.name, g.querySelector('.covenant-shape').getBoundingClientRect()]);
  }
  const labels = [...svg.querySelectorAll('text.covenant-edge-label')].map(
    (t) => [t.textContent, t.getBoundingClientRect()]);
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
    a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const clashes = [];
  labels.forEach(([text, box], i) => {
    for (const [name, nb] of nodes) if (meet(box, nb)) clashes.push([text, name]);
    for (const [other, ob] of labels.slice(i + 1)) if (meet(box, ob)) clashes.push([text, other]);
  });
  const all = [...svg.querySelectorAll('g.covenant-node, text.covenant-edge-label')]
    .map((e) => e.getBoundingClientRect());
  const drawn = Math.max(...all.map((b) => b.bottom)) - Math.min(...all.map((b) => b.top));
  return {smallest, clashes, canvas: canvas.clientHeight, drawn,
          width: canvas.clientWidth};
}"""


@pytest.fixture(scope="module")
def views(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
          artifacts: Path) -> Iterator[Page]:
    """The notebook written, opened and run; every widget drawn."""
    drawn = ("() => document.querySelectorAll(\".covenant-acg[data-ready='1']\").length === 3"
             " && document.querySelectorAll(\".covenant-model-graph[data-ready='1'] "
             "g.covenant-mg-node\").length > 50 && "
             "document.querySelector('.covenant-machine-head') !== null")
    with notebook_page(browser, browser_context_args, lab, NOTEBOOK, list(CELLS), drawn,
                       artifacts / "graph_FAILED.png", run_s=240) as page:
        yield page



@pytest.mark.parametrize(("source", "shot"), [("cl.show('genesys'", "graph_genesys"),
                                              ("cl.show('hvx')", "graph_hvx")])
def test_acg_views_are_readable(views: Page, artifacts: Path, source: str, shot: str) -> None:
    out = cell_output(views, source)
    acg = out.locator(".covenant-acg")
    out.screenshot(path=str(artifacts / f"{shot}.png"))
    geo = acg.evaluate(GEOMETRY_JS)
    print(f"{shot}: smallest node text {geo['smallest']:.1f} px, canvas {geo['canvas']} px "
          f"tall for {geo['drawn']:.0f} px of drawing, {geo['width']} px wide")
    assert geo["smallest"] >= 11, geo
    assert geo["clashes"] == []
    # the canvas is as tall as the drawing (its minimum height aside)
    assert geo["drawn"] <= geo["canvas"] + 1
    assert geo["canvas"] - geo["drawn"] <= max(0, 180 - geo["drawn"]) + 30


def test_hovering_an_operand_follows_its_lanes(views: Page, artifacts: Path) -> None:
    out = cell_output(views, "cl.show('genesys'")
    acg = out.locator(".covenant-acg")
    lanes = acg.locator("path.covenant-edge-overlay[data-operand='y']")
    assert lanes.count() >= 3  # pe_array -> OBUF -> axi -> DRAM: toward its home
    y_edges = acg.locator("g.covenant-edge[data-operands~='y']")
    pairs = {(g.get_attribute("data-src"), g.get_attribute("data-dst"))
             for g in y_edges.all()}
    assert ("OBUF", "DRAM") in pairs and ("DRAM", "OBUF") not in pairs
    acg.locator(".covenant-legend-item[data-operand='w']").hover()
    expect(acg.locator("path.covenant-lane-focus[data-operand='w']").first).to_be_attached()
    expect(acg.locator("path.covenant-lane-dim[data-operand='x']").first).to_be_attached()
    out.screenshot(path=str(artifacts / "graph_genesys_hover_w.png"))
    views.mouse.move(0, 0)
    expect(acg.locator("path.covenant-lane-dim")).to_have_count(0)
    # hovering an edge label lights the edge it belongs to
    label = acg.locator("text.covenant-edge-label[data-src='pe_array']").first
    src, dst = label.get_attribute("data-src"), label.get_attribute("data-dst")
    label.hover()
    expect(acg.locator(f"g.covenant-edge.covenant-hover[data-src='{src}'][data-dst='{dst}']")
           ).to_have_count(1)
    views.mouse.move(0, 0)


def test_stepping_the_player_lights_the_active_edge(views: Page, artifacts: Path) -> None:
    out = cell_output(views, "link(player, machine")
    acg = out.locator(".covenant-acg")
    head = acg.locator(".covenant-machine-head")
    expect(head).to_have_attribute("data-cycle", "0")
    # cycle 0: the load of a moves DRAM -> SPAD
    active = acg.locator("path.covenant-active-edge")
    expect(active).to_have_count(1)
    assert (active.get_attribute("data-src"), active.get_attribute("data-dst"),
            active.get_attribute("data-operand")) == ("DRAM", "SPAD", "a")
    expect(acg.locator("g.covenant-edge.covenant-active[data-src='DRAM'][data-dst='SPAD']")
           ).to_have_count(1)
    # +100 cycles: b's second columns load while the array computes y
    t0 = time.perf_counter()
    out.locator(".covenant-machine-ahead").click()
    expect(head).to_have_attribute("data-cycle", "100")
    ms = 1000 * (time.perf_counter() - t0)
    print(f"machine: +100 cycles -> view repainted in {ms:.0f} ms")
    expect(acg.locator("g.covenant-node.covenant-active[data-name='mac_array']")).to_have_count(1)
    expect(active).to_have_attribute("data-operand", "b")
    expect(acg.locator(".covenant-machine-tiles tr[data-storage='SPAD']")).to_contain_text(
        "b[0:40, 0:4]")
    expect(acg.locator("text.covenant-machine-tiles-tag[data-storage='SPAD']")).to_contain_text(
        "2 tiles: a[0:16, 0:40]")
    used = acg.locator("rect.covenant-heat-used")
    expect(used).to_have_attribute("data-rows", "4")
    out.screenshot(path=str(artifacts / "graph_machine_cycle_100.png"))
    # one event at a time with the player's own step button
    t0 = time.perf_counter()
    out.locator(".covenant-step").click()
    expect(head).not_to_have_attribute("data-cycle", "100")
    print(f"machine: step -> view repainted in {1000 * (time.perf_counter() - t0):.0f} ms")
    cycle = int(head.get_attribute("data-cycle") or "-1")
    assert cycle == int(kernel_exec(views, "print(player.sim.cycle)").strip())


def test_model_graph_click_compiles_the_layer(views: Page, artifacts: Path) -> None:
    out = cell_output(views, "ModelGraph(")
    mg = out.locator(".covenant-model-graph")
    out.screenshot(path=str(artifacts / "graph_resnet50.png"))
    node = mg.locator("g.covenant-mg-node[data-id='layer1.0.conv2+layer1.0.relu2']")
    size = node.locator("text").first.evaluate(
        "(t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a")
    assert size >= 11
    t0 = time.perf_counter()
    node.click()
    status = mg.locator(".covenant-mg-status")
    expect(status).to_contain_text("layer1.0.conv2+layer1.0.relu2: compiled in",
                                   timeout=60_000)
    print(f"model graph: click -> compiled and shown in {1000 * (time.perf_counter() - t0):.0f}"
          " ms")
    expect(node).to_have_class(re.compile(r"\bcovenant-selected\b"))
    expect(node).to_contain_text("efficiency")
    got = kernel_exec(views, "print(mg.unit.name, mg.result.codelet.name)")
    assert got.split() == ["layer1.0.conv2+layer1.0.relu2", "conv2d_relu"]
    out.screenshot(path=str(artifacts / "graph_resnet50_clicked.png"))
