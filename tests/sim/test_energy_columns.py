"""Energy columns of a layer (storages, compute, moves, static), compact reports, units."""

from __future__ import annotations

import math

import pytest

import covenant_lab as cl
from covenant_lab.acg import load_arch
from covenant_lab.codelets.library.gemm import gemm
from covenant_lab.sim import Action, Simulator
from covenant_lab.sim.energy_columns import (
    ColumnKind,
    energy_columns,
    energy_row,
    energy_unit,
    format_pj,
    operations,
)


@pytest.fixture(scope="module")
def teaching_gemm() -> Simulator:
    arch = load_arch("teaching")
    return Simulator(cl.compile(gemm((4, 4), (4, 4)), arch).program, arch).run()


def test_columns_of_genesys_put_dram_first_then_storages_compute_moves_static() -> None:
    cols = energy_columns(load_arch("genesys"))
    assert [c.name for c in cols] == ["DRAM", "IBUF", "WBUF", "BBUF", "OBUF", "VMEM1",
                                      "VMEM2", "IMM", "pe_array", "simd", "moves", "static"]
    assert [c.kind for c in cols[-4:]] == [ColumnKind.COMPUTE, ColumnKind.COMPUTE,
                                           ColumnKind.MOVES, ColumnKind.STATIC]


def test_row_of_the_hand_derived_gemm(teaching_gemm: Simulator) -> None:
    report = teaching_gemm.energy()
    row = {c.name: pj for c, pj in energy_row(report, energy_columns(teaching_gemm.acg)).items()}
    # access energy per storage; static power (busy 28, idle 6, leakage 26) in its own column
    assert row == {"DRAM": 24000, "SPAD": 384, "mac_array": pytest.approx(28.8),
                   "vector": 0, "moves": 96, "static": 60}
    assert math.fsum(row.values()) == pytest.approx(report.total_pj, rel=1e-12)
    assert operations(report) == 64


def test_compact_keeps_every_grouping(teaching_gemm: Simulator) -> None:
    full = teaching_gemm.energy()
    small = full.compact()
    assert small.total_pj == full.total_pj
    assert len(small.parts) < len(full.parts)
    assert len({(p.component, p.action, p.operand) for p in small.parts}) == len(small.parts)
    assert small.by_component == pytest.approx(full.by_component, rel=1e-12)
    assert small.by_operand == pytest.approx(full.by_operand, rel=1e-12)
    assert small.breakdown[("DRAM", Action.READ)] == (32, 8000)


@pytest.mark.parametrize(
    ("pj", "unit", "text"),
    [(0.25, "pJ", "0.25 pJ"), (24568.8, "nJ", "24.6 nJ"), (999.4, "pJ", "999 pJ"),
     (3.2e6, "uJ", "3.20 uJ"), (1.5e10, "mJ", "15.0 mJ"), (0.0, "pJ", "0 pJ")],
)
def test_units_read_one_to_999(pj: float, unit: str, text: str) -> None:
    assert energy_unit(pj)[0] == unit
    assert format_pj(pj) == text
