"""Scheduler figures derived by hand on the TINY architecture (see _build.py).

A 4x4 float32 tile is 64 bytes; DRAM->SPAD runs at min(edge 16, dma 8, DRAM 64, SPAD 64) =
8 B/cycle, so a load occupies the edge and the dma for 8 cycles; it is ready 2 cycles later
(dma latency).
"""

from __future__ import annotations

import itertools
import json
import pickle
import random

import pytest

from covenant_lab.acg.nodes import Edge, EdgeId
from covenant_lab.compiler.program import Compute, Program, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.sim import schedule
from covenant_lab.sim.regions import subtile

from ._build import ProgramBuilder, gemm_codelet, relu_codelet, tiled_gemm, tiny

T = ((0, 4), (0, 4))


def _rows(k: int) -> tuple[tuple[int, int], tuple[int, int]]:
    return ((4 * k, 4 * k + 4), (0, 4))


def _relu_pipeline(slots: tuple[int, ...], n: int = 3) -> Program:
    """load x_k into slot k % len(slots), relu it (10 cycles) into y slot k % len(slots)."""
    pb = ProgramBuilder(relu_codelet(4 * n, 4), tiny())
    for k in range(n):
        slot = slots[k % len(slots)]
        x = pb.load("x", _rows(k), slot)
        y = pb.tile("y", _rows(k), 512 + slot)
        pb.compute({"i": _rows(k)[0], "j": (0, 4)}, {"a": x, "out": y}, cycles=10,
                   capability="relu")
    return pb.build()


def test_serial_transfers_share_the_dma() -> None:
    pb = ProgramBuilder(relu_codelet(12, 4), tiny())
    for k in range(3):
        pb.load("x", _rows(k), 64 * k)
    s = schedule(pb.build(), tiny())
    assert s.start == (0, 8, 16)
    assert s.end == (8, 16, 24)
    assert s.ready == (10, 18, 26)
    assert s.total_cycles == 26
    assert s.resources[0] == ("DRAM->SPAD", "dma")
    assert all(s.stall(i) == 0 for i in range(3))


def test_double_buffered_load_overlaps_compute() -> None:
    s = schedule(_relu_pipeline((0, 64)), tiny())
    # L0 C0 L1 C1 L2 C2
    assert s.start == (0, 10, 8, 20, 20, 30)
    assert s.end == (8, 20, 16, 30, 28, 40)
    # load 1 (slot 1) runs during compute 0; load 2 reuses slot 0 and waits for compute 0
    assert s.start[2] < s.end[1]
    assert (s.free[4], s.stall(4), s.stall_on[4]) == (16, 4, 1)
    assert s.total_cycles == 40


def test_single_buffered_load_waits_for_the_reader() -> None:
    s = schedule(_relu_pipeline((0,)), tiny())
    assert s.start == (0, 10, 20, 30, 40, 50)
    assert s.end == (8, 20, 28, 40, 48, 60)
    # WAR: load k+1 overwrites the slot compute k reads
    assert (s.stall(2), s.stall_on[2]) == (12, 1)
    assert (s.free[4], s.stall(4), s.stall_on[4]) == (28, 12, 3)
    assert s.total_cycles == 60


def test_raw_waits_for_latency() -> None:
    pb = ProgramBuilder(gemm_codelet(4, 4, 4), tiny())
    a = pb.load("a", T, 0)
    b = pb.load("b", T, 64)
    c = pb.tile("c", T, 128)
    pb.compute({"m": (0, 4), "n": (0, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=True,
               cycles=8, latency=3)
    pb.store(c)
    s = schedule(pb.build(), tiny())
    # b ready at 16 + 2; the MAC runs [18, 26), its result is ready at 29; store [29, 37) + 2
    assert s.start == (0, 8, 18, 29)
    assert s.ready == (10, 18, 29, 39)
    assert (s.stall(2), s.stall_on[2]) == (18, 1)
    assert (s.stall(3), s.stall_on[3]) == (13, 2)
    assert s.resources[3] == ("SPAD->DRAM", "dma")


def test_partially_overlapping_regions_are_dependencies() -> None:
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    x = pb.load("x", _rows(0), 0)
    pb.compute({"i": (0, 4), "j": (0, 4)}, {"a": x, "out": pb.tile("y", _rows(0), 512)},
               cycles=10, capability="relu")
    pb.load("x", _rows(1), 32)  # bytes [32, 96) overlap the tile the relu reads
    s = schedule(pb.build(), tiny())
    assert (s.start[2], s.stall_on[2]) == (20, 1)


def test_sub_boxes_of_a_dram_tensor_are_independent() -> None:
    """Stores of different tiles of one tensor interleave in DRAM but share no byte."""
    pb = ProgramBuilder(relu_codelet(4, 8), tiny())
    left = pb.tile("y", ((0, 4), (0, 4)), 0)
    right = pb.tile("y", ((0, 4), (4, 8)), 64)
    pb.store(left)
    pb.store(right)
    pb.load("y", ((0, 4), (4, 8)), 128)  # reads what the second store wrote
    s = schedule(pb.build(), tiny())
    # the second store does not wait for the first (ready at 10); the load waits (RAW) for
    # the second store only
    assert s.start == (0, 8, 18)
    assert s.stall_on == (-1, -1, 1)
    assert s.ready[2] == 28


def test_comm_node_is_shared_by_loads_and_stores() -> None:
    s = schedule(tiled_gemm(4, 4, 8, 4), tiny())
    busy = s.busy_cycles()
    assert busy["dma"] == busy["DRAM->SPAD"] + busy["SPAD->DRAM"]
    dma = sorted((s.start[i], s.end[i]) for i in range(len(s)) if "dma" in s.resources[i])
    assert all(e0 <= s1 for (_, e0), (s1, _) in itertools.pairwise(dma))


def test_zero_rate_is_an_error() -> None:
    pb = ProgramBuilder(relu_codelet(4, 4), tiny())
    pb.load("x", T, 0)
    prog = pb.build()
    bad = Transfer(0, Edge("DRAM", "SPAD", 0, via="dma"), *_ends(prog))
    with pytest.raises(SimulationError, match="instruction 0: transfer rate is 0"):
        schedule(Program(prog.codelet, prog.arch, prog.tensors, (bad,)), tiny())


def _ends(prog: Program) -> tuple:
    t = prog.instrs[0]
    assert isinstance(t, Transfer)
    return (t.src, t.dst, t.origin, t.kind)


def test_an_edge_id_reads_as_its_text_and_keeps_its_ends() -> None:
    edge = EdgeId("DRAM", "SPAD")
    assert edge == "DRAM->SPAD" and (edge.src, edge.dst) == ("DRAM", "SPAD")
    again = pickle.loads(pickle.dumps(edge))  # process pools and Dask ship them
    assert isinstance(again, EdgeId) and (again.src, again.dst) == ("DRAM", "SPAD")
    assert json.dumps({edge: 1}) == '{"DRAM->SPAD": 1}'


def _bytes(tile: TileRef) -> set[tuple[str, int]]:
    """Every byte a tile occupies, exactly."""
    strides = tile.layout_strides
    out = set()
    for pos in itertools.product(*(range(b - a) for a, b in tile.box)):
        first = tile.addr + tile.elem_bytes * sum(p * s for p, s in zip(pos, strides, strict=True))
        out.update((tile.storage.name, first + k) for k in range(tile.elem_bytes))
    return out


def _random_program(seed: int) -> Program:
    """Loads of random sub-boxes of x to random (often overlapping) SPAD addresses, relus of
    loaded tiles into random y tiles, and stores of those back to y's DRAM sub-boxes."""
    rng = random.Random(seed)
    pb = ProgramBuilder(relu_codelet(12, 12), tiny())
    loaded: list[TileRef] = []
    for _ in range(40):
        r0, c0 = rng.randrange(0, 10), rng.randrange(0, 10)
        box = ((r0, min(12, r0 + rng.randrange(1, 4))), (c0, min(12, c0 + rng.randrange(1, 4))))
        addr = 4 * rng.randrange(0, 48)
        kind = rng.random()
        if kind < 0.45 or not loaded:
            loaded.append(pb.load("x", box, addr))
        else:
            x = rng.choice(loaded)
            y = pb.tile("y", x.box, addr)
            pb.compute({"i": x.box[0], "j": x.box[1]}, {"a": x, "out": y}, capability="relu",
                       cycles=rng.randrange(1, 12), latency=rng.randrange(0, 3))
            if kind > 0.7:
                pb.store(y)
    return pb.build()


def _touches(ins: Transfer | Compute) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    if isinstance(ins, Transfer):
        return _bytes(subtile(ins.src, ins.dst.box)), _bytes(ins.dst)
    reads = set().union(*(_bytes(t) for r, t in ins.tiles if r not in ("acc", "out")))
    return reads, set().union(*(_bytes(t) for r, t in ins.tiles if r in ("acc", "out")))


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_respect_every_dependency(seed: int) -> None:
    prog = _random_program(seed)
    s = schedule(prog, tiny())
    touched = [_touches(ins) for ins in prog.instrs]
    for j in range(len(prog.instrs)):
        reads_j, writes_j = touched[j]
        for i in range(j):
            reads_i, writes_i = touched[i]
            if writes_i & (reads_j | writes_j):  # RAW, WAW
                assert s.start[j] >= s.ready[i], (i, j)
            if reads_i & writes_j:  # WAR
                assert s.start[j] >= s.end[i], (i, j)
            if set(s.resources[i]) & set(s.resources[j]):  # in order, one at a time
                assert s.start[j] >= s.end[i], (i, j)
        # an instruction starts as soon as its resources and dependencies allow
        waits = [s.free[j]] + [s.ready[i] for i in range(j) if touched[i][1] & (reads_j | writes_j)]
        waits += [s.end[i] for i in range(j) if touched[i][0] & writes_j]
        assert s.start[j] <= max(waits)
