"""How a group's stages overlap across units (compiler/overlap.py), derived by hand, and the
estimate against the simulator where a temp passes between units."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.acg import load_arch
from covenant_lab.compiler import Constraints, compile, fuse_pair
from covenant_lab.compiler.api import estimate
from covenant_lab.compiler.lower import lower
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.overlap import Step, compute_span
from covenant_lab.compiler.passes.buffer import Buffer
from covenant_lab.compiler.pipeline import Pipeline
from covenant_lab.sim import Simulator
from covenant_lab.suite import load_suite_layer


def _pair(latency: int = 0) -> list[Step]:
    # unit A writes temp t in 10 cycles, unit B reads it in 4
    return [Step("A", 10, 10, latency, ("x",), "t"), Step("B", 4, 4, 0, ("t",), "y")]


def test_one_copy_makes_the_units_take_turns() -> None:
    # A(i+1) overwrites the copy B(i) reads: 14 cycles per tile, 5 tiles
    assert compute_span(_pair(), {"t": 1}, 5) == 5 * 14
    # with latency 3 before B may read: A [0,10) B [13,17); A [17,27) B [30,34): 17 per tile
    assert compute_span(_pair(latency=3), {"t": 1}, 5) == 5 * 17


def test_two_copies_let_the_busier_unit_set_the_pace() -> None:
    # A [0,10) B [10,14); A [10,20) B [20,24); ...: the first tile 14, then 10 per tile
    assert compute_span(_pair(), {"t": 2}, 5) == 14 + 4 * 10
    # latency 3: the first tile ends at 17, then one every 10
    assert compute_span(_pair(latency=3), {"t": 2}, 5) == 17 + 4 * 10


def test_a_load_into_one_copy_waits_for_its_reader_and_the_store_for_its_writer() -> None:
    # load x (6, the first in full: 9), compute (5), store y of the tile before (4):
    # tile 0: load [0,9) compute [9,14); tile 1: load waits for compute 0 [14,20),
    # store y0 [14,18), compute [20,25) (its y copy: the store read it by 18)
    steps = [Step("dma", 9, 6, 0, (), "x"), Step("out", 0, 4, 0, ("y",), None, lag=1),
             Step("pe", 5, 5, 0, ("x",), "y")]
    assert compute_span(steps, {"x": 1, "y": 1}, 2) == 25
    # the period settles at 11 (load 6 after the compute 5): 14 + 11 per further tile
    assert compute_span(steps, {"x": 1, "y": 1}, 5) == 14 + 4 * 11
    # with two copies of x the load of the next tile overlaps the compute: 6 per tile
    assert compute_span(steps, {"x": 2, "y": 2}, 5) == 14 + 4 * 6


def test_the_last_tiles_stores_leave_inner_level_first() -> None:
    # y computed into registers (level 2) in 10 cycles, stored to the scratchpad (level 1) in
    # 4, from there off chip in 6 (+ 3 of latency); listed as lowering lists the moves, outer
    # level first. One tile: the stores of the last tile come after it, the inner one first
    # (the outer one reads what it wrote): [10,14), then [14,20), landed at 23
    steps = [Step("out", 6, 6, 3, ("y@1",), None, lag=1),
             Step("spill", 4, 4, 0, ("y@2",), "y@1", lag=1),
             Step("unit", 10, 10, 0, (), "y@2")]
    assert compute_span(steps, {}, 1) == 23
    # two tiles: tile 1 issues tile 0's stores in the listed order, out [0,6) (it reads a
    # copy of y@1 not written yet: between tiles the schedule keeps the list's order) and
    # spill [10,14) after unit [0,10); unit [10,20); then the last tile's stores, spill
    # [20,24) and out [24,30), landed at 33
    assert compute_span(steps, {}, 2) == 33


def test_one_unit_runs_its_stages_back_to_back_for_arrays_of_candidates() -> None:
    stages = [Step("A", np.array([3, 5]), np.array([3, 5]), 0, ("x",), "t"),
              Step("A", np.array([2, 2]), np.array([2, 2]), 0, ("t",), "y")]
    assert list(compute_span(stages, {"t": 1}, np.array([4, 1]))) == [4 * 5, 7]


@pytest.mark.parametrize("arch", ["genesys", "tpu_v1"])
def test_a_bias_added_by_another_unit_overlaps_the_matmul(arch: str) -> None:
    # BERT's QKV projection and its bias: the MatMul's accumulators are handed to the unit
    # adding the bias. The search's mapping, with those temps in one copy and in two: in two
    # the array never waits for the other unit, and the estimate follows the simulator.
    # (GeneSys's array would take the bias as its init, passes/fold.py: the constraint keeps
    # the add on the SIMD unit)
    acg = load_arch(arch)
    keep = Constraints.of(capability={1: "simd"}) if arch == "genesys" else None
    result = compile(fuse_pair(*load_suite_layer("bert_qkv")), acg, keep)
    passes = [p for p in result.passes if not isinstance(p, Buffer)]
    one, _ = Pipeline(tuple(passes)).run(Mapping(result.codelet), acg)  # type: ignore[arg-type]
    handed = tuple((0, t) for t in one.handoffs(one.groups[0]))
    assert handed
    at = next(i for i, p in enumerate(passes) if p.name == "spatial") + 1  # type: ignore[attr-defined]
    passes.insert(at, Buffer(double=handed))
    two, _ = Pipeline(tuple(passes)).run(Mapping(result.codelet), acg)  # type: ignore[arg-type]
    assert all(two.groups[0].placement(t).copies(two.groups[0].levels) == 2 for _, t in handed)
    cycles = []
    for mapping in (one, two):
        simulated = Simulator(lower(mapping, acg), acg).run().total_cycles
        assert estimate(mapping, acg).cycles == pytest.approx(simulated, rel=0.03)
        cycles.append(simulated)
    assert cycles[1] < cycles[0]
