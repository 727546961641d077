"""Shared fixtures: the shipped architectures and a small in-test architecture."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, load_arch, loads_arch

MINI = """\
# mini: a two-level machine for tests
name: mini
description: DRAM, two scratchpads and a MAC unit
params: {bus_bytes: 8, kib: 16}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 16, write_bytes_per_cycle: 8}
  L2: {capacity_bytes: 4 * kib * 1024, read_bytes_per_cycle: 32, write_bytes_per_cycle: 32}
  SPAD: {capacity_bytes: kib * 1024, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16,
         buffering: 2}
communication:
  bus: {bytes_per_cycle: bus_bytes, latency_cycles: 10}
compute:
  pe:
    dims: {rows: 4, cols: 2}
    capabilities:
      - op: mac
        operands: {a: SPAD, b: SPAD, init: SPAD, acc: SPAD}
        dtypes: {a: int8, b: int8, init: int32, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: rows + stream + cols - 1
        latency_cycles: 3
        template: "MAC {a_addr} {b_addr} {acc_addr} T={stream}"
      - {op: relu, operands: {a: SPAD, out: SPAD}, dtypes: {a: int32, out: int32},
         spatial: {cols: {requires: [out]}}, cycles: stream + used_cols}
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: bus_bytes, via: bus, latency_cycles: 5}
  - {from: DRAM, to: L2, bytes_per_cycle: 64, latency_cycles: 20}
  - {from: L2, to: SPAD, bytes_per_cycle: 12, latency_cycles: 2}
  - {from: SPAD, to: DRAM, bytes_per_cycle: bus_bytes, via: bus}
  - {from: SPAD, to: pe, bytes_per_cycle: 16}
  - {from: pe, to: SPAD, bytes_per_cycle: 16}
"""


@pytest.fixture(scope="session")
def genesys() -> ACG:
    return load_arch("genesys")


@pytest.fixture(scope="session")
def hvx() -> ACG:
    return load_arch("hvx")


@pytest.fixture(scope="session")
def teaching() -> ACG:
    return load_arch("teaching")


@pytest.fixture(scope="session")
def mini() -> ACG:
    return loads_arch(MINI, source="mini.yaml")
