"""sim.deps on hand-made programs (TINY, see _build.py): why an instruction waited, producers
and consumers, and tile lifetimes (what the occupancy plot draws).

The double-buffered relu pipeline (x_k in SPAD slot k % 2, 64 B each; a load takes 8 cycles
and is ready 2 later; a relu takes 10)::

    L0 [0, 8)   C0 [10, 20)      slot 0: x0 from 8 (L0 ends) to 20 (C0 ends)
    L1 [8, 16)  C1 [20, 30)      slot 1: x1 from 16 to 30
    L2 [20, 28) C2 [30, 40)      slot 0 again: L2 waits (write after read) for C0 to end
"""

from __future__ import annotations

from covenant_lab.sim import events_from_schedule, schedule
from covenant_lab.sim.deps import Dataflow, DepKind
from covenant_lab.sim.schedule import accesses
from covenant_lab.viz.occupancy import series_from_lifetimes

from ._build import ProgramBuilder, gemm_codelet, tiny
from .test_schedule import T, _relu_pipeline


def _flow(program):  # type: ignore[no-untyped-def]
    return Dataflow(program, schedule(program, tiny()), accesses(program, tiny()))


def test_a_reused_slot_waits_for_its_last_reader() -> None:
    flow = _flow(_relu_pipeline((0, 64)))
    wait = flow.wait(4)  # L2 reuses slot 0
    assert wait is not None
    assert (wait.on, wait.kind, wait.cycles) == (1, DepKind.WAR, 4)
    assert wait.tile == "x[0:4, 0:4] at SPAD[0, 64)"
    assert wait.on_label == "#1 relu on pe" and wait.on_resource == "pe"
    assert wait.text == ("waits 4 cycles for #1 relu on pe to finish reading x[0:4, 0:4] at "
                         "SPAD[0, 64) (write after read)")
    first = flow.wait(1)  # C0 waits for x0 to arrive
    assert first is not None and (first.on, first.kind, first.cycles) == (0, DepKind.RAW, 10)
    assert first.text.endswith("for #0 load x DRAM->SPAD to write x[0:4, 0:4] at SPAD[0, 64) "
                               "(read after write)")
    assert flow.wait(0) is None and flow.wait(2) is None  # never waited


def test_the_trace_stall_names_its_dependency() -> None:
    program = _relu_pipeline((0, 64))
    flow = _flow(program)
    events = events_from_schedule(program, flow.schedule, wait=flow.wait)
    stalls = {ev.index: ev for ev in events if ev.kind == "stall"}
    assert stalls[4].depends_on == 1
    assert stalls[4].waits_for == flow.wait(4).text  # type: ignore[union-attr]
    assert (stalls[4].start, stalls[4].end) == (16, 20)


def test_raw_through_an_accumulator_and_a_store() -> None:
    pb = ProgramBuilder(gemm_codelet(4, 4, 4), tiny())
    a = pb.load("a", T, 0)
    b = pb.load("b", T, 64)
    c = pb.tile("c", T, 128)
    pb.compute({"m": (0, 4), "n": (0, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c}, init=True,
               cycles=8, latency=3)
    pb.store(c)
    flow = _flow(pb.build())
    assert flow.producers(2) == (0, 1) and flow.consumers(0) == (2,)
    assert flow.producers(3) == (2,) and flow.consumers(2) == (3,)
    # the store (DMA free at 16) waits for the MAC's result, ready at 26 + 3 = 29
    wait = flow.wait(3)
    assert wait is not None and (wait.on, wait.kind, wait.cycles) == (2, DepKind.RAW, 13)
    assert "c[0:4, 0:4] at SPAD[128, 192)" in wait.text
    wait = flow.wait(2)
    assert wait is not None and wait.on == 1  # b arrives last (ready at 18)


def test_lifetimes_and_occupancy_free_a_half_when_its_reader_ends() -> None:
    flow = _flow(_relu_pipeline((0, 64)))
    x = [(life.tile, life.writer, life.last_reader, life.alloc, life.free)
         for life in flow.lifetimes if life.tile.startswith("x")]
    assert x == [("x[0:4, 0:4] at SPAD[0, 64)", 0, 1, 8, 20),
                 ("x[4:8, 0:4] at SPAD[64, 128)", 2, 3, 16, 30),
                 ("x[0:4, 0:4] at SPAD[0, 64)", 4, 5, 28, 40)]
    spad = series_from_lifetimes(flow.lifetimes, {"SPAD": 1024})["SPAD"]
    # up when a tile arrives, down when its last reader ends: slot 0 freed at 20
    assert spad.cycles.tolist() == [0, 8, 16, 20, 28, 30, 40]
    assert spad.nbytes.tolist() == [0, 64, 128, 64, 128, 64, 0]
    assert spad.at(19) == 128 and spad.at(20) == 64
