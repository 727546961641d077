"""The ArchEditor, PassStepper and Lab in a real JupyterLab (issue 14, items 4 and 6).

A notebook of three cells (written here, next to the shipped ones) shows an ArchEditor with
a layer, a PassStepper and a Lab for LeNet's conv2 on the teaching machine. The tests use
them as a student would: a refused edit (its error beside its field, in the field's terms,
marked not applied in the graph's info box too), the stepper's words and errors wrapped at
spaces only, the Lab keeping the simulation tab when another layer is picked, and the
comparison of two runs after a recompile. Screenshots: ``test-artifacts/browser/issue14_*``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .jlab import Lab, cell_output, kernel_exec, notebook_page

pytestmark = pytest.mark.browser

NOTEBOOK = "issue14_widgets.ipynb"
CELLS = (
    "from covenant_lab import acg, compiler\n"
    "from covenant_lab.frontends import onnx as frontend\n"
    "from covenant_lab.models import BUILDERS\n"
    "from covenant_lab.widgets import ArchEditor, Lab, PassStepper\n"
    "model = frontend.load(BUILDERS['lenet']())\n"
    "layer = model.layer('conv2')\n"
    "arch = acg.load_arch('teaching')\n"
    "result = compiler.compile(layer, arch)",
    "editor = ArchEditor(arch, layer=layer)\neditor",
    "stepper = PassStepper(result, layer)\nstepper",
    "lab = Lab(model, arch, layer='conv2')\nlab",
)
TIMEOUT_MS = 60_000

# where a text's lines break inside an element: for each break, the characters either side.
# A break inside a word has a word character on both sides (compared within one text node:
# two blocks one under the other are not a break).
BREAKS_JS = """(root) => {
  const out = {lines: 0, inside: []};
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let prevTop = null, prevChar = '';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    prevTop = null; prevChar = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\\n') { prevTop = null; prevChar = ''; continue; }
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const top = rects[0].top;
      if (prevTop !== null && top > prevTop + 4) {
        out.lines += 1;
        if (/\\w/.test(prevChar) && /\\w/.test(ch)) {
          out.inside.push(text.slice(Math.max(0, i - 12), i) + '|' + text.slice(i, i + 12));
        }
      }
      prevTop = top; prevChar = ch;
    }
  }
  return out;
}"""


# both timelines of the comparison drawn: Bokeh draws in canvases inside shadow roots
CANVASES_JS = """() => {
  const root = document.querySelector('.covenant-compare-timeline');
  if (!root) return false;
  let n = 0;
  const walk = (node) => {
    for (const el of node.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS' && el.width > 0) n += 1;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(root);
  return n >= 2;
}"""


@pytest.fixture(scope="module")
def page(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
         artifacts: Path) -> Iterator[Page]:
    """The notebook written, opened and run; the three widgets drawn."""
    drawn = ("() => document.querySelector(\".covenant-editor .covenant-acg[data-ready='1'] "
             "g.covenant-node\") !== null && "
             "document.querySelector(\".covenant-stepper[data-ready='1']\") !== null && "
             "document.querySelector(\".covenant-lab .covenant-acg[data-ready='1']\") !== null")
    with notebook_page(browser, browser_context_args, lab, NOTEBOOK, list(CELLS), drawn,
                       artifacts / "issue14_FAILED.png", drawn_ms=TIMEOUT_MS) as page:
        yield page



def _row(editor: Locator, css: str, name: str) -> Locator:
    return editor.locator(css).filter(
        has=editor.page.locator(f".covenant-field-name[title='{name}']"))


def _type(row: Locator, text: str) -> None:
    field = row.locator("input")
    field.fill(text)
    field.press("Enter")


def test_editor_error_sits_beside_its_field_in_its_terms(page: Page, artifacts: Path) -> None:
    editor = cell_output(page, "editor = ArchEditor(arch, layer=layer)")
    spad = _row(editor, ".covenant-param", "spad_kib")
    _type(spad, "-5")
    error = spad.locator(".covenant-error")
    expect(error).to_contain_text("spad_kib: -5 is not accepted: spad_kib must be at least 1")
    expect(error).to_contain_text("because SPAD.capacity_bytes (= spad_kib * 1024) must be "
                                  "positive; -5 makes it -5120")
    expect(error).to_contain_text("not applied; showing the last valid value (16)")
    expect(spad.locator("input")).to_have_value("-5")
    expect(spad.locator(".covenant-not-applied")).to_have_count(1)
    # beside the field: same row, to the right of the input, starting at its height
    field_box = spad.locator("input").bounding_box()
    error_box = error.bounding_box()
    assert field_box and error_box
    assert error_box["x"] >= field_box["x"] + field_box["width"] - 1
    assert abs(error_box["y"] - field_box["y"]) < field_box["height"]
    # the graph says so too: a note above it and the value in its info box
    view = editor.locator(".covenant-acg")
    expect(view.locator(".covenant-acg-notes")).to_contain_text(
        "not applied: spad_kib = -5 (refused); the graph shows the last valid value, 16")
    expect(view.locator(".covenant-attrs")).to_contain_text(
        "16 (not applied: -5 was refused; showing the last valid value)")
    editor.screenshot(path=str(artifacts / "issue14_editor_refused.png"))
    wrapped = error.evaluate(BREAKS_JS)
    assert wrapped["inside"] == [], wrapped
    # a valid edit: applied, the marks go, the comparison is offered
    _type(spad, "8")
    expect(error).to_have_text("")
    expect(view.locator(".covenant-acg-notes")).not_to_contain_text("not applied")
    assert kernel_exec(page, "print(editor.arch.param('spad_kib'))").strip() == "8"
    _type(_row(editor, ".covenant-param", "cols"), "8")  # a wider array: fewer cycles
    expect(editor.locator(".covenant-cycles")).to_contain_text("now ", timeout=TIMEOUT_MS)
    editor.locator("button.covenant-compare-button").click()
    table = editor.locator(".covenant-compare-table")
    expect(table).to_contain_text("simulated cycles", timeout=TIMEOUT_MS)
    got = kernel_exec(page, "c = editor.compare_view.comparison\n"
                            "print(int(c.before.estimate), int(c.after.estimate), "
                            "c.cycles.delta)").split()
    assert int(got[1]) < int(got[0]) and float(got[2]) < 0
    estimate = table.locator(".covenant-compare-estimate").inner_text().split()
    assert [x.replace(",", "") for x in estimate[2:4]] == got[:2], estimate
    editor.screenshot(path=str(artifacts / "issue14_editor_compare.png"))


def test_stepper_text_wraps_at_spaces_only(page: Page, artifacts: Path) -> None:
    panel = cell_output(page, "stepper = PassStepper(result, layer)")
    # a narrow output, as in a side panel: the decision and the errors must wrap
    panel.locator(".covenant-stepper-panel").evaluate("(el) => { el.style.width = '430px'; }")
    decision = panel.locator(".covenant-decision")
    expect(decision).to_contain_text("decided: level 1, outermost first: oc ×4 → ic ×2")
    expect(decision.locator(".covenant-alternative")).to_have_count(1)
    cost = float(kernel_exec(page, "print(stepper.result.decisions[-1].chosen.cost)"))
    expect(decision).to_contain_text(f"estimated cost {cost:,.0f}")
    panel.locator("button.covenant-pass[data-index='4']").click()  # the tile pass
    expect(decision).to_contain_text("decided: level 1 (SPAD): oc in tiles of 4 (of 16)")
    expect(decision.locator(".covenant-alternative")).to_have_count(3)
    costs = [float(c) for c in decision.locator(".covenant-alternative .covenant-cost")
             .evaluate_all("(els) => els.map((e) => e.dataset.cost)")]
    assert costs == sorted(costs) and costs[0] > cost
    order = panel.locator(".covenant-stepper-panel input[type='text']").first
    order.fill("n, oc, q")
    order.press("Enter")
    panel.locator("button.covenant-recompile").click()
    error = panel.locator(".covenant-error").last
    expect(error).to_contain_text("order: constraint n, oc, q must list the tiled loops")
    style = error.locator("pre").evaluate(
        "(el) => [getComputedStyle(el).wordBreak, getComputedStyle(el).overflowWrap]")
    assert style == ["normal", "normal"], style
    for part in (decision, error):
        wrapped = part.evaluate(BREAKS_JS)
        assert wrapped["lines"] >= 1 and wrapped["inside"] == [], wrapped
    # the mapping text and the table keep their printed lines (they scroll instead)
    for pre in (".covenant-step-text", ".covenant-step-table"):
        wrapped = panel.locator(pre).evaluate(BREAKS_JS)
        assert wrapped["lines"] == 0, (pre, wrapped)
    panel.screenshot(path=str(artifacts / "issue14_stepper_narrow.png"))
    panel.locator(".covenant-stepper-panel").evaluate("(el) => { el.style.width = ''; }")
    order.fill("")
    order.press("Enter")


def test_stepper_recompile_keeps_constraints_and_compares(page: Page, artifacts: Path) -> None:
    panel = cell_output(page, "stepper = PassStepper(result, layer)")
    order = panel.locator(".covenant-stepper-panel input[type='text']").first
    order.fill("n, ic, oc, oh, ow, kh, kw")
    order.press("Enter")
    panel.locator("button.covenant-recompile").click()
    expect(panel.locator(".covenant-recompile-diff")).to_contain_text(
        "what changed since the previous compile", timeout=TIMEOUT_MS)
    expect(order).to_have_value("n, ic, oc, oh, ow, kh, kw")  # the constraint stays
    expect(panel.locator(".covenant-decision")).to_contain_text(
        "fixed by your constraint: order n,ic,oc,oh,ow,kh,kw")
    t0 = time.perf_counter()
    panel.locator("button.covenant-compare-button").click()
    table = panel.locator(".covenant-compare-table")
    expect(table).to_contain_text("simulated cycles", timeout=TIMEOUT_MS)
    page.wait_for_function(CANVASES_JS, timeout=TIMEOUT_MS)
    compare_s = time.perf_counter() - t0
    page.wait_for_timeout(800)  # let Bokeh paint
    got = kernel_exec(page, "c = stepper.compare_view.comparison\n"
                            "print(c.cycles.before, c.cycles.after, "
                            "next(r.delta for r in c.traffic if r.name == 'DRAM->SPAD'))").split()
    before, after, loads = (int(float(x)) for x in got)
    cycles = table.locator(".covenant-compare-cycles").inner_text().split()
    assert cycles[-4:-1] == [f"{before:,}", f"{after:,}", f"{after - before:+,}"], cycles
    edge = table.locator(".covenant-compare-edge").filter(has_text="DRAM->SPAD").inner_text()
    assert f"{loads:+,}" in edge and loads < 0
    # one cycle axis: both figures share the x range of the longer run
    axis = kernel_exec(page, "fs = stepper.compare_view.figures\n"
                             "print(len(fs), len({id(f.x_range) for f in fs}), "
                             "fs[0].x_range.end >= max(c.cycles.before, c.cycles.after))")
    assert axis.split() == ["2", "1", "True"], axis
    panel.screenshot(path=str(artifacts / "issue14_stepper_compare.png"))
    (artifacts / "issue14_timings.txt").write_text(f"compare_click_to_canvas_s {compare_s:.2f}\n")
    # "try" an alternative of the tile pass: recompiled under the constraints that choose it
    panel.locator("button.covenant-pass[data-index='4']").click()
    first = panel.locator(".covenant-decision .covenant-alternative").first
    listed = float(first.locator(".covenant-cost").get_attribute("data-cost") or "nan")
    first.locator("button.covenant-try").click()
    expect(panel.locator("button.covenant-pass.covenant-current")).to_have_text("5 order",
                                                                                timeout=TIMEOUT_MS)
    got = kernel_exec(page, "print(len(stepper.history), stepper.result.decisions[0].chosen.cost)")
    runs, cost = got.split()
    assert runs == "3" and float(cost) == pytest.approx(listed)
    expect(panel.locator(".covenant-decision")).to_contain_text("fixed by your constraint")


def test_lab_keeps_the_simulation_tab(page: Page, artifacts: Path) -> None:
    lab = cell_output(page, "lab = Lab(model, arch")
    tabs = lab.locator(".covenant-lab-tabs .lm-TabBar-tab")
    tabs.filter(has_text="simulation").click()
    expect(lab.locator(".covenant-player[data-ready='1']")).to_have_count(1, timeout=TIMEOUT_MS)
    lab.locator(".covenant-layer-picker select").select_option("conv1")
    expect(lab.locator(".covenant-lab-tabs .lm-TabBar-tab.lm-mod-current")).to_have_text(
        "simulation")
    page.wait_for_timeout(1500)  # a late jump would show here
    expect(lab.locator(".covenant-lab-tabs .lm-TabBar-tab.lm-mod-current")).to_have_text(
        "simulation")
    assert kernel_exec(page, "print(lab.tabs.selected_index, lab.picker.value, "
                             "lab.tabs.children[2].children[0] is lab.player('conv1'))"
                       ).split() == ["2", "conv1", "True"]
    expect(lab.locator(".covenant-player[data-ready='1']").first).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(lab.locator(".covenant-cycle").first).to_contain_text(re.compile(r"cycle 0 /"))
    lab.screenshot(path=str(artifacts / "issue14_lab_simulation.png"))
