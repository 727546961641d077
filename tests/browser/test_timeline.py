"""The simulator notebook's timelines in a real JupyterLab, with no network beyond 127.0.0.1.

Runs a copy of 04_simulator.ipynb whose first cell loads BokehJS with
``covenant_lab.viz.bokeh_inline()`` (the replacement of ``output_notebook()``, which loads it
from a CDN), in a browser context where every request leaving 127.0.0.1 is logged and
refused, with ``BOKEH_RESOURCES`` removed from the kernel's environment. Then uses the
standalone timeline and the SimPlayer like a student: row heights, the reset tool, Play at 1
and 100 events per tick to the last event, a stall's tooltip, a click on a bar. Repaint
times (step -> cursor, wheel zoom -> repaint, pan settle) are measured and written to
``test-artifacts/browser/timeline_timings.json``, not asserted.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from .jlab import Lab, kernel_exec, open_notebook, run_all, shutdown_kernel
from .test_tour import cycle_text, output_of

pytestmark = pytest.mark.browser

NOTEBOOK = "04_simulator_offline.ipynb"
MIN_ROW_PX = 18
TIMINGS: dict[str, Any] = {}

# the timeline plot views: "standalone" (a document root), "player" (in a SimPlayer) and
# "big" (the SimPlayer whose bars were aggregated at first: tagged when first seen)
FIND_JS = """
  const plots = [];
  const walk = (view, root) => {
    if (view.model && view.model.name === 'covenant-timeline' && view.frame)
      plots.push({view, root});
    for (const child of (view.children ? view.children() : [])) walk(child, false);
  };
  for (const r of Bokeh.index.roots) walk(r, true);
  const source = (v) => v.model.renderers.find(
    (r) => r.name === 'covenant-timeline-renderer').data_source;
  for (const p of plots) {
    const kinds = source(p.view).data.instr_kind || [];
    if (!p.root && !window.__covenant_big && kinds.length && kinds[0] === '(aggregated)')
      window.__covenant_big = p.view;
  }
  const find = (which) => which === 'standalone' ? plots.find((p) => p.root).view
    : which === 'big' ? window.__covenant_big
    : plots.find((p) => !p.root && p.view !== window.__covenant_big).view;
"""

PLOTS_JS = """() => {""" + FIND_JS + """
  return plots.map((p) => ({standalone: p.root, big: p.view === window.__covenant_big,
    frame_h: p.view.frame.bbox.height,
    rows: Math.round(Math.abs(p.view.model.y_range.start - p.view.model.y_range.end))}));
}"""

# page coordinates of data point (x, row) on a timeline
POINT_JS = """([which, x, row]) => {""" + FIND_JS + """
  const view = find(which);
  const r = view.el.getBoundingClientRect();
  return [r.left + view.frame.x_scale.compute(x), r.top + view.frame.y_scale.compute(row)];
}"""

# starts watching a timeline's cursor, x range or bars: window.__covenant_watch resolves to
# the ms from now to the last change, once nothing changed for 300 ms (two frames painted)
WATCH_JS = """([which, what]) => {""" + FIND_JS + """
  const plot = find(which);
  const cursor = plot.model.center.find((m) => m.name === 'covenant-cursor');
  const bars = source(plot);
  const read = () => what === 'cursor' ? String(cursor.location)
    : what === 'bars' ? `${bars.data.left.length},${bars.data.left[0]},${bars.data.instr_kind[0]}`
    : `${plot.model.x_range.start},${plot.model.x_range.end}`;
  const before = read();
  const t0 = performance.now();
  window.__covenant_t0 = t0;
  window.__covenant_watch = new Promise((resolve) => {
    let last = t0, seen = before;
    const poll = () => {
      const now = performance.now();
      const value = read();
      if (value !== seen) { seen = value; last = now; }
      if (seen !== before && now - last > 300) {
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(last - t0)));
      } else if (now - t0 > 15000) {
        resolve(-1);
      } else {
        requestAnimationFrame(poll);
      }
    };
    requestAnimationFrame(poll);
  });
}"""
WAIT_JS = "() => window.__covenant_watch"
BIG_CELL = """big = SimPlayer(Simulator(result.program, arch), max_bars=6)  # level of detail
big"""


def _offline_copy(root: Path) -> None:
    """04 as shipped (it calls ``bokeh_inline()``), BOKEH_RESOURCES unset first, and a big
    player appended."""
    nb = json.loads((root / "04_simulator.ipynb").read_text(encoding="utf-8"))
    assert any("bokeh_inline()" in "".join(c["source"]) for c in nb["cells"])
    unset = 'import os\nos.environ.pop("BOKEH_RESOURCES", None)  # no help from the test server'
    nb["cells"].insert(0, {"cell_type": "code", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": unset.splitlines(keepends=True)})
    nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None,
                        "outputs": [], "source": BIG_CELL.splitlines(keepends=True)})
    (root / NOTEBOOK).write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def offline(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
            artifacts: Path) -> Iterator[tuple[Page, list[str]]]:
    _offline_copy(lab.root)
    context = browser.new_context(**browser_context_args)
    outside: list[str] = []

    def gate(route: Route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1",):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    page = context.new_page()
    try:
        open_notebook(page, lab.url(f"/lab/tree/{NOTEBOOK}?reset"))
        run_all(page)
        page.wait_for_selector(".covenant-player[data-ready='1']", timeout=60_000)
        page.wait_for_function("() => window.Bokeh && Bokeh.index.roots.length >= 4",
                               timeout=60_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(artifacts / "timeline_nb04_offline.png"))
        yield page, outside
    finally:
        (artifacts / "timeline_timings.json").write_text(json.dumps(TIMINGS, indent=1))
        shutdown_kernel(page, lab)
        context.close()


def _player(page: Page) -> Locator:
    return output_of(page, "player = SimPlayer(")


def test_notebook_04_works_offline_without_warnings(offline: tuple[Page, list[str]],
                                                    artifacts: Path) -> None:
    page, outside = offline
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
    assert page.get_by_text("Javascript Error").count() == 0
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert stderr.count() == 0, stderr.first.inner_text()
    standalone = output_of(page, "show_timeline(sim")
    standalone.screenshot(path=str(artifacts / "timeline_standalone.png"))


def test_rows_are_readable_and_the_reset_tool_is_visible(offline: tuple[Page, list[str]],
                                                         artifacts: Path) -> None:
    page, _ = offline
    plots = page.evaluate(PLOTS_JS)
    assert sorted((p["standalone"], p["big"]) for p in plots) == [
        (False, False), (False, True), (True, False)], plots
    for p in plots:
        assert p["rows"] >= 3 and p["frame_h"] >= MIN_ROW_PX * p["rows"], p
    TIMINGS["row_px"] = [p["frame_h"] / p["rows"] for p in plots]
    for where in (output_of(page, "show_timeline(sim"), _player(page)):
        reset = where.locator(".bk-tool-icon-reset")
        expect(reset.first).to_be_visible()
        box = reset.first.bounding_box()
        assert box is not None and box["width"] >= 10 and box["height"] >= 10
    _player(page).screenshot(path=str(artifacts / "timeline_player.png"))


def _set_speed(player: Locator, speed: int) -> None:
    player.locator(".covenant-speed select").select_option(str(speed))


def _play_to_the_end(page: Page, player: Locator, start: int, speed: int) -> dict[str, Any]:
    """Play from event ``start`` at ``speed``: the positions Python drew, in order, and when."""
    kernel_exec(page, f"player.goto({start})")
    expect(player.locator(".covenant-cycle")).to_contain_text(f"event {start} /")
    _set_speed(player, speed)
    steps = cycle_text(player)[3]
    kernel_exec(page, "import time as _t\n_seen = []\nplayer.observe(lambda ch: _seen.append("
                      "(_t.perf_counter(), ch['new'])), names='position')")
    player.locator("button.covenant-play").click()
    # the play has run when Python saw it reach the last event (a short play at 100 events a
    # tick ends within one tick: "playing" may be over before the page is looked at)
    deadline = time.monotonic() + 60
    while json.loads(kernel_exec(page, "import json\nprint(json.dumps([p for _, p in _seen][-1:]))")
                     ) != [steps]:
        assert time.monotonic() < deadline, "the play did not reach the last event in 60 s"
        page.wait_for_timeout(100)
    expect(player.locator("button.covenant-play")).to_have_attribute("data-playing", "0",
                                                                     timeout=60_000)
    expect(player.locator(".covenant-cycle")).to_contain_text(f"event {steps} / {steps}")
    seen = json.loads(kernel_exec(page, "import json\nplayer.unobserve_all('position')\n"
                                        "print(json.dumps(_seen))"))
    positions = [p for _, p in seen]
    assert positions[-1] == steps == int(kernel_exec(page, "print(player.sim.position)"))
    assert positions == sorted(positions), positions  # never jumps back
    first = positions[0]
    assert first == (0 if start == steps else start + min(speed, steps - start)), positions
    moved = [(t, p) for t, p in seen if p != first]
    rate = ((positions[-1] - first) / (seen[-1][0] - seen[0][0])
            if len(seen) > 1 and seen[-1][0] > seen[0][0] else 0.0)
    return {"from": start, "positions": len(positions), "largest_jump": max(
                (b - a for a, b in itertools.pairwise(positions)), default=0),
            "events_per_s": round(rate, 2), "nominal_events_per_s": 10 * speed,
            "seconds": round(seen[-1][0] - seen[0][0], 3), "moves": len(moved)}


def test_play_reaches_the_last_event_at_1_and_100_events_per_tick(
        offline: tuple[Page, list[str]]) -> None:
    page, _ = offline
    player = _player(page)
    player.scroll_into_view_if_needed()
    steps = cycle_text(player)[3]
    TIMINGS["play_100"] = _play_to_the_end(page, player, 0, 100)
    TIMINGS["play_1"] = _play_to_the_end(page, player, max(steps - 30, 0), 1)
    # from the end, play starts again at event 0 and ends on the last one
    TIMINGS["play_100_again"] = _play_to_the_end(page, player, steps, 100)


def _stall(page: Page) -> dict[str, Any]:
    code = """
import json
d = player.timeline.source.data
k = next(k for k, kind in enumerate(d["kind"]) if kind == "stall"
         and d["right"][k] - d["left"][k] >= 4)
row = player.timeline.rows.index(d["resource"][k])
print(json.dumps({"x": (d["left"][k] + d["right"][k]) / 2, "row": row, "index": d["index"][k],
                  "on": d["depends_on"][k], "detail": d["detail"][k]}))
"""
    return dict(json.loads(kernel_exec(page, code)))


def test_a_stall_tooltip_names_what_it_waits_for(offline: tuple[Page, list[str]],
                                                 artifacts: Path) -> None:
    page, _ = offline
    player = _player(page)
    player.scroll_into_view_if_needed()
    kernel_exec(page, "player.goto(0)")
    stall = _stall(page)
    assert stall["on"] >= 0 and f"#{stall['on']} " in stall["detail"]
    x, y = page.evaluate(POINT_JS, ["player", stall["x"], stall["row"]])
    page.mouse.move(x, y)
    # the tooltip (Bokeh draws it in its own layer): the stall, and what it waits for
    expect(page.get_by_text(f"stall of #{stall['index']} (")).to_be_visible(timeout=5000)
    kind = "write after read" if "write after read" in stall["detail"] else "read after write"
    wait = page.get_by_text(re.compile(rf"waits [\d,]+ cycles for #{stall['on']} .*\({kind}\)"))
    expect(wait).to_be_visible()
    assert wait.inner_text() == stall["detail"]
    player.screenshot(path=str(artifacts / "timeline_stall_tooltip.png"))


def test_clicking_a_bar_selects_its_instruction(offline: tuple[Page, list[str]],
                                                artifacts: Path) -> None:
    page, _ = offline
    player = _player(page)
    code = """
import json
d, flow = player.timeline.source.data, player.sim.dataflow
k = next(k for k, (i, kind) in enumerate(zip(d["index"], d["kind"])) if kind == "compute"
         and flow.producers(i) and flow.consumers(i) and d["right"][k] - d["left"][k] >= 8)
print(json.dumps({"x": (d["left"][k] + d["right"][k]) / 2,
                  "row": player.timeline.rows.index(d["resource"][k]), "index": d["index"][k],
                  "producers": len(flow.producers(d["index"][k])),
                  "consumers": min(len(flow.consumers(d["index"][k])), 12)}))
"""
    bar = json.loads(kernel_exec(page, code))
    x, y = page.evaluate(POINT_JS, ["player", bar["x"], bar["row"]])
    page.mouse.click(x, y)
    details = player.locator(".covenant-details")
    expect(details).to_have_attribute("data-index", str(bar["index"]))
    expect(details.locator(".covenant-link[data-role='producer']")).to_have_count(
        bar["producers"])
    expect(details.locator(".covenant-link[data-role='consumer']")).to_have_count(
        bar["consumers"])
    assert kernel_exec(page, "print(player.selected)").strip() == str(bar["index"])
    wait = kernel_exec(page, f"w = player.sim.dataflow.wait({bar['index']})\n"
                             "print(w.text if w else '')").strip()
    if wait:  # the pane says what it waited for, as the stall's tooltip does
        expect(details.locator(".covenant-wait")).to_have_text(wait)
    page.wait_for_timeout(300)
    player.screenshot(path=str(artifacts / "timeline_selected.png"))
    # a producer clicked in the pane becomes the selection
    first = details.locator(".covenant-link[data-role='producer']").first
    producer = first.get_attribute("data-index")
    first.click()
    expect(details).to_have_attribute("data-index", str(producer))


def test_repaint_times_are_measured(offline: tuple[Page, list[str]]) -> None:
    page, _ = offline
    player = _player(page)
    player.scroll_into_view_if_needed()
    moves = json.loads(kernel_exec(page, "import json\ne = player.sim._events\nprint(json.dumps("
                                         "[k for k in range(1, len(e)) if e[k][0] != e[k-1][0]]"
                                         "[:5]))"))
    step = []
    for k in moves:  # stepping from event k moves the cycle
        kernel_exec(page, f"player.goto({k})")
        expect(player.locator(".covenant-cycle")).to_contain_text(f"event {k} /")
        page.evaluate(WATCH_JS, ["player", "cursor"])
        player.locator("button.covenant-step").click()
        step.append(round(page.evaluate(WAIT_JS), 1))
    x, y = page.evaluate(POINT_JS, ["player", 1000, 1])
    page.mouse.move(x, y)
    zoom = []
    for _ in range(3):
        page.evaluate(WATCH_JS, ["player", "range"])
        page.mouse.wheel(0, -240)
        zoom.append(round(page.evaluate(WAIT_JS), 1))
    pans = []
    for _ in range(3):
        page.mouse.move(x, y)
        page.mouse.down()
        page.evaluate(WATCH_JS, ["player", "range"])
        for k in range(1, 11):
            page.mouse.move(x - 20 * k, y)
        up = page.evaluate("() => performance.now() - window.__covenant_t0")
        page.mouse.up()
        pans.append(round(max(page.evaluate(WAIT_JS) - up, 0.0), 1))  # 0: settled on release
    TIMINGS["step_to_cursor_ms"] = step
    TIMINGS["wheel_to_repaint_ms"] = zoom
    TIMINGS["pan_settle_after_release_ms"] = pans
    assert all(v >= 0 for v in step + zoom), TIMINGS  # each one was seen to happen


def test_zoom_sends_new_detail_to_a_big_timeline(offline: tuple[Page, list[str]],
                                                 artifacts: Path) -> None:
    """A player whose bars are aggregated (max_bars=6): a wheel zoom brings every bar of
    the range, from Python; timed from the wheel to the new bars drawn."""
    page, _ = offline
    big = output_of(page, "big = SimPlayer(")
    big.scroll_into_view_if_needed()
    total = json.loads(kernel_exec(page, "print(big.timeline.end_cycle)"))
    x, y = page.evaluate(POINT_JS, ["big", total * 0.3, 1])
    page.mouse.move(x, y)
    detail = []
    for _ in range(8):  # zoom in until the bars are single events
        page.evaluate(WATCH_JS, ["big", "bars"])
        page.mouse.wheel(0, -400)
        detail.append(round(page.evaluate(WAIT_JS), 1))
        if kernel_exec(page, "print(big.timeline.aggregated)").strip() == "False":
            break
    assert kernel_exec(page, "print(big.timeline.aggregated)").strip() == "False"
    TIMINGS["big_wheel_to_new_bars_ms"] = detail
    pans = []
    for _ in range(2):
        page.mouse.move(x, y)
        page.mouse.down()
        page.evaluate(WATCH_JS, ["big", "bars"])
        for k in range(1, 11):
            page.mouse.move(x + 40 * k, y)
        up = page.evaluate("() => performance.now() - window.__covenant_t0")
        page.mouse.up()
        pans.append(round(max(page.evaluate(WAIT_JS) - up, 0.0), 1))
    TIMINGS["big_pan_settle_after_release_ms"] = pans
    big.screenshot(path=str(artifacts / "timeline_big_zoomed.png"))
