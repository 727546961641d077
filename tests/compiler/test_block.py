"""A window-only conv (depthwise) blocked for an array's rows and columns
(compiler/passes/block.py): chosen where it is cheaper, computing what ONNX computes, its
banded weights moved and counted, and the structural bound knowing it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from covenant_lab.acg import load_arch, loads_arch
from covenant_lab.analysis.structural import structural_bound
from covenant_lab.compiler import Constraints, compile, compile_model
from covenant_lab.compiler.passes.block import BlockWindows
from covenant_lab.frontends.onnx import Model, load
from covenant_lab.sim import Simulator
from covenant_lab.sim.compiled import simulate_model
from covenant_lab.suite import load_suite_layer
from tests.frontends.onnx._build import make_model

_RNG = np.random.default_rng(5)
_GENESYS = (Path(__file__).parents[2] / "archs" / "genesys.yaml").read_text(encoding="utf-8")
_PIPELINED = "        overhead_per: invocation"
assert _PIPELINED in _GENESYS
# the shipped file with the array's skew paid per pass, as before its loop nest was modelled
GENESYS_PER_PASS = loads_arch(
    "\n".join(line for line in _GENESYS.splitlines() if not line.startswith(_PIPELINED)))


def _depthwise(channels: int = 32, size: int = 16, stride: int = 1, *,
               relu6: bool = False) -> Model:
    """A MobileNet depthwise 3x3 conv with bias (and its ReLU6): [1, C, size, size] ->
    [1, C, size/stride, ..]."""
    clip = [helper.make_node("Clip", ["h", "lo", "hi"], ["y"], name="relu6")] if relu6 else []
    return load(make_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["h" if relu6 else "y"], name="dw",
                          group=channels, pads=[1, 1, 1, 1], strides=[stride, stride]),
         *clip],
        {"x": (1, channels, size, size)}, ["y"],
        {"w": _RNG.standard_normal((channels, 1, 3, 3)).astype(np.float32),
         "b": _RNG.standard_normal(channels).astype(np.float32),
         **({"lo": np.float32(0.0), "hi": np.float32(6.0)} if relu6 else {})}))


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("arch", ["genesys", "hvx", "teaching"])
def test_programs_compute_the_onnx_reference(arch: str, stride: int) -> None:
    result = compile_model(_depthwise(stride=stride), arch)
    assert not result.failed
    rows = simulate_model(result, check=True)
    assert [r.check for r in rows] == ["pass"], [r.message for r in rows]


def test_genesys_blocks_the_depthwise_conv_onto_its_array() -> None:
    """4 x 8 outputs on the 32 columns, their 6 x 10 window on the rows (60 in two folds).
    The band of one channel is 6 * 10 * 4 * 8 = 1,920 int8 weights, moved once: 61,440
    bytes for 32 channels, where the layer's own weights are 288. Its passes (one per
    channel) run back to back in the array's loop nest, so per channel the 8 x 4 = 32 blocks
    cost 2 folds x 33 = 66 cycles, where 2 channels x 4 x 4 (a 2 x 6 x 6 window: 72 rows in
    three folds, 8 x 8 = 64 blocks) cost 3 x 65 / 2 = 97.5."""
    (layer,) = _depthwise(size=32).layers
    result = compile(layer, "genesys")
    step = result.passes[0]
    assert step == BlockWindows(0, (("oh", 4), ("ow", 8)))
    assert result.capabilities == ("pe_array.mac",)
    spatial = result.mapping.spatial[0]
    assert set(spatial.loops_on("cols")) == {"oh_pos", "ow_pos"}
    assert spatial.loops_on("rows") == ("kh_win", "kw_win")
    assert result.codelet.operand("w_band").shape == (32, 6, 10, 4, 8)
    assert result.log[0].name == "block"
    assert "the weights as a band" in result.decisions[0].words
    assert "no stage blocked" in result.decisions[0].text()  # what it beat: as written
    sim = Simulator(result.program, result.arch).run()
    moved = {str(e): n for e, n in sim.bytes_moved().items()}
    assert moved["DRAM->WBUF"] == 32 * 1920
    assert result.source.operand("w").nbytes == 32 * 9 * 4  # float32 in the model
    assert abs(result.estimate.cycles / sim.total_cycles - 1) < 0.03


def test_where_every_pass_pays_the_skew_channels_share_a_block() -> None:
    """The same conv on genesys with the skew paid per pass (``overhead_per: pass``): then 2
    channels x 4 x 4 outputs (72 window rows in three folds, the band diagonal in the
    channels: each output reads only its own channel's window) beat one channel per block,
    as two channels per weight load halve the passes: the array takes (3 x 65 + 62) / 2 =
    128.5 cycles per channel against 2 x 33 + 62 = 128 for 4 x 8, and the band is smaller:
    2 * 6 * 6 * 2 * 4 * 4 = 2,304 int8 weights per 2 channels, 36,864 bytes for 32 channels
    (61,440 for 4 x 8) on the one AXI port."""
    (layer,) = _depthwise(size=32).layers
    result = compile(layer, GENESYS_PER_PASS, divide=False)  # the array's blocks alone
    assert result.passes[0] == BlockWindows(0, (("g", 2), ("oh", 4), ("ow", 4)))
    spatial = result.mapping.spatial[0]
    assert set(spatial.loops_on("cols")) == {"g_pos", "oh_pos", "ow_pos"}
    assert spatial.loops_on("rows") == ("g_win", "kh_win", "kw_win")
    assert result.codelet.operand("w_band").shape == (16, 2, 6, 6, 2, 4, 4)
    sim = Simulator(result.program, result.arch).run()
    moved = {str(e): n for e, n in sim.bytes_moved().items()}
    assert moved["DRAM->WBUF"] == 16 * 2304
    assert abs(result.estimate.cycles / sim.total_cycles - 1) < 0.03


def test_a_fused_relu6_follows_the_blocks() -> None:
    """The clip's loops are split like the conv's (oh -> 4 * oh_blk + oh_pos, ow -> 8 *
    ow_blk + ow_pos), so the group stays fused: the SIMD unit clips each block's
    accumulators from the OBUF, and nothing goes back to DRAM in between."""
    result = compile_model(_depthwise(size=32, relu6=True), "genesys")
    (unit,) = result.layers
    assert unit.name == "dw+relu6"
    assert isinstance(unit.result.passes[0], BlockWindows)
    assert len(unit.result.mapping.groups) == 1
    clip = unit.result.codelet.stages[1]
    assert clip.loops == ("n", "g", "oh_blk", "oh_pos", "ow_blk", "ow_pos")
    rows = simulate_model(result, check=True)
    assert [r.check for r in rows] == ["pass"], [r.message for r in rows]


def test_where_the_vector_unit_is_cheaper_the_conv_stays_as_written() -> None:
    (layer,) = _depthwise(size=32).layers
    hvx = compile(layer, "hvx")
    assert not any(isinstance(p, BlockWindows) for p in hvx.passes)
    pinned = compile(layer, "genesys", Constraints.of(capability={0: "simd"}))
    assert not any(isinstance(p, BlockWindows) for p in pinned.passes)
    assert pinned.capabilities == ("simd.macc",)


def test_the_bench_layer_is_measured_against_the_layer_as_given() -> None:
    """The blocked codelet multiplies by the band's zeros too (60 of 9 taps per output); the
    layer's work and bounds stay the depthwise conv's."""
    (layer,) = load_suite_layer("mobilenetv2_dw")
    result = compile(layer, "genesys")
    assert result.source is layer.codelet
    assert result.source.operations == 144 * 56 * 56 * 9
    assert result.codelet.operations == 144 * 56 * 56 * 60


@pytest.mark.parametrize(("params", "cycles"), [
    # 32x32, one AXI port for everything: the layer moves 2,259,792 bytes, 1,296 of them
    # weights (35,309.25 cycles); 4,064,256 MACs. Blocks of 4 x 7 outputs (6 x 9 = 54 rows
    # in 2 folds, 28 columns): 144 * 3136 * 54 / (1024 * 54/64 * 28/32) = 32,256 cycles and
    # a band of 144 * 54 * 28 = 217,728 bytes: (2,258,496 + 217,728) / 64 = 38,691 of
    # memory. Blocks of 2 x 4 (24 of 32 rows, 8 columns, 72 useful MACs a cycle): 56,448
    # cycles, a band of 144 * 24 * 8 bytes: 35,721 of memory. The SIMD: 127,008 cycles,
    # moving x, w and y as int32 words (its ports' type): 3,617,856 bytes, 56,529 cycles of
    # memory, so it takes no part. The array's two forms on separate channels, the array as
    # busy as the memory:  56,448 a + 32,256 b = T = 35,309.25 + 411.75 a + 3,381.75 b,
    # a + b = 1  ->  a = 6,435 / 27,162,  T = 37,987.4
    ({}, 37_988),
    # 16x16: a 4 x 4 block, a 6 x 6 window in 3 folds of 16 rows (36 of 48): 48 useful MACs
    # a cycle, and the SIMD's 16 lanes 16 more on other channels: 4,064,256 / 64 = 63,504
    ({"rows": 16, "cols": 16}, 63_504),
])
def test_the_structural_bound_counts_blocking(params: dict[str, int], cycles: int) -> None:
    (layer,) = load_suite_layer("mobilenetv2_dw")
    acg = load_arch("genesys", params=params or None)
    assert structural_bound(layer.codelet, acg).bound.cycles == cycles
