"""How good is the compiler's search? Its plan against an exhaustive search on small layers.

For each small layer, ``plan(codelet, acg)`` (the beam search ``compile`` uses) and
``plan(codelet, acg, exhaustive=True)`` are both compiled (``Pipeline(plan.passes)`` then
``lower``) and simulated (timing only). ``ratio`` = search cycles / exhaustive cycles:
1.0 means the search found a mapping as fast as the best the cost model knows; above 1 the
search lost cycles; below 1 the cost model ranked a slower mapping first.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet
from covenant_lab.codelets.library import conv2d, matmul, maxpool2d, softmax
from covenant_lab.compiler.lower import lower
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.model import fuse_pair
from covenant_lab.compiler.pipeline import Pipeline
from covenant_lab.compiler.search import Plan, plan
from covenant_lab.dse.sweep import arch_from_yaml
from covenant_lab.errors import CovenantError
from covenant_lab.sim.simulator import Simulator
from covenant_lab.suite import load_suite_layer, small_suite

__all__ = [
    "FULL_LAYERS", "QUICK_LAYERS", "SEARCH_LAYERS", "compare", "search_codelet", "search_task",
]


def _suite(name: str) -> Callable[[], Codelet]:
    def make() -> Codelet:
        layers = load_suite_layer(name)
        if len(layers) == 2:
            fused = fuse_pair(*layers)
            if fused is not None:
                return fused.codelet
        return layers[0].codelet
    return make


# small suite-like layers: the suite's shapes scaled down so that the exhaustive search ends
_SMALL: dict[str, Callable[[], Codelet]] = {
    "small_conv3x3": lambda: conv2d((1, 16, 14, 14), (16, 16, 3, 3), pads=(1, 1, 1, 1), bias=True),
    "small_conv1x1": lambda: conv2d((1, 32, 14, 14), (64, 32, 1, 1)),
    "small_dw": lambda: conv2d((1, 32, 14, 14), (32, 1, 3, 3), pads=(1, 1, 1, 1), group=32),
    "small_matmul": lambda: matmul((64, 96), (96, 64)),
    "small_maxpool": lambda: maxpool2d((1, 16, 28, 28), kernel=(3, 3), strides=(2, 2),
                                       pads=(1, 1, 1, 1)),
    "small_softmax": lambda: softmax((4, 32, 32)),
}
SEARCH_LAYERS: dict[str, Callable[[], Codelet]] = {
    **{e.name: _suite(e.name) for e in small_suite()}, **_SMALL,
}
# the layers whose exhaustive search takes seconds, not minutes (quick mode)
QUICK_LAYERS: tuple[str, ...] = ("lenet_pool1", "lenet_fc1", "small_matmul", "small_softmax")
# full mode: all but small_dw, whose exhaustive search alone takes 4+ minutes per architecture
FULL_LAYERS: tuple[str, ...] = tuple(n for n in SEARCH_LAYERS if n != "small_dw")


def search_codelet(name: str) -> Codelet:
    """The codelet of a search-quality layer (a LeNet suite layer or a ``small_*`` layer)."""
    return SEARCH_LAYERS[name]()


def _cycles(p: Plan, codelet: Codelet, acg: ACG) -> int:
    mapping, _ = Pipeline(p.passes).run(Mapping(p.codelet), acg)  # type: ignore[arg-type]
    return Simulator(lower(mapping, acg), acg).total_cycles


def compare(codelet: Codelet, acg: ACG) -> dict[str, Any]:
    """Estimated and simulated cycles of the search's and the exhaustive search's plans."""
    t0 = time.perf_counter()
    fast = plan(codelet, acg)
    t1 = time.perf_counter()
    best = plan(codelet, acg, exhaustive=True)
    t2 = time.perf_counter()
    cyc_fast, cyc_best = _cycles(fast, codelet, acg), _cycles(best, codelet, acg)
    return {
        "operations": codelet.operations,
        "est_search": fast.estimate, "est_exhaustive": best.estimate,
        "est_ratio": fast.estimate / best.estimate if best.estimate else None,
        "cycles_search": cyc_fast, "cycles_exhaustive": cyc_best,
        "ratio": cyc_fast / cyc_best if cyc_best else None,
        "search_s": t1 - t0, "exhaustive_s": t2 - t1,
    }


SEARCH_MEMORY = 0.4  # of the machine's memory one exhaustive search may take (2 run at once)


@contextmanager
def _memory_cap(fraction: float) -> Iterator[None]:
    """The process's address space limited to ``fraction`` of the machine's memory (where
    the OS says how much it has): an exhaustive search that outgrows it raises MemoryError,
    recorded with its layer, instead of the OS killing the worker and the benchmark."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        old = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError, AttributeError):
        yield
        return
    cap = int(total * fraction)
    if old[1] != resource.RLIM_INFINITY:
        cap = min(cap, old[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


def search_task(label: str, text: str, layer: str) -> dict[str, Any]:
    """One (arch, layer) comparison as a record; errors are recorded, not raised (an
    exhaustive search that outgrows its share of memory: a MemoryError, ``crash``)."""
    rec: dict[str, Any] = {"arch": label, "layer": layer, "status": "ok", "error": ""}
    try:
        with _memory_cap(SEARCH_MEMORY):
            rec.update(compare(search_codelet(layer), arch_from_yaml(text)))
    except CovenantError as exc:
        rec.update(status="error", error=str(exc))
    except Exception as exc:  # a library bug: keep the benchmark going, report it
        rec.update(status="crash", error=f"{type(exc).__name__}: {exc}")
    return rec
