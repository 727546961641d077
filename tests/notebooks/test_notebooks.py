"""Every notebook runs top to bottom (nbclient), and its exercise checks work both ways."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

from .nbrun import run_notebook, text_of

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SLOW = {"05_debugging_a_mapping.ipynb"}  # builds ResNet-50 and simulates a 3x3 conv with values

# appended to each notebook: every check must refuse a missing answer
REFUSE_MISSING = """
for question in CHECKS:
    check_answer(question, None)
assert not any(RESULTS.values()), f"checks that accept None: {RESULTS}"
"""


def _param(path: Path) -> object:
    marks = [pytest.mark.slow] if path.name in SLOW else []
    return pytest.param(path, id=path.stem, marks=marks)


@pytest.fixture(autouse=True)
def _inline_bokeh(monkeypatch: pytest.MonkeyPatch) -> None:
    # the kernel inherits this: BokehJS from the kernel, not from a CDN
    monkeypatch.setenv("BOKEH_RESOURCES", "inline")


def test_there_are_five_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_tour.ipynb",
        "02_architectures.ipynb",
        "03_codelets_and_passes.ipynb",
        "04_simulator.ipynb",
        "05_debugging_a_mapping.ipynb",
    ]


def test_notebooks_are_generated_and_stripped() -> None:
    spec = importlib.util.spec_from_file_location("make_nb", ROOT / "tools/make_notebooks.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    assert make.main(["--check"]) == 0, "run python tools/make_notebooks.py"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3", path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", [_param(p) for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(REFUSE_MISSING))
    before = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    run_notebook(nb, path.name, tmp_path)
    checks = [c for c in nb.cells if c.source.startswith("check_answer(")]
    assert len(checks) >= 3, f"{path.name}: expected exercises with check_answer cells"
    for cell in checks:
        assert "correct" in text_of(cell) and "not yet" not in text_of(cell), (
            f"{path.name}: the reference answer fails its check:\n{cell.source}\n{text_of(cell)}"
        )
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == before, "wrote into notebooks/"


def test_tour_runs_without_solutions(tmp_path: Path) -> None:
    """What students get: the solution cells removed, every check says 'not yet'."""
    nb = nbformat.read(ROOT / "notebooks/01_tour.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", ())]
    run_notebook(nb, "01_tour.ipynb without solutions", tmp_path)
    outputs = [text_of(c) for c in nb.cells if c.source.startswith("check_answer(")]
    assert outputs and all("not yet:" in o for o in outputs), outputs
