"""Run a notebook top to bottom with nbclient, in a given working directory."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT_S = 120
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotebookFailed(AssertionError):
    """A cell raised: the message names the notebook, the cell and the error."""


def run_notebook(nb: nbformat.NotebookNode, name: str, cwd: Path) -> nbformat.NotebookNode:
    """Execute ``nb`` in ``cwd`` (kernel python3 of this interpreter); the executed notebook."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except CellExecutionError as err:
        index = _failed_cell(nb)
        raise NotebookFailed(f"{name}: cell {index} failed:\n{ANSI.sub('', str(err))}") from None
    return nb


def _failed_cell(nb: nbformat.NotebookNode) -> int | None:
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", ())):
            return i
    return None


def text_of(cell: nbformat.NotebookNode) -> str:
    """The stream and text/plain output of a code cell."""
    parts = []
    for out in cell.get("outputs", ()):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)
