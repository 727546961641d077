"""A background ``python -m venv`` + ``pip install -r binder/requirements.txt``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# as repo2docker does: from the repository root; pip's cache is reused between runs
INSTALL = """
import subprocess, sys
venv, requirements = sys.argv[1], sys.argv[2]
subprocess.run([sys.executable, "-m", "venv", venv], check=True)
# --no-compile: skip writing .pyc for every installed file (CPU we do not need to spend here)
subprocess.run([venv + "/bin/python", "-m", "pip", "install", "-q", "--no-compile",
                "-r", requirements], check=True)
"""


@dataclass
class BinderInstall:
    """A background ``python -m venv`` + ``pip install -r binder/requirements.txt``."""

    root: Path
    proc: subprocess.Popen[bytes]

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def log(self) -> Path:
        return self.root / "install.log"

    @classmethod
    def start(cls) -> BinderInstall:
        root = Path(tempfile.mkdtemp(prefix="covenant-binder-"))
        with (root / "install.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", INSTALL, str(root / "venv"), "binder/requirements.txt"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return cls(root, proc)

    def wait(self, timeout_s: float) -> None:
        """Wait for the install; fail the test with pip's output when it failed."""
        try:
            rc = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"binder install took over {timeout_s} s:\n{self.log.read_text()[-3000:]}")
        if rc:
            pytest.fail(f"pip install -r binder/requirements.txt failed ({rc}):\n"
                        f"{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        shutil.rmtree(self.root, ignore_errors=True)
