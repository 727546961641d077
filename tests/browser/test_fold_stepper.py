"""The PassStepper on a layer whose bias add folds into the MAC's init (issue 12): its first
step is ``fold``, the diff shows the two statements becoming one, and the decision names the
layer as written as the alternative it beat. Screenshot: ``test-artifacts/browser/
issue12_fold_stepper.png``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .jlab import Lab, cell_output, kernel_exec, notebook_page

pytestmark = pytest.mark.browser

NOTEBOOK = "issue12_fold.ipynb"
CELLS = (
    "from covenant_lab import compiler\n"
    "from covenant_lab.suite import load_suite_layer\n"
    "from covenant_lab.widgets import PassStepper\n"
    "layer = compiler.fuse_pair(*load_suite_layer('bert_qkv'))\n"
    "result = compiler.compile(layer, 'genesys')",
    "stepper = PassStepper(result, layer)\nstepper",
)
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def page(browser: Browser, browser_context_args: dict[str, Any], lab: Lab,
         artifacts: Path) -> Iterator[Page]:
    drawn = "() => document.querySelector(\".covenant-stepper[data-ready='1']\") !== null"
    with notebook_page(browser, browser_context_args, lab, NOTEBOOK, list(CELLS), drawn,
                       artifacts / "issue12_FAILED.png", drawn_ms=TIMEOUT_MS) as page:
        yield page


def test_the_fold_step_shows_the_add_becoming_the_init(page: Page, artifacts: Path) -> None:
    panel = cell_output(page, "stepper = PassStepper(result, layer)")
    passes = panel.locator("button.covenant-pass")
    expect(passes.first).to_have_text("0 fold")
    passes.first.click()
    expect(panel.locator("button.covenant-pass.covenant-current")).to_have_text("0 fold")
    decision = panel.locator(".covenant-decision")
    expect(decision).to_contain_text(
        "decided: stage 0 (mac) starts its accumulators at add_b[n] instead of 0")
    rival = decision.locator(".covenant-alternative")
    expect(rival).to_have_count(1)
    expect(rival).to_contain_text("nothing folded: each add stays a stage of its own")
    costs = kernel_exec(page, "d = stepper.result.decisions[0]\n"
                              "print(d.chosen.cost, d.alternatives[0].cost)").split()
    chosen, beaten = (float(c) for c in costs)
    assert beaten > chosen
    assert float(rival.locator(".covenant-cost").get_attribute("data-cost") or "nan") == (
        pytest.approx(beaten))
    expect(panel.locator(".covenant-diff-del")).to_have_count(0)  # hidden until asked for
    panel.locator(".covenant-show-removed input").check()
    removed = panel.locator(".covenant-diff-del").all_inner_texts()
    added = panel.locator(".covenant-diff-add").all_inner_texts()
    assert [t.strip() for t in removed] == [
        "stage 0: t0[m, n] += a[m, k] * b[k, n]   # init 0.0",
        "stage 1: y[m, n] = t0[m, n] + add_b[n]",
    ]
    assert [t.strip() for t in added] == ["stage 0: y[m, n] += a[m, k] * b[k, n]   # init add_b[n]"]
    panel.screenshot(path=str(artifacts / "issue12_fold_stepper.png"))
