"""A layer divided between two units that run at once (``compiler/divide.py``,
``compiler/merge.py``, ``sim.schedule.interleave``): what may be divided, that the merged
program computes the layer, that its parts share no on-chip byte and keep their own order,
and that it is kept only where it is faster."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import compile
from covenant_lab.compiler.divide import cut, divisible_loop
from covenant_lab.compiler.program import Compute, Program, TileRef, tiles_of
from covenant_lab.errors import ScheduleError
from covenant_lab.sim import Simulator
from covenant_lab.sim.schedule import interleave, schedule
from tests.compiler.conftest import random_inputs


@pytest.fixture(scope="module")
def genesys() -> ACG:
    return load_arch("genesys")


def _dw_relu6(channels: int, size: int) -> L.Codelet:
    dw = L.conv2d((1, channels, size, size), (channels, 1, 3, 3), pads=(1, 1, 1, 1),
                  group=channels)
    return L.chain(dw, L.clip((1, channels, size, size), 0.0, 6.0), via=("y", "x"))


def test_only_a_loop_indexing_every_operand_alike_divides() -> None:
    # a depthwise conv's channel indexes x, w, b and y; an ordinary conv's output channel
    # does not index x, and its input channel is reduced
    assert divisible_loop(_dw_relu6(32, 7)) == "g"
    assert divisible_loop(L.conv2d((1, 16, 8, 8), (32, 16, 3, 3), pads=(1, 1, 1, 1))) is None
    part = cut(_dw_relu6(32, 7), "g", 24, 32)
    assert part.extent("g") == 8
    assert part.operand("x").shape == (1, 8, 7, 7)
    assert part.operand("w").shape == (8, 1, 3, 3)
    assert part.operand("y").shape == (1, 8, 7, 7)


@pytest.fixture(scope="module")
def divided(genesys: ACG) -> tuple[object, object]:
    codelet = _dw_relu6(384, 7)
    return compile(codelet, genesys), compile(codelet, genesys, divide=False)


def _tiles(program: Program) -> list[TileRef]:
    return [t for ins in program.instrs for t in tiles_of(ins)]


def test_a_depthwise_conv_runs_on_both_units_at_once_and_computes_the_layer(
        genesys: ACG, divided: tuple) -> None:
    result, whole = divided
    d = result.division
    assert d is not None and d.loop == "g" and 0 < d.at < 384
    units = {ins.node.name for ins in result.program.instrs if isinstance(ins, Compute)
             and ins.stage in (0, len(d.first.codelet.stages))}
    assert units == {"pe_array", "simd"}  # the MACs of each part on its own unit
    assert d.text == f"g [0, {d.at}) on pe_array, [{d.at}, 384) on simd, at once"
    codelet = _dw_relu6(384, 7)
    inputs = random_inputs(codelet)
    sim = Simulator(result.program, genesys, inputs).run()
    sim.check(interpret(codelet, inputs), layer="dw_relu6")
    # kept because it is faster than the layer's own program, both scheduled
    assert sim.total_cycles < schedule(whole.program, genesys).total_cycles


def test_the_parts_share_no_on_chip_byte_and_keep_their_order(divided: tuple) -> None:
    result, _ = divided
    d = result.division
    # the second part was compiled with what the first leaves free of each storage, and
    # moved up past it
    top: dict[str, int] = {}
    for t in _tiles(d.first.program):
        if not t.storage.off_chip:
            top[t.storage.name] = max(top.get(t.storage.name, 0), t.addr + t.span_bytes)
    shared = {t.storage.name for t in _tiles(d.second.program)} & set(top)
    assert shared  # both parts use the lanes' buffers
    for storage in shared:
        assert top[storage] <= d.offsets[storage]
        assert d.second.arch.storage(storage).capacity_bytes == (
            d.first.arch.storage(storage).capacity_bytes - d.offsets[storage])
    # each part's computes appear in the merged program in their own order
    stages = len(d.first.codelet.stages)
    for part, second in ((d.first, False), (d.second, True)):
        mine = [ins.cycles for ins in result.program.instrs
                if isinstance(ins, Compute) and (ins.stage >= stages) == second]
        assert mine == [ins.cycles for ins in part.program.instrs if isinstance(ins, Compute)]


def test_a_layer_whose_data_path_is_busy_is_not_divided(genesys: ACG) -> None:
    # 96 channels of 14 x 14: the one off-chip port is busy most of the layer's time, and a
    # second unit moves the same bytes or more
    assert compile(_dw_relu6(96, 14), genesys).division is None


def test_the_interleaving_starts_each_instruction_when_the_schedule_does(
        genesys: ACG, divided: tuple) -> None:
    # interleave plays the scheduler's rule step by step (schedule._run is its inlined
    # twin): given the merged program as one stream (and an empty one), it keeps the order
    # and starts every instruction when the schedule does
    result, _ = divided
    instrs = list(result.program.instrs)
    order, starts = interleave([instrs, []], genesys)
    assert order == instrs
    assert starts == list(schedule(result.program, genesys).start)


def test_a_part_keeps_the_form_of_another_split_point(genesys: ACG) -> None:
    # the divided layer's parts at the next split point are compiled with the structure of
    # the first (``like``): only tiles and orders are searched again
    first = compile(cut(_dw_relu6(384, 7), "g", 0, 336), genesys, divide=False)
    again = compile(cut(_dw_relu6(384, 7), "g", 0, 336), genesys, divide=False,
                    like=first.passes)
    assert again.passes == first.passes and again.estimate == first.estimate
    other = compile(cut(_dw_relu6(384, 7), "g", 0, 320), genesys, divide=False,
                    like=first.passes)
    structure = [p for p in other.passes if type(p).__name__ not in ("Tile", "Reorder")]
    assert structure == [p for p in first.passes if type(p).__name__ not in ("Tile", "Reorder")]
    with pytest.raises(ScheduleError, match="a block of 7 along ow"):  # a 9 x 9 map
        compile(_dw_relu6(16, 9), genesys, divide=False, like=first.passes)
