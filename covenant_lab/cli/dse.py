"""``covenant dse``: sweep an architecture's parameters over suite layers and print the Pareto
front of cycles, energy and area.

    covenant dse --arch genesys --param rows=16,32 --param wbuf_depth=256,512 \\
        --layer resnet50_3x3 -j 2 --json front.json --html front.html

Each combination of the ``--param`` values is one architecture; each (architecture, layer)
pair is compiled and simulated (``dse.grid.pareto_sweep``) on ``-j`` local processes or on
Dask (``--dask``: a local cluster, or ``--dask tcp://host:8786``). The table lists every
architecture's totals over the layers, Pareto-optimal ones starred; progress goes to stderr.
Every argument is checked before any work (``cli/dse_args.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from covenant_lab.cli.common import output_path
from covenant_lab.cli.dse_args import DEFAULT_MAX_POINTS, Sweep, parse_sweep
from covenant_lab.errors import UsageError
from covenant_lab.fileio import write_atomic

if TYPE_CHECKING:
    from covenant_lab.dse.grid import ParetoSweep
    from covenant_lab.dse.pareto import ParetoPoint

__all__ = ["front_doc", "register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "dse", help="sweep architecture parameters: the Pareto front of cycles, energy, area",
        description="Compile and simulate suite layers on every combination of architecture "
                    "parameter values; print each architecture's cycles, energy (uJ) and area "
                    "(mm2) over the layers, Pareto-optimal ones starred.")
    p.add_argument("--arch", required=True, metavar="NAME|FILE",
                   help="a shipped architecture name or a .yaml path")
    p.add_argument("--param", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a parameter of the file's params: and its values (repeatable; the "
                        "sweep is every combination), e.g. --param rows=16,32")
    p.add_argument("--layer", action="append", default=[], metavar="NAME",
                   help="a suite layer to run on every architecture (repeatable)")
    p.add_argument("-j", "--jobs", type=int, default=2, metavar="N",
                   help="worker processes (1: run in this process; default 2)")
    p.add_argument("--dask", nargs="?", const="local", metavar="ADDRESS",
                   help="run on Dask: a local cluster of -j workers, or the scheduler at "
                        "ADDRESS (e.g. tcp://host:8786)")
    p.add_argument("--max-points", type=int, default=DEFAULT_MAX_POINTS, metavar="N",
                   help="refuse sweeps of more design points (combinations x layers; "
                        f"default {DEFAULT_MAX_POINTS})")
    p.add_argument("--json", metavar="OUT", help="write the points, totals and records as JSON")
    p.add_argument("--html", metavar="OUT.html",
                   help="write the totals' Pareto front as a Bokeh page (needs the lab extra)")
    p.add_argument("--log", action="store_true", help="logarithmic axes in the --html plot")
    p.set_defaults(func=_run)


def _inputs(args: argparse.Namespace) -> dict[str, Path]:
    from covenant_lab.acg.load import resolve_arch
    from covenant_lab.fileio import check_input

    try:
        path = resolve_arch(args.arch)
    except UsageError as exc:
        if Path(args.arch).exists():  # say why it is not a file: a directory, a FIFO
            check_input(args.arch, "dse: --arch")
        raise UsageError(f"dse: --arch: {exc.message}", hint=exc.hint) from None
    return {"--arch": check_input(path, "dse: --arch")}


def _outputs(args: argparse.Namespace, taken: dict[str, Path]) -> dict[str, Path | None]:
    out: dict[str, Path | None] = {}
    for dest, option in (("json", "--json"), ("html", "--html")):
        value = getattr(args, dest)
        out[dest] = None if value is None else output_path(value, option, taken, "dse")
        if value is not None:
            taken[option] = Path(value)
    return out


def _check_runner(args: argparse.Namespace) -> None:
    if args.jobs < 1:
        raise UsageError(f"dse: -j {args.jobs}: at least 1 worker", hint="e.g. -j 2")
    if args.dask is not None and not args.dask.strip():
        raise UsageError("dse: --dask '': give a scheduler address, or --dask alone for a "
                         "local cluster")
    if args.html is not None:
        try:
            import bokeh  # noqa: F401
        except ImportError:
            raise UsageError("dse: --html needs Bokeh",
                             hint="pip install 'covenant_lab[lab]'") from None


@contextmanager
def _executor(args: argparse.Namespace) -> Iterator[Executor]:
    """The executor of ``-j``/``--dask``: -j 1 runs in this process (one thread)."""
    from covenant_lab.dse.sweep import dask_executor, default_executor

    if args.dask is not None:
        with dask_executor(args.dask, workers=args.jobs) as ex:
            yield ex
    elif args.jobs == 1:
        with ThreadPoolExecutor(max_workers=1) as ex:
            yield ex
    else:
        with default_executor(args.jobs) as ex:
            yield ex


def _progress(total: int) -> Callable[[dict[str, Any]], None]:
    """One stderr line per finished design point: ``[3/12] rows=16 resnet50_3x3: ok ...``."""
    done = [0]
    t0 = time.perf_counter()

    def report(rec: dict[str, Any]) -> None:
        done[0] += 1
        what = (f"{rec['cycles']:,} cycles, {rec['energy_pj'] / 1e6:,.3f} uJ"
                if rec.get("status") == "ok" else f"{rec.get('status')}: "
                f"{str(rec.get('error', '')).splitlines()[0][:100]}")
        print(f"[{done[0]}/{total} {time.perf_counter() - t0:.0f} s] {rec['arch']} "
              f"{rec['layer']}: {what}", file=sys.stderr, flush=True)

    return report


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _point(p: ParetoPoint) -> dict[str, Any]:
    return {"arch": p.arch, "layer": p.layer, "params": dict(p.params), "cycles": p.cycles,
            "energy_pj": p.energy_pj, "area_mm2": p.area_mm2, "optimal": p.optimal}


def front_doc(sweep: Sweep, result: ParetoSweep) -> dict[str, Any]:
    """The ``--json`` document: the sweep, the totals and per-layer points (each flagged
    Pareto-optimal or not), the architectures left out and the records themselves."""
    return {
        "arch": sweep.arch, "grid": sweep.grid, "layers": list(sweep.layers),
        "objectives": ["cycles", "energy_pj", "area_mm2"],
        "totals": [_point(p) for p in result.totals],
        "points": [_point(p) for p in result.points],
        "incomplete": result.incomplete,
        "records": [{k: v for k, v in r.items() if k != "table"} for r in result.rows],
    }


def _html(result: ParetoSweep, path: Path, log: bool, title: str) -> None:
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    from covenant_lab.viz.pareto import pareto_figure

    if not result.totals:
        raise UsageError("dse: --html: no architecture ran every layer; nothing to plot",
                         hint="see the records' errors (--json)")
    fig = pareto_figure(result.totals, title=title, log=log)
    write_atomic(path, file_html(fig, INLINE, title), "dse: --html")


def _run(args: argparse.Namespace) -> int:
    from covenant_lab.dse.grid import pareto_sweep

    taken = _inputs(args)
    outs = _outputs(args, taken)  # before any work
    _check_runner(args)
    sweep = parse_sweep(args.arch, args.param, args.layer, args.max_points)
    runner = f"Dask ({args.dask})" if args.dask is not None else (
        "this process" if args.jobs == 1 else f"{args.jobs} processes")
    print(f"dse: {_count(len(sweep.combos), 'architecture')} x "
          f"{_count(len(sweep.layers), 'layer')} = {_count(sweep.points, 'design point')} on "
          f"{runner}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with _executor(args) as ex:
        result = pareto_sweep(sweep.arch, list(sweep.combos), list(sweep.layers), executor=ex,
                              on_result=_progress(sweep.points))
    elapsed = time.perf_counter() - t0
    print(f"totals over {', '.join(sweep.layers)} (* Pareto-optimal: no other architecture "
          "has fewer cycles, less energy and less area at once)")
    print(result.table())
    optimal = sum(p.optimal for p in result.totals)
    print(f"{_count(len(result.totals), 'architecture')}, {optimal} Pareto-optimal, in "
          f"{elapsed:.1f} s")
    if outs["json"] is not None:
        write_atomic(outs["json"], json.dumps(front_doc(sweep, result), indent=2),
                     "dse: --json")
    if outs["html"] is not None:
        _html(result, outs["html"], args.log,
              f"Pareto front of {Path(args.arch).stem}: {', '.join(sweep.layers)}")
    return 1 if result.incomplete else 0
