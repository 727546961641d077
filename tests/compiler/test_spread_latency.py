"""A move of a tile that stays for several innermost tiles is played as its share of each
(``compiler/overlap.py``), and so is its latency: the whole move runs ahead of the tiles that
read it, so the latency is paid once per move, not once per innermost tile."""

from __future__ import annotations

from covenant_lab.acg import load_arch
from covenant_lab.compiler import compile
from covenant_lab.compiler.issue_order import Slot
from covenant_lab.compiler.model import fused
from covenant_lab.compiler.overlap import Step, compute_span
from covenant_lab.frontends.onnx import load
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


def test_hvx_pointwise_conv_with_its_clip_is_estimated_as_simulated() -> None:
    # MobileNetV2 features.2.conv.0 + ReLU6 (16 -> 96 channels on 112 x 112) on HVX, whose DMA
    # has 100 cycles of latency: the search's mapping (the conv's output handed to the ALU in
    # two copies, each VTCM tile of x held for 98 innermost tiles) simulates in 153,395 cycles
    # and was estimated at 274,423 when every share of a move paid the latency, so the search
    # kept a mapping of 197,364 cycles instead
    model = load(BUILDERS["mobilenetv2"]())
    layers = [la for la in model.layers
              if la.name in ("features.2.conv.0", "features.2.conv.0.clip")]
    layer = fused(layers)
    assert layer is not None
    acg = load_arch("hvx")
    result = compile(layer, acg)
    simulated = Simulator(result.program, acg).total_cycles
    assert simulated < 160_000
    assert abs(result.estimate.cycles / simulated - 1) < 0.02
