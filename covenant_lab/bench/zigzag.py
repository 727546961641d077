"""ZigZag beside our compiler on one shared machine: cycles and compile/search time per layer.

Both tools get the same machine (:mod:`~covenant_lab.bench.zigzag_machine`) and the same eight
ONNX layers (:mod:`~covenant_lab.bench.zigzag_layers`). ZigZag (the optional ``oracles`` extra,
zigzag-dse) runs as a subprocess in its own interpreter, so its dependencies never enter ours:
``$COVENANT_ORACLES_PYTHON``, else this interpreter when it has zigzag, else the checkout's
``.venv-oracles`` (``make oracles`` creates it). Without one, or with
``COVENANT_ORACLES_PYTHON=none``, the table shows our cycles only and says that ZigZag was
skipped. ``covenant bench --oracles`` runs it after SCALE-Sim and writes ``zigzag.csv``.

    from covenant_lab.bench.zigzag import run_zigzag_comparison
    rows = run_zigzag_comparison()      # prints the table, returns one dict per layer

Ours is compiled twice: ``skew_once=0`` (our per-fold array timing) and ``skew_once=1``
(ZigZag's: skew and drain once per layer), each timing-simulated. ZigZag's cycles are its
``latency_total2`` (with the first loads and last stores), its time the mapping search of each
layer (``get_hardware_performance_zigzag``), without the process start and imports.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import onnx

from covenant_lab.bench.output import format_table, source_root
from covenant_lab.bench.zigzag_layers import LAYERS, SharedLayer
from covenant_lab.bench.zigzag_machine import shared_machine, write_zigzag_inputs
from covenant_lab.compiler.api import compile
from covenant_lab.sim.simulator import Simulator

__all__ = ["ORACLES_PYTHON_ENV", "Ours", "ZigzagRun", "oracles_python", "ours",
           "run_zigzag", "run_zigzag_comparison", "zigzag_table"]

ORACLES_PYTHON_ENV = "COVENANT_ORACLES_PYTHON"
RUNNER = Path(__file__).with_name("zigzag_runner.py")
_PROBE = "import importlib.util, sys; sys.exit(importlib.util.find_spec('zigzag') is None)"
DISABLED = f"skipped (${ORACLES_PYTHON_ENV}=none)"
#: the layers whose energy is compared (issue #15: a 3x3 conv, a 1x1 conv and a GEMM)
ENERGY_LAYERS = ("conv3x3", "conv1x1", "gemm256")


@dataclass(frozen=True, slots=True)
class Ours:
    """One layer on our side: simulated cycles and compile seconds for both timings."""

    name: str
    cycles: int  # skew_once = 0
    cycles_zigzag_timing: int  # skew_once = 1
    compile_s: float
    compile_zigzag_timing_s: float


@dataclass(frozen=True, slots=True)
class ZigzagRun:
    """One ZigZag process over the layers: per-layer records of its latency-optimal mappings
    by name (``cycles``, ``energy_pj``, ``search_s``, ``spatial_mapping``, ``levels`` or
    ``error``; see ``zigzag_runner.py``), of its energy-optimal ones when asked for, or why it
    did not run."""

    layers: dict[str, dict[str, Any]]
    process_s: float = 0.0
    import_s: float = 0.0
    python: str = ""
    note: str = ""
    energy_optimal: dict[str, dict[str, Any]] = field(default_factory=dict)


def _has_zigzag(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", _PROBE], capture_output=True, timeout=120,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _disabled() -> bool:
    return os.environ.get(ORACLES_PYTHON_ENV, "").strip().lower() == "none"


def oracles_python() -> str | None:
    """An interpreter that has zigzag-dse, or None (see the module docstring for the order)."""
    env = os.environ.get(ORACLES_PYTHON_ENV, "").strip()
    if _disabled():
        return None
    if env:
        return env if _has_zigzag(env) else None
    if importlib.util.find_spec("zigzag") is not None:
        return sys.executable
    root = source_root()
    venv = root / ".venv-oracles" / "bin" / "python" if root is not None else None
    if venv is not None and venv.exists() and _has_zigzag(str(venv)):
        return str(venv)
    return None


def run_zigzag(layers: Sequence[SharedLayer] = LAYERS, *, python: str | None = None,
               timeout_s: float = 3600.0, energy: bool | Sequence[str] = False) -> ZigzagRun:
    """ZigZag's latency-optimal mapping of each layer on the shared machine (and its
    energy-optimal one too: of every layer with ``energy=True``, of the named layers with a
    list of names), in one subprocess of ``python`` (default
    :func:`oracles_python`, Python 3.11+ for ``-P``). A failed layer has an ``error``; a
    missing interpreter, a crash or a timeout says why in ``note`` (the layers finished before
    a crash or timeout are kept)."""
    python = python or oracles_python()
    if python is None:
        return ZigzagRun({}, note=DISABLED if _disabled() else "not installed")
    with tempfile.TemporaryDirectory(prefix="covenant-zigzag-") as tmp:
        work = Path(tmp)
        write_zigzag_inputs(work)
        for layer in layers:
            onnx.save(layer.onnx_model(), str(work / f"{layer.name}.onnx"))
        wanted = {x.name for x in layers} if energy is True else set(energy or ())
        jobs = [{"name": x.name, "opt": "latency"} for x in layers]
        jobs += [{"name": x.name, "opt": "energy"} for x in layers if x.name in wanted]
        (work / "layers.json").write_text(json.dumps(jobs), encoding="utf-8")
        t0 = time.perf_counter()
        note = ""
        try:
            done = subprocess.run([python, "-P", str(RUNNER), str(work)], capture_output=True,
                                  text=True, timeout=timeout_s, check=False)
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-3:]
                note = f"ZigZag exited with {done.returncode}: {' / '.join(tail)}"
        except subprocess.TimeoutExpired:
            note = f"ZigZag timed out after {timeout_s:.0f} s"
        process_s = time.perf_counter() - t0
        results = work / "results.jsonl"
        lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else []
    records = [json.loads(line) for line in lines if line.strip()]
    import_s = next((float(r["import_s"]) for r in records if "import_s" in r), 0.0)
    by_opt: dict[str, dict[str, dict[str, Any]]] = {"latency": {}, "energy": {}}
    for r in records:
        if "name" in r:
            by_opt[r["opt"]][r["name"]] = r
    return ZigzagRun(by_opt["latency"], process_s, import_s, python, note, by_opt["energy"])


def ours(layers: Sequence[SharedLayer] = LAYERS) -> list[Ours]:
    """Compile each layer on the shared machine with both timings and simulate it (timing)."""
    machines = [shared_machine(0), shared_machine(1)]
    out = []
    for layer in layers:
        front = layer.layer()
        cycles, seconds = [], []
        for acg in machines:
            t0 = time.perf_counter()
            result = compile(front, acg)
            seconds.append(time.perf_counter() - t0)
            cycles.append(Simulator(result.program, acg).total_cycles)
        out.append(Ours(layer.name, cycles[0], cycles[1], seconds[0], seconds[1]))
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _rows(layers: Sequence[SharedLayer], mine: Sequence[Ours],
          zz: ZigzagRun) -> list[dict[str, Any]]:
    rows = []
    for layer, o in zip(layers, mine, strict=True):
        z = zz.layers.get(layer.name, {})
        zc = z.get("cycles")
        rows.append({
            "layer": layer.name, "ideal": layer.ideal_cycles, "bound": layer.bound,
            "zigzag": zc, "ours": o.cycles, "ours_zigzag_timing": o.cycles_zigzag_timing,
            "ratio": _ratio(o.cycles, zc),
            "ratio_zigzag_timing": _ratio(o.cycles_zigzag_timing, zc),
            "compile_s": o.compile_s, "compile_zigzag_timing_s": o.compile_zigzag_timing_s,
            "zigzag_search_s": z.get("search_s"), "zigzag_spatial": z.get("spatial_mapping", ""),
            "zigzag_note": z.get("error") or zz.note,
        })
    return rows


def _spatial(text: str) -> str:
    """ZigZag's ``{D1: {OX: 32}, D2: {K: 32}}`` as ``OX32/K32`` (D1/D2; ``*`` joins a mix)."""
    dims = re.findall(r"D\d+: \{([^}]*)\}", text)
    return "/".join("*".join(x.replace(": ", "") for x in d.split(", ")) for d in dims)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _geomean(values: Sequence[float | None]) -> float | None:
    xs = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in xs) / len(xs)) if xs else None


def zigzag_table(rows: Sequence[dict[str, Any]]) -> str:
    """The comparison as text: one line per layer and a geometric-mean line."""
    header = ["layer", "ideal", "ZigZag", "ours", "ours (ZZ timing)", "ours/ZZ",
              "ours (ZZ t.)/ZZ", "compile s", "ZZ search s", "ZZ spatial D1/D2"]
    body = [[r["layer"], f"{r['ideal']:,}", _fmt(r["zigzag"], ",.0f"), f"{r['ours']:,}",
             f"{r['ours_zigzag_timing']:,}", _fmt(r["ratio"], ".3f"),
             _fmt(r["ratio_zigzag_timing"], ".3f"), f"{r['compile_s']:.2f}",
             _fmt(r["zigzag_search_s"], ".1f"), _spatial(r["zigzag_spatial"]) or "-"]
            for r in rows]
    body.append(["geomean", "", "", "", "", _fmt(_geomean([r["ratio"] for r in rows]), ".3f"),
                 _fmt(_geomean([r["ratio_zigzag_timing"] for r in rows]), ".3f"), "", "", ""])
    return format_table(body, header, "l" + "r" * 8 + "l")


def run_zigzag_comparison(print_fn: Callable[[str], Any] = print, *, zigzag: bool = True,
                          layers: Sequence[SharedLayer] = LAYERS,
                          energy: Sequence[str] = ENERGY_LAYERS) -> list[dict[str, Any]]:
    """Ours on every layer, ZigZag too when ``zigzag`` and installed; prints the table of
    cycles, then (when ZigZag ran) the energy of the ``energy`` layers in both tools, for
    each tool's fastest and least-energy mappings (``bench/zigzag_energy.py``)."""
    zz = run_zigzag(layers, energy=energy) if zigzag else ZigzagRun({}, note="not run")
    print_fn("ZigZag (zigzag-dse, latency-optimal mapping) vs ours on the shared 32x32 machine "
             "(cycles; 'ZZ timing' = our compiler with skew and drain paid once per layer)")
    if zz.note == "not installed":
        print_fn("ZigZag is not installed (`make oracles` makes .venv-oracles with it, or set "
                 f"${ORACLES_PYTHON_ENV} to a Python that has zigzag-dse); skipping it, "
                 "showing ours only")
    elif zz.note == DISABLED:
        print_fn(f"ZigZag {DISABLED}; showing ours only")
    rows = _rows(layers, ours(layers), zz)
    for line in zigzag_table(rows).splitlines():
        print_fn(line)
    if zz.python:
        print_fn(f"ZigZag process {zz.process_s:.1f} s ({zz.import_s:.1f} s of imports) "
                 f"in {zz.python}")
    notes = sorted({r["zigzag_note"] for r in rows if r["zigzag_note"]}
                   - {"not installed", DISABLED})
    for note in notes:
        print_fn(f"  ZigZag: {note}")
    if zz.energy_optimal:
        from covenant_lab.bench.zigzag_energy import energy_rows, print_energy_comparison

        picked = [x for x in layers if x.name in zz.energy_optimal]
        for buffering, what in ((2, "ours: a tile uses half of each SRAM (sram_buffering 2)"),
                                (1, "ZigZag's capacity: a tile may use all of it "
                                    "(sram_buffering 1)")):
            print_fn("")
            print_fn(what)
            print_energy_comparison(energy_rows(picked, shared_machine(0, buffering), {
                "latency": zz.layers, "energy": zz.energy_optimal}), print_fn)
    return rows
