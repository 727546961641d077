"""External oracles: SCALE-Sim's stall-free (CALC) cycles for small GEMMs beside ours.

Both sides must share their assumptions (shared notes, peers section 3): a weight-stationary
R x C array, K on the rows, N on the columns, M streamed; SRAMs large enough and DRAM so
fast that nothing stalls. SCALE-Sim 3.0.0 in CALC mode reports exactly::

    folds x (fill + T + R + C - 2) - 1,   folds = ceil(K/R) * ceil(N/C), T = M, fill = R

Our cycles come from compiling the GEMM onto :data:`SYSTOLIC_WS` (below) and simulating it;
they also count the first loads and the last store, which SCALE-Sim does not. SCALE-Sim is the
optional ``oracles`` extra (``pip install covenant_lab[oracles]``); without it the comparison
prints our cycles and the closed form, and says that SCALE-Sim was skipped.
"""

from __future__ import annotations

import csv
import gc
import importlib.util
import inspect
import math
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covenant_lab.acg.load import loads_arch
from covenant_lab.codelets.library import matmul
from covenant_lab.compiler.api import compile
from covenant_lab.sim.simulator import Simulator

__all__ = ["GEMMS", "SYSTOLIC_WS", "Gemm", "closed_form", "ours", "run_oracles", "scalesim_cycles"]

SYSTOLIC_WS = """
name: systolic_ws
description: SCALE-Sim-like weight-stationary R x C array, three SRAMs, a very fast DRAM
params: {rows: 8, cols: 8, sram_kib: 1024, dram_bytes: 1048576}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: dram_bytes, write_bytes_per_cycle: dram_bytes}
  IFMAP: {capacity_bytes: sram_kib * 1024, read_bytes_per_cycle: dram_bytes,
          write_bytes_per_cycle: dram_bytes, buffering: 2}
  FILTER: {capacity_bytes: sram_kib * 1024, read_bytes_per_cycle: dram_bytes,
           write_bytes_per_cycle: dram_bytes, buffering: 2}
  OFMAP: {capacity_bytes: sram_kib * 1024, read_bytes_per_cycle: dram_bytes,
          write_bytes_per_cycle: dram_bytes, buffering: 2}
compute:
  array:
    dims: {rows: rows, cols: cols}
    capabilities:
      - op: mac                    # weights stationary: K on rows, N on columns, M streams
        operands: {a: IFMAP, b: FILTER, init: OFMAP, acc: OFMAP}
        dtypes: {a: int8, b: int8, init: int32, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: rows + stream + rows + cols - 2     # weight fill, stream, skew
edges:
  - {from: DRAM, to: IFMAP, bytes_per_cycle: dram_bytes}
  - {from: DRAM, to: FILTER, bytes_per_cycle: dram_bytes}
  - {from: DRAM, to: OFMAP, bytes_per_cycle: dram_bytes}
  - {from: OFMAP, to: DRAM, bytes_per_cycle: dram_bytes}
  - {from: IFMAP, to: array, bytes_per_cycle: dram_bytes}
  - {from: FILTER, to: array, bytes_per_cycle: dram_bytes}
  - {from: OFMAP, to: array, bytes_per_cycle: dram_bytes}
  - {from: array, to: OFMAP, bytes_per_cycle: dram_bytes}
"""


@dataclass(frozen=True, slots=True)
class Gemm:
    """C[M, N] = A[M, K] @ B[K, N] on an R x C array."""

    name: str
    m: int
    k: int
    n: int
    rows: int
    cols: int


GEMMS: tuple[Gemm, ...] = (
    Gemm("gemm_64x32x32_8x8", 64, 32, 32, 8, 8),
    Gemm("gemm_128x64x48_16x16", 128, 64, 48, 16, 16),
)


def closed_form(g: Gemm) -> int:
    """SCALE-Sim 3.0.0's stall-free weight-stationary cycles."""
    folds = math.ceil(g.k / g.rows) * math.ceil(g.n / g.cols)
    return folds * (g.rows + g.m + g.rows + g.cols - 2) - 1


def ours(g: Gemm) -> int:
    """Our simulated cycles of the GEMM on :data:`SYSTOLIC_WS` with R x C = g.rows x g.cols."""
    acg = loads_arch(SYSTOLIC_WS, source="<systolic_ws>", params={"rows": g.rows, "cols": g.cols})
    result = compile(matmul((g.m, g.k), (g.k, g.n), name=g.name), acg)
    return Simulator(result.program, acg).total_cycles


def _config(g: Gemm) -> str:
    return f"""[general]
run_name = {g.name}

[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False

[architecture_presets]
ArrayHeight = {g.rows}
ArrayWidth = {g.cols}
IfmapSramSzkB = 1024
FilterSramSzkB = 1024
OfmapSramSzkB = 1024
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Dataflow = ws
Bandwidth = 10
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40
"""  # no [network_presets]: 3.0.0 reads its TopologyCsvLoc from the wrong section


def scalesim_cycles(g: Gemm, workdir: Path) -> int:
    """Run SCALE-Sim (CALC, weight stationary) on the GEMM in ``workdir``: its total cycles."""
    from scalesim.scale_sim import scalesim  # the optional 'oracles' extra

    topo, layout, cfg = workdir / f"{g.name}.csv", workdir / "layout.csv", workdir / "ws.cfg"
    topo.write_text(f"Layer, M, N, K,\n{g.name}, {g.m}, {g.n}, {g.k},\n")
    layout.write_text("Layer, IFMAP Height, IFMAP Width, Channels,\n")
    cfg.write_text(_config(g))
    kwargs: dict[str, Any] = {"save_disk_space": True, "verbose": False, "config": str(cfg),
                              "topology": str(topo), "input_type_gemm": True}
    accepted = inspect.signature(scalesim).parameters
    if "layout" in accepted:
        kwargs["layout"] = str(layout)
    with warnings.catch_warnings():  # SCALE-Sim's own warnings (numpy deprecations, open files)
        warnings.simplefilter("ignore")
        sim = scalesim(**{k: v for k, v in kwargs.items() if k in accepted})
        sim.run_scale(top_path=str(workdir))
        del sim
        gc.collect()  # close them while the warning is ignored
    report = next(workdir.rglob("COMPUTE_REPORT.csv"))
    with report.open(newline="") as f:
        rows = [{k.strip(): v.strip() for k, v in row.items() if k} for row in csv.DictReader(f)]
    return int(float(rows[0]["Total Cycles"]))


def _numpy_too_new() -> bool:
    import numpy as np

    major, minor = (int(p) for p in np.__version__.split(".")[:2])
    return (major, minor) >= (2, 4)


def run_oracles(print_fn: Any = print) -> list[dict[str, Any]]:
    """Our cycles, the closed form and (when installed) SCALE-Sim's, per GEMM; printed too."""
    have = importlib.util.find_spec("scalesim") is not None
    if not have:
        print_fn("oracles: SCALE-Sim is not installed (pip install 'covenant_lab[oracles]'); "
                 "skipping it, showing our cycles and its closed form only")
    rows = []
    for g in GEMMS:
        rec: dict[str, Any] = {
            "gemm": g.name, "m": g.m, "k": g.k, "n": g.n, "rows": g.rows, "cols": g.cols,
            "ours": ours(g), "closed_form": closed_form(g), "scalesim": None,
            "scalesim_note": "" if have else "not installed",
        }
        if have:
            with tempfile.TemporaryDirectory(prefix="covenant-scalesim-") as tmp:
                try:
                    rec["scalesim"] = scalesim_cycles(g, Path(tmp))
                except Exception as exc:  # the third-party tool failed: say how, keep going
                    rec["scalesim_note"] = f"SCALE-Sim failed: {type(exc).__name__}: {exc}"
                    if _numpy_too_new():
                        rec["scalesim_note"] += " (SCALE-Sim 3.0.0 needs numpy < 2.4)"
        rows.append(rec)
    print_fn(f"{'GEMM (M x K x N on R x C)':<34} {'ours':>8} {'closed form':>12} {'SCALE-Sim':>10}")
    for r in rows:
        shape = f"{r['m']}x{r['k']}x{r['n']} on {r['rows']}x{r['cols']}"
        ss = f"{r['scalesim']:>10}" if r["scalesim"] is not None else f"{'-':>10}"
        print_fn(f"{shape:<34} {r['ours']:>8} {r['closed_form']:>12} {ss}"
                 + (f"  ({r['scalesim_note']})" if r["scalesim_note"] else ""))
    return rows
