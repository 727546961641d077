"""pytest plugin of ``make test``: says what is running when the progress dots stall.

With ``-q`` the dots stop for minutes while the largest whole-model runs go on, which looks
like a hang. Loaded with ``-p tests.progress`` (from the repository root), this plugin prints
one line whenever no test has finished for ``--heartbeat`` seconds (default 60)::

    [06:42:10, 9m12s in] still running: tests/test_models.py::test_...[resnet50] (4m10s)

It runs in the controlling process only (the one with the terminal under pytest-xdist, which
forwards each test's start and finish to it); ``--heartbeat 0`` turns it off.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--heartbeat", type=float, default=60.0, metavar="SECONDS",
                     help="print the running tests after this long without a finished test "
                          "(0: never)")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Heartbeat:
    """Tracks the running tests and prints them after ``interval`` seconds of silence."""

    def __init__(self, config: pytest.Config, interval: float) -> None:
        self.config = config
        self.interval = interval
        self.started = time.monotonic()
        self.last = self.started  # the last finished test, or the last line printed
        self.running: dict[str, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        # the terminal itself: without xdist, the tests' output capture redirects fd 1 while
        # a test runs (at configure time it is not redirected)
        self.terminal = os.dup(1)

    # hooks of this object, registered as a plugin in the controlling process
    def pytest_runtest_logstart(self, nodeid: str) -> None:
        with self.lock:
            self.running[nodeid] = time.monotonic()

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        with self.lock:
            self.running.pop(nodeid, None)
            self.last = time.monotonic()

    def pytest_unconfigure(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)
        os.close(self.terminal)

    def line(self, now: float) -> str | None:
        """The line to print at ``now``, or None (not silent for long enough, nothing runs)."""
        with self.lock:
            if now - self.last < self.interval or not self.running:
                return None
            self.last = now
            items = sorted(self.running.items(), key=lambda kv: kv[1])
        tests = ", ".join(f"{nodeid} ({_clock(now - t0)})" for nodeid, t0 in items)
        stamp = time.strftime("%H:%M:%S")
        return f"[{stamp}, {_clock(now - self.started)} in] still running: {tests}"

    def _loop(self) -> None:
        while not self.stop.wait(1.0):
            text = self.line(time.monotonic())
            if text is None:
                continue
            if self.config.getoption("numprocesses", None):  # xdist: nothing is captured here
                reporter: Any = self.config.pluginmanager.get_plugin("terminalreporter")
                if reporter is not None:
                    reporter._tw.flush()  # the dots so far, before this line
            os.write(self.terminal, f"\n{text}\n".encode())


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    interval = float(config.getoption("heartbeat"))
    if interval <= 0 or hasattr(config, "workerinput"):  # off, or an xdist worker
        return
    beat = Heartbeat(config, interval)
    config.pluginmanager.register(beat, "covenant-heartbeat")
    beat.thread.start()
