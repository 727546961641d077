"""A layer's energy as heat over the ACG in a real JupyterLab (issue 15, item 4).

One notebook shows GeneSys with a conv layer's energy (``ACGView(..., energy=sim)``) and the
teaching machine with a GEMM's (``view.show_energy(sim.energy())``). The tests check in the
page that the hottest node (DRAM, for these memory-bound layers) is filled with the darkest
colour and named by the legend, that the labels carry pJ and %, that node text stays readable
and labels clear of nodes and of each other, that the toolbar button hides and shows the
colours, and that ``show_energy(None)`` removes them. Screenshots:
``test-artifacts/browser/energy_*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .jlab import Lab, cell_output, kernel_exec, notebook_page
from .test_graph_views import GEOMETRY_JS

pytestmark = pytest.mark.browser
ENERGY_ON = re.compile(r"\bcovenant-energy-on\b")

NOTEBOOK = "energy_view.ipynb"
CELLS = (
    "import covenant_lab as cl\n"
    "from covenant_lab.codelets import library as L\n"
    "from covenant_lab.widgets import ACGView",
    "conv = L.conv2d((1, 16, 14, 14), (16, 16, 3, 3), bias=True, pads=(1, 1, 1, 1))\n"
    "rc = cl.compile(conv, cl.load_arch('genesys'))\n"
    "ACGView(rc.arch, rc, energy=cl.Simulator(rc.program, rc.arch).run())",
    "rt = cl.compile(L.gemm((4, 4), (4, 4)), cl.load_arch('teaching'))\n"
    "teach = ACGView(rt.arch, rt)\n"
    "teach.show_energy(cl.Simulator(rt.program, rt.arch).run().energy())\nteach",
)

# each heat node's share and fill colour, as the browser computed it
FILLS_JS = """(root) => [...root.querySelectorAll('g.covenant-heat-node')].map((g) => [
  g.dataset.name, Number(g.dataset.share),
  getComputedStyle(g.querySelector('.covenant-shape')).fill])"""


@pytest.fixture(scope="module")
def views(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
          artifacts: Path) -> Iterator[Page]:
    drawn = ("() => document.querySelectorAll(\".covenant-acg[data-ready='1'] "
             ".covenant-energy-legend[data-hottest]\").length === 2")
    with notebook_page(browser, browser_context_args, lab, NOTEBOOK, list(CELLS), drawn,
                       artifacts / "energy_FAILED.png", run_s=180) as page:
        yield page



def _luminance(rgb: str) -> float:
    r, g, b = (int(x) for x in rgb.removeprefix("rgb(").removesuffix(")").split(","))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize(("source", "shot", "total"),
                         [("energy=cl.Simulator", "energy_genesys_conv", None),
                          ("teach.show_energy", "energy_teaching_gemm", "24.6 nJ")])
def test_the_hottest_node_is_darkest_and_named(views: Page, artifacts: Path, source: str,
                                               shot: str, total: str | None) -> None:
    out = cell_output(views, source)
    acg = out.locator(".covenant-acg")
    expect(acg).to_have_class(ENERGY_ON)
    legend = acg.locator(".covenant-energy-legend")
    expect(legend).to_have_attribute("data-hottest", "DRAM")
    expect(legend.locator(".covenant-energy-item").first).to_have_attribute("data-name", "DRAM")
    if total:
        expect(legend.locator(".covenant-energy-title")).to_contain_text(f"gemm: {total}")
    fills = acg.evaluate(FILLS_JS)
    print(f"{shot}: " + ", ".join(f"{n} {s:.2%} {f}" for n, s, f in fills))
    hottest = max(fills, key=lambda x: x[1])
    assert hottest[0] == "DRAM"
    assert _luminance(hottest[2]) == min(_luminance(f) for _, _, f in fills)
    dram = acg.locator("g.covenant-node[data-name='DRAM'] text.covenant-energy-line")
    assert (dram.text_content() or "").endswith(f"{100 * hottest[1]:.1f}%")
    geo = acg.evaluate(GEOMETRY_JS)
    assert geo["smallest"] >= 11, geo
    assert geo["clashes"] == []
    out.screenshot(path=str(artifacts / f"{shot}.png"))


def test_edges_carry_the_energy_moved_along_them(views: Page, artifacts: Path) -> None:
    out = cell_output(views, "teach.show_energy")
    acg = out.locator(".covenant-acg")
    strokes = acg.locator("g.covenant-edge path.covenant-energy-edge")
    expect(strokes).to_have_count(4)  # DRAM -> SPAD and back, each in two hops via the bus
    label = acg.locator("text.covenant-edge-label[data-src='DRAM'][data-dst='SPAD']")
    expect(label).to_contain_text("96.0 pJ 0.39%")
    acg.locator("g.covenant-node[data-name='DRAM']").click()
    expect(acg.locator(".covenant-attrs-energy")).to_contain_text("16.0 nJ (64 bytes)")
    out.screenshot(path=str(artifacts / "energy_teaching_dram_panel.png"))


def test_the_overlay_switches_off(views: Page, artifacts: Path) -> None:
    out = cell_output(views, "teach.show_energy")
    acg = out.locator(".covenant-acg")
    toggle = acg.locator("button.covenant-energy-toggle")
    toggle.click()
    expect(acg).not_to_have_class(ENERGY_ON)
    expect(acg.locator(".covenant-energy-legend")).to_be_hidden()
    fill = {n: f for n, _, f in acg.evaluate(FILLS_JS)}["DRAM"]
    expect(acg.locator("tspan.covenant-energy-line").first).to_be_hidden()
    assert fill == "rgb(253, 241, 214)"  # DRAM's own off-chip colour again
    out.screenshot(path=str(artifacts / "energy_teaching_hidden.png"))
    toggle.click()
    expect(acg).to_have_class(ENERGY_ON)
    kernel_exec(views, "teach.show_energy(None)")
    expect(acg.locator("g.covenant-heat-node")).to_have_count(0)
    expect(toggle).to_be_hidden()
    out.screenshot(path=str(artifacts / "energy_teaching_off.png"))
