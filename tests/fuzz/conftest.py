"""The fuzz harness: every case ends in a ``CovenantError`` (clean) or is accepted, within a
time and memory bound; anything else fails the test.

Two budgets: the default (``make test``) runs a few dozen examples per strategy; ``make fuzz``
sets ``COVENANT_FUZZ=long`` for thousands and writes the per-category counts (tried / clean /
accepted / failed) to ``COVENANT_FUZZ_REPORT`` (a JSON file) at the end of the session.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from covenant_lab.errors import CovenantError

LONG = os.environ.get("COVENANT_FUZZ") == "long"
EXAMPLES = 2000 if LONG else 25
TIME_LIMIT_S = 60 if LONG else 30
MEMORY_LIMIT = 1 << 30  # bytes traced by tracemalloc (numpy's arrays included)

settings.register_profile(
    "covenant-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,  # make test: the same cases every run; make fuzz: new ones
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
FUZZ = settings.get_profile("covenant-fuzz")

COUNTS: dict[str, Counter[str]] = {}


class Overrun(Exception):
    """A case ran past the time limit."""


def _alarm(signum: int, frame: Any) -> None:
    raise Overrun(f"case ran past {TIME_LIMIT_S} s")


def run_case(category: str, case: Callable[[], object], *, what: str = "") -> str:
    """Run one fuzz case: 'clean' (a CovenantError), 'accepted' (it returned); fail the test
    on any other exception, on running past the time limit or past the memory limit."""
    tally = COUNTS.setdefault(category, Counter())
    tally["tried"] += 1
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT_S)
    tracemalloc.start()
    try:
        try:
            case()
            outcome = "accepted"
        except CovenantError:
            outcome = "clean"
        _, peak = tracemalloc.get_traced_memory()
    except BaseException as exc:
        tally["failed"] += 1
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise AssertionError(f"{category}: {what}: {type(exc).__name__}: {exc}") from exc
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if peak > MEMORY_LIMIT:
        tally["failed"] += 1
        raise AssertionError(f"{category}: {what}: used {peak / 2**20:.0f} MiB "
                             f"(limit {MEMORY_LIMIT / 2**20:.0f} MiB)")
    tally[outcome] += 1
    return outcome


@pytest.fixture(scope="session", autouse=True)
def fuzz_report() -> Iterator[None]:
    """Write the per-category counts at the end of the session (``make fuzz``)."""
    yield
    # pytest loads this file as `fuzz.conftest` (tests/ has no __init__.py) while the tests
    # import it as `tests.fuzz.conftest`: two modules, two COUNTS; add up both
    counts: dict[str, Counter[str]] = {}
    for module in {id(m): m for m in (sys.modules.get(__name__),
                                      sys.modules.get("tests.fuzz.conftest")) if m}.values():
        for k, v in getattr(module, "COUNTS", {}).items():
            counts.setdefault(k, Counter()).update(v)
    target = os.environ.get("COVENANT_FUZZ_REPORT")
    if target and counts:
        table = {k: {o: v.get(o, 0) for o in ("tried", "clean", "accepted", "failed")}
                 for k, v in sorted(counts.items())}
        Path(target).write_text(json.dumps(table, indent=2) + "\n")
