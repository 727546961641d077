"""The widgets' ES modules in headless Chromium with a fake anywidget model (no JupyterLab).

Each module's ``render({model, el})`` runs on a blank page; the fake model records ``set`` and
``save_changes`` the way anywidget's does, in pytest-playwright's Debian Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import covenant_lab
from covenant_lab.acg import load_arch
from covenant_lab.compiler import CompileResult
from covenant_lab.sim import Simulator
from covenant_lab.widgets.acg_state import acg_state, view_height
from covenant_lab.widgets.esm import esm
from covenant_lab.widgets.sim_state import codelet_lines, player_state
from covenant_lab.widgets.stepper_state import step_state

pytestmark = pytest.mark.browser

STATIC = Path(covenant_lab.__file__).parent / "widgets" / "static"

_PAGE = """<!doctype html><html><head><style>{css}</style></head><body>
<div id="el" style="width: {width}px"></div>
<script type="module">
const state = {state};
const handlers = {{}};
window.__saves = 0;
window.__model = {{
  get: (k) => state[k],
  set: (k, v) => {{ state[k] = v; (handlers["change:" + k] || []).forEach((h) => h()); }},
  on: (ev, h) => {{ (handlers[ev] ||= []).push(h); }},
  off: (ev, h) => {{ handlers[ev] = (handlers[ev] || []).filter((x) => x !== h); }},
  save_changes: () => {{ window.__saves += 1; }},
}};
const url = URL.createObjectURL(new Blob([{src}], {{ type: "text/javascript" }}));
const mod = await import(url);
mod.default.render({{ model: window.__model, el: document.getElementById("el") }});
</script></body></html>"""


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:
    """pytest-playwright's browser: Debian's Chromium, configured in tests/conftest.py."""
    return browser


def render(chromium: Any, name: str, state: dict[str, Any], width: int = 1100) -> Any:
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    css = (STATIC / f"{name}.css").read_text()
    src = esm(f"{name}.js")  # the module anywidget loads: static/dom.js, then the script
    page.set_content(_PAGE.format(css=css, state=json.dumps(state), src=json.dumps(src),
                                  width=width))
    page.wait_for_selector("#el[data-ready='1']", timeout=10_000)
    page.errors = errors
    return page


def test_acg_view_click_hover_pan_zoom(chromium: Any, result: CompileResult) -> None:
    graph = acg_state(result.arch, result.mapping)
    page = render(chromium, "acg", {"graph": graph, "selected": "", "height": 500})
    assert page.locator("#el.covenant-acg").count() == 1
    nodes = page.locator("g.covenant-node")
    assert nodes.count() == len(graph["nodes"])
    assert page.locator("g.covenant-node[data-kind='comm']").count() == 1
    assert page.locator(".covenant-legend-item").count() == 3
    page.click("g.covenant-node[data-name='SPAD']")
    assert page.evaluate("window.__model.get('selected')") == "SPAD"
    assert page.evaluate("window.__saves") == 1
    assert page.inner_text(".covenant-attrs-title") == "SPAD"
    assert "16 KiB" in page.inner_text(".covenant-attrs")
    assert "covenant-selected" in page.get_attribute("g.covenant-node[data-name='SPAD']", "class")
    # a change of "selected" from Python updates the panel
    page.evaluate("window.__model.set('selected', 'mac_array')")
    assert page.inner_text(".covenant-attrs-title") == "mac_array"
    page.hover("g.covenant-node[data-name='vector']")
    assert page.locator("g.covenant-edge.covenant-hover").count() == 2
    view0 = page.get_attribute("svg.covenant-acg-svg", "viewBox")
    box = page.locator("svg.covenant-acg-svg").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 40)
    page.mouse.wheel(0, -300)
    view1 = page.get_attribute("svg.covenant-acg-svg", "viewBox")
    assert float(view1.split()[2]) < float(view0.split()[2])  # zoomed in
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 90, steps=5)
    page.mouse.up()
    view2 = page.get_attribute("svg.covenant-acg-svg", "viewBox")
    assert view2.split()[2:] == view1.split()[2:] and view2 != view1  # panned
    assert page.evaluate("window.__saves") == 1  # a drag is not a click
    page.click(".covenant-fit")
    assert page.get_attribute("svg.covenant-acg-svg", "viewBox") == view0
    assert page.errors == []
    page.close()


# what the fitted view shows: its size, the drawing's scale and the node text size on screen
_MEASURE = """() => {
  const svg = document.querySelector('svg.covenant-acg-svg');
  const box = svg.getBoundingClientRect();
  const scale = svg.getScreenCTM().a;
  const px = (sel) => Math.min(...[...svg.querySelectorAll(sel)].map(
    (t) => parseFloat(getComputedStyle(t).fontSize) * scale));
  const panel = document.querySelector('.covenant-attrs').getBoundingClientRect();
  return {width: box.width, height: box.height, viewBox: svg.getAttribute('viewBox'),
          line: px('.covenant-line'), title: px('.covenant-title'),
          edge: px('.covenant-edge-label'),
          panelBelow: panel.top >= box.bottom};
}"""


@pytest.mark.parametrize("name", ["teaching", "genesys", "hvx"])
def test_acg_view_opens_fitted_with_readable_text(chromium: Any, name: str) -> None:
    graph = acg_state(load_arch(name))
    page = render(chromium, "acg", {"graph": graph, "selected": "", "height": 0}, width=842)
    m = page.evaluate(_MEASURE)
    assert m["viewBox"] == " ".join(f"{v:.1f}" for v in graph["bounds"])
    assert abs(m["height"] - view_height(graph["bounds"], m["width"])) <= 1.5
    assert m["line"] >= 10 and m["title"] >= 10, m
    assert m["edge"] >= 8, m
    assert m["panelBelow"]  # a narrow output: the attributes go under the graph
    page.close()


def test_acg_view_keeps_a_fixed_height_and_a_side_panel_when_wide(chromium: Any) -> None:
    graph = acg_state(load_arch("teaching"))
    page = render(chromium, "acg", {"graph": graph, "selected": "", "height": 300}, width=1150)
    m = page.evaluate(_MEASURE)
    assert abs(m["height"] - 300) <= 1.5
    assert not m["panelBelow"]
    page.close()


def test_stepper_view_breadcrumbs_and_diff(chromium: Any, result: CompileResult) -> None:
    state = step_state(result.log, 2)
    page = render(chromium, "stepper", {"state": state, "index": 2})
    assert page.locator("#el.covenant-stepper").count() == 1
    assert page.locator(".covenant-pass").count() == len(result.log)
    assert page.locator(".covenant-diff-add").count() == state["changed"]
    page.click(".covenant-pass[data-index='0']")
    assert page.evaluate("window.__model.get('index')") == 0
    assert page.errors == []
    page.close()


def test_player_view_highlights_the_running_statement(chromium: Any, sim: Simulator) -> None:
    ev = None
    while ev is None or ev.kind != "issue" or not hasattr(sim.program.instrs[ev.index], "stage"):
        ev = sim.step()
    lines = codelet_lines(sim.program.codelet)
    page = render(chromium, "player", {"state": player_state(sim, ev), "codelet": lines})
    assert page.locator("#el.covenant-player").count() == 1
    active = page.locator(".covenant-code-line.covenant-active")
    assert active.count() == len([x for x in lines if x["stage"] == 0])
    assert "mac_array" in page.inner_text(".covenant-instr")
    # the first MAC (#3) runs while b's next block (#2, issued one tile ahead) loads: busy
    # are mac_array, the DRAM->SPAD edge and the bus it goes through
    assert page.locator(".covenant-busy-row").count() == 3
    assert "mac_array" in page.inner_text(".covenant-busy-row >> nth=2")
    assert page.errors == []
    page.close()


def test_acg_view_notes_a_stage_on_a_fallback_unit(chromium: Any) -> None:
    from covenant_lab.codelets import library as L
    from covenant_lab.compiler import compile
    from tests.compiler._hosted import hosted

    r = compile(L.gemm((8, 16), (16, 8), c_shape=(8,)), hosted())
    graph = acg_state(r.arch, r.mapping, fallback=r.fallback)
    page = render(chromium, "acg", {"graph": graph, "selected": "", "height": 400})
    note = page.locator(".covenant-acg-notes .covenant-fallback-note")
    assert note.count() == 1 and note.get_attribute("data-node") == "host"
    # the MAC runs on the array (its bias split off); only the host adds the bias
    assert note.inner_text() == "fallback: host — no other unit performs 'add'"
    assert note.is_visible()
    page.evaluate("window.__model.set('graph', {...window.__model.get('graph'), notes: []})")
    assert page.locator(".covenant-fallback-note").count() == 0
    assert not page.locator(".covenant-acg-notes").is_visible()
    assert page.errors == []
    page.close()
