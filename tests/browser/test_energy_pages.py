"""The report's energy section and a sweep's Pareto figure, drawn by BokehJS in Chromium.

A small `covenant bench` run (LeNet layers on teaching and genesys16) is written as the HTML
report, and the totals of a teaching array-size x scratchpad-size sweep as a standalone Pareto
page (both with inline BokehJS, opened as files: no server, no network). The test reads the data
each drawn figure holds back out of the page, hovers a point, and saves screenshots
(``report_energy.png``, ``report_summary.png``, ``report_energy_old.png``, ``pareto_front.png``) in
``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from covenant_lab.analysis.report import write_report
from covenant_lab.analysis.report_energy import ENERGY_TITLES, energy_bars_data
from covenant_lab.dse.grid import pareto_sweep
from covenant_lab.sim.energy_classes import EnergyClass
from tests.analysis.bench_doc import tiny_bench, without_energy

pytestmark = pytest.mark.browser

# the columns of a named data source of the page's Bokeh document, once BokehJS drew it
SOURCE_JS = """(name) => {
  const doc = window.Bokeh && Bokeh.documents[0];
  const src = doc && doc.get_model_by_name(name);
  return src ? Object.fromEntries(Object.entries(src.data).map(([k, v]) => [k, Array.from(v)]))
             : null;
}"""

# the page's text, shadow roots included (Bokeh draws its Divs and tooltips in them)
DEEP_TEXT = """() => {
  const walk = (root) => [...root.querySelectorAll('*')].map(
    (e) => e.shadowRoot ? walk(e.shadowRoot) : '').join(' ') + ' '
    + (root === document ? document.body.textContent : root.textContent);
  return walk(document);
}"""

# where a point of the Pareto figure is on the page
POINT_JS = """(arch) => {
  const doc = Bokeh.documents[0];
  const view = Bokeh.index.get_one(doc.roots()[0]);
  const src = doc.get_model_by_name('covenant-pareto');
  const i = src.data.arch.indexOf(arch);
  const box = view.el.getBoundingClientRect();
  return {x: box.left + view.frame.x_scale.compute(src.data.cycles[i]),
          y: box.top + view.frame.y_scale.compute(src.data.energy_uj[i])};
}"""


def _open(page: Any, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=60_000)
    page.wait_for_selector(".bk-Canvas, .bk-canvas, canvas", state="attached", timeout=60_000)


def _shot_at(page: Any, text: str, path: Path, height: int) -> None:
    """Screenshot ``height`` pixels from the heading or title that contains ``text``."""
    box = page.evaluate("""(text) => {
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          if (el.shadowRoot) { const r = walk(el.shadowRoot); if (r) return r; }
          if (el.children.length === 0 && el.textContent.includes(text)) {
            const b = el.getBoundingClientRect();
            if (b.height > 0) return {y: b.top + window.scrollY};
          }
        }
        return null;
      };
      return walk(document);
    }""", text)
    assert box is not None, f"{text!r} is not drawn"
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": max(box["y"] - 10, 0), "width": 1180, "height": height})


def test_report_energy_section(page: Any, tmp_path: Path, artifacts: Path) -> None:
    out = tmp_path / "bench"
    out.mkdir()
    tiny_bench(out)
    html = write_report(out, tmp_path / "report.html")
    page.set_viewport_size({"width": 1200, "height": 1000})
    _open(page, html)
    bars = page.evaluate(SOURCE_JS, "covenant-energy-bars")
    doc = json.loads((out / "results.json").read_text())
    want = energy_bars_data(doc)
    assert bars is not None
    assert bars["layer"] == want["layer"] and bars["arch"] == want["arch"]
    for c in EnergyClass:
        assert bars[c.name] == pytest.approx(want[c.name], rel=1e-12)
    scatter = page.evaluate(SOURCE_JS, "covenant-energy-scatter-genesys16")
    assert scatter["cycles"] == [r["cycles"] for r in doc["layers"] if r["arch"] == "genesys16"]
    _shot_at(page, "Energy", artifacts / "report_energy.png", 1300)
    _shot_at(page, "Summary (", artifacts / "report_summary.png", 200)

    old = without_energy(out, tmp_path / "old")
    assert old["layers"]
    html_old = write_report(tmp_path / "old", tmp_path / "old.html")
    _open(page, html_old)
    assert page.evaluate(SOURCE_JS, "covenant-energy-bars") is None
    text = page.evaluate(DEEP_TEXT)
    assert "No energy recorded for any of the 8 mapped layers" in text
    assert ENERGY_TITLES["bars"] not in text
    _shot_at(page, "Simulated energy of each layer", artifacts / "report_energy_old.png", 520)


def test_pareto_front_page(page: Any, tmp_path: Path, artifacts: Path) -> None:
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    from covenant_lab.viz.pareto import pareto_figure

    with ThreadPoolExecutor(1) as ex:
        grid = [{"rows": n, "cols": n, "spad_kib": k} for n in (2, 4, 8) for k in (4, 32)]
        result = pareto_sweep("teaching", grid, ["lenet_conv2_relu"], executor=ex)
    assert len(result.totals) == 6
    html = tmp_path / "pareto.html"
    html.write_text(file_html(pareto_figure(result.totals), resources=INLINE, title="pareto"))
    page.set_viewport_size({"width": 900, "height": 600})
    _open(page, html)
    drawn = page.evaluate(SOURCE_JS, "covenant-pareto")
    order = sorted(result.totals, key=lambda p: -p.area_mm2)  # the largest drawn first
    assert drawn["arch"] == [p.arch for p in order]
    assert drawn["optimal"] == ["yes" if p.optimal else "no (dominated)" for p in order]
    assert drawn["energy_uj"] == pytest.approx([p.energy_pj / 1e6 for p in order])
    best = min(result.totals, key=lambda p: p.cycles)
    spot = page.evaluate(POINT_JS, best.arch)
    page.mouse.move(spot["x"], spot["y"])
    page.wait_for_function(f"() => ({DEEP_TEXT})().includes('spad_kib=32')", timeout=10_000)
    text = page.evaluate(DEEP_TEXT)
    for want in ("rows=8, cols=8, spad_kib=32", f"{best.cycles:,.0f}", "Pareto-optimal"):
        assert want in text, text
    page.screenshot(path=str(artifacts / "pareto_front.png"))
