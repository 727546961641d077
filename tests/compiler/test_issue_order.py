"""Issuing work of the next tile ahead (compiler/issue_order.py), derived by hand.

clip(x, 0, 6) over a 16 x 64 int32 tensor, one row (256 B) per tile, on two 4-lane units:
``lo`` runs the max, ``hi`` the min; an 8 B/cycle bus carries loads and stores in order;
the scratchpad double-buffers x and y:

    L = S = 256 / 8 = 32 cycles per load and store, MAX = MIN = 16 x (1 + 2) = 48.

Tile by tile in program order, the store of y(k-1) waits for MIN(k-1). If the load of x(k+1)
queued behind it on the bus, every second tile would wait for the chain
S(k-1) -> L(k+1) -> MAX(k+1) -> MIN(k+1): 160 cycles per two tiles, 80 per tile (1344 in all).
Loads run one tile ahead instead: tile k issues L(k+1), then S(k-1), MAX(k), MIN(k):

    bus: L0 [0,32) L1 [32,64) | L2 [80,112) S0 [128,160) | L3 [160,192) S1 [192,224) | ...
    lo:  MAX0 [32,80) MAX1 [80,128) MAX2 [160,208) (y copy 0 after S0) ...
    hi:  MIN0 [80,128) MIN1 [128,176) MIN2 [208,256) ...

From tile 2 on the bus sets the pace, 64 per tile: L(k+1) at 160 + 64 (k - 2), S(k-1) 32
later, MAX(k) with L(k+1), MIN(k) 48 after. Tile 15 loads nothing ahead: S14 [1024,1056),
MAX15 [992,1040) (after S13 frees its y copy), MIN15 [1040,1088), S15 [1088,1120): 1120.
"""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.acg import ACG, load_arch, loads_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import Constraints, compile, fuse_pair
from covenant_lab.compiler.issue_order import Hoist, Use, hoist, leading
from covenant_lab.compiler.overlap import Step, compute_span
from covenant_lab.compiler.program import Compute, Transfer
from covenant_lab.sim import Simulator
from covenant_lab.suite import load_suite_layer, load_suite_model

TWO_UNITS = """
name: twounits
params: {}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  SPAD: {capacity_bytes: 65536, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64,
         buffering: 2}
communication:
  bus: {bytes_per_cycle: 8}
compute:
  lo:
    dims: {lanes: 4}
    capabilities:
      - {op: max, operands: {a: SPAD, b: SPAD, out: SPAD}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
  hi:
    dims: {lanes: 4}
    capabilities:
      - {op: min, operands: {a: SPAD, b: SPAD, out: SPAD}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: 8, via: bus}
  - {from: SPAD, to: DRAM, bytes_per_cycle: 8, via: bus}
  - {from: SPAD, to: lo, bytes_per_cycle: 64}
  - {from: lo, to: SPAD, bytes_per_cycle: 64}
  - {from: SPAD, to: hi, bytes_per_cycle: 64}
  - {from: hi, to: SPAD, bytes_per_cycle: 64}
"""

CLIP = L.clip((16, 64), 0.0, 6.0)
ROWS = Constraints.of(tiles={"d0": 1, "d1": 64})


@pytest.fixture(scope="module")
def two_units() -> ACG:
    return loads_arch(TWO_UNITS, source="twounits.yaml")


def _row(ins: Transfer) -> int:
    return ins.dst.box[0][0] if ins.kind == "load" else ins.src.box[0][0]


def test_the_load_of_tile_k_plus_2_is_issued_before_the_store_of_tile_k(two_units: ACG) -> None:
    program = compile(CLIP, two_units, ROWS).program
    moves = [(ins.kind, _row(ins)) for ins in program.instrs if isinstance(ins, Transfer)]
    assert moves[:4] == [("load", 0), ("load", 1), ("load", 2), ("store", 0)]
    for k in range(14):
        assert moves.index(("load", k + 2)) < moves.index(("store", k))
    assert moves[-2:] == [("store", 14), ("store", 15)]
    # between them, the stages of tile k + 1: max on lo, then min on hi
    units = [ins.node.name for ins in program.instrs if isinstance(ins, Compute)]
    assert units == ["lo", "hi"] * 16


def test_hand_derived_cycles_and_the_estimate(two_units: ACG) -> None:
    result = compile(CLIP, two_units, ROWS)
    sim = Simulator(result.program, two_units).run()
    assert sim.total_cycles == 1120
    starts = [sim.schedule.start[i] for i, ins in enumerate(result.program.instrs)
              if isinstance(ins, Transfer)]
    assert starts[:8] == [0, 32, 80, 128, 160, 192, 224, 256]
    assert result.estimate.cycles == 1120  # the overlap schedule plays the same order


def test_the_program_computes_the_reference(two_units: ACG) -> None:
    inputs = {"x": np.random.default_rng(0).uniform(-4, 10, size=(16, 64))}
    program = compile(CLIP, two_units, ROWS).program
    Simulator(program, two_units, inputs).run().check(interpret(CLIP, inputs))


def test_the_overlap_schedule_plays_the_same_order() -> None:
    # the clip above as the cost model sees it (the last tile's store comes last)
    steps = [Step("bus", 32, 32, 0, (), "x", load=True),
             Step("bus", 32, 32, 0, ("y",), None, lag=1),
             Step("lo", 48, 48, 0, ("x",), "y"), Step("hi", 48, 48, 0, ("y",), "y")]
    copies = {"x": 2, "y": 2}
    # one tile: L0 MAX0 MIN0 [80,128), S0 [128,160); two: L1 runs ahead, S0 [128,160),
    # MIN1 ends at 176, S1 [176,208); three: L2 [80,112), S0 [128,160), S1 [176,208) (no
    # L3 before it), MAX2 waits for S0 to free its y copy [160,208), MIN2 [208,256),
    # S2 [256,288)
    assert [compute_span(steps, copies, n) for n in (1, 2, 3)] == [160, 208, 288]
    assert compute_span(steps, copies, 16) == 1120  # MIN15 ends at 1088, S15 at 1120
    # with one copy of x nothing runs ahead: the chain through the bus is back
    assert compute_span(steps, {**copies, "x": 1}, 16) > 1088 + 16 * 8


# -- the rule on its own ------------------------------------------------------------------
def test_a_load_runs_ahead_only_into_a_second_copy_of_a_tile_only_read() -> None:
    loads = [Use("", (), "x@1"), Use("", ("x@1",), "x@2"), Use("", (), "w@1"),
             Use("", (), "y@1")]
    copies = {"x@1": 2, "x@2": 2, "w@1": 1, "y@1": 2}
    # w has one copy; y is written by a stage (its reload must follow the store)
    assert leading(loads, {"y@1"}, copies) == {"x@1", "x@2"}
    # an inner tile whose outer tile cannot run ahead cannot either
    assert leading(loads, {"y@1"}, {**copies, "x@1": 1}) == set()


def test_stages_of_the_next_tile_fill_a_unit_waiting_on_another() -> None:
    # a unit "alu" runs s0, s1 (writes t1, one copy), then waits for "mac" (s2) before s3
    stages = [Use("alu", ("x@1",), "t0@1"), Use("alu", ("x@1", "t0@1"), "t1@1"),
              Use("mac", ("t1@1",), "t2@1"), Use("alu", ("t2@1", "t1@1"), "y@1")]
    copies = {"x@1": 2, "t0@1": 1, "t1@1": 1, "t2@1": 1, "y@1": 2}
    # s0 of the next tile touches nothing s3 uses; s1 would overwrite the t1 s3 reads
    assert hoist(stages, copies, behind=set(), stored={"y@1"}) == Hoist(3, 1)
    # with two copies of t1 both go ahead
    assert hoist(stages, {**copies, "t1@1": 2}, behind=set(), stored={"y@1"}) == Hoist(3, 2)
    # nothing goes ahead of a load that does not run ahead
    assert hoist(stages, copies, behind={"x@1"}, stored={"y@1"}) == Hoist(3, 0)
    # one unit for everything never waits: nothing moves
    same = [Use("alu", s.reads, s.writes) for s in stages]
    assert hoist(same, copies, behind=set(), stored=set()) == Hoist()


def test_layernorm_on_hvx_fills_the_alu_while_the_mac_unit_runs() -> None:
    # the variance's MAC runs on hvx, every other stage on hvx_alu: the mean of the next row
    # tile (reduce_add, mul) is issued right after this tile's MAC, before the stages that
    # wait for it, so the ALU never waits for the MAC (was 4,063 ALU + 576 idle per tile).
    # Tiles kept whole (parts=1): split, the MAC's parts take turns with the centring's
    acg = load_arch("hvx")
    result = compile(load_suite_layer("bert_layernorm")[0], acg, Constraints.of(parts=1))
    sim = Simulator(result.program, acg).run()
    computes = [(i, ins) for i, ins in enumerate(result.program.instrs)
                if isinstance(ins, Compute)]
    macs = [k for k, (_, ins) in enumerate(computes) if ins.node.name == "hvx"]
    rows = [dict((lp, (lo, hi)) for lp, lo, hi in ins.box)["d0"] for _, ins in computes]
    for k in macs[:-1]:
        assert computes[k + 1][1].capability == "reduce_add" and rows[k + 1] != rows[k]
        after = next(j for j in range(k + 1, len(computes)) if rows[j] == rows[k])
        assert sim.schedule.stall(computes[after][0]) == 0  # the MAC's result was ready
    on_alu = [i for i, ins in computes if ins.node.name == "hvx_alu"]
    span = sim.schedule.end[on_alu[-1]] - sim.schedule.start[on_alu[0]]
    # from its first instruction to its last the ALU idles only while the second tile's
    # x arrives (38 cycles; it waited 576 per tile for the MAC before)
    assert span - sim.schedule.busy_cycles()["hvx_alu"] < 64


@pytest.mark.parametrize("arch", ["hvx", "genesys"])
def test_layernorm_follows_the_estimate(arch: str) -> None:
    acg = load_arch(arch)
    result = compile(load_suite_layer("bert_layernorm")[0], acg)
    sim = Simulator(result.program, acg).run()
    assert result.estimate.cycles == pytest.approx(sim.total_cycles, rel=0.03)


def test_a_pointwise_conv_and_its_clip_keep_the_bus_busy_on_genesys() -> None:
    # MobileNetV2 features.3.conv.0 + ReLU6: with the store of y(k) ahead of the load of
    # x(k+2) on the shared port a tile took 790 cycles; now the port's 600 set the pace
    model, acg = load_suite_model("mobilenetv2"), load_arch("genesys")
    layer = fuse_pair(model.layer("features.3.conv.0"), model.layer("features.3.conv.0.clip"))
    result = compile(layer, acg)
    sim = Simulator(result.program, acg).run()
    tiles = sum(1 for ins in result.program.instrs if isinstance(ins, Compute)) // 3
    assert sim.total_cycles < 640 * tiles
    assert result.estimate.cycles == pytest.approx(sim.total_cycles, rel=0.03)
