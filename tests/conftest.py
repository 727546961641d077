"""Options shared by the whole test suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import CompileResult, compile

# Debian's Chromium for every Playwright test (a test tool's own browser download fails here)
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we may run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium, never a downloaded one."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser-deps` "
                    "(apt-get install chromium) or set CHROMIUM=/path/to/chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS,
            "headless": True}


BROWSER_ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Empty the browser tests' screenshot folder once, in the process that runs the session
    (the xdist controller, which has no ``workerinput``), before any worker writes to it."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(BROWSER_ARTIFACTS, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (in their file's order, largest first), so that with ``-n 2`` the
    long whole-model runs overlap the many short tests instead of trailing them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden text files from the current output instead of comparing",
    )


# a small compiled layer and its simulator, shared by the viz and widget tests
def small_layer() -> Codelet:
    return L.matmul((16, 40), (40, 24))


def inputs_of(codelet: Codelet) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {o.name: rng.standard_normal(o.shape) for o in codelet.inputs}


@pytest.fixture(scope="session")
def teaching() -> ACG:
    return load_arch("teaching")


@pytest.fixture(scope="session")
def layer() -> Codelet:
    return small_layer()


@pytest.fixture(scope="session")
def result(teaching: ACG, layer: Codelet) -> CompileResult:
    return compile(layer, teaching)


@pytest.fixture(scope="session")
def genesys_result(layer: Codelet) -> CompileResult:
    return compile(layer, load_arch("genesys"))


@pytest.fixture
def sim(result: CompileResult) -> Any:
    from covenant_lab.sim import Simulator

    return Simulator(result.program, result.arch, inputs_of(result.codelet))
