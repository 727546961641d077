"""The notebooks: generated from tools/notebook_src/ as handouts (notebooks/) and solutions
(solutions/); a handout holds no answer and runs to "not answered yet" everywhere, its
solutions version to "correct" everywhere (nbclient, top to bottom)."""

from __future__ import annotations

import ast
import importlib.util
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

from .nbrun import run_notebook, text_of

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "01_tour.ipynb",
    "02_architectures.ipynb",
    "03_codelets_and_passes.ipynb",
    "04_simulator.ipynb",
    "05_debugging_a_mapping.ipynb",
    "06_energy.ipynb",
]
SLOW = {"05_debugging_a_mapping.ipynb"}  # builds ResNet-50 and simulates a 3x3 conv with values

# appended to each handout: every check refuses an answer of the wrong type, with its message
WRONG_TYPE = """
_sheet = check_answer.__self__
print("WRONG-TYPE", json.dumps([str(_sheet.check(q, object())) for q in _sheet.checks]))
"""


def _make() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_nb", ROOT / "tools/make_notebooks.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    return make


MAKE = _make()
SOURCES = {MAKE.target(src).name: src for src in MAKE.sources()}


def _param(name: str) -> object:
    marks = [pytest.mark.slow] if name in SLOW else []
    return pytest.param(name, id=Path(name).stem, marks=marks)


def _answers(name: str) -> list[tuple[str, str]]:
    """(placeholder, solution) of each answer cell of notebook ``name``'s source."""
    return [(c[1], c[2]) for c in MAKE.cells(SOURCES[name]) if c[0] == "answer"]


def _checks(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("check_answer(")]


def _html(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", ()))


@pytest.fixture(autouse=True)
def _inline_bokeh(monkeypatch: pytest.MonkeyPatch) -> None:
    # the kernel inherits this: BokehJS from the kernel, not from a CDN
    monkeypatch.setenv("BOKEH_RESOURCES", "inline")


def test_there_are_six_notebooks_in_both_versions() -> None:
    assert sorted(SOURCES) == NAMES
    for folder in ("notebooks", "solutions"):
        assert sorted(p.name for p in (ROOT / folder).glob("*.ipynb")) == NAMES, folder


def test_committed_notebooks_are_generated_stripped_and_generation_is_idempotent(
        tmp_path: Path) -> None:
    assert MAKE.main(["--check"]) == 0, "run make handouts"
    with redirect_stdout(io.StringIO()) as first:
        assert MAKE.main(["--root", str(tmp_path)]) == 0
    assert first.getvalue().count("wrote ") == 2 * len(NAMES)
    with redirect_stdout(io.StringIO()) as second:
        assert MAKE.main(["--root", str(tmp_path)]) == 0
    assert second.getvalue() == "", "a second make handouts rewrote files"
    for folder in ("notebooks", "solutions"):
        for name in NAMES:
            committed = (ROOT / folder / name).read_bytes()
            assert (tmp_path / folder / name).read_bytes() == committed, f"{folder}/{name}"
            nb = nbformat.read(ROOT / folder / name, as_version=4)
            assert nb.metadata["kernelspec"]["name"] == "python3"
            for cell in nb.cells:
                if cell.cell_type == "code":
                    assert cell.outputs == [] and cell.execution_count is None, name


def test_check_reports_a_stale_and_an_orphan_notebook(tmp_path: Path) -> None:
    with redirect_stdout(io.StringIO()):
        MAKE.main(["--root", str(tmp_path)])
    (tmp_path / "notebooks/01_tour.ipynb").write_text("{}")
    (tmp_path / "solutions/99_old.ipynb").write_text("{}")
    with redirect_stdout(io.StringIO()) as out:
        assert MAKE.main(["--check", "--root", str(tmp_path)]) == 1
    assert out.getvalue().splitlines() == [
        "notebooks/01_tour.ipynb is stale: run make handouts",
        "solutions/99_old.ipynb has no source in tools/notebook_src/: delete it",
    ]


def _code_lines(text: str) -> set[str]:
    return {ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")}


def _answer_expressions(solution: str) -> list[str]:
    """The right-hand sides of ``answer_N = ...`` in a solution that are code, not a literal."""
    out = []
    for node in ast.parse(solution).body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name)
                                                 and t.id.startswith("answer_")
                                                 for t in node.targets)
                and not isinstance(node.value, ast.Constant)):
            out.append(ast.get_source_segment(solution, node.value))
    return [e for e in out if e]


@pytest.mark.parametrize("name", NAMES)
def test_handout_holds_no_solution_and_no_answer(name: str) -> None:
    """Scan the handout's JSON: no cell tagged ``solution``, the answer cells are the
    placeholders, and no line of a solution (other than lines the notebook has anyway) nor
    any answer expression appears in any cell."""
    raw = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
    nb = nbformat.reads(raw, as_version=4)
    answers = _answers(name)
    assert len(answers) >= 3, name
    assert not [c.id for c in nb.cells if "solution" in c.metadata.get("tags", ())]
    tagged = [c.source for c in nb.cells if "answer" in c.metadata.get("tags", ())]
    assert tagged == [placeholder for placeholder, _ in answers]
    sources = "\n".join(c.source for c in nb.cells)
    common = _code_lines("\n".join(c.source for c in nb.cells if c.source not in tagged))
    for _, solution in answers:
        for line in _code_lines(solution) - common:
            assert line not in sources, f"{name}: the handout holds the solution line {line!r}"
            assert json.dumps(line)[1:-1] not in raw
        for expr in _answer_expressions(solution):
            assert expr not in sources, f"{name}: the handout holds the answer {expr!r}"


@pytest.mark.parametrize("name", NAMES)
def test_solutions_differ_from_the_handout_in_answer_cells_only(name: str) -> None:
    handout = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    solutions = nbformat.read(ROOT / "solutions" / name, as_version=4)
    banner, *cells = solutions.cells
    assert banner.cell_type == "markdown" and "Solutions version" in banner.source
    assert [c.id for c in cells] == [c.id for c in handout.cells]
    answers = iter(_answers(name))
    for h, s in zip(handout.cells, cells, strict=True):
        if "answer" in h.metadata.get("tags", ()):
            placeholder, solution = next(answers)
            assert (h.source, s.source) == (placeholder, solution)
            assert s.metadata["tags"] == ["solution"]
        else:
            assert (h.source, h.metadata) == (s.source, s.metadata), h.id


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_handout_runs_and_every_exercise_is_not_answered(name: str, tmp_path: Path) -> None:
    """What students get, run top to bottom: no error, every check a grey "not answered yet";
    then every check refuses an answer of the wrong type, saying what is asked for."""
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import json\n" + WRONG_TYPE))
    before = sorted(p.name for p in (ROOT / "notebooks").iterdir())
    run_notebook(nb, f"notebooks/{name}", tmp_path)
    checks = _checks(nb)
    assert len(checks) == len(_answers(name)), name
    for i, cell in enumerate(checks, start=1):
        text = text_of(cell)
        assert text.startswith(f"exercise {i}: not answered yet: give "), (name, text)
        assert f"in answer_{i}, run that cell" in text, (name, text)
        assert 'data-status="unanswered"' in _html(cell) and "#f1f3f4" in _html(cell)
    wrong = json.loads(text_of(nb.cells[-1]).split("WRONG-TYPE", 1)[1])
    assert len(wrong) == len(checks)
    for i, text in enumerate(wrong, start=1):
        assert text.startswith(f"exercise {i}: not yet: "), text
        assert text.endswith("is asked for, got an object"), text
    assert sorted(p.name for p in (ROOT / "notebooks").iterdir()) == before, "wrote into notebooks/"


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_solutions_run_and_every_exercise_is_correct(name: str, tmp_path: Path) -> None:
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    run_notebook(nb, f"solutions/{name}", tmp_path)
    checks = _checks(nb)
    assert len(checks) == len(_answers(name)), name
    for i, cell in enumerate(checks, start=1):
        assert text_of(cell) == f"exercise {i}: correct", (name, cell.source, text_of(cell))
        assert 'data-status="correct"' in _html(cell) and "#e6f4ea" in _html(cell)
