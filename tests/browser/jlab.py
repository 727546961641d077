"""Driving JupyterLab from Playwright through ``window.jupyterapp`` (expose_app_in_browser)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its base URL, token and the directory it serves."""

    base: str
    token: str
    root: Path
    log: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"


KERNEL_IDLE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""

# where run-all stands: how many code cells ran, and the first error output, if any
CELLS_JS = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  let code = 0, ran = 0, error = null;
  for (const cell of nb.widgets) {
    if (cell.model.type !== 'code') continue;
    code += 1;
    if (cell.model.executionCount !== null) ran += 1;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error' && error === null) {
        error = {cell: code, ename: out.ename, evalue: out.evalue,
                 source: cell.model.sharedModel.getSource().slice(0, 300)};
      }
    }
  }
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  return {code, ran, error, idle: k.status === 'idle'};
}"""

# runs code in the notebook's kernel without adding a cell; returns stdout (+ error text)
EXEC_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let out = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += `${msg.content.ename}: ${msg.content.evalue}`;
  };
  await future.done;
  return out;
}"""


def write_notebook(path: Path, cells: list[str]) -> None:
    """A notebook of code ``cells`` at ``path``, with the kernelspec (without it JupyterLab
    asks for a kernel and the run hangs)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


def open_notebook(page: Page, url: str, timeout_ms: int = 90_000) -> None:
    """Open a notebook (``?reset`` drops any restored workspace) and wait for an idle kernel."""
    page.goto(url)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_ms)


def run_all(page: Page, timeout_s: float = 180) -> dict[str, Any]:
    """Run every cell and wait until all ran (or one failed) and the kernel is idle."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout_s
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = page.evaluate(CELLS_JS)
        if status["error"] is not None:
            raise AssertionError(f"a cell failed in the browser: {json.dumps(status['error'])}")
        if status["ran"] == status["code"] and status["idle"]:
            return status
        page.wait_for_timeout(250)
    raise AssertionError(f"run-all did not finish in {timeout_s} s: {status}")


def kernel_exec(page: Page, code: str) -> str:
    """Run ``code`` in the notebook's kernel; its printed output."""
    return str(page.evaluate(EXEC_JS, code))


def shutdown_kernel(page: Page, lab: Lab) -> None:
    """Stop the current notebook's kernel through the REST API (frees its memory)."""
    kernel_id = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
    request = urllib.request.Request(lab.url(f"/api/kernels/{kernel_id}"), method="DELETE")
    urllib.request.urlopen(request, timeout=30).read()


@contextmanager
def notebook_page(browser: Browser, context_args: dict[str, Any], lab: Lab, notebook: str,
                  cells: list[str], drawn: str, failed_png: Path, *, run_s: float = 180,
                  drawn_ms: int = 90_000) -> Iterator[Page]:
    """A page with ``cells`` written to ``notebook``, opened and run, once the JavaScript
    predicate ``drawn`` holds. A failure leaves a screenshot at ``failed_png``. On exit the
    kernel is stopped, and any error the page raised fails the test."""
    write_notebook(lab.root / notebook, cells)
    context = browser.new_context(**context_args)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_notebook(page, lab.url(f"/lab/tree/{notebook}?reset"))
    try:
        run_all(page, timeout_s=run_s)
        page.wait_for_function(drawn, timeout=drawn_ms)
        page.wait_for_timeout(500)
    except Exception:
        page.screenshot(path=str(failed_png))
        raise
    yield page
    shutdown_kernel(page, lab)
    context.close()
    assert not errors, f"errors in the page: {errors}"


def cell_output(page: Page, source: str) -> Locator:
    """The output area of the code cell whose source contains ``source``."""
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea",
                                                                has_text=source))
    return cell.locator(".jp-OutputArea").first
