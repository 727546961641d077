"""Each feature of the architecture format that real machines need, on a small file written
here, with the simulated cycles or bytes derived by hand in the test."""

from __future__ import annotations

from dataclasses import replace

import pytest

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import Constraints, compile
from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.errors import MappingError, SimulationError
from covenant_lab.sim import Simulator
from covenant_lab.types import OpKind, Role
from tests.compiler.conftest import random_inputs


def _arch(text: str, name: str) -> ACG:
    return loads_arch(text, source=f"{name}.yaml")


def _run(result_program: Program, acg: ACG, codelet: object) -> Simulator:
    """Simulate with values and check against the interpreter."""
    from covenant_lab.codelets.ir import Codelet

    assert isinstance(codelet, Codelet)
    inputs = random_inputs(codelet)
    sim = Simulator(result_program, acg, inputs).run()
    sim.check(interpret(codelet, inputs), layer=codelet.name)
    return sim


def _moved(program: Program, src: str, dst: str) -> list[int]:
    return [t.nbytes for t in program.transfers if (t.edge.src, t.edge.dst) == (src, dst)]


# -- a type change along a path: int32 accumulators leave as int8 ---------------------------
QUANT = """
name: quant
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  BUF: {capacity_bytes: 65536, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
  ACC: {capacity_bytes: 65536, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
compute:
  pe:
    dims: {rows: 4, cols: 4}
    capabilities:
      - op: mac
        operands: {a: BUF, b: BUF, acc: ACC}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: stream
edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: 16}
  - {from: ACC, to: DRAM, bytes_per_cycle: 16CONVERT}
  - {from: BUF, to: pe, bytes_per_cycle: 64}
  - {from: pe, to: ACC, bytes_per_cycle: 64}
"""


@pytest.mark.parametrize(("convert", "elem", "stored"), [(", dtype: int8", 1, 64), ("", 4, 256)])
def test_a_converting_edge_counts_outputs_at_the_narrower_width(
    convert: str, elem: int, stored: int
) -> None:
    # y = 8 x 8 elements: int32 in the accumulators (256 B), int8 past the converting edge
    acg = _arch(QUANT.replace("CONVERT", convert), "quant")
    gemm = L.matmul((8, 16), (16, 8))
    r = compile(gemm, acg)
    assert r.program.tensor("y").elem_bytes == elem
    assert sum(_moved(r.program, "ACC", "DRAM")) == stored
    acc_tiles = [t for c in r.program.computes for role, t in c.tiles if role == "acc"]
    assert {t.elem_bytes for t in acc_tiles} == {4}
    _run(r.program, acg, gemm)


# -- a scalar operand in a 4-byte scale register ---------------------------------------------
SCALE = """
name: scale
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  BUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  SREG: {capacity_bytes: 4, read_bytes_per_cycle: 4, write_bytes_per_cycle: 4}
compute:
  vec:
    dims: {lanes: 4}
    capabilities:
      - {op: mul, operands: {a: BUF, b: SREG, out: BUF}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: 8}
  - {from: BUF, to: DRAM, bytes_per_cycle: 8}
  - {from: DRAM, to: SREG, bytes_per_cycle: 4}
  - {from: BUF, to: vec, bytes_per_cycle: 16}
  - {from: SREG, to: vec, bytes_per_cycle: 4}
  - {from: vec, to: BUF, bytes_per_cycle: 16}
"""


def test_a_scalar_operand_is_loaded_once_into_its_register() -> None:
    acg = _arch(SCALE, "scale")
    scaled = L.elementwise(OpKind.MUL, (8, 16), (), b_role=Role.WEIGHT)
    r = compile(scaled, acg)
    assert _moved(r.program, "DRAM", "SREG") == [4]  # one int32, hoisted out of every loop
    _run(r.program, acg, scaled)


# -- a fractional bandwidth ------------------------------------------------------------------
SLOW = """
name: slow
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 2.4, write_bytes_per_cycle: 2.4}
  BUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  vec:
    dims: {lanes: 4}
    capabilities:
      - {op: relu, operands: {a: BUF, out: BUF}, dtypes: {a: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: 16}
  - {from: BUF, to: DRAM, bytes_per_cycle: 16}
  - {from: BUF, to: vec, bytes_per_cycle: 16}
  - {from: vec, to: BUF, bytes_per_cycle: 16}
"""


def test_a_fractional_bandwidth_rounds_each_transfer_up() -> None:
    # 100 int32 = 400 B at 2.4 B/cycle: ceil(166.7) = 167 cycles to load and to store;
    # the 100 elements fold 25 times over 4 lanes, each fold stream 1 + 2 = 3 cycles: 75;
    # one tile: 167 + 75 + 167 = 409
    acg = _arch(SLOW, "slow")
    r = compile(L.relu((1, 100)), acg, Constraints.of(tiles={"d0": 1, "d1": 100}))
    sim = Simulator(r.program, acg).run()
    s = sim.schedule
    assert [s.end[i] - s.start[i] for i in range(len(s))] == [167, 75, 167]
    assert sim.total_cycles == 409


# -- a node with its own clock ---------------------------------------------------------------
CLOCKED = SLOW.replace("name: slow", "name: clocked\nclock_mhz: 700").replace(
    "dims: {lanes: 4}", "clock_mhz: 2100\n    dims: {lanes: 1}"
).replace("2.4", "8").replace("stream + 2", "stream + 3")


def test_a_node_with_its_own_clock_counts_reference_cycles() -> None:
    # 100 elements fold 100 times over one lane, each fold stream 1 + 3 = 4 node cycles:
    # 400 node cycles at 2100 MHz = 133.3 cycles of the 700 MHz reference clock: 134
    acg = _arch(CLOCKED, "clocked")
    assert acg.compute("vec").period_cycles == pytest.approx(1 / 3)
    r = compile(L.relu((1, 100)), acg, Constraints.of(tiles={"d0": 1, "d1": 100}))
    (c,) = r.program.computes
    assert c.cycles == 134


# -- homes, a weight FIFO and an uneven path: a TPU in miniature ----------------------------
MINI_TPU = """
name: mini_tpu
homes: {weights: WDRAM, activations: HOST}
storage:
  HOST: {off_chip: true, read_bytes_per_cycle: 4, write_bytes_per_cycle: 4}
  WDRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  UB: {capacity_bytes: 4096, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  WFIFO: {access: fifo, entries: 2, entry_bytes: 64, read_bytes_per_cycle: 8,
          write_bytes_per_cycle: 8}
  ACC: {capacity_bytes: 4096, read_bytes_per_cycle: 32, write_bytes_per_cycle: 32}
compute:
  mmu:
    dims: {rows: 8, cols: 8}
    capabilities:
      - op: mac
        operands: {a: UB, b: WFIFO, acc: ACC}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        stream: {excludes: [b]}
        cycles: stream + 8
edges:
  - {from: HOST, to: UB, bytes_per_cycle: 4}
  - {from: UB, to: HOST, bytes_per_cycle: 4}
  - {from: WDRAM, to: WFIFO, bytes_per_cycle: 8}
  - {from: ACC, to: UB, bytes_per_cycle: 32, dtype: int8}
  - {from: UB, to: mmu, bytes_per_cycle: 8}
  - {from: WFIFO, to: mmu, bytes_per_cycle: 8}
  - {from: mmu, to: ACC, bytes_per_cycle: 32}
"""


def test_weights_stream_from_their_own_memory_through_the_fifo_in_entry_sized_tiles() -> None:
    # w is 32 x 16 int8 = 512 B; the FIFO holds two 64 B entries: w must be split into
    # tiles of at most one entry (64 B), each pushed once: 8 pushes of 64 B
    acg = _arch(MINI_TPU, "mini_tpu")
    gemm = L.matmul((8, 32), (32, 16))
    r = compile(gemm, acg)
    assert r.capabilities == ("mmu.mac",)
    homes = {t.operand: (t.storage.name, t.addr) for t in r.program.tensors}
    assert homes == {"a": ("HOST", 0), "b": ("WDRAM", 0), "y": ("HOST", 256)}
    assert _moved(r.program, "WDRAM", "WFIFO") == [64] * 8
    # y leaves the accumulators as int8 (128 B) and crosses to the host at that width
    assert sum(_moved(r.program, "UB", "HOST")) == 8 * 16
    _run(r.program, acg, gemm)


def test_a_fifo_read_out_of_order_is_a_sanitizer_error() -> None:
    acg = _arch(MINI_TPU, "mini_tpu")
    r = compile(L.matmul((8, 32), (32, 16)), acg)
    # push w0, push w1 (one tile ahead), run on w0, push w2, run on w1 -> push w0, push w1,
    # run on w1, run on w0, push w2 (the accumulation starts on w1 instead: a valid program
    # but for the FIFO's order)
    instrs = list(r.program.instrs)
    run0, run1 = [k for k, ins in enumerate(instrs) if isinstance(ins, Compute)][:2]
    first, then = instrs[run0], instrs[run1]
    assert isinstance(first, Compute) and isinstance(then, Compute)
    assert [instrs[k].dst.storage.name for k in range(run0 - 2, run0)] == ["WFIFO"] * 2  # type: ignore[union-attr]
    instrs[run0], instrs[run1] = replace(first, init=False), replace(then, init=True)
    order = [*range(run0), run1, run0, *(k for k in range(run0 + 1, len(instrs)) if k != run1)]
    swapped = tuple(replace(instrs[j], index=k) for k, j in enumerate(order))
    bad = Program(r.program.codelet, r.program.arch, r.program.tensors, swapped,
                  extents=r.program.extents)
    with pytest.raises(SimulationError, match=r"from FIFO WFIFO after a later entry was read"):
        Simulator(bad, acg).run()


def test_a_tile_larger_than_a_fifo_entry_is_a_sanitizer_error() -> None:
    acg = _arch(MINI_TPU, "mini_tpu")
    r = compile(L.matmul((8, 32), (32, 16)), acg)
    # the first push of w (64 B, one entry) widened to twice the rows: 128 B for 64 B entries
    instrs = list(r.program.instrs)
    (k, push) = next((k, t) for k, t in enumerate(instrs)
                     if isinstance(t, Transfer) and t.dst.storage.name == "WFIFO")
    (r0, r1), cols = push.dst.box
    wide = replace(push.dst, box=((r0, r0 + 2 * (r1 - r0)), cols))
    instrs[k] = replace(push, dst=wide)
    bad = Program(r.program.codelet, r.program.arch, r.program.tensors, tuple(instrs),
                  extents=r.program.extents)
    with pytest.raises(SimulationError, match=r"into FIFO WFIFO, whose entries hold 64 B"):
        Simulator(bad, acg).run()


# -- storage private to each PE -------------------------------------------------------------
PRIVATE = """
name: private
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  BUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  WSPAD: {private_to: pes, capacity_bytes: 8, read_bytes_per_cycle: 1, write_bytes_per_cycle: 1}
compute:
  pes:
    dims: {lanes: 4}
    capabilities:
      - op: mac
        operands: {a: BUF, b: WSPAD, acc: BUF}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial: {lanes: {requires: [b, acc], excludes: [a]}}
        cycles: stream
edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: 8}
  - {from: BUF, to: DRAM, bytes_per_cycle: 8}
  - {from: DRAM, to: WSPAD, bytes_per_cycle: 8}
  - {from: BUF, to: pes, bytes_per_cycle: 16}
  - {from: WSPAD, to: pes, bytes_per_cycle: 4}
  - {from: pes, to: BUF, bytes_per_cycle: 16}
"""


def test_a_private_storage_holds_a_tile_per_pe() -> None:
    # n = 4 spreads over the 4 lanes: each PE keeps k x 1 weights of 1 B in its 8 B spad.
    # k = 8: 8 B per PE (32 B over the four); k = 16 would need 16 B per PE.
    acg = _arch(PRIVATE, "private")
    assert acg.storage("WSPAD").total_bytes == 32
    gemm = L.matmul((4, 16), (16, 4))
    r = compile(gemm, acg, Constraints.of(tiles={"k": 8}))
    assert _moved(r.program, "DRAM", "WSPAD") == [32, 32]  # one transfer feeds all four spads
    _run(r.program, acg, gemm)
    with pytest.raises(
        MappingError, match=r"tiles need 16 B per PE in WSPAD \(b 16 B\), which holds 8 B per PE"
    ):
        compile(gemm, acg, Constraints.of(tiles={"k": 16}))


# -- row stationary: a dimension with two entries, per-PE spads -----------------------------
ROW_STATIONARY = """
name: row_stationary
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  GLB: {capacity_bytes: 4096, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  ISPAD: {private_to: pe, capacity_bytes: 16, read_bytes_per_cycle: 2, write_bytes_per_cycle: 2}
  WSPAD: {private_to: pe, capacity_bytes: 16, read_bytes_per_cycle: 2, write_bytes_per_cycle: 2}
  PSPAD: {private_to: pe, capacity_bytes: 16, read_bytes_per_cycle: 2, write_bytes_per_cycle: 2}
compute:
  pe:
    dims: {rows: 3, cols: 4}
    capabilities:
      - op: mac
        operands: {a: ISPAD, b: WSPAD, acc: PSPAD}
        dtypes: {a: int8, b: int8, acc: int16}
        spatial:
          rows: {requires: [a, b], excludes: [acc]}              # filter rows
          cols: [{requires: [a, acc], excludes: [b]},            # output rows
                 {requires: [b, acc], excludes: [a]}]            # output channels
        cycles: stream
edges:
  - {from: DRAM, to: GLB, bytes_per_cycle: 8}
  - {from: GLB, to: DRAM, bytes_per_cycle: 8}
  - {from: DRAM, to: WSPAD, bytes_per_cycle: 8}
  - {from: GLB, to: ISPAD, bytes_per_cycle: 8}
  - {from: PSPAD, to: GLB, bytes_per_cycle: 8}
  - {from: GLB, to: PSPAD, bytes_per_cycle: 8}
  - {from: ISPAD, to: pe, bytes_per_cycle: 2}
  - {from: WSPAD, to: pe, bytes_per_cycle: 2}
  - {from: pe, to: PSPAD, bytes_per_cycle: 2}
"""


def test_row_stationary_reuse_shows_in_the_traffic() -> None:
    # conv 1 x 6 x 6 -> 2 x 4 x 4 with 3 x 3 filters: kh on the 3 rows, oh (4) and oc (2) on
    # the 4 columns (two entries: 8 > 4, so 2 folds), ow and kw stream: 2 x (4 x 3) = 24.
    # Per PE: one ifmap row (6 B), one filter row of both filters (6 B), a psum row of both
    # (2 x 4 x 2 B = 16 B): the whole layer is one invocation.
    acg = _arch(ROW_STATIONARY, "row_stationary")
    conv = L.conv2d((1, 1, 6, 6), (2, 1, 3, 3))
    r = compile(conv, acg, Constraints.of(spatial={"rows": "kh", "cols": ("oh", "oc")}))
    (c,) = r.program.computes
    assert c.cycles == 24
    params = dict(c.params)
    assert (params["used_rows"], params["used_cols"], params["folds_cols"]) == (3, 4, 2)
    # ifmap rows shared along the diagonals cross once: the 6 x 6 union (36 B), not the
    # 12 PEs' rows (72 B); psums add up across the rows inside the array and leave once
    assert _moved(r.program, "GLB", "ISPAD") == [36]
    assert _moved(r.program, "PSPAD", "GLB") == [2 * 4 * 4 * 2]
    assert _moved(r.program, "GLB", "PSPAD") == []
    _run(r.program, acg, conv)


# -- the model's own inputs and outputs in a memory of their own ----------------------------
HOSTED_IO = """
name: hosted_io
homes: {weights: DRAM, activations: DRAM, model_inputs: HOST, model_outputs: HOST}
storage:
  HOST: {off_chip: true, read_bytes_per_cycle: 4, write_bytes_per_cycle: 4}
  DRAM: {off_chip: true, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  BUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  vec:
    dims: {lanes: 4}
    capabilities:
      - {op: relu, operands: {a: BUF, out: BUF}, dtypes: {a: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
      - {op: tanh, operands: {a: BUF, out: BUF}, dtypes: {a: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
edges:
  - {from: HOST, to: BUF, bytes_per_cycle: 4}
  - {from: BUF, to: HOST, bytes_per_cycle: 4}
  - {from: DRAM, to: BUF, bytes_per_cycle: 16}
  - {from: BUF, to: DRAM, bytes_per_cycle: 16}
  - {from: BUF, to: vec, bytes_per_cycle: 16}
  - {from: vec, to: BUF, bytes_per_cycle: 16}
"""


def test_model_inputs_and_outputs_live_in_their_own_memory() -> None:
    from covenant_lab.compiler import compile_model
    from covenant_lab.frontends.onnx import load
    from covenant_lab.sim.compiled import simulate_model
    from tests.frontends.onnx._build import make_model, node

    acg = _arch(HOSTED_IO, "hosted_io")
    model = load(make_model([node("Relu", ["x"], ["t"], name="first"),
                             node("Tanh", ["t"], ["y"], name="second")], {"x": (4, 8)}, ["y"]))
    result = compile_model(model, acg, fuse=False)
    first, second = (c.result.program for c in result.layers)
    assert {t.operand: t.storage.name for t in first.tensors} == {"x": "HOST", "y": "DRAM"}
    assert {t.operand: t.storage.name for t in second.tensors} == {"x": "DRAM", "y": "HOST"}
    assert [s.check for s in simulate_model(result, check=True)] == ["pass", "pass"]
