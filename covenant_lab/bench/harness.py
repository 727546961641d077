"""The benchmark: the layer suite on each architecture variant, search quality, whole models,
simulator speed and (optionally) external oracles; results as JSON and CSV under ``out``.

    from covenant_lab.bench import BenchConfig, run_bench
    doc = run_bench(BenchConfig(quick=True), Path("/tmp/bench"))
    doc["summary"]["archs"]["genesys"]["geomean_efficiency"]

Files written: ``results.json`` (everything, including each layer's mapping table),
``summary.json``, ``layers.csv``, ``search.csv``, ``models.csv``, ``oracles.csv`` (SCALE-Sim)
and ``zigzag.csv``.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from covenant_lab.acg.graph import ACG
from covenant_lab.bench.models import MODELS, run_models
from covenant_lab.bench.output import Progress, write_csv, write_json
from covenant_lab.bench.report_text import print_report
from covenant_lab.bench.search_quality import (
    FULL_LAYERS,
    QUICK_LAYERS,
    SEARCH_LAYERS,
    search_task,
)
from covenant_lab.bench.summary import summarize
from covenant_lab.bench.variants import DEFAULT_VARIANTS, load_variant
from covenant_lab.dse.point import Options
from covenant_lab.dse.sweep import arch_specs, default_executor, sweep
from covenant_lab.errors import UsageError
from covenant_lab.models import BUILDERS
from covenant_lab.suite import SUITE, suite_layer

__all__ = ["QUICK_CHECK_LIMIT", "BenchConfig", "arch_info", "run_bench"]

QUICK_CHECK_LIMIT = 5000  # instructions: quick mode skips the functional check of larger programs


@dataclass(frozen=True)
class BenchConfig:
    """What to run. ``search_layers`` None: the search-quality layers of the mode (quick:
    those whose exhaustive search takes seconds); ``models`` empty: no whole models."""

    archs: tuple[str, ...] = DEFAULT_VARIANTS
    layers: tuple[str, ...] = tuple(e.name for e in SUITE)
    quick: bool = False
    workers: int = 2
    search_layers: tuple[str, ...] | None = None
    models: tuple[str, ...] = MODELS
    model_archs: tuple[str, ...] = ("genesys", "hvx")
    oracles: bool = False
    check_limit: int = QUICK_CHECK_LIMIT
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def searched(self) -> tuple[str, ...]:
        if self.search_layers is not None:
            return self.search_layers
        return QUICK_LAYERS if self.quick else FULL_LAYERS

    def validate(self) -> None:
        for name in self.layers:
            suite_layer(name)  # a typed error naming close matches
        unknown = [n for n in self.searched() if n not in SEARCH_LAYERS]
        if unknown:
            raise UsageError(f"bench: no search-quality layer named {', '.join(unknown)}",
                             hint=f"choose from {', '.join(SEARCH_LAYERS)}")
        bad = [m for m in self.models if m not in BUILDERS]
        if bad:
            raise UsageError(f"bench: no built-in model named {', '.join(bad)}",
                             hint=f"choose from {', '.join(BUILDERS)}")
        if self.workers < 1:
            raise UsageError(f"bench: workers must be at least 1, got {self.workers}")


def arch_info(label: str, acg: ACG) -> dict[str, Any]:
    """What the report needs to know of an architecture: its roofs."""
    node, cap = max(((n, c) for n in acg.compute_nodes for c in n.capabilities),
                    key=lambda nc: nc[1].peak_ops_per_cycle)
    read, write = acg.offchip_bytes_per_cycle
    offchip = {s.name for s in acg.offchip}
    vias = {e.via for e in acg.edges if e.src in offchip or e.dst in offchip}
    shared = len(vias) == 1 and None not in vias
    (via,) = vias if shared else (None,)
    roof = acg.comm(via).bytes_per_cycle if via is not None else max(read, write)
    return {"label": label, "name": acg.name, "params": acg.param_values,
            "main_capability": f"{node.name}.{cap.label}",
            "peak_ops_per_cycle": cap.peak_ops_per_cycle,
            "offchip_read_bytes_per_cycle": read, "offchip_write_bytes_per_cycle": write,
            "bandwidth_roof_bytes_per_cycle": roof}


@contextmanager
def _executor(workers: int) -> Iterator[Executor]:
    """In-process (one thread) for one worker, else a pool of processes."""
    pool: Executor
    pool = ThreadPoolExecutor(max_workers=1) if workers == 1 else default_executor(workers)
    with pool:
        yield pool


def _search(executor: Executor, variants: list[tuple[str, ACG]], layers: tuple[str, ...],
            progress: Progress) -> list[dict[str, Any]]:
    tasks = [(label, text, name) for label, text in arch_specs(variants) for name in layers]
    futures = {executor.submit(search_task, *t): i for i, t in enumerate(tasks)}
    out: list[dict[str, Any]] = [{}] * len(tasks)
    for fut in as_completed(futures):
        rec = fut.result()
        out[futures[fut]] = rec
        progress.update(f"{rec['arch']}/{rec['layer']}")
    return out


def _model_progress(label: str, count: int, err: TextIO | None) -> Callable[[dict[str, Any]], None]:
    bar = Progress(f"whole models on {label}", count, err)
    return lambda r: bar.update(f"{r['model']} {r['status']}")


def run_bench(config: BenchConfig, out: Path, *, stream: TextIO | None = None,
              err: TextIO | None = None) -> dict[str, Any]:
    """Run the benchmark, write its files under ``out`` (which must exist), print the tables."""
    stdout = stream or sys.stdout
    config.validate()
    variants = [load_variant(a) for a in config.archs]
    t0 = time.perf_counter()
    options = Options(functional=True, check_limit=config.check_limit if config.quick else None,
                      seed=config.seed, table=True)
    searched = config.searched()
    with _executor(config.workers) as executor:
        bar = Progress("layers", len(variants) * len(config.layers), err)
        layers = sweep(variants, config.layers, executor=executor, options=options,
                       on_result=lambda r: bar.update(f"{r['arch']}/{r['layer']} {r['check']}"))
        bar = Progress("search vs exhaustive", len(variants) * len(searched), err)
        search = _search(executor, variants, searched, bar) if searched else []
    models: list[dict[str, Any]] = []
    for name in config.model_archs if config.models else ():
        label, acg = load_variant(name)
        models += run_models(config.models, label, acg.to_yaml(), workers=min(config.workers, 2),
                             on_result=_model_progress(label, len(config.models), err))
    oracles: list[dict[str, Any]] = []
    zigzag: list[dict[str, Any]] = []
    oracle_text: list[str] = []
    if config.oracles:
        from covenant_lab.bench.oracles import run_oracles
        from covenant_lab.bench.zigzag import run_zigzag_comparison

        oracles = run_oracles(oracle_text.append)
        oracle_text.append("")
        zigzag = run_zigzag_comparison(oracle_text.append)
    archs = {label: arch_info(label, acg) for label, acg in variants}
    summary = summarize(config, archs, layers, search, models, time.perf_counter() - t0)
    doc = {
        "config": {k: v for k, v in asdict(config).items() if k != "extra"} | config.extra,
        "environment": {"python": platform.python_version(), "platform": platform.platform()},
        "archs": archs, "layers": layers, "search": search, "models": models,
        "oracles": oracles, "zigzag": zigzag, "oracle_text": oracle_text, "summary": summary,
    }
    write_json(out / "results.json", doc)
    write_json(out / "summary.json", summary)
    write_csv(out / "layers.csv", layers, exclude=("table",))
    write_csv(out / "search.csv", search)
    write_csv(out / "models.csv", models)
    if oracles:
        write_csv(out / "oracles.csv", oracles)
    if zigzag:
        write_csv(out / "zigzag.csv", zigzag)
    print_report(doc, stdout)
    return doc

