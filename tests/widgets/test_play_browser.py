"""The play button's clock (static/play.js) in headless Chromium with a fake kernel: a model
that "draws" each asked position after a delay, as Python does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from covenant_lab.widgets.esm import esm

from .test_esm_browser import _PAGE, STATIC

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

# the fake kernel: every asked position is drawn ("shown") `delay` ms later, and logged
KERNEL_JS = """(delay) => {
  window.__log = [];
  window.__model.on('change:value', () => {
    const v = window.__model.get('value');
    setTimeout(() => {
      window.__log.push([performance.now(), v]);
      window.__model.set('shown', v);
    }, delay);
  });
}"""


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:
    return browser


def _play(chromium: Any, *, steps: int, speed: int, delay_ms: int,
          start: int = 0) -> dict[str, Any]:
    page = chromium.new_page()
    state = {"value": start, "shown": start, "max": steps, "speed": speed, "interval_ms": 100,
             "playing": False}
    page.set_content(_PAGE.format(css=(STATIC / "player.css").read_text(),
                                  state=json.dumps(state),
                                  src=json.dumps(esm("play.js")), width=400))
    page.wait_for_selector("#el[data-ready='1']", timeout=10_000)
    page.evaluate(KERNEL_JS, delay_ms)
    t0 = page.evaluate("() => performance.now()")
    page.click("button.covenant-play")
    page.wait_for_selector("button.covenant-play[data-playing='0']", timeout=60_000)
    log = page.evaluate("() => window.__log")
    page.close()
    positions = [p for _, p in log]
    seconds = (log[-1][0] - t0) / 1000 if log else 0.0
    return {"positions": positions, "seconds": round(seconds, 3),
            "events_per_s": round((positions[-1] - start) / seconds, 2) if seconds else 0.0}


def test_play_keeps_its_rate_and_ends_on_the_last_event(chromium: Any) -> None:
    report = {}
    one = _play(chromium, steps=20, speed=1, delay_ms=5)
    assert one["positions"] == list(range(1, 21))  # every event, in order, to the last
    report["1 event/tick, fast kernel"] = one
    hundred = _play(chromium, steps=224, speed=100, delay_ms=5)
    assert hundred["positions"] == [100, 200, 224]  # never stops short of the end
    report["100 events/tick"] = hundred
    # a kernel slower than a tick: play skips ahead (fewer, larger steps), never falls behind
    slow = _play(chromium, steps=20, speed=1, delay_ms=250)
    assert slow["positions"][-1] == 20 and len(slow["positions"]) < 15
    assert slow["positions"] == sorted(slow["positions"])
    report["1 event/tick, kernel 250 ms"] = slow
    # from the end, play starts again at event 0
    again = _play(chromium, steps=12, speed=5, delay_ms=5, start=12)
    assert again["positions"] == [0, 5, 10, 12]
    report["from the end, 5 events/tick"] = again
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "play_clock.json").write_text(json.dumps(report, indent=1))
