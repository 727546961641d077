"""Energy beside ZigZag (issue #15): our per-level figures come from the simulator's energy
events, ZigZag's from its cost model, grouped the same way; hand-derived numbers."""

from __future__ import annotations

import pytest

from covenant_lab.bench.zigzag_energy import LevelFigures, ours_energy, zigzag_energy
from covenant_lab.bench.zigzag_layers import LAYERS
from covenant_lab.bench.zigzag_machine import shared_machine
from covenant_lab.compiler import Constraints, compile
from covenant_lab.sim import Simulator

GEMM = next(x for x in LAYERS if x.name == "gemm256")  # 256 x 256 x 256, int8 in, int8 out


def test_our_figures_per_level_are_bytes_times_the_shared_per_byte_energies() -> None:
    acg = shared_machine(0)
    # whole k and n on chip, m in 4 tiles of 64: each operand crosses DRAM exactly once
    result = compile(GEMM.layer(), acg, Constraints.of(tiles={"m": 64, "k": 256, "n": 256}))
    sim = Simulator(result.program, acg).run()
    mine = ours_energy(sim.energy(), sim.total_cycles)
    kib64 = 256 * 256  # bytes of each int8 operand
    assert mine.levels[("dram", "I")] == LevelFigures(kib64, 0, kib64 * 43.75)
    assert mine.levels[("dram", "W")] == LevelFigures(kib64, 0, kib64 * 43.75)
    assert mine.levels[("dram", "O")] == LevelFigures(0, kib64, kib64 * 46.875)
    ifmap = mine.levels[("ifmap_sram", "I")]
    assert ifmap.write_bytes == kib64 and ifmap.pj == pytest.approx(
        ifmap.read_bytes * 0.8 + kib64 * 0.88)
    assert mine.mac_pj == pytest.approx(256**3 * 0.04)
    # the shared machine charges nothing but memory accesses and MACs, as ZigZag does
    assert mine.register_pj == 0 and mine.like_for_like_pj == pytest.approx(mine.total_pj)


def test_zigzag_records_become_bytes_per_level_with_registers_apart() -> None:
    def level(memory: str, operand: str, elements: dict[str, float], bits: dict[str, int],
              energy: dict[str, float]) -> dict[str, object]:
        return {"memory": memory, "operand": operand, "elements": elements, "bits": bits,
                "energy_pj": energy}

    record = {"cycles": 100.0, "energy_pj": 1000.0, "mac_energy_pj": 40.0, "levels": [
        level("w_reg", "W", {"wr_in_by_high": 10, "rd_out_to_low": 10},
              {"wr_in_by_high": 8, "rd_out_to_low": 8},
              {"wr_in_by_high": 0.2, "rd_out_to_low": 0.2}),
        level("ofmap_sram", "O", {"wr_in_by_low": 64, "rd_out_to_high": 64},
              {"wr_in_by_low": 16, "rd_out_to_high": 8},
              {"wr_in_by_low": 112.64, "rd_out_to_high": 51.2}),
    ]}
    z = zigzag_energy(record)
    assert z.register_pj == pytest.approx(0.4)
    assert z.levels == {("ofmap_sram", "O"): LevelFigures(64.0, 128.0, 163.84)}
    assert z.like_for_like_pj == pytest.approx(163.84 + 40.0)
