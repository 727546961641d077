"""An inner tiling level (``levels.inner_level``): a group whose results pass through a small
double-buffered storage keeps its sources' tiles at an outer level while the innermost tiles
walk them, and their loads go in pieces over those tiles (``issue.py``)."""

from __future__ import annotations

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import compile
from covenant_lab.compiler.issue import Item, _pieces
from covenant_lab.compiler.program import Program, TileRef, Transfer
from covenant_lab.sim import Simulator
from tests.compiler.conftest import random_inputs


def _conv_relu() -> Codelet:
    conv = L.conv2d((1, 64, 14, 14), (256, 64, 1, 1))
    return L.chain(conv, L.relu((1, 256, 14, 14)), via=("y", "x"))


def test_nvdla_conv_walks_its_sources_with_an_inner_level(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # nv_small's accumulators hold 2 x 16 x 8 int32 sums, its convolution buffer 128 KiB: an
    # innermost tile has 8 kernels x 14 outputs (a stripe of 14 pays the 16-op minimum), and
    # an outer tile of 32 kernels x 2 rows keeps its weights for 8 of them: 448 invocations
    # of 8 channel folds x max(14, 16) + 8 = 136 cycles = 60,928 on the convolution core,
    # 61,688 with the first loads and the last store
    nvdla = load_arch("nvdla_small")
    codelet = _conv_relu()
    result = compile(codelet, nvdla)
    (group,) = result.mapping.groups
    assert group.inner and group.levels == 2
    assert group.tiles == ((1, 32, 2, 14), (1, 8, 1, 14))
    (place,) = [d for d in result.decisions if d.name == "place"]
    assert place.words.endswith("; an inner level walks the tiles of x, w")
    inputs = random_inputs(codelet)
    sim = Simulator(result.program, nvdla, inputs).run()
    sim.check(interpret(codelet, inputs), layer="conv+relu")
    assert sim.total_cycles == result.estimate.cycles == 61_688
    # without it, the weights move twice as often and the core waits: 67,940 cycles
    monkeypatch.setattr("covenant_lab.compiler.search.inner_level", lambda mapping: False)
    flat = compile(codelet, nvdla)
    assert not flat.mapping.groups[0].inner
    assert _loaded(flat.program, "w") == 2 * _loaded(result.program, "w") == 229_376
    assert Simulator(flat.program, nvdla).total_cycles == 67_940


def _loaded(program: Program, operand: str) -> int:
    return sum(ins.nbytes for ins in program.instrs
               if isinstance(ins, Transfer) and ins.kind == "load" and ins.dst.operand == operand)


def test_a_load_goes_in_pieces_along_its_first_axis_of_several_indices() -> None:
    # a 1 x 64 x 4 x 8 int8 tile in 4 pieces: 16 channels each, 16 x 4 x 8 = 512 bytes apart
    nvdla = load_arch("nvdla_small")
    box = ((0, 1), (0, 64), (0, 4), (0, 8))
    src = TileRef("x", nvdla.storage("DRAM"), 0, ((0, 1), (0, 64), (0, 8), (0, 8)), 1)
    dst = TileRef("x", nvdla.storage("CBUF"), 1024, box, 1)
    edge = nvdla.edge("DRAM", "CBUF")
    assert edge is not None
    item = Item(Transfer(0, edge, src, dst, "test"), (src,), (dst,))
    pieces = _pieces(item, 4)
    assert [p.ins.dst.box[1] for p in pieces] == [(0, 16), (16, 32), (32, 48), (48, 64)]
    assert [p.ins.dst.addr for p in pieces] == [1024, 1536, 2048, 2560]
    assert sum(p.ins.nbytes for p in pieces) == dst.nbytes
    assert all(p.writes == (p.ins.dst,) for p in pieces)
