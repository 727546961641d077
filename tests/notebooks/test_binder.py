"""Binder: the config is what repo2docker expects, and binder/requirements.txt installs into a
fresh virtual environment where the tour notebook runs (as repo2docker would build it)."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from .binder_env import BinderInstall

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
PIP_TIMEOUT_S = 900

RUN_TOUR = textwrap.dedent("""
    import sys
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    notebook, cwd = sys.argv[1], sys.argv[2]
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, covenant_lab; print('KERNEL', sys.prefix, covenant_lab.__file__)"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": cwd}}).execute()
    # the handout: every exercise is not answered yet (an execute_result, text/plain)
    checks = [c for c in nb.cells if c.source.startswith("check_answer(")]
    texts = ["".join(o.get("data", {}).get("text/plain", "") for o in c.outputs) for c in checks]
    assert texts and all("not answered yet" in t for t in texts), texts
    print("".join(o.get("text", "") for o in nb.cells[-1].outputs))
""")


def _run(cmd: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False,
                          **kw)  # type: ignore[call-overload]
    if proc.returncode:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def test_binder_config_files() -> None:
    reqs = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]
    # repo2docker installs a local reference after copying the repo, from the repo root
    assert reqs[0] in (".[lab]", "-e .[lab]"), reqs
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert "graphviz" in (BINDER / "apt.txt").read_text().split()
    readme = (BINDER / "README.md").read_text()
    assert "?urlpath=lab/tree/notebooks/01_tour.ipynb" in readme
    assert (ROOT / "notebooks/01_tour.ipynb").exists()
    post_build = BINDER / "postBuild"
    if post_build.exists():
        _run(["bash", "-n", post_build])


@pytest.mark.slow
def test_binder_requirements_install_and_tour_runs(binder_install: BinderInstall,
                                                   tmp_path: Path) -> None:
    """binder/requirements.txt installs into a fresh venv (started in the background by
    conftest.py, from the repository root as repo2docker does) and the tour runs there."""
    binder_install.wait(PIP_TIMEOUT_S)
    venv = binder_install.venv
    python = venv / "bin" / "python"
    _run([python, "-m", "pip", "check"])
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "BOKEH_RESOURCES": "inline"}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    proc = _run([python, "-c", RUN_TOUR, ROOT / "notebooks/01_tour.ipynb", work], cwd=work,
                env=env, timeout=600)
    # the kernel ran in the new environment, on the installed package (not the source tree)
    kernel = proc.stdout.split("KERNEL", 1)[1].split()
    assert Path(kernel[0]) == venv and Path(kernel[1]).is_relative_to(venv), proc.stdout
