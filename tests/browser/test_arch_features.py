"""The ACGView of a TPU-like file in a real JupyterLab: every architecture feature is visible.

The test writes ``tpu_like.yaml`` (clock, homes, a weight FIFO, a converting edge, a fractional
PCIe bandwidth, a fallback host with its own clock) and an Eyeriss-like file (per-PE private
scratchpads, a spatial dimension with two entries) next to a notebook of two cells showing
them, runs it, checks the text drawn and that it fits (node text inside its node, edge labels
off the nodes), and saves screenshots in ``test-artifacts/browser/arch_features_*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests._featured_archs import ROW_STATIONARY, TPU_LIKE

from .jlab import Lab, cell_output, notebook_page

pytestmark = pytest.mark.browser

NOTEBOOK = "arch_features.ipynb"
CELLS = (
    "import covenant_lab as cl\ntpu = cl.show('tpu_like.yaml')\ntpu",
    "rs = cl.show('row_stationary.yaml')\nrs",
)

# geometry measured in the page, in SVG user units: per node, how far its widest text line
# reaches past the right edge of its shape (<= 0: it fits); edge labels overlapping nodes
FIT_JS = """(root) => {
  const svg = root.querySelector('svg.covenant-acg-svg');
  const out = {overflow: {}, clashes: [], texts: []};
  const boxes = [];
  for (const g of svg.querySelectorAll('g.covenant-node')) {
    const shapes = [...g.querySelectorAll('.covenant-shape')].map((s) => s.getBBox());
    const right = Math.max(...shapes.map((b) => b.x + b.width));
    const bottom = Math.max(...shapes.map((b) => b.y + b.height));
    let over = -Infinity;
    for (const t of g.querySelectorAll('text')) {
      const b = t.getBBox();
      over = Math.max(over, b.x + b.width - right, b.y + b.height - bottom);
      out.texts.push(t.textContent);
    }
    out.overflow[g.dataset.name] = over;
    const m = g.transform.baseVal.consolidate().matrix;
    boxes.push([g.dataset.name, m.e, m.f, m.e + right, m.f + bottom]);
  }
  for (const t of svg.querySelectorAll('text.covenant-edge-label')) {
    const b = t.getBBox();
    const spans = [...t.querySelectorAll('tspan')];
    for (const s of spans.length ? spans : [t]) out.texts.push(s.textContent);
    for (const [name, x0, y0, x1, y1] of boxes) {
      if (b.x < x1 && x0 < b.x + b.width && b.y < y1 && y0 < b.y + b.height) {
        out.clashes.push([t.textContent, name]);
      }
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def features(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
             artifacts: Path) -> Iterator[Page]:
    """The notebook written, opened and run; both views drawn."""
    (lab.root / "tpu_like.yaml").write_text(TPU_LIKE)
    (lab.root / "row_stationary.yaml").write_text(ROW_STATIONARY)
    drawn = ("() => document.querySelectorAll(\".covenant-acg[data-ready='1'] "
             "g.covenant-node\").length > 0 && document.querySelectorAll("
             "\".covenant-acg[data-ready='1']\").length === 2")
    with notebook_page(browser, browser_context_args, lab, NOTEBOOK, list(CELLS), drawn,
                       artifacts / "arch_features_FAILED.png", drawn_ms=60_000) as page:
        yield page



def test_tpu_like_view_shows_every_feature(features: Page, artifacts: Path) -> None:
    view = cell_output(features, "cl.show('tpu_like.yaml')")
    acg = view.locator(".covenant-acg")
    view.screenshot(path=str(artifacts / "arch_features_tpu_like.png"))
    expect(acg.locator(".covenant-acg-name")).to_have_text("tpu_like @ 700 MHz")
    host = acg.locator("g.covenant-node[data-name='host']")
    expect(host).to_have_class(re.compile(r"\bcovenant-fallback-node\b"))
    assert host.locator(".covenant-shape").evaluate(
        "(s) => getComputedStyle(s).strokeDasharray") not in ("", "none")
    fit = acg.evaluate(FIT_JS)
    for text in ("FIFO 4 x 64 KiB", "home of weights", "home of activations", "fallback unit",
                 "2300 MHz, 3.29x", "-> int8", "⇄ 21.47 B/cyc", "R 256 / W 48.57 B/cyc"):
        assert text in fit["texts"], text
    assert not [t for t in fit["texts"] if "0000" in t]  # no float noise
    assert all(v <= 0.5 for v in fit["overflow"].values()), fit["overflow"]
    assert fit["clashes"] == []
    # the attributes panel of the FIFO and of the host
    host.click()
    panel = acg.locator(".covenant-attrs")
    expect(panel).to_contain_text("2300 MHz, 3.29x the reference clock")
    expect(panel).to_contain_text("a general-purpose unit")
    acg.locator("g.covenant-node[data-name='WFIFO']").click()
    expect(panel).to_contain_text("FIFO 4 x 64 KiB (262144 B in all)")
    view.screenshot(path=str(artifacts / "arch_features_tpu_like_fifo.png"))


def test_row_stationary_view_shows_private_storage(features: Page, artifacts: Path) -> None:
    view = cell_output(features, "cl.show('row_stationary.yaml')")
    acg = view.locator(".covenant-acg")
    view.screenshot(path=str(artifacts / "arch_features_row_stationary.png"))
    expect(acg.locator(".covenant-acg-name")).to_have_text("row_stationary @ 200 MHz")
    spad = acg.locator("g.covenant-node[data-name='WEIGHTS_SPAD']")
    expect(spad).to_have_class(re.compile(r"\bcovenant-private-node\b"))
    expect(spad.locator(".covenant-shape")).to_have_count(3)  # a stack of cards
    fit = acg.evaluate(FIT_JS)
    for text in ("448 B per PE x 168", "private to pe_array", "mac (cols: 2 entries)"):
        assert text in fit["texts"], text
    assert all(v <= 0.5 for v in fit["overflow"].values()), fit["overflow"]
    assert fit["clashes"] == []
    acg.locator("g.covenant-node[data-name='pe_array']").click()
    acg.locator(".covenant-cap summary").first.click()
    expect(acg.locator(".covenant-attrs")).to_contain_text(
        "cols=14 (2 entries) needs {a,acc} not {b} | needs {acc,b} not {a}")
    view.screenshot(path=str(artifacts / "arch_features_row_stationary_pe.png"))
