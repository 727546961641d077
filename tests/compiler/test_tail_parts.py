"""An epilogue split in parts along a loop the group tiles (``parts.py``: ``tail_start``,
``tail_loops``, ``part_from``; ``passes/split.py``: ``SplitTail``): the first stage runs on
the whole tile, the epilogue part by part, and each part of the output leaves while the
epilogue works on the next. Checked on GeneSys: a 1x1 conv (96 -> 576 channels, 14 x 14)
with ReLU6, whose clip runs on the SIMD unit after the array."""

from __future__ import annotations

from dataclasses import replace

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import compile
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.parts import tail_loops, tail_start
from covenant_lab.compiler.passes.split import SplitTail
from covenant_lab.compiler.program import Compute
from covenant_lab.errors import ScheduleError
from covenant_lab.sim import Simulator
from covenant_lab.sim.schedule import schedule
from tests.compiler.conftest import random_inputs, small_layers


@pytest.fixture(scope="module")
def genesys() -> ACG:
    return load_arch("genesys")


def _pw_relu6() -> L.Codelet:
    conv = L.conv2d((1, 96, 14, 14), (576, 96, 1, 1))
    return L.chain(conv, L.clip((1, 576, 14, 14), 0.0, 6.0), via=("y", "x"))


@pytest.fixture(scope="module")
def compiled(genesys: ACG) -> tuple[object, object]:
    codelet = _pw_relu6()
    return (compile(codelet, genesys, divide=False),
            compile(codelet, genesys, Constraints.of(parts=1), divide=False))


def _tail(result: object, acg: ACG) -> tuple[int, int]:
    """(total cycles, cycles after the array's last instruction) of the scheduled program."""
    program = result.program  # type: ignore[attr-defined]
    s = schedule(program, acg)
    last = max(s.end[i] for i, ins in enumerate(program.instrs)
               if isinstance(ins, Compute) and ins.node.name == "pe_array")
    return s.total_cycles, s.total_cycles - last


def test_the_epilogue_is_the_stages_after_the_first_unit(compiled: tuple) -> None:
    split, _ = compiled
    m: Mapping = split.mapping
    g = m.groups[0]
    assert tail_start(m, g) == 1  # stage 0 on the array, the two clip stages on the SIMD
    assert set(tail_loops(m, g)) == {"oc", "oh", "ow"}  # n has one iteration


def test_a_split_epilogue_computes_the_layer(genesys: ACG, compiled: tuple) -> None:
    split, _ = compiled
    g = split.mapping.groups[0]
    assert g.parts == 2 and g.part_loops == ("ow",) and g.part_from == 1
    codelet = _pw_relu6()
    inputs = random_inputs(codelet)
    sim = Simulator(split.program, genesys, inputs).run()
    sim.check(interpret(codelet, inputs), layer="pw_relu6")
    assert split.estimate.cycles == sim.total_cycles
    # each clip part reads its part of the accumulators, in the estimate as in the simulator
    assert split.estimate.energy_pj == pytest.approx(sim.energy().total_pj, rel=1e-9)


def test_the_tail_is_shorter_by_the_parts_the_store_overlaps(genesys: ACG,
                                                            compiled: tuple) -> None:
    split, whole = compiled
    # both tile oc 96 (3 folds of the 32 lanes), oh 7, ow 14. Whole: the last tile's max
    # and min take 3 folds x (98 + 4) = 306 cycles each, then its store 96 x 98 x 4 B over
    # 64 B/cycle = 588: a tail of 1,200. In 2 parts along ow: four clips of 3 x (49 + 4) =
    # 159, then the last part's store, 294 (the first part's leaves during the second's
    # clips): 930.
    assert dict(zip(split.mapping.groups[0].tile_loops, split.mapping.groups[0].tiles[-1],
                    strict=True)) == {"n": 1, "oc": 96, "oh": 7, "ow": 14}
    total_whole, tail_whole = _tail(whole, genesys)
    total_split, tail_split = _tail(split, genesys)
    assert (tail_whole, tail_split) == (1200, 930)
    assert total_split == total_whole - 270
    # the second part's clip reads its own columns of the accumulators, a strided view
    reads = [ins.tiles[0][1] for ins in split.program.instrs
             if isinstance(ins, Compute) and ins.capability == "max"][:2]
    assert reads[1].addr - reads[0].addr == 7 * 4  # ow 7.. of an int32 row of 14


def test_a_loop_that_cannot_split_the_epilogue_is_refused(genesys: ACG,
                                                         compiled: tuple) -> None:
    split, _ = compiled
    unsplit = replace(split.mapping, groups=tuple(
        replace(g, parts=1, part_loops=(), part_from=0) for g in split.mapping.groups))
    with pytest.raises(ScheduleError, match=r"loops that split it: .*oc") as err:
        SplitTail(0, "ic", 2).run(unsplit, genesys)
    assert "in 2 parts along ic" in str(err.value)


def test_an_operand_held_at_several_levels_moves_whole() -> None:
    # tpu_v1 stages the bias through HOST_L2, HOST and UB: a part of the HOST tile (oc 384
    # wide) is not the UB tile's part (oc 192 wide), so the bias is loaded whole and each
    # part of the activation reads its part of it (MobileNetV2's f8 expand conv)
    acg = load_arch("tpu_v1")
    conv = L.conv2d((1, 64, 14, 14), (384, 64, 1, 1), bias=True)
    codelet = L.chain(conv, L.clip((1, 384, 14, 14), 0.0, 6.0), via=("y", "x"))
    result = compile(codelet, acg, divide=False)
    group = result.mapping.groups[0]
    assert group.parts == 2 and group.part_from == 1
    assert len(group.placement("b").levels) == 3
    inputs = random_inputs(codelet)
    sim = Simulator(result.program, acg, inputs).run()
    sim.check(interpret(codelet, inputs), layer="pw_bias_relu6")


def test_a_constrained_tile_that_parts_cannot_split_is_refused() -> None:
    # 9 rows in tiles of 4 leave a last tile of 1: no epilogue in 2 parts along oh
    acg = load_arch("nvdla_small")
    codelet = L.conv2d((1, 8, 9, 9), (8, 1, 3, 3), pads=(1, 1, 1, 1), group=8, bias=True)
    result = compile(codelet, acg, Constraints.of(tiles={"oh": 4}), divide=False)
    assert all(g.parts == 1 or "oh" not in g.part_loops for g in result.mapping.groups)
    inputs = random_inputs(codelet)
    sim = Simulator(result.program, acg, inputs).run()
    sim.check(interpret(codelet, inputs), layer="depthwise")


def test_an_outer_tile_the_parts_cannot_split_is_refused_too() -> None:
    # a stride-2 conv on NVDLA in two levels, oh 4 of 9 at the outer one: its last outer
    # block (1 row) left a ragged inner block that 2 parts along oh could not split (432
    # of 648 iterations ran); found by test_allocation's property test
    acg = load_arch("nvdla_small")
    codelet = small_layers()["conv_s2"]
    result = compile(codelet, acg, Constraints.of(tiles={"oh": 4}), divide=False)
    Simulator(result.program, acg).run()  # the coverage check: every iteration once
