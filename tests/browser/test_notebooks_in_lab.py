"""The other notebooks run in JupyterLab too: no cell fails and every widget draws itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .jlab import Lab, open_notebook, run_all, shutdown_kernel

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOTS = ".covenant-acg, .covenant-player, .covenant-stepper"
NOT_READY = ", ".join(f"{r.strip()}:not([data-ready='1'])" for r in ROOTS.split(","))
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
