"""Operands whose data path is shorter than their group's: where their outermost storage sits.

On the shared 32x32 machine's output-stationary capability the partial sums take two levels
(O_REG, OFMAP) and the inputs and weights one (IFMAP, FILTER). By default a short operand sits
at the innermost level, so its SRAM tile would be refilled from DRAM for every 32 x 32 output
tile; the search also tries them at the outer level, where one SRAM tile serves many."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.bench.zigzag_layers import SharedLayer
from covenant_lab.bench.zigzag_machine import shared_machine
from covenant_lab.codelets.library import matmul
from covenant_lab.compiler import Constraints, compile
from covenant_lab.compiler.cost import GroupModel
from covenant_lab.compiler.levels import level_choices
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.passes.fuse import FuseStages
from covenant_lab.compiler.passes.match import MatchCapabilities
from covenant_lab.compiler.passes.place import PlaceOperands
from covenant_lab.compiler.passes.spatial import SpatialMap
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


def test_an_inner_tiling_whose_box_overflows_an_outer_held_tile_is_refused():
    # ws on the shared machine with the input and output held at level 1 (IFMAP, OFMAP) and
    # the weights' W_REG tile at level 2: the search scores level 2 first, with level 1 still
    # the whole layer. The level-1 input tile will hold at least the level-2 box, so a level-2
    # tiling whose input box alone overflows IFMAP has no level-1 tiling: refuse it there
    # (else the beam keeps only such tilings and the placement loses).
    conv = SharedLayer("c", "", "Conv", (1, 64, 56, 56), (64, 64, 3, 3), (1, 64, 56, 56), 1, 1)
    acg = shared_machine(0)
    m = Mapping(conv.layer().codelet)
    for p in (MatchCapabilities((), ((0, "array.ws"),)), FuseStages(True),
              PlaceOperands(first=((0, "x", 1), (0, "y", 1))), SpatialMap()):
        m = p.run(m, acg)
    (group,) = m.groups
    model = GroupModel(m, group, acg)
    full = np.asarray([[m.codelet.extent(lp) for lp in group.tile_loops]])

    def inner(**blocks: int) -> np.ndarray:
        return np.asarray([[blocks.get(lp, m.codelet.extent(lp)) for lp in group.tile_loops]])

    # one fold of weights (32 input x 32 output channels, one tap) over all 56 x 56 pixels:
    # the input box is 32 x 56 x 56 = 98 KiB, twice (double buffered), in a 64 KiB IFMAP
    big = inner(oc=32, ic=32, kh=1, kw=1)
    small = inner(oc=32, ic=32, kh=1, kw=1, oh=7)  # 32 x 7 x 56 = 12.25 KiB
    assert not model.prepare([full, big], from_level=2).fits[0]
    assert model.prepare([full, small], from_level=2).fits[0]


def test_the_energy_estimate_reads_an_outer_held_operand_by_its_inner_box():
    # os on the shared machine: the input and weight tiles sit in IFMAP and FILTER from level
    # 1, and each invocation (one 32 x 32 output tile) reads only its own box of them, as the
    # simulator charges; the search's energy estimate must not charge the whole level-1 tile
    # per invocation (it overestimated conv1x1 by 9 uJ and picked a costlier ws mapping)
    conv = SharedLayer("c", "", "Conv", (1, 32, 16, 16), (64, 32, 1, 1), (1, 64, 16, 16))
    acg = shared_machine(0)
    tiles = {"oc": (64, 32), "oh": (16, 4), "ow": (16, 8)}  # 8 output tiles per level-1 tile
    result = compile(conv.layer(), acg, Constraints.of(capability={0: "array.os"}, tiles=tiles),
                     objective="energy")
    assert any("(in IFMAP)" in line for line in result.table().splitlines())
    sim = Simulator(result.program, acg).run()
    assert result.estimate.energy_pj == pytest.approx(sim.energy().total_pj, rel=0.01)
