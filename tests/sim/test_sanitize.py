"""Each sanitizer error, triggered by a hand-broken program; messages name the instruction."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.acg.nodes import Edge
from covenant_lab.compiler.program import Program, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.sim import Simulator

from ._build import ProgramBuilder, gemm_codelet, relu_codelet, tiny

T = ((0, 4), (0, 4))
X = {"x": np.arange(32.0).reshape(8, 4)}
X4 = {"x": np.arange(16.0).reshape(4, 4)}
GEMM_IN = {"a": np.ones((4, 4)), "b": np.ones((4, 4))}


def _relu(pb: ProgramBuilder, x_addr: int, y_addr: int) -> None:
    x = pb.tile("x", T, x_addr)
    pb.compute({"i": (0, 4), "j": (0, 4)}, {"a": x, "out": pb.tile("y", T, y_addr)},
               capability="relu")


def test_tile_beyond_capacity() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    pb.load("x", T, 1000)
    with pytest.raises(SimulationError, match=(
        r"sim: instruction 0 \(transfer load DRAM->SPAD of 'x', origin 't/load'\): tile of 'x' "
        r"written at SPAD\[1000, 1064\) is beyond the storage \(capacity 1024 bytes\)"
    )):
        Simulator(pb.build(), tiny(), X).run()


def test_tile_beyond_the_programs_dram_tensors() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    y = pb.tile("y", T, 0)
    beyond = TileRef("y", pb.dram, 4096, T, 4)
    pb.instrs.append(Transfer(0, _edge("SPAD", "DRAM"), y, beyond, "t/store", "store"))
    with pytest.raises(SimulationError, match=(
        r"instruction 0 \(transfer store SPAD->DRAM of 'y', origin 't/store'\): tile of 'y' "
        r"written at DRAM\[4096, 4160\) is beyond the storage \(the program's layout there ends "
        r"at byte 256\)"
    )):
        Simulator(pb.build(), tiny())


def test_partial_overlap_of_live_tiles() -> None:
    pb = ProgramBuilder(gemm_codelet(4, 4, 4), tiny())
    a = pb.load("a", T, 0)
    b = pb.load("b", T, 32)  # bytes [32, 96): half of a's tile
    c = pb.tile("c", T, 128)
    pb.compute({"m": (0, 4), "n": (0, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=True)
    pb.store(c)
    with pytest.raises(SimulationError, match=(
        r"sim: instruction 1 \(transfer load DRAM->SPAD of 'b', origin 't/load'\): wrote "
        r"b\[0:4, 0:4\] at SPAD\[32, 96\) over live tile a\[0:4, 0:4\] at SPAD\[0, 64\) "
        r"\(overlapping it\), which instruction 2 \(compute mac on pe, stage 0, origin "
        r"'t/stage0'\) reads afterwards"
    )):
        Simulator(pb.build(), tiny(), GEMM_IN).run()


def test_the_untouched_part_of_a_partly_overwritten_tile_stays_readable() -> None:
    # x[0:8, 0:4] at [0, 128); then a 2 x 2 tile x[0:2, 0:2] (its own layout) at [0, 16):
    # rows 4..8 at [64, 128) are intact and may be read; rows 0..4 at [0, 64) may not
    head, tail = ((0, 4), (0, 4)), ((4, 8), (0, 4))

    def program(*, reload_head: bool) -> Program:
        pb = ProgramBuilder(relu_codelet(8, 4), tiny())
        pb.load("x", ((0, 8), (0, 4)), 0)
        pb.load("x", ((0, 2), (0, 2)), 0)
        x_head = (pb.load("x", head, 256) if reload_head
                  else TileRef("x", pb.spad, 0, head, 4, (4, 1)))
        for box, x, y_addr in ((tail, pb.tile("x", tail, 64), 512), (head, x_head, 576)):
            y = pb.tile("y", box, y_addr)
            pb.compute({"i": box[0], "j": (0, 4)}, {"a": x, "out": y}, capability="relu")
            pb.store(y)
        return pb.build()

    sim = Simulator(program(reload_head=True), tiny(), X).run()
    np.testing.assert_array_equal(sim.outputs()["y"], X["x"])
    with pytest.raises(SimulationError, match=(
        r"sim: instruction 1 \(transfer load DRAM->SPAD of 'x', origin 't/load'\): wrote "
        r"x\[0:2, 0:2\] at SPAD\[0, 16\) over live tile x\[0:8, 0:4\] at SPAD\[0, 128\) "
        r"\(overlapping it\), which instruction 4"
    )):
        Simulator(program(reload_head=False), tiny(), X).run()


def test_partial_overlap_is_caught_without_values() -> None:
    pb = ProgramBuilder(gemm_codelet(4, 4, 4), tiny())
    a = pb.load("a", T, 0)
    b = pb.load("b", T, 32)
    c = pb.tile("c", T, 128)
    pb.compute({"m": (0, 4), "n": (0, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=True)
    pb.store(c)
    with pytest.raises(SimulationError, match=r"instruction 1 .* over live tile a"):
        Simulator(pb.build(), tiny()).run()


def test_ping_pong_replacement_is_fine() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    for k in range(2):
        rows = ((4 * k, 4 * k + 4), (0, 4))
        x = pb.load("x", rows, 0)  # the same slot: replaces the previous tile
        y = pb.tile("y", rows, 64)
        pb.compute({"i": rows[0], "j": (0, 4)}, {"a": x, "out": y}, capability="relu")
        pb.store(y)
    sim = Simulator(pb.build(), tiny(), X).run()
    np.testing.assert_array_equal(sim.outputs()["y"], X["x"])


def test_read_of_a_tile_never_written() -> None:
    pb = ProgramBuilder(relu_codelet(4, 4), tiny())
    _relu(pb, 0, 64)
    pb.store(pb.tile("y", T, 64))
    with pytest.raises(SimulationError, match=(
        r"sim: instruction 0 \(compute relu on pe, stage 0, origin 't/stage0'\): reads "
        r"x\[0:4, 0:4\] at SPAD\[0, 64\), which was never written there"
    )):
        Simulator(pb.build(), tiny(), X4).run()


def test_read_of_dram_bytes_never_written() -> None:
    pb = ProgramBuilder(relu_codelet(4, 4), tiny())
    pb.load("y", T, 0)  # an output nobody has stored yet
    pb.load("x", T, 64)
    _relu(pb, 64, 128)
    pb.store(pb.tile("y", T, 128))
    with pytest.raises(SimulationError, match=(
        r"instruction 0 \(transfer load DRAM->SPAD of 'y', origin 't/load'\): reads y\[0, 0\] "
        r"from DRAM, which was never written"
    )):
        Simulator(pb.build(), tiny(), X4).run()


def test_read_of_elements_never_written_inside_a_written_tile() -> None:
    pb = ProgramBuilder(relu_codelet(4, 4), tiny())
    x = pb.load("x", T, 0)
    y = pb.tile("y", T, 64)
    pb.compute({"i": (0, 2), "j": (0, 4)}, {"a": x, "out": y}, capability="relu")
    pb.compute({"i": (2, 4), "j": (0, 4)}, {"a": x, "out": pb.tile("y", T, 128)},  # elsewhere
               capability="relu")
    pb.store(y)  # rows 2..3 of this tile were never computed
    with pytest.raises(SimulationError, match=(
        r"instruction 3 \(transfer store SPAD->DRAM of 'y', origin 't/store'\): reads y\[2, 0\] "
        r"from SPAD, which was never written"
    )):
        Simulator(pb.build(), tiny(), X4).run()


def test_an_accumulation_nobody_initialises_is_refused_up_front() -> None:
    pb = ProgramBuilder(gemm_codelet(4, 4, 4), tiny())
    a = pb.load("a", T, 0)
    b = pb.load("b", T, 64)
    c = pb.tile("c", T, 128)
    # accumulates into c[:, 2:4] (init=False) although nothing was ever stored there
    pb.compute({"m": (0, 4), "n": (0, 2), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=True)
    pb.compute({"m": (0, 4), "n": (2, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=False)
    pb.store(c)
    with pytest.raises(SimulationError, match=(
        r"sim: gemm: stage 0 \('mac'\): no compute initialises c at m=0, n=2"
    )):
        Simulator(pb.build(), tiny())  # timing only: refused before it runs


def _edge(src: str, dst: str) -> Edge:
    edge = tiny().edge(src, dst)
    assert edge is not None
    return edge


def _with(program: Program, index: int, instr: Transfer) -> Program:
    instrs = list(program.instrs)
    instrs[index] = instr
    return Program(program.codelet, program.arch, program.tensors, tuple(instrs))


def test_transfer_on_a_nonexistent_edge() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    pb.load("x", T, 0)
    load = pb.build().instrs[0]
    assert isinstance(load, Transfer)
    bogus = Transfer(0, Edge("DRAM", "pe", 16), load.src, load.dst, "t/load", "load")
    with pytest.raises(SimulationError, match=(
        r"sim: instruction 0 \(transfer load DRAM->pe of 'x', origin 't/load'\): edge "
        r"DRAM->pe does not exist in architecture 'tiny'"
    )):
        Simulator(_with(pb.build(), 0, bogus), tiny(), X)


def test_transfer_whose_edge_does_not_join_its_storages() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    pb.load("x", T, 0)
    load = pb.build().instrs[0]
    assert isinstance(load, Transfer)
    wrong = Transfer(0, _edge("SPAD", "DRAM"), load.src, load.dst, "t/load", "load")
    with pytest.raises(SimulationError, match=(
        r"instruction 0 \(transfer load SPAD->DRAM of 'x', origin 't/load'\): edge SPAD->DRAM "
        r"does not join the tiles' storages DRAM->SPAD"
    )):
        Simulator(_with(pb.build(), 0, wrong), tiny())


def test_compute_reading_outside_its_tile() -> None:
    pb = ProgramBuilder(gemm_codelet(4, 4, 4), tiny())
    a = pb.load("a", ((0, 2), (0, 4)), 0)  # rows 0..1 only
    b = pb.load("b", T, 64)
    c = pb.tile("c", T, 128)
    pb.compute({"m": (0, 4), "n": (0, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=True)
    pb.store(c)
    with pytest.raises(SimulationError, match=(
        r"sim: instruction 2 \(compute mac on pe, stage 0, origin 't/stage0'\): reads a\[2, 0\] "
        r"\(role 'a'\), inside the tensor but outside its tile box \[\(0, 2\), \(0, 4\)\]"
    )):
        Simulator(pb.build(), tiny(), GEMM_IN).run()


def test_compute_without_a_tile_for_a_role() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    x = pb.load("x", T, 0)
    pb.compute({"i": (0, 4), "j": (0, 4)}, {"a": x}, capability="relu")
    with pytest.raises(SimulationError, match=r"instruction 1 .*: no tile for role 'out' "
                                              r"\(operand 'y'\)"):
        Simulator(pb.build(), tiny())


def test_compute_with_a_tile_of_the_wrong_operand() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    x = pb.load("x", T, 0)
    pb.compute({"i": (0, 4), "j": (0, 4)}, {"a": x, "out": pb.tile("x", T, 64)},
               capability="relu")
    with pytest.raises(SimulationError, match=r"instruction 1 .*: tile for role 'out' holds "
                                              r"'x', the stage accesses 'y' there"):
        Simulator(pb.build(), tiny())
