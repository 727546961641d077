"""A fused group's tile split into parts along the loops it cannot tile (compiler/parts.py,
passes/split.py), with hand-derived cycles.

ROWSCALE sums each row of x and scales the row by its sum::

    t0[d0] += x[d0, r1]               (stage 0: reduce_add)
    y[d0, d1] = x[d0, d1] * t0[d0]    (stage 1: mul)

4 rows of 64 int32 on ONE_UNIT: a 4-lane unit (rows on the lanes, ``stream + 4`` cycles
per invocation) and a 16 B/cycle bus carrying loads and stores in order. The group tiles
only d0 (stage 1 reads the whole sum), so the 4 rows are one tile: x (1024 B) loads in 64
cycles, y stores in 64, each stage streams the 64 columns in 68 cycles. Whole::

    L [0,64)  SUM [64,132)  MUL [132,200)  S [200,264)                          264

In 2 parts of 32 columns (loads and stores 32 cycles, each part of a stage 36)::

    L0 [0,32) L1 [32,64)  SUM#0 [32,68) SUM#1 [68,104)  MUL#0 [104,140) MUL#1 [140,176)
    S0 [140,172) S1 [176,208)                                                   208

In 4 parts (16 and 20 cycles)::

    L_c [16c, 16c+16)  SUM#c [16+20c, 36+20c)  MUL#c [96+20c, 116+20c)
    S_c [116+20c, 132+20c): S3 ends at 192                                      192

In 8 parts (8 and 12): SUM#c [8+12c, 20+12c), MUL#c [104+12c, 116+12c), S_c right after
MUL#c (8 < 12): S7 [200,208)                                                    208

The search adds 4 cycles per instruction (a load, the stages and a store per part: 4, 8, 16
and 32 instructions): 280, 240, 256 and 336; it splits in 2.
"""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.acg import ACG, load_arch, loads_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import Constraints, compile
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.parts import part_counts, part_loops, part_plan
from covenant_lab.compiler.passes.split import Split
from covenant_lab.compiler.program import Compute, Transfer
from covenant_lab.compiler.program_budget import program_instructions
from covenant_lab.errors import ScheduleError, UsageError
from covenant_lab.sim import Simulator
from covenant_lab.suite import load_suite_layer
from covenant_lab.types import OpKind

ONE_UNIT = """
name: oneunit
params: {}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  SPAD: {capacity_bytes: 65536, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64,
         buffering: 2}
communication:
  bus: {bytes_per_cycle: 16}
compute:
  vec:
    dims: {lanes: 4}
    capabilities:
      - {op: reduce_add, operands: {a: SPAD, acc: SPAD}, dtypes: {a: int32, acc: int32},
         spatial: {lanes: {requires: [acc]}}, cycles: stream + 4}
      - {op: mul, operands: {a: SPAD, b: SPAD, out: SPAD}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 4}
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: 16, via: bus}
  - {from: SPAD, to: DRAM, bytes_per_cycle: 16, via: bus}
  - {from: SPAD, to: vec, bytes_per_cycle: 64}
  - {from: vec, to: SPAD, bytes_per_cycle: 64}
"""


def _rowscale(rows: int = 4, cols: int = 64):  # type: ignore[no-untyped-def]
    cb = CodeletBuilder("rowscale")
    d0, d1, r1 = cb.dim("d0", rows), cb.dim("d1", cols), cb.dim("r1", cols)
    x, y, t0 = cb.input("x", (rows, cols)), cb.output("y", (rows, cols)), cb.temp("t0", (rows,))
    cb.reduce(OpKind.REDUCE_ADD, t0[d0], x[d0, r1], loops=(d0, r1))
    cb.binary(OpKind.MUL, y[d0, d1], x[d0, d1], t0[d0], loops=(d0, d1))
    return cb.build()


ROWSCALE = _rowscale()


@pytest.fixture(scope="module")
def one_unit() -> ACG:
    return loads_arch(ONE_UNIT, source="oneunit.yaml")


@pytest.mark.parametrize(("parts", "cycles"), [(1, 264), (2, 208), (4, 192), (8, 208)])
def test_hand_derived_cycles_and_the_estimate(one_unit: ACG, parts: int, cycles: int) -> None:
    result = compile(ROWSCALE, one_unit, Constraints.of(parts=parts, fuse=True))
    assert [g.parts for g in result.mapping.groups] == [parts]
    sim = Simulator(result.program, one_unit).run()
    assert sim.total_cycles == cycles
    assert result.estimate.cycles == cycles
    # a load, the two stages and a store per part; the cost model counts the same
    assert len(result.program.instrs) == 4 * parts
    assert program_instructions(result.mapping, one_unit) == 4 * parts


def test_the_search_splits_in_two(one_unit: ACG) -> None:
    result = compile(ROWSCALE, one_unit)
    (group,) = result.mapping.groups
    assert (group.parts, group.part_loops) == (2, ("d1", "r1"))
    by_name = {d.name: d for d in result.decisions}
    split = by_name["split"]
    assert split.words == ("each tile in 2 parts along d1, r1: stages 0, 1 run one part at "
                           "a time, x, y move part by part")
    # the search's cost: cycles, 4 per instruction, and 1e-7 per byte moved (2,048)
    assert split.chosen is not None and split.chosen.cost == pytest.approx(208 + 4 * 8)
    assert [(a.words, a.cost) for a in split.alternatives] == [
        ("each tile in 4 parts along d1, r1: stages 0, 1 run one part at a time, x, y move "
         "part by part", pytest.approx(192 + 4 * 16)),
        ("every tile whole", pytest.approx(264 + 4 * 4)),
        ("each tile in 8 parts along d1, r1: stages 0, 1 run one part at a time, x, y move "
         "part by part", pytest.approx(208 + 4 * 32))]
    assert [a.constraints.parts for a in split.alternatives] == [4, 1, 8]  # type: ignore[union-attr]


@pytest.mark.parametrize("parts", [2, 4, 8])
def test_parts_sit_one_after_the_other_and_compute_the_reference(one_unit: ACG,
                                                                 parts: int) -> None:
    program = compile(ROWSCALE, one_unit, Constraints.of(parts=parts, fuse=True)).program
    loads = [ins for ins in program.instrs if isinstance(ins, Transfer) and ins.kind == "load"]
    size = 4 * 64 * 4 // parts  # bytes of one part of x
    width = 64 // parts
    base = loads[0].dst.addr
    assert [(t.dst.addr, t.dst.box) for t in loads] == [
        (base + c * size, ((0, 4), (c * width, (c + 1) * width))) for c in range(parts)]
    assert all(t.dst.strides == () for t in loads)  # each part row-major on its own
    sums = [ins for ins in program.instrs if isinstance(ins, Compute) and ins.stage == 0]
    assert [s.init for s in sums] == [True] + [False] * (parts - 1)  # one sum over the parts
    inputs = {"x": np.random.default_rng(0).uniform(-2, 2, size=(4, 64))}
    Simulator(program, one_unit, inputs).run().check(interpret(ROWSCALE, inputs))


def _group(codelet, arch: str = "genesys") -> tuple[Mapping, Group]:  # type: ignore[no-untyped-def]
    mapping = compile(codelet, load_arch(arch), Constraints.of(parts=1, fuse=True)).mapping
    return mapping, mapping.groups[0]


def test_layernorm_splits_its_columns_in_runs() -> None:
    mapping, group = _group(L.layernorm((8, 64)))
    # d1 (centre, normalise, scale, bias) and r1 (mean, variance) index the same axis of x
    # and t1: one set; 64 columns take 2, 4 or 8 parts
    assert part_loops(mapping, group) == ("d1", "r1")
    assert part_counts(mapping, group) == (2, 4, 8)
    split = Split(((0, 2),)).run(mapping, load_arch("genesys"))
    plan = part_plan(split, split.groups[0])
    assert plan.stage_loop == ("r1", None, "d1", "r1", None, None, None, "d1", "d1", "d1")
    assert dict(plan.axes) == {"x": 1, "t1": 1, "y": 1, "scale": 0, "bias": 0}
    # the mean's sum alone (the centring reads its result), the centring with the
    # variance's sum, the last three stages together
    assert plan.runs == ((0,), (1,), (2, 3), (4,), (5,), (6,), (7, 8, 9))
    assert plan.order == ((0, 0), (0, 1), (1, None), (2, 0), (3, 0), (2, 1), (3, 1),
                          (4, None), (5, None), (6, None), (7, 0), (8, 0), (9, 0),
                          (7, 1), (8, 1), (9, 1))


def test_no_parts_where_one_stage_alone_iterates_the_loops() -> None:
    # a matmul and a relu of its result: only the matmul iterates k
    gemm_relu = L.chain(L.matmul((16, 40), (40, 24)), L.relu((16, 24)), via=("y", "x"))
    mapping, group = _group(gemm_relu, "teaching")
    assert len(group.stages) == 2
    assert part_loops(mapping, group) == ()
    assert part_counts(mapping, group) == ()
    # 6 columns: 2 parts only
    mapping, group = _group(L.layernorm((4, 6)))
    assert part_counts(mapping, group) == (2,)


def test_split_refuses_what_the_group_does_not_allow(one_unit: ACG) -> None:
    mapping = compile(ROWSCALE, one_unit, Constraints.of(parts=1)).mapping
    with pytest.raises(ScheduleError, match=r"split: 3 parts for group 0 of rowscale along "
                                            r"d1, r1") as exc:
        Split(((0, 3),)).run(mapping, one_unit)
    assert exc.value.hint == "parts the group allows: 2, 4, 8"
    with pytest.raises(ScheduleError, match=r"split: rowscale has no group 1 \(it has 1\)"):
        Split(((1, 2),)).run(mapping, one_unit)
    gemm, _ = _group(L.matmul((16, 40), (40, 24)), "teaching")
    with pytest.raises(ScheduleError, match="none: no loop qualifies"):
        Split(((0, 2),)).run(gemm, load_arch("teaching"))


@pytest.mark.parametrize("parts", [0, -2, True, 2.0])
def test_the_parts_constraint_takes_a_positive_int(parts: object) -> None:
    with pytest.raises(UsageError, match="argument 'parts' to Constraints: expected a "
                                         "positive int"):
        Constraints.of(parts=parts)  # type: ignore[arg-type]


def test_bert_layernorm_on_genesys() -> None:
    # rows of 32 on the 32 lanes, 4 parts of 192 columns: a part of a streaming stage takes
    # 192 + 4 cycles, so a tile 6 x 4 x 196 + 5 + 5 + 5 + 12 (the per-row stages) = 4,731;
    # x's first tile arrives part by part every 384 cycles (24,576 B at 64 B/cycle), the
    # mean's sum following each: from 1,536 the SIMD unit runs without a stop, the three sums
    # done before it, 4 x 4,731 - 3 x 196 cycles; then the last part of y, 384 cycles:
    # 1,536 + 18,336 + 384 = 20,256 (21,708 with whole tiles: 1,536 + 4 x 4,659 + 1,536)
    acg = load_arch("genesys")
    result = compile(load_suite_layer("bert_layernorm")[0], acg)
    (group,) = result.mapping.groups
    assert (group.tiles, group.parts) == (((32,),), 4)
    sim = Simulator(result.program, acg).run()
    assert sim.total_cycles == result.estimate.cycles == 20_256
    assert 15_388 / sim.total_cycles > 0.75  # the ideal bound: the SIMD unit's 5 streams


def test_bert_layernorm_on_hvx_is_split_and_follows_the_estimate() -> None:
    acg = load_arch("hvx")
    result = compile(load_suite_layer("bert_layernorm")[0], acg)
    assert result.mapping.groups[0].parts > 1
    sim = Simulator(result.program, acg).run()
    assert result.estimate.cycles == pytest.approx(sim.total_cycles, rel=0.03)
    assert 13_842 / sim.total_cycles > 0.75
