"""The shared machine's PE registers and its three array capabilities (``ws``, ``os``, ``os_g``):
cycles and energy per level derived by hand on small layers, and every mapping the compiler
produces there computes what the interpreter computes."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.bench.zigzag_energy import LevelFigures, ours_energy
from covenant_lab.bench.zigzag_layers import SharedLayer
from covenant_lab.bench.zigzag_machine import shared_machine
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.library import constants, matmul
from covenant_lab.compiler import Compute, Constraints, compile
from covenant_lab.compiler.passes.block import BlockWindows
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator

SKEW = 32 + 32 - 2  # rows + cols - 2 on 32 x 32


def _on(capability: str, **tiles: tuple[int, int]) -> Constraints:
    return Constraints.of(capability={0: f"array.{capability}"}, tiles=tiles or None)


def test_the_file_has_the_registers_and_three_capabilities():
    acg = shared_machine(0)
    regs = {s.name: (s.private_to, s.capacity_bytes) for s in acg.storage_nodes if s.private_to}
    assert regs == {"W_REG": ("array", 1), "O_REG": ("array", 2)}
    caps = {c.label: str(c.cycles).replace(" ", "") for c in acg.compute("array").capabilities}
    assert caps == {"ws": f"stream+{SKEW}", "os": f"stream+{SKEW}",
                    "os_g": f"max(stream,elems/32)+{SKEW}"}
    zz = {c.label: str(c.cycles).replace(" ", "")
          for c in shared_machine(1).compute("array").capabilities}
    assert zz["ws"] in ("stream", "stream+0") and zz["os_g"].startswith("max(stream,elems/32)")
    assert shared_machine(0, 1).storage("IFMAP").buffering == 1
    with pytest.raises(UsageError, match="sram_buffering must be 1 or 2"):
        shared_machine(0, 3)


def test_ws_timing_of_a_tiny_gemm_pays_the_weight_fill_per_fold():
    # y[16, 48] = a[16, 64] @ b[64, 48]: k = 64 on the rows (2 folds of 32), n = 48 on the
    # columns (32 + 16), m = 16 streams. a (1024 B) and b (3072 B) load on their own 16 B/cycle
    # ports: the array waits for b, 192 cycles. Each fold fills its W_REGs from FILTER at
    # 32 B/cycle (1024 B: 32 cycles, 512 B: 16) and then streams 16 pixels (+ the skew, ours).
    # Ours: one W_REG per PE, fill and compute alternate. ZigZag's timing: a shadow W_REG, the
    # fills run back to back on the FILTER -> W_REG edge (done at 192 + 32, 64, 80, 96) and each
    # fold computes once its fill is done and the one before it finished: 224-240, 256-272,
    # 272-288, 288-304. The int8 store: 768 B, 48 cycles; ours stores y's first 32 columns
    # (512 B, 32 cycles) while the second block of columns computes, so 256 B (16) are left.
    fills = 32 + 32 + 16 + 16
    expected = {0: 192 + fills + 4 * (16 + SKEW) + 16, 1: 192 + fills + 16 + 48}
    assert expected == {0: 616, 1: 352}
    for skew_once, total in expected.items():
        acg = shared_machine(skew_once)
        result = compile(matmul((16, 64), (64, 48), name="tiny"), acg,
                         _on("ws", m=(16, 16), k=(64, 32), n=(48, 32)))
        computes = [i for i in result.program.instrs if isinstance(i, Compute)]
        assert [c.cycles for c in computes] == [16 + SKEW * (1 - skew_once)] * 4
        assert Simulator(result.program, acg).total_cycles == total


def test_os_timing_of_a_tiny_gemm_pays_the_drain_per_output_tile():
    # y[32, 32] = a[32, 64] @ b[64, 32] as one output tile: m on the rows, n on the columns,
    # k = 64 streams while the partial sums stay in O_REG. a and b (2048 B each) load in
    # parallel: 128 cycles; the array 64 (+ the skew, ours); the drain O_REG -> OFMAP of 1024
    # int8 outputs at 64 B/cycle: 16; the store at 16 B/cycle: 64.
    expected = {0: 128 + 64 + SKEW + 16 + 64, 1: 128 + 64 + 16 + 64}
    assert expected == {0: 334, 1: 272}
    for skew_once, total in expected.items():
        acg = shared_machine(skew_once)
        result = compile(matmul((32, 64), (64, 32), name="tiny"), acg,
                         _on("os", m=(32, 32), k=(64, 64), n=(32, 32)))
        (mac,) = [i for i in result.program.instrs if isinstance(i, Compute)]
        assert mac.cycles == 64 + SKEW * (1 - skew_once)
        assert Simulator(result.program, acg).total_cycles == total


def test_os_g_is_bound_by_the_ifmap_port_one_input_per_pe():
    # depthwise 3x3, 32 channels, 4 x 8 pixels, pad 1: the 32 pixels on the rows, the 32
    # groups on the columns; every PE needs its own input each cycle (no input register), so
    # one fold of 9 taps x 1024 PEs moves 9216 inputs through the 32 B/cycle ifmap port: 288
    # cycles, not 9. Loads: x 1024 B at 16 B/cycle (64), w 288 B (18, in parallel); the drain
    # of 1024 int8 outputs 16, their store 64.
    dw = SharedLayer("dw", "", "Conv", (1, 32, 4, 8), (32, 1, 3, 3), (1, 32, 4, 8), 1, 1, 32)
    acg = shared_machine(0)
    result = compile(dw.layer(), acg, _on("os_g"))
    (mac,) = [i for i in result.program.instrs if isinstance(i, Compute)]
    assert dict(mac.params)["used_rows"] == 32 and dict(mac.params)["used_cols"] == 32
    assert mac.cycles == 9 * 1024 // 32 + SKEW == 350
    assert Simulator(result.program, acg).total_cycles == 64 + 350 + 16 + 64


def test_os_energy_per_level_of_a_tiny_gemm():
    # the same one-tile gemm on os: every byte crosses DRAM once; IFMAP and FILTER are each
    # read once per element (a row of PEs shares an input, a column a weight); O_REG is
    # written by each of the 65,536 MACs and read by each but the first of every output
    # (64,512), 2 bytes each, and read once more by the drain; OFMAP sees the 1024 int8 outputs
    # once each way. ZigZag counts its o_reg the same: MACs written, MACs - outputs read to the
    # array, outputs read to the SRAM.
    acg = shared_machine(0)
    result = compile(matmul((32, 64), (64, 32), name="tiny"), acg,
                     _on("os", m=(32, 32), k=(64, 64), n=(32, 32)))
    sim = Simulator(result.program, acg).run()
    mine = ours_energy(sim.energy(), sim.total_cycles)
    macs, outs = 32 * 64 * 32, 32 * 32
    assert mine.levels == {
        ("dram", "I"): LevelFigures(2048, 0, 2048 * 43.75),
        ("dram", "W"): LevelFigures(2048, 0, 2048 * 43.75),
        ("dram", "O"): LevelFigures(0, outs, outs * 46.875),
        ("ifmap_sram", "I"): LevelFigures(2048, 2048, pytest.approx(2048 * 0.8 + 2048 * 0.88)),
        ("filter_sram", "W"): LevelFigures(2048, 2048, pytest.approx(2048 * 0.8 + 2048 * 0.88)),
        ("o_reg", "O"): LevelFigures(2 * (macs - outs + outs), 2 * macs,
                                     pytest.approx(2 * (2 * macs) * 0.0105)),
        ("ofmap_sram", "O"): LevelFigures(outs, outs, pytest.approx(outs * (0.8 + 0.88))),
    }
    assert mine.mac_pj == pytest.approx(macs * 0.04)
    assert mine.register_pj == pytest.approx(2 * 2 * macs * 0.0105)
    assert mine.like_for_like_pj == pytest.approx(mine.total_pj)


def test_ws_energy_charges_the_weight_registers():
    # the tiny ws gemm above: each of the 3072 weights is written into a W_REG once and read
    # by each of its 16 MACs (49,152 reads); the int16 partial sums cross OFMAP per row fold
    acg = shared_machine(0)
    result = compile(matmul((16, 64), (64, 48), name="tiny"), acg,
                     _on("ws", m=(16, 16), k=(64, 32), n=(48, 32)))
    sim = Simulator(result.program, acg).run()
    mine = ours_energy(sim.energy(), sim.total_cycles)
    macs = 16 * 64 * 48
    assert mine.levels[("w_reg", "W")] == LevelFigures(
        macs, 3072, pytest.approx((macs + 3072) * 0.021))
    assert mine.levels[("filter_sram", "W")] == LevelFigures(
        3072, 3072, pytest.approx(3072 * (0.8 + 0.88)))
    # psums: the array writes 16 x 48 x 2 B per row fold (2), reads them back on the second;
    # the store reads the int16 result once more
    psums = 16 * 48 * 2
    assert mine.levels[("ofmap_sram", "O")] == LevelFigures(
        psums + psums, 2 * psums, pytest.approx(2 * psums * 0.8 + 2 * psums * 0.88))


SMALL = (
    SharedLayer("conv3x3", "", "Conv", (1, 16, 10, 10), (40, 16, 3, 3), (1, 40, 10, 10), 1, 1),
    SharedLayer("conv1x1", "", "Conv", (1, 24, 9, 9), (48, 24, 1, 1), (1, 48, 9, 9)),
    SharedLayer("conv3x3s2", "", "Conv", (1, 8, 11, 11), (36, 8, 3, 3), (1, 36, 6, 6), 2, 1),
    SharedLayer("gemm", "", "MatMul", (40, 72), (72, 36), (40, 36)),
    SharedLayer("fc", "", "Gemm", (1, 100), (100, 40), (1, 40)),
    SharedLayer("dw3x3", "", "Conv", (1, 40, 9, 9), (40, 1, 3, 3), (1, 40, 9, 9), 1, 1, 40),
)
# the free search on both timings (its mapping changes with them); each capability forced once
_CASES = [(x, cap, s) for x in SMALL for cap in (None, "ws", "os", "os_g") for s in (0, 1)
          if (cap != "os_g" or x.group > 1) and (cap is None or s == 0)]


@pytest.mark.parametrize(("layer", "capability", "skew_once"), _CASES,
                         ids=[f"{x.name}-{c or 'free'}-{s}" for x, c, s in _CASES])
def test_every_mapping_computes_what_the_interpreter_computes(layer, capability, skew_once):
    acg = shared_machine(skew_once)
    front = layer.layer()
    cons = Constraints.of(capability={0: f"array.{capability}"}) if capability else None
    result = compile(front, acg, cons)
    used = {i.capability for i in result.program.instrs if isinstance(i, Compute)}
    assert used == {capability} if capability else used <= {"ws", "os", "os_g"}
    codelet = front.codelet
    rng = np.random.default_rng(0)
    inputs = {o.name: rng.standard_normal(o.shape) for o in codelet.inputs}
    inputs.update(constants(codelet))
    sim = Simulator(result.program, acg, inputs).run()
    sim.check(interpret(codelet, inputs), layer=layer.name)
    ops = sum(c.operations for c in result.program.instrs if isinstance(c, Compute))
    assert ops == result.codelet.operations and result.source.operations == layer.macs
    if ops != layer.macs:  # blocked (compiler/passes/block.py): the band's zeros multiply too
        assert isinstance(result.passes[0], BlockWindows) and ops > layer.macs
