"""Simulated cycles of a systolic array against SCALE-Sim's stall-free closed form.

For an R x C array with unlimited buffers and bandwidth, SCALE-Sim reports
``folds x (fill + T + R + C - 2) - 1`` cycles (peers.md section 3), with, for M output pixels,
N filters and reduction length K:

    ws: folds = ceil(K/R) * ceil(N/C), T = M, fill = R
    os: folds = ceil(M/R) * ceil(N/C), T = K, fill = 0
    is: folds = ceil(K/R) * ceil(M/C), T = N, fill = R

Each dataflow is an architecture file whose capability says which loops occupy the rows and
columns and which stream, with ``cycles: fill + stream + rows + cols - 2`` per fold. Our
count differs from SCALE-Sim's by exactly 3 cycles, for two documented reasons:

- SCALE-Sim reports the index of the last busy cycle (hence its ``- 1``); we report a count;
- our model always includes the first tile load and the last store (one cycle each here,
  since the edges move 10^9 bytes per cycle), which SCALE-Sim's compute-only estimate omits.
"""

from __future__ import annotations

import math

import pytest

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import Constraints, compile
from covenant_lab.sim import Simulator

SPATIAL = {
    "ws": (
        "rows: {requires: [a, b], excludes: [acc], fold: true}",
        "cols: {requires: [b, acc], excludes: [a], fold: true}",
        "{requires: [a, acc], excludes: [b]}",
        "rows",
    ),
    "os": (
        "rows: {requires: [a, acc], excludes: [b], fold: true}",
        "cols: {requires: [b, acc], excludes: [a], fold: true}",
        "{requires: [a, b], excludes: [acc]}",
        "0",
    ),
    "is": (
        "rows: {requires: [a, b], excludes: [acc], fold: true}",
        "cols: {requires: [a, acc], excludes: [b], fold: true}",
        "{requires: [b, acc], excludes: [a]}",
        "rows",
    ),
}


def systolic(dataflow: str, r: int, c: int) -> ACG:
    rows, cols, stream, fill = SPATIAL[dataflow]
    big = 10**9
    return loads_arch(
        f"""
name: systolic_{dataflow}
params: {{rows: {r}, cols: {c}}}
storage:
  DRAM: {{off_chip: true, read_bytes_per_cycle: {big}, write_bytes_per_cycle: {big}}}
  IBUF: {{capacity_bytes: {big}, read_bytes_per_cycle: {big}, write_bytes_per_cycle: {big}}}
  WBUF: {{capacity_bytes: {big}, read_bytes_per_cycle: {big}, write_bytes_per_cycle: {big}}}
  OBUF: {{capacity_bytes: {big}, read_bytes_per_cycle: {big}, write_bytes_per_cycle: {big}}}
compute:
  array:
    dims: {{rows: rows, cols: cols}}
    capabilities:
      - op: mac
        operands: {{a: IBUF, b: WBUF, acc: OBUF}}
        dtypes: {{a: int8, b: int8, acc: int8}}
        spatial:
          {rows}
          {cols}
        stream: {stream}
        cycles: {fill} + stream + rows + cols - 2
edges:
  - {{from: DRAM, to: IBUF, bytes_per_cycle: {big}}}
  - {{from: DRAM, to: WBUF, bytes_per_cycle: {big}}}
  - {{from: OBUF, to: DRAM, bytes_per_cycle: {big}}}
  - {{from: IBUF, to: array, bytes_per_cycle: {big}}}
  - {{from: WBUF, to: array, bytes_per_cycle: {big}}}
  - {{from: array, to: OBUF, bytes_per_cycle: {big}}}
""",
        source=f"systolic_{dataflow}.yaml",
    )


def scalesim(dataflow: str, r: int, c: int, m: int, n: int, k: int) -> int:
    ceil = math.ceil
    folds, t, fill = {
        "ws": (ceil(k / r) * ceil(n / c), m, r),
        "os": (ceil(m / r) * ceil(n / c), k, 0),
        "is": (ceil(k / r) * ceil(m / c), n, r),
    }[dataflow]
    return folds * (fill + t + r + c - 2) - 1


def whole(codelet: Codelet) -> Constraints:
    """One tile: the unlimited-buffer setting of the closed form."""
    return Constraints.of(tiles={d.name: d.extent for d in codelet.dims}, fuse=True)


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
@pytest.mark.parametrize(("r", "c"), [(16, 16), (8, 32)])
@pytest.mark.parametrize(("m", "n", "k"), [(64, 40, 48), (100, 24, 72), (7, 5, 130)])
def test_gemm_cycles_equal_the_closed_form(
    dataflow: str, r: int, c: int, m: int, n: int, k: int
) -> None:
    acg = systolic(dataflow, r, c)
    gemm = L.matmul((m, k), (k, n))
    result = compile(gemm, acg, whole(gemm))
    sim = Simulator(result.program, acg).run()
    assert sim.total_cycles == scalesim(dataflow, r, c, m, n, k) + 3


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_conv_cycles_equal_the_closed_form(dataflow: str) -> None:
    # 3x3 conv, 8 -> 24 channels, 10x10 output: M = 100 pixels, N = 24, K = 8*3*3 = 72
    acg = systolic(dataflow, 16, 16)
    conv = L.conv2d((1, 8, 10, 10), (24, 8, 3, 3), pads=(1, 1, 1, 1))
    result = compile(conv, acg, whole(conv))
    sim = Simulator(result.program, acg).run()
    assert sim.total_cycles == scalesim(dataflow, 16, 16, 100, 24, 72) + 3
