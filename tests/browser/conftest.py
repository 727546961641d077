"""Browser tests: a real JupyterLab on 127.0.0.1 driven by Playwright with Debian's Chromium.

Needs ``/usr/bin/chromium`` (``make browser-deps`` installs it; ``make test`` runs that first).
A missing browser fails these tests instead of skipping them. Playwright's own browser
download is never used (it does not work here): ``browser_type_launch_args`` points
pytest-playwright at the system Chromium.

The server runs on a copy of notebooks/ (JupyterLab autosaves what it runs), with a random
token, temporary runtime/settings/workspace/config directories, the news toast off and
``BOKEH_RESOURCES=inline`` (no CDN). Screenshots and logs go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .jlab import Lab

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SERVER_START_S = 90
LAB_SETTINGS = {
    # no "receive Jupyter news?" toast in screenshots
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    # every cell stays in the DOM (no virtual scrolling), so widgets far down are rendered
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        folder = settings_dir / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values))


def _wait_up(lab: Lab, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{lab.log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(lab.url("/api/status"), timeout=2).read()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer in {SERVER_START_S} s:\n{lab.log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The screenshots' folder, emptied once per run by ``tests/conftest.py`` (never here:
    each xdist worker has its own session, and one would delete the other's pictures)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL (pytest-base-url's own fixture warns under pytest 9 and ``-W error``)."""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # the notebook scrolls inside its own panel, so full-page screenshots do not help: be tall
    return {**browser_context_args, "viewport": {"width": 1280, "height": 2400}}


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 (a free port, a random token) serving a copy of notebooks/."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    _write_settings(tmp / "settings")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "BOKEH_RESOURCES": "inline",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = artifacts / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        _wait_up(lab, proc)
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
