"""A unit that runs a biased conv only without its bias, beside a slower one with a bias
port: the form with the bias split off competes on cost (``forms.splits_init``), as
docs/arch-format.md says, not only when nothing else maps (a DaVinci-like file ran every
biased conv on its vector unit, 24x slower)."""

from __future__ import annotations

from covenant_lab.acg import loads_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.sim import Simulator

CUBE_AND_LANES = """
name: cube_and_lanes
params: {}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
  BUF: {capacity_bytes: 1048576, read_bytes_per_cycle: 1024, write_bytes_per_cycle: 1024,
        buffering: 2}
compute:
  cube:
    dims: {rows: 16, cols: 16}
    capabilities:
      - op: mac
        operands: {a: BUF, b: BUF, acc: BUF}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc]}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: stream + 16
  lanes:
    dims: {lanes: 16}
    capabilities:
      - {op: mac, operands: {a: BUF, b: BUF, init: BUF, acc: BUF},
         dtypes: {a: int32, b: int32, init: int32, acc: int32},
         spatial: {lanes: {requires: [acc]}}, cycles: stream + 4}
      - {op: add, operands: {a: BUF, b: BUF, out: BUF}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 4}
edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: 64}
  - {from: BUF, to: DRAM, bytes_per_cycle: 64}
  - {from: BUF, to: cube, bytes_per_cycle: 1024}
  - {from: cube, to: BUF, bytes_per_cycle: 1024}
  - {from: BUF, to: lanes, bytes_per_cycle: 1024}
  - {from: lanes, to: BUF, bytes_per_cycle: 1024}
"""


def test_the_bias_split_off_for_the_faster_unit_wins() -> None:
    acg = loads_arch(CUBE_AND_LANES, source="cube_and_lanes.yaml")
    conv = L.conv2d((1, 256, 8, 8), (128, 256, 1, 1), bias=True)
    result = compile(conv, acg)
    # 64 pixels x 256 x 128 MACs: the cube's 256 PEs against the lanes' 16, the bias added
    # after by the lanes
    assert result.capabilities == ("cube.mac", "lanes.add")
    cycles = Simulator(result.program, acg).total_cycles
    lanes_only = 64 * 256 * 128 / 16
    assert cycles < lanes_only / 4
