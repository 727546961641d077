"""Operands whose data path is shorter than their group's: where their outermost storage sits.

On the shared 32x32 machine's output-stationary capability the partial sums take two levels
(O_REG, OFMAP) and the inputs and weights one (IFMAP, FILTER). By default a short operand sits
at the innermost level, so its SRAM tile would be refilled from DRAM for every 32 x 32 output
tile; the search also tries them at the outer level, where one SRAM tile serves many."""

from __future__ import annotations

from covenant_lab.bench.zigzag_layers import SharedLayer
from covenant_lab.bench.zigzag_machine import shared_machine
from covenant_lab.codelets.library import matmul
from covenant_lab.compiler import Constraints, compile
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.passes.fuse import FuseStages
from covenant_lab.compiler.passes.match import MatchCapabilities
from covenant_lab.compiler.passes.place import PlaceOperands
from covenant_lab.compiler.search import level_choices
from covenant_lab.sim import Simulator


def test_two_short_operands_are_also_tried_at_the_outer_level():
    acg = shared_machine(0)
    m = Mapping(matmul((64, 64), (64, 64)))
    for p in (MatchCapabilities((), ((0, "array.os"),)), FuseStages(True)):
        m = p.run(m, acg)
    placed = PlaceOperands().run(m, acg)
    (group,) = placed.groups
    assert group.levels == 2
    assert {p.operand: p.first_level for p in group.placements} == {"a": 2, "b": 2, "y": 1}
    assert level_choices(placed) == [(), ((0, "a", 1), (0, "b", 1))]


def test_the_inputs_then_cross_dram_once():
    # conv 3x3, 16 -> 64 channels, 16 x 16 pixels on os: 64 output tiles of 32 pixels x 32
    # channels; with the input tile at the inner level each would fetch its own halo
    conv = SharedLayer("c", "", "Conv", (1, 16, 16, 16), (64, 16, 3, 3), (1, 64, 16, 16), 1, 1)
    acg = shared_machine(0)
    result = compile(conv.layer(), acg, Constraints.of(capability={0: "array.os"}),
                     objective="energy")
    sim = Simulator(result.program, acg).run()
    dram_in = sum(p.amount for p in sim.energy().parts
                  if p.component == "DRAM" and p.operand == "x")
    assert dram_in == 16 * 16 * 16
