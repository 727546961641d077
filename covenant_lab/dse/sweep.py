"""Design-space sweeps: every (architecture, layer) pair evaluated through an Executor.

    from covenant_lab.acg import load_arch
    from covenant_lab.dse import sweep
    archs = [("genesys16", load_arch("genesys", params={"rows": 16, "cols": 16})),
             load_arch("genesys")]
    rows = sweep(archs, ["resnet50_3x3", "bert_scores"])                 # 2 local processes
    rows = sweep(archs, ["resnet50_3x3"], scheduler="local")             # a Dask LocalCluster
    rows = sweep(archs, ["resnet50_3x3"], scheduler="tcp://host:8786")   # any Dask scheduler

Tasks are plain data (the architecture's YAML text, a label and a suite layer name), so any
``concurrent.futures.Executor`` can run them: a process pool, ``Client.get_executor()`` of
``dask.distributed``, or a thread pool. Rows come back in (arch, layer) order whatever the
completion order, so two executors give the same rows (timings aside).
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import loads_arch
from covenant_lab.dse.point import Options, evaluate
from covenant_lab.errors import UsageError

__all__ = [
    "ArchSpec", "arch_from_yaml", "arch_specs", "dask_executor", "default_executor", "sweep",
]

ArchSpec = tuple[str, str]  # (label, YAML text)
DEFAULT_WORKERS = 2


def arch_specs(archs: Sequence[ACG | tuple[str, ACG]]) -> list[ArchSpec]:
    """(label, YAML) per architecture; a bare ACG is labelled by its name (made unique)."""
    out: list[ArchSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(archs):
        label, acg = item if isinstance(item, tuple) else (getattr(item, "name", ""), item)
        if not isinstance(acg, ACG):
            raise UsageError(f"argument 1, 'archs' to sweep: item {i} is a "
                             f"{type(acg).__name__}, expected an ACG or a (label, ACG) pair")
        if label in seen:
            label = f"{label}#{i}"
        seen.add(label)
        out.append((label, acg.to_yaml()))
    return out


@functools.lru_cache(maxsize=16)
def arch_from_yaml(text: str) -> ACG:
    """Parse each architecture once per worker process."""
    return loads_arch(text, source="<sweep>")


def run_task(label: str, text: str, layer: str, options: Options) -> dict[str, Any]:
    """One design point (the function the executor runs; module level so it pickles)."""
    return evaluate(arch_from_yaml(text), layer, options, arch_label=label)


def default_executor(workers: int = DEFAULT_WORKERS) -> ProcessPoolExecutor:
    """A pool of fresh worker processes (forkserver: safe when the parent runs threads)."""
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("forkserver"))


@contextmanager
def dask_executor(scheduler: str = "local", *, workers: int = DEFAULT_WORKERS,
                  processes: bool = True) -> Iterator[Executor]:
    """An Executor backed by ``dask.distributed``: ``"local"`` starts a LocalCluster of
    ``workers`` single-threaded workers (dashboard on 127.0.0.1, a free port); any other
    value is a scheduler address. The cluster and client close on exit."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("dse: the Dask backend needs dask.distributed",
                         hint="pip install 'covenant_lab[lab]' (it includes dask[distributed])"
                         ) from None
    if scheduler == "local":
        cluster_cm = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=processes,
            dashboard_address="127.0.0.1:0",
        )
        with cluster_cm as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client.get_executor()
    else:
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client.get_executor()


def sweep(
    archs: Sequence[ACG | tuple[str, ACG]],
    layers: Sequence[str],
    *,
    executor: Executor | None = None,
    scheduler: str | None = None,
    options: Options | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every (arch, layer) pair (see :func:`covenant_lab.dse.point.evaluate`).

    ``executor``: any concurrent.futures Executor (not shut down here). Else ``scheduler``
    (``"local"`` or a Dask scheduler address) uses Dask; else a pool of 2 processes.
    ``options`` defaults to timing only without the mapping table. ``on_result`` is called
    with each record as it completes (progress). Returns the records in (arch, layer) order.
    """
    if executor is not None and scheduler is not None:
        raise UsageError("sweep: pass either 'executor' or 'scheduler', not both")
    opts = options or Options(table=False)
    specs = arch_specs(archs)
    tasks = [(label, text, layer, opts) for label, text in specs for layer in layers]
    if executor is not None:
        return _run(executor, tasks, on_result)
    if scheduler is not None:
        with dask_executor(scheduler) as ex:
            return _run(ex, tasks, on_result)
    with default_executor() as pool:
        return _run(pool, tasks, on_result)


def _run(executor: Executor, tasks: list[tuple[str, str, str, Options]],
         on_result: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any]]:
    futures: dict[Future[dict[str, Any]], int] = {
        executor.submit(run_task, *task): i for i, task in enumerate(tasks)
    }
    out: list[dict[str, Any] | None] = [None] * len(tasks)
    for fut in as_completed(futures):
        rec = fut.result()
        out[futures[fut]] = rec
        if on_result is not None:
            on_result(rec)
    return [r for r in out if r is not None]
