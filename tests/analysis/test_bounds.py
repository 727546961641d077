"""Ideal bounds derived by hand."""

from __future__ import annotations

import pytest

from covenant_lab.acg import loads_arch
from covenant_lab.analysis import Bound, efficiency, ideal_bound
from covenant_lab.codelets.ir import Access, Affine, Codelet, Const, Dim, Operand, Stage, Stmt
from covenant_lab.errors import MappingError, UsageError
from covenant_lab.types import DType, OpKind, Role

ARRAY = """
name: array
params: {bus: 64}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: bus, write_bytes_per_cycle: bus}
  BUF: {capacity_bytes: 65536, read_bytes_per_cycle: 1024, write_bytes_per_cycle: 1024}
communication:
  dma: {bytes_per_cycle: bus}
compute:
  pe:
    dims: {rows: 32, cols: 32}
    capabilities:
      - op: mac
        operands: {a: BUF, b: BUF, acc: BUF}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: stream + 64
  vec:
    dims: {lanes: 16}
    capabilities:
      - {op: relu, operands: {a: BUF, out: BUF}, dtypes: {a: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream}
      - {op: add, operands: {a: BUF, b: BUF, out: BUF}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream}
edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: bus, via: dma}
  - {from: BUF, to: DRAM, bytes_per_cycle: bus, via: dma}
  - {from: BUF, to: pe, bytes_per_cycle: 1024}
  - {from: pe, to: BUF, bytes_per_cycle: 1024}
  - {from: BUF, to: vec, bytes_per_cycle: 1024}
  - {from: vec, to: BUF, bytes_per_cycle: 1024}
"""

SPLIT = ARRAY.replace("via: dma}", "}")  # separate read and write paths, no shared bus


def _v(name: str) -> Affine:
    return Affine.of(name)


def _gemm(n: int, *, relu: bool = False) -> Codelet:
    f32 = DType.FLOAT32
    mac = Stmt(OpKind.MAC, Access("c", (_v("m"), _v("n"))),
               (Access("a", (_v("m"), _v("k"))), Access("b", (_v("k"), _v("n")))), Const(0.0))
    stages = [Stage(("m", "n", "k"), mac)]
    operands = [Operand("a", (n, n), f32, Role.INPUT), Operand("b", (n, n), f32, Role.WEIGHT)]
    if relu:
        stages.append(Stage(("m", "n"), Stmt(OpKind.RELU, Access("y", (_v("m"), _v("n"))),
                                              (Access("c", (_v("m"), _v("n"))),))))
        stages.append(Stage(("m", "n"), Stmt(OpKind.ADD, Access("y", (_v("m"), _v("n"))),
                                             (Access("y", (_v("m"), _v("n"))), Const(1.0)))))
        operands += [Operand("c", (n, n), f32, Role.TEMP), Operand("y", (n, n), f32, Role.OUTPUT)]
    else:
        operands.append(Operand("c", (n, n), f32, Role.OUTPUT))
    return Codelet("gemm", (Dim("m", n), Dim("n", n), Dim("k", n)), tuple(operands),
                   tuple(stages))


def test_gemm_on_a_32x32_array_behind_one_bus() -> None:
    b = ideal_bound(_gemm(64), loads_arch(ARRAY))
    # 64^3 MACs / 1024 per cycle; int8 a and b (4096 B each), int32 c (16384 B) on one 64 B bus
    assert b.compute_cycles == 256
    assert (b.read_bytes, b.write_bytes, b.compulsory_bytes) == (8192, 16384, 24576)
    assert b.memory_cycles == 384
    assert b.cycles == 384
    assert b.limit == "memory"


def test_cycles_are_a_whole_number_of_cycles() -> None:
    """The bound is a cycle count: the larger bound rounded up, an int (issue #13)."""
    b = ideal_bound(_gemm(64), loads_arch(ARRAY.replace("bus: 64", "bus: 5")))
    assert b.memory_cycles == pytest.approx(24576 / 5)  # 4915.2
    assert b.exact_cycles == b.memory_cycles
    assert b.cycles == 4916 and isinstance(b.cycles, int) and str(b.cycles) == "4916"
    assert Bound(256.0, 384.0000000001, 384.0000000001, 0).cycles == 384  # float noise


def test_separate_read_and_write_paths() -> None:
    b = ideal_bound(_gemm(64), loads_arch(SPLIT))
    # reads 8192 / 64 = 128, writes 16384 / 64 = 256: no shared comm node
    assert b.memory_cycles == 256
    assert b.cycles == 256


def test_compute_bound_with_a_wider_bus() -> None:
    b = ideal_bound(_gemm(64), loads_arch(ARRAY.replace("bus: 64", "bus: 256")))
    assert b.memory_cycles == 96
    assert (b.cycles, b.limit) == (256, "compute")


def test_stages_only_one_node_runs_add_up() -> None:
    b = ideal_bound(_gemm(64, relu=True), loads_arch(ARRAY.replace("bus: 64", "bus: 4096")))
    # relu and add (4096 elements each) only on vec at 16 per cycle: 256 + 256 = 512 > 256
    assert b.compute_cycles == 512
    # the TEMP c stays on chip; y is written as int32 (vec's out port)
    assert (b.read_bytes, b.write_bytes) == (8192, 16384)


def test_stage_without_provider() -> None:
    c = _gemm(8, relu=True)
    arch = loads_arch(ARRAY.replace(
        "      - {op: relu, operands: {a: BUF, out: BUF}, dtypes: {a: int32, out: int32},\n"
        "         spatial: {lanes: {requires: [out]}}, cycles: stream}\n", ""))
    with pytest.raises(MappingError, match=r"bound: no compute node of array performs 'relu' "
                                           r"\(stage 1 of gemm\)"):
        ideal_bound(c, arch)


def test_efficiency() -> None:
    b = Bound(256.0, 384.0, 384.0, 24576)
    assert efficiency(b, 512) == 0.75
    assert efficiency(100.0, 400) == 0.25
    with pytest.raises(UsageError, match="'simulated' to efficiency"):
        efficiency(b, 0)
