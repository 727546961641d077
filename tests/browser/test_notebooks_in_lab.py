"""The other notebooks run in JupyterLab too: no cell fails and every widget draws itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .jlab import Lab, open_notebook, run_all, shutdown_kernel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREY = "rgb(241, 243, 244)"
ROOTS = ".covenant-acg, .covenant-player, .covenant-stepper"
NOT_READY = ", ".join(f"{r.strip()}:not([data-ready='1'])" for r in ROOTS.split(","))
# every cell's tags and source, as JupyterLab holds them
CELLS_JS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map((c) => ({
  tags: c.model.getMetadata('tags') || [], source: c.model.sharedModel.getSource()}))"""
NOTEBOOKS = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "notebooks").glob(
    "*.ipynb") if not p.name.startswith("01_"))  # the tour has its own tests


@pytest.fixture
def page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_lab(name: str, page: Page, lab: Lab, artifacts: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_notebook(page, lab.url(f"/lab/tree/{name}?reset"))
    try:
        run_all(page)
        page.wait_for_selector(ROOTS, timeout=60_000)
        page.wait_for_function(f"() => document.querySelectorAll(\"{NOT_READY}\").length === 0",
                               timeout=60_000)
        if page.locator(".covenant-player-panel").count():
            page.wait_for_selector(".covenant-timeline canvas", timeout=60_000)
    finally:
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / f"{Path(name).stem}.png"))
        shutdown_kernel(page, lab)
    outputs = page.locator(".jp-OutputArea").filter(has=page.locator(ROOTS))
    assert outputs.count() >= 1
    for i in range(outputs.count()):  # each widget on its own, for a human to look at
        outputs.nth(i).screenshot(path=str(artifacts / f"{Path(name).stem}_widget{i}.png"))
    assert not errors, f"{name}: errors in the page: {errors}"
    _exercises_are_unanswered(page, name, artifacts)


def _exercises_are_unanswered(page: Page, name: str, artifacts: Path) -> None:
    """The handout holds no solution cell; each exercise shows a grey "not answered yet"."""
    cells = page.evaluate(CELLS_JS)
    assert not [c["source"] for c in cells if "solution" in c["tags"]], name
    answers = [c["source"] for c in cells if "answer" in c["tags"]]
    assert len(answers) >= 3 and all(re.match(r"answer_\w+ = None\b", a) for a in answers)
    feedback = page.locator(".covenant-feedback")
    assert feedback.count() == len(answers), name
    for i in range(feedback.count()):
        box = feedback.nth(i)
        assert box.get_attribute("data-status") == "unanswered", name
        assert box.evaluate("(el) => getComputedStyle(el).backgroundColor") == GREY, name
        assert box.inner_text().startswith(f"… exercise {i + 1}: not answered yet: give "), name
    last = page.locator(".jp-Cell").filter(has=feedback).last
    last.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    last.screenshot(path=str(artifacts / f"{Path(name).stem}_feedback.png"))
