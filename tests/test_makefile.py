"""The Makefile, read with ``make -n`` (nothing runs) against a virtual environment that does
not exist yet: what each entry point would install, and what ``make fuzz`` and ``make test``
print. Plus ``tools/fuzz_table.py`` and the heartbeat of ``tests/progress.py``."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _dry_run(target: str, tmp_path: Path, *extra: str) -> str:
    proc = subprocess.run(["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}",
                           *extra], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_lab_installs_only_the_lab_extra(tmp_path):
    out = _dry_run("lab", tmp_path)
    assert "-m venv" in out
    assert "pip install -q -e '.[lab]'" in out
    assert ".[dev]" not in out and ".[test]" not in out
    assert "jupyter lab --ip=127.0.0.1" in out
    assert f"touch {tmp_path / 'venv'}/.installed-lab" in out


def test_test_installs_the_dev_extra_and_times_each_phase(tmp_path):
    out = _dry_run("test", tmp_path)
    assert "pip install -q -e '.[dev]'" in out
    assert "'.[lab]'" not in out
    for phase in ("==> lint:", "==> types:", "==> pytest:"):
        assert phase in out
    assert out.index("==> lint:") < out.index("==> types:") < out.index("==> pytest:")
    assert "-p tests.progress" in out and "--durations=12" in out
    assert "installing Debian's chromium" in out or "browser tests use" in out
    assert "make test: passed in" in out


def test_fuzz_writes_its_report_outside_the_sources_and_prints_the_table(tmp_path):
    out = _dry_run("fuzz", tmp_path)
    report = ROOT / "build" / "fuzz-report.json"
    assert f"COVENANT_FUZZ=long COVENANT_FUZZ_REPORT={report}" in out
    assert "pytest -q -p no:xdist tests/fuzz" in out
    assert "tools/fuzz_table.py build/fuzz-report.json" in out
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", str(report)],
                             check=False)
    assert ignored.returncode == 0, "build/ is in .gitignore"
    out = _dry_run("fuzz", tmp_path, f"FUZZ_REPORT={tmp_path / 'r.json'}")
    assert f"COVENANT_FUZZ_REPORT={tmp_path / 'r.json'}" in out


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fuzz_table(tmp_path):
    report = tmp_path / "r.json"
    report.write_text(json.dumps({
        "onnx": {"tried": 1200, "clean": 1100, "accepted": 100, "failed": 0},
        "arch_files": {"tried": 30, "clean": 10, "accepted": 19, "failed": 1},
    }))
    proc = subprocess.run([sys.executable, ROOT / "tools" / "fuzz_table.py", report],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1  # a case failed
    lines = proc.stdout.splitlines()
    assert lines[1].split() == ["category", "tried", "clean", "accepted", "failed"]
    assert lines[3].split() == ["arch_files", "30", "10", "19", "1"]
    assert lines[4].split() == ["onnx", "1,200", "1,100", "100", "0"]
    assert lines[6].split() == ["total", "1,230", "1,110", "119", "1"]
    assert lines[-1] == "1 case(s) failed: see the pytest output above"


@pytest.mark.parametrize(("content", "message"), [
    (None, "no fuzz report"),
    ("{not json", "not a fuzz report"),
    ('{"onnx": {"tried": "many"}}', "not a fuzz report"),
])
def test_fuzz_table_refuses_a_missing_or_bad_report(tmp_path, content, message):
    report = tmp_path / "r.json"
    if content is not None:
        report.write_text(content)
    proc = subprocess.run([sys.executable, ROOT / "tools" / "fuzz_table.py", report],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {report}: {message}")
    assert "Traceback" not in proc.stderr


class _Config:
    def getoption(self, name: str, default: object = None) -> object:
        return default


def test_heartbeat_names_the_running_tests_after_a_silence():
    progress = _load(ROOT / "tests" / "progress.py", "covenant_progress_under_test")
    beat = progress.Heartbeat(_Config(), 60.0)
    try:
        t0 = beat.started
        beat.pytest_runtest_logstart("tests/a.py::slow")
        beat.pytest_runtest_logstart("tests/b.py::fast")
        beat.pytest_runtest_logfinish("tests/b.py::fast")
        finished = beat.last
        assert beat.line(finished + 59) is None  # not silent for long enough
        line = beat.line(finished + 61)
        assert line is not None
        assert line.endswith("in] still running: tests/a.py::slow (1m01s)"), line
        assert beat.line(finished + 62) is None  # once a minute, not every second
        beat.pytest_runtest_logfinish("tests/a.py::slow")
        assert beat.line(t0 + 10_000) is None  # nothing running: nothing to say
    finally:
        beat.pytest_unconfigure()


def test_handouts_writes_both_versions_and_notebooks_is_the_same(tmp_path):
    for target in ("handouts", "notebooks"):
        out = _dry_run(target, tmp_path)
        assert f"{tmp_path / 'venv'}/bin/python tools/make_notebooks.py" in out, target
