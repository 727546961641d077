"""A core-only install (no ``lab`` extra): the widget entry points and the CLI raise
MissingExtraError with the pip hint, never a bare ModuleNotFoundError.

Each case runs in a fresh interpreter where the optional packages are blocked
(``sys.modules[name] = None`` makes ``import name`` fail as if it were not installed).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from covenant_lab.errors import CovenantError, MissingExtraError
from covenant_lab.extras import OPTIONAL_MODULES, missing_extra

BLOCK = "import sys\nfor name in {names!r}:\n    sys.modules[name] = None\n"
HINT = "hint: pip install 'covenant_lab[lab]'"


def _run(code: str, cwd: Path, blocked: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    script = BLOCK.format(names=blocked) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize(("blocked", "expression", "module"), [
    (("anywidget",), "cl.show", "anywidget"),
    (("anywidget",), "__import__('covenant_lab.widgets').widgets.ACGView", "anywidget"),
    (("ipywidgets",), "__import__('covenant_lab.widgets').widgets.ArchEditor", "ipywidgets"),
    (("anywidget", "ipywidgets", "bokeh"), "__import__('covenant_lab.widgets').widgets.Lab",
     None),
])
def test_widget_entry_points_name_the_extra(tmp_path, blocked, expression, module):
    proc = _run(f"""
        import covenant_lab as cl
        try:
            {expression}
        except cl.MissingExtraError as exc:
            assert isinstance(exc, ImportError) and isinstance(exc, cl.CovenantError)
            print("MODULE", exc.module, exc.name)
            print(exc)
        """, tmp_path, blocked)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    name = lines[0].split()[1]
    assert lines[0] == f"MODULE {name} {name}"
    assert name == module if module else name in blocked
    assert "needs the optional package" in lines[1]
    assert lines[-1] == HINT


def test_core_names_still_work_without_the_extra(tmp_path):
    proc = _run("""
        import covenant_lab as cl
        from covenant_lab.codelets import library as L

        arch = cl.load_arch("teaching")
        result = cl.compile(L.matmul((4, 8), (8, 4)), arch)
        print(cl.Simulator(result.program, arch).run().total_cycles > 0)
        """, tmp_path, tuple(OPTIONAL_MODULES))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True"]


def test_cli_reports_a_missing_optional_package(tmp_path):
    """``covenant report`` draws with Bokeh: without it, the error and the hint, exit 2."""
    proc = _run("""
        import covenant_lab.analysis.report as report
        from covenant_lab.cli import main

        def write_report(results, html):
            import bokeh.plotting  # what render_html does first
        report.write_report = write_report
        raise SystemExit(main(["report", "results", "--html", "report.html"]))
        """, tmp_path, ("bokeh",))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: covenant report needs the optional package 'bokeh', which is not installed",
        HINT,
    ]


def test_missing_core_module_is_not_dressed_up():
    exc = ModuleNotFoundError("No module named 'numpy'", name="numpy")
    assert missing_extra(exc, "x") is None
    got = missing_extra(ModuleNotFoundError("x", name="bokeh.plotting"), "covenant report")
    assert isinstance(got, MissingExtraError) and isinstance(got, CovenantError)
    assert (got.module, got.extra, got.hint) == ("bokeh", "lab", "pip install 'covenant_lab[lab]'")


def test_the_optional_modules_come_from_the_lab_extra():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    lab = " ".join(pyproject["project"]["optional-dependencies"]["lab"]).lower()
    for module in ("anywidget", "ipywidgets", "bokeh", "jupyter_bokeh", "dask", "pygraphviz"):
        assert OPTIONAL_MODULES[module] == "lab"
        assert module in lab
