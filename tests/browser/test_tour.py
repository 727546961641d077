"""The tour notebook in a real JupyterLab: run all, then use its widgets like a student would."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .jlab import Lab, kernel_exec, open_notebook, run_all

pytestmark = pytest.mark.browser

CYCLE = re.compile(r"cycle\s+([\d,]+)\s*/\s*([\d,]+).*?event\s+([\d,]+)\s*/\s*([\d,]+)", re.S)
WIDGET_TIMEOUT_MS = 60_000

# non-background pixels of the largest canvas under a locator (Bokeh draws into canvases)
INK_JS = """(root) => {
  const canvases = [];
  const walk = (node) => {
    for (const el of node.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') canvases.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(root);
  let best = null;
  for (const c of canvases) if (!best || c.width * c.height > best.width * best.height) best = c;
  if (!best || !best.width || !best.height) return {canvases: canvases.length, ink: 0};
  const data = best.getContext('2d').getImageData(0, 0, best.width, best.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) ink++;
  }
  return {canvases: canvases.length, ink, width: best.width, height: best.height};
}"""


def output_of(page: Page, source: str) -> Locator:
    """The output area of the code cell whose source contains ``source``."""
    cell = page.locator(".jp-CodeCell").filter(
        has=page.locator(".jp-InputArea", has_text=source))
    return cell.locator(".jp-OutputArea").first


def cycle_text(player: Locator) -> tuple[int, int, int, int]:
    text = player.locator(".covenant-cycle").inner_text()
    m = CYCLE.search(text)
    assert m, f"unexpected .covenant-cycle text {text!r}"
    cycle, total, event, steps = (int(g.replace(",", "")) for g in m.groups())
    return cycle, total, event, steps


@pytest.fixture(scope="module")
def tour(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
         artifacts: Path) -> Iterator[Page]:
    """01_tour.ipynb opened, run top to bottom, its widgets drawn."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    timings = {}
    try:
        t0 = time.perf_counter()
        open_notebook(page, lab.url("/lab/tree/01_tour.ipynb?reset"))
        timings["open_to_idle_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_all(page)
        page.wait_for_selector(".covenant-acg[data-ready='1'] g.covenant-node",
                               timeout=WIDGET_TIMEOUT_MS)
        page.wait_for_selector(".covenant-player[data-ready='1']", timeout=WIDGET_TIMEOUT_MS)
        page.wait_for_selector(".covenant-timeline canvas", timeout=WIDGET_TIMEOUT_MS)
        page.wait_for_timeout(1000)  # let Bokeh finish painting
        timings["run_all_to_widgets_s"] = time.perf_counter() - t0
        page.screenshot(path=str(artifacts / "tour_after_run_all.png"))
    except Exception:
        page.screenshot(path=str(artifacts / "tour_FAILED.png"))
        (artifacts / "console.log").write_text("\n".join(console))
        raise
    yield page
    (artifacts / "console.log").write_text("\n".join(console))
    (artifacts / "timings.txt").write_text(
        "".join(f"{k} {v:.1f}\n" for k, v in timings.items()))
    context.close()


def test_acg_view_shows_every_node(tour: Page, artifacts: Path) -> None:
    view = output_of(tour, "view = cl.show(arch, result)")
    expected = kernel_exec(tour, "print(len(arch.storage_nodes), len(arch.compute_nodes), "
                                 "len(arch.comm_nodes))").split()
    storage, compute, comm = (int(x) for x in expected)
    nodes = view.locator(".covenant-acg g.covenant-node")
    expect(nodes).to_have_count(storage + compute + comm)
    for kind, n in (("storage", storage), ("compute", compute), ("comm", comm)):
        expect(view.locator(f"g.covenant-node[data-kind='{kind}']")).to_have_count(n)
    view.screenshot(path=str(artifacts / "acg_view.png"))


def test_clicking_a_node_shows_its_attributes(tour: Page, artifacts: Path) -> None:
    view = output_of(tour, "view = cl.show(arch, result)")
    view.locator("g.covenant-node[data-name='SPAD']").click()
    attrs = view.locator(".covenant-attrs")
    expect(attrs.locator(".covenant-attrs-title")).to_have_text("SPAD")
    expect(attrs).to_contain_text("capacity")
    expect(view.locator("g.covenant-node.covenant-selected")).to_have_attribute("data-name", "SPAD")
    assert kernel_exec(tour, "print(view.selected)").strip() == "SPAD"
    view.screenshot(path=str(artifacts / "acg_view_clicked.png"))


def test_player_draws_the_timeline(tour: Page, artifacts: Path) -> None:
    player = output_of(tour, "player = SimPlayer(")
    timeline = player.locator(".covenant-timeline")
    expect(timeline.locator("canvas").first).to_be_attached()
    ink = timeline.evaluate(INK_JS)
    assert ink["ink"] > 500, f"the timeline canvas looks empty: {ink}"
    player.screenshot(path=str(artifacts / "player.png"))


def test_step_advances_the_player(tour: Page, artifacts: Path) -> None:
    player = output_of(tour, "player = SimPlayer(")
    cycle0, total, event0, steps = cycle_text(player)
    assert (cycle0, event0) == (0, 0) and total > 0 and steps > 0
    cycle, event = cycle0, event0
    for _ in range(8):  # several events may share a cycle (issue and complete at once)
        player.locator("button.covenant-step").click()
        expect(player.locator(".covenant-cycle")).to_contain_text(f"event {event + 1} /")
        new_cycle, _, new_event, _ = cycle_text(player)
        assert new_event == event + 1 and new_cycle >= cycle
        cycle, event = new_cycle, new_event
        if cycle > cycle0:
            break
    assert cycle > cycle0, f"8 steps did not advance the cycle past {cycle0}"
    player.screenshot(path=str(artifacts / "player_stepped.png"))
    player.locator("button.covenant-back").click()
    expect(player.locator(".covenant-cycle")).to_contain_text(f"event {event - 1} /")
    assert kernel_exec(tour, "print(player.sim.position)").strip() == str(event - 1)


def _editor_row(editor: Locator, css: str, name: str) -> Locator:
    """The editor's row (label, input, error) of the field called exactly ``name``."""
    return editor.locator(css).filter(
        has=editor.page.locator(f".covenant-field-name[title='{name}']"))


def _until_kernel_sees(page: Page, code: str, want: list[str], seconds: float = 20.0) -> None:
    """Run ``code`` in the kernel until it prints ``want`` (an edit reaches the kernel in its
    own message, after the field shows it; a busy machine may take a while)."""
    deadline = time.monotonic() + seconds
    got = kernel_exec(page, code).split()
    while got != want and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        got = kernel_exec(page, code).split()
    assert got == want


def _type(row: Locator, text: str) -> None:
    field = row.locator("input")
    field.fill(text)
    field.press("Enter")


def test_invalid_edit_shows_an_inline_error_and_the_kernel_lives(tour: Page,
                                                                 artifacts: Path) -> None:
    editor = output_of(tour, "editor = ArchEditor(arch, layer=layer)")
    editor.locator(".covenant-node-picker select").select_option("SPAD")
    capacity = _editor_row(editor, ".covenant-attr", "capacity_bytes")
    expect(capacity.locator("input")).to_have_value(re.compile(r"\S"))
    _type(capacity, "0")
    error = capacity.locator(".covenant-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("capacity_bytes: must be positive")
    editor.screenshot(path=str(artifacts / "editor_error.png"))
    # the kernel is alive, and the editor kept the last valid architecture
    assert kernel_exec(tour, "print(1 + 1)").strip() == "2"
    kept = kernel_exec(tour, "print(editor.arch.storage('SPAD').capacity_bytes)").strip()
    assert kept == "16384"


def test_typed_text_and_its_error_stay_across_edits_and_node_switches(tour: Page,
                                                                      artifacts: Path) -> None:
    """Issue 13: a bad value stays in its field, with its error, while the user edits other
    fields and switches node and back; a notice names it; labels are whole (issue 14)."""
    editor = output_of(tour, "editor = ArchEditor(arch, layer=layer)")
    picker = editor.locator(".covenant-node-picker select")
    picker.select_option("SPAD")
    capacity = _editor_row(editor, ".covenant-attr", "capacity_bytes")
    _type(capacity, "abc")
    expect(capacity.locator(".covenant-error")).to_contain_text("'abc' is not a number")
    spad_kib = _editor_row(editor, ".covenant-param", "spad_kib")
    _type(spad_kib, "-5")
    expect(spad_kib.locator(".covenant-error")).to_contain_text("spad_kib: -5 is not accepted")
    # valid edits of other fields: a node attribute and a parameter
    buffering = _editor_row(editor, ".covenant-attr", "buffering")
    _type(buffering, "1")
    _type(_editor_row(editor, ".covenant-param", "bus_bytes"), "16")
    expect(editor.locator(".covenant-pending")).to_contain_text("2 fields not applied")
    _until_kernel_sees(tour, "print(editor.arch.storage('SPAD').buffering, "
                             "editor.arch.param('bus_bytes'))", ["1", "16"])
    # another node and back
    picker.select_option("bus")
    expect(_editor_row(editor, ".covenant-attr", "bytes_per_cycle")).to_be_visible()
    picker.select_option("SPAD")
    capacity = _editor_row(editor, ".covenant-attr", "capacity_bytes")
    expect(capacity.locator("input")).to_have_value("abc")
    expect(capacity.locator(".covenant-error")).to_contain_text(
        "capacity_bytes: 'abc' is not a number or an expression of the parameters")
    expect(spad_kib.locator("input")).to_have_value("-5")
    expect(spad_kib.locator(".covenant-error")).to_contain_text("spad_kib: -5 is not accepted")
    notice = editor.locator(".covenant-pending")
    for part in ("spad_kib", "SPAD.capacity_bytes", "the graph and the estimate show the last "
                                                    "valid architecture"):
        expect(notice).to_contain_text(part)
    expect(editor.locator(".covenant-internal-error")).to_have_text("")
    # the longest label is drawn whole (it may wrap, it is never cut)
    label = editor.locator(".covenant-field-name[title='write_bytes_per_cycle']")
    expect(label).to_have_text("write_bytes_per_cycle")
    box = label.evaluate("(el) => [el.scrollWidth, el.clientWidth, el.parentElement.scrollWidth,"
                         " el.parentElement.clientWidth]")
    assert box[0] <= box[1] + 1 and box[2] <= box[3] + 1, f"label overflows: {box}"
    editor.screenshot(path=str(artifacts / "editor_pending.png"))
    kept = kernel_exec(tour, "print(editor.arch.storage('SPAD').capacity_bytes, "
                             "editor.arch.param('spad_kib'))").split()
    assert kept == ["16384", "16"]


def test_the_editor_recompiles_the_tour_layer(tour: Page, artifacts: Path) -> None:
    """The tour's editor has the layer: a valid edit shows the new estimate beside the
    original one (issue 14: without a layer, edits changed nothing visible)."""
    editor = output_of(tour, "editor = ArchEditor(arch, layer=layer)")
    cycles = editor.locator(".covenant-cycles")
    expect(cycles).to_contain_text("original")
    _type(_editor_row(editor, ".covenant-param", "cols"), "8")
    expect(cycles).to_contain_text("now")
    original, edited = (int(x) for x in kernel_exec(tour, (
        "print(round(compiler.compile(layer, arch).estimate.cycles), "
        "round(compiler.compile(layer, editor.arch).estimate.cycles))")).split())
    assert kernel_exec(tour, "print(editor.arch.param('cols'))").strip() == "8"
    shown = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", cycles.inner_text())]
    assert original in shown and edited in shown and edited < original, (shown, original, edited)
    editor.screenshot(path=str(artifacts / "editor_recompiled.png"))


def test_lab_shows_the_tour_layer_and_plays_it(tour: Page, artifacts: Path) -> None:
    lab = output_of(tour, 'lab = Lab(model, arch, layer="conv2")').locator(".covenant-lab")
    expect(lab.locator(".covenant-layer-picker select")).to_have_value("conv2")
    nodes = lab.locator(".covenant-acg[data-ready='1'] g.covenant-node")
    expect(nodes.first).to_be_visible(timeout=WIDGET_TIMEOUT_MS)
    lab.locator(".lm-TabBar-tab", has_text="simulation").click()
    expect(lab.locator(".covenant-player[data-ready='1']")).to_be_visible(
        timeout=WIDGET_TIMEOUT_MS)
    cycle, total, event, steps = cycle_text(lab)
    assert (cycle, event) == (0, 0) and total > 0 and steps > 0
    lab.screenshot(path=str(artifacts / "lab_simulation.png"))


# sets the source of the first code cell starting with `prefix`, selects it and runs it
RUN_CELL_JS = """async ([prefix, source]) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const index = nb.widgets.findIndex((c) => c.model.type === 'code'
      && c.model.sharedModel.getSource().startsWith(prefix));
  if (index < 0) throw new Error(`no code cell starts with ${prefix}`);
  if (source !== null) nb.widgets[index].model.sharedModel.setSource(source);
  nb.deselectAll();
  nb.activeCellIndex = index;
  await window.jupyterapp.commands.execute('notebook:run-cell');
  return index;
}"""

GREY, GREEN, RED = "rgb(241, 243, 244)", "rgb(230, 244, 234)", "rgb(252, 232, 230)"


def _feedback(page: Page, question: str) -> Locator:
    return page.locator(f".covenant-feedback[data-question='{question}']")


def test_exercise_feedback_is_coloured(tour: Page, artifacts: Path) -> None:
    """The handout's exercises start grey (not answered yet); a right answer turns green, an
    answer of the wrong type red with what is asked for."""
    for q in ("1", "2", "3"):
        box = _feedback(tour, q)
        expect(box).to_have_attribute("data-status", "unanswered")
        expect(box).to_have_css("background-color", GREY)
        expect(box).to_contain_text(f"exercise {q}: not answered yet")
    tour.evaluate(RUN_CELL_JS, ["answer_1 = ", "answer_1 = 16 * 10 * 10 * 6 * 5 * 5"])
    tour.evaluate(RUN_CELL_JS, ['check_answer("1"', None])
    expect(_feedback(tour, "1")).to_have_attribute("data-status", "correct")
    expect(_feedback(tour, "1")).to_have_css("background-color", GREEN)
    tour.evaluate(RUN_CELL_JS, ["answer_2 = ", 'answer_2 = {"mac_array"}'])
    tour.evaluate(RUN_CELL_JS, ['check_answer("2"', None])
    box = _feedback(tour, "2")
    expect(box).to_have_attribute("data-status", "wrong")
    expect(box).to_have_css("background-color", RED)
    expect(box).to_contain_text("exercise 2: not yet: a compute node name (a string) is asked "
                                "for, got the set {'mac_array'} (one name, not a collection)")
    exercises = tour.locator(".jp-Cell").filter(has_text="Exercise 1.").first
    exercises.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    top = exercises.bounding_box()
    bottom = _feedback(tour, "3").bounding_box()
    assert top is not None and bottom is not None
    tour.screenshot(path=str(artifacts / "tour_exercises.png"), clip={
        "x": top["x"], "y": top["y"], "width": top["width"],
        "height": bottom["y"] + bottom["height"] - top["y"] + 8})
