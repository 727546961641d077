"""Moves of a tile that stays for several innermost tiles (an outer level's): lowering issues
such a load one of its own tiles ahead (``compiler/issue.py``), from the first innermost tile
of the tile before; the overlap schedule plays it as its share of each innermost tile
(``compiler/overlap.py``), and its latency too, paid once per move."""

from __future__ import annotations

from covenant_lab.acg import load_arch
from covenant_lab.compiler import compile
from covenant_lab.compiler.issue_order import Slot
from covenant_lab.compiler.model import fused
from covenant_lab.compiler.overlap import Step, compute_span
from covenant_lab.compiler.program import Compute, Transfer
from covenant_lab.frontends.onnx import load
from covenant_lab.frontends.onnx.model import Layer
from covenant_lab.models import BUILDERS
from covenant_lab.sim.simulator import Simulator


def test_a_spread_move_pays_its_latency_once_by_hand() -> None:
    # x's tile (40 cycles to move, 100 of latency, two copies) stays for 4 innermost tiles of
    # 5 cycles each: the program loads it once, waits 100, then runs the 4 tiles back to back:
    # 40 + 100 + 4 x 5 = 160. Paying the latency on each share (10 cycles a tile) would
    # hold every tile after the first for it: 175.
    x = Slot("x", 1)
    steps = [Step("dma", 40, 10, 100, (), x, load=True, every=4),
             Step("unit", 5, 5, 0, (x,), None)]
    assert compute_span(steps, {x: 2}, 4) == 160


def _fused(*names: str) -> Layer:
    model = load(BUILDERS["mobilenetv2"]())
    layer = fused([la for la in model.layers if la.name in names])
    assert layer is not None
    return layer


def test_an_outer_tile_is_loaded_from_the_first_tile_of_the_one_before() -> None:
    # MobileNetV2 features.15.conv.1 + ReLU6 (960 channels, 7 x 7, depthwise) on HVX: VTCM
    # tiles of 64 channels x 7 x 7, each under 7 VRF tiles of one row. The x tile of VTCM
    # tile j + 1 is loaded before the second invocation of VTCM tile j, not after the store
    # of tile j - 1, which waits for the end of that tile's clip on the in-order DMA: the
    # layer takes 5,248 cycles (6,166 with the load one innermost tile ahead)
    acg = load_arch("hvx")
    result = compile(_fused("features.15.conv.1", "features.15.conv.1.clip"), acg)
    instrs = result.program.instrs
    loads = [i for i, ins in enumerate(instrs) if isinstance(ins, Transfer)
             and ins.kind == "load" and ins.src.operand == "x" and ins.src.storage.off_chip]
    macs = [i for i, ins in enumerate(instrs) if isinstance(ins, Compute)
            and ins.node.name == "hvx"]
    assert len(loads) == 15 and len(macs) == 15 * 7
    assert all(loads[j + 1] < macs[7 * j + 1] for j in range(14))
    simulated = Simulator(result.program, acg).total_cycles
    assert simulated <= 5_300
    assert abs(result.estimate.cycles / simulated - 1) < 0.03


def test_hvx_pointwise_conv_with_its_clip_is_estimated_as_simulated() -> None:
    # MobileNetV2 features.2.conv.0 + ReLU6 (16 -> 96 channels on 112 x 112) on HVX, whose DMA
    # has 100 cycles of latency: the search's mapping (the conv's output handed to the ALU in
    # two copies, each VTCM tile of x held for 98 innermost tiles) simulates in 153,395 cycles
    # and was estimated at 274,423 when every share of a move paid the latency, so the search
    # kept a mapping of 197,364 cycles instead
    acg = load_arch("hvx")
    result = compile(_fused("features.2.conv.0", "features.2.conv.0.clip"), acg)
    simulated = Simulator(result.program, acg).total_cycles
    assert simulated < 160_000
    assert abs(result.estimate.cycles / simulated - 1) < 0.02
