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
    # n outer in 2 tiles of 128, m inner in 4 tiles of 64, k whole: each 32 KiB weight tile
    # crosses DRAM once (64 KiB), each 16 KiB input tile once per (n, m) tile (8 x 16 KiB), the
    # int8 output once (64 KiB; its int16 partial sums never leave OFMAP)
    # on ws, each invocation one fold: 32 x 32 weights in the W_REGs
    result = compile(GEMM.layer(), acg, Constraints.of(
        tiles={"m": (64, 64), "k": (256, 32), "n": (128, 32)}, order=("n", "m", "k"),
        capability={0: "array.ws"}))
    sim = Simulator(result.program, acg).run()
    mine = ours_energy(sim.energy(), sim.total_cycles)
    kib = 1024
    assert mine.levels[("dram", "W")] == LevelFigures(64 * kib, 0, 64 * kib * 43.75)
    assert mine.levels[("dram", "I")] == LevelFigures(128 * kib, 0, 128 * kib * 43.75)
    assert mine.levels[("dram", "O")] == LevelFigures(0, 64 * kib, 64 * kib * 46.875)
    # the array: 8 (n, m) tiles, each m=64 x k=256 x n=128 in 8 row folds (k) x 4 column
    # folds (n), one invocation each; every fold streams its 64 x 32 inputs again, loads its 32 x 32
    # weights, and reads and writes its 64 x 32 int16 partial sums (no read on the first fold
    # of k: the invocation starts from init)
    assert mine.levels[("ifmap_sram", "I")] == LevelFigures(
        8 * 32 * 64 * 32, 128 * kib, pytest.approx(8 * 32 * 64 * 32 * 0.8 + 128 * kib * 0.88))
    assert mine.levels[("filter_sram", "W")].read_bytes == 8 * 32 * 32 * 32
    writes = 8 * 32 * 64 * 32 * 2
    first = 8 * 4 * 64 * 32 * 2  # the first k fold of every column fold
    store = 256 * 256 * 2  # read once more, as int16, by the stores to DRAM
    assert mine.levels[("ofmap_sram", "O")] == LevelFigures(
        writes - first + store, writes, pytest.approx((writes - first + store) * 0.8
                                                      + writes * 0.88))
    # each weight written into a W_REG once per (n, m) tile, read by each of its 64 MACs
    assert mine.levels[("w_reg", "W")] == LevelFigures(
        256**3, 8 * 32 * 32 * 32, pytest.approx((256**3 + 8 * 32 * 32 * 32) * 0.021))
    assert mine.mac_pj == pytest.approx(256**3 * 0.04)
    # the shared machine charges nothing but memory and register accesses and MACs, as ZigZag
    assert mine.register_pj == pytest.approx(mine.levels[("w_reg", "W")].pj)
    assert mine.like_for_like_pj == pytest.approx(mine.total_pj)


def test_zigzag_records_become_bytes_per_level_registers_included() -> None:
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
    assert z.levels == {("w_reg", "W"): LevelFigures(10.0, 10.0, pytest.approx(0.4)),
                        ("ofmap_sram", "O"): LevelFigures(64.0, 128.0, 163.84)}
    assert z.memories_pj == pytest.approx(163.84 + 40.0)
    assert z.like_for_like_pj == pytest.approx(163.84 + 0.4 + 40.0)


@pytest.mark.oracle
def test_beside_zigzag_the_data_both_must_move_agree_and_each_energy_objective_helps() -> None:
    from covenant_lab.bench import zigzag as zz
    from covenant_lab.bench.zigzag_energy import energy_rows

    python = zz.oracles_python()
    if python is None:
        pytest.skip("no interpreter with zigzag-dse: run `make oracles`")
    layers = [x for x in LAYERS if x.name in zz.ENERGY_LAYERS]
    run = zz.run_zigzag(layers, python=python, energy=True)
    assert not run.note, run.note
    rows = energy_rows(layers, shared_machine(0),
                       {"latency": run.layers, "energy": run.energy_optimal})
    by = {(r["layer"], r["objective"]): r for r in rows}
    for layer in layers:
        for objective in ("latency", "energy"):
            row = by[(layer.name, objective)]
            ours, theirs = row["ours"].levels, row["zigzag"].levels
            # every output is written to DRAM once, in int8, by both tools' mappings
            assert ours[("dram", "O")].write_bytes == theirs[("dram", "O")].write_bytes
            assert ours[("dram", "O")].pj == pytest.approx(theirs[("dram", "O")].pj)
            ours, theirs = row["ours"], row["zigzag"]
            assert ours.mac_pj == pytest.approx(theirs.mac_pj)
        # each tool's energy objective does not cost more energy than its latency objective
        assert by[(layer.name, "energy")]["ours"].total_pj <= \
            by[(layer.name, "latency")]["ours"].total_pj
        assert by[(layer.name, "energy")]["zigzag"].total_pj <= \
            by[(layer.name, "latency")]["zigzag"].total_pj * (1 + 1e-9)
