"""Programs altered after compilation (issue #13): each alteration that once ran to a wrong
result, a raw ValueError or a numpy error is refused with a SimulationError naming the
instruction (or the stage or output) — the cases of tests/fuzz/test_programs.py, kept."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from covenant_lab.acg import load_arch
from covenant_lab.compiler import compile
from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.frontends.onnx import load
from covenant_lab.sim import Simulator
from tests.frontends.onnx._build import make_model, node

from ._build import tiled_gemm, tiny

RNG = np.random.default_rng(7)
A, B = RNG.standard_normal((8, 12)), RNG.standard_normal((12, 8))
GEMM = tiled_gemm(8, 8, 12, 4)  # loads, 3 MACs per c tile (init on the first), a store each


def _set(program: Program, i: int, **fields: object) -> Program:
    instrs = list(program.instrs)
    instrs[i] = dataclasses.replace(instrs[i], **fields)
    return dataclasses.replace(program, instrs=tuple(instrs))


def _set_tile(program: Program, i: int, role: str, **fields: object) -> Program:
    ins = program.instrs[i]
    assert isinstance(ins, Compute)
    tiles = tuple((r, dataclasses.replace(t, **fields) if r == role else t) for r, t in ins.tiles)
    return _set(program, i, tiles=tiles)


def _first(kind: type, program: Program = GEMM, *, after: int = 0) -> int:
    return next(i for i, ins in enumerate(program.instrs) if isinstance(ins, kind) and i >= after)


def _run(program: Program) -> None:
    Simulator(program, tiny(), {"a": A, "b": B}).run()


def test_the_untouched_program_is_right() -> None:
    sim = Simulator(GEMM, tiny(), {"a": A, "b": B}).run()
    np.testing.assert_allclose(sim.outputs()["c"], A @ B)


def test_element_size_zero() -> None:
    with pytest.raises(SimulationError, match=(
            r"program 'gemm' for tiny: instruction 0 \(transfer load DRAM->SPAD of 'a', origin "
            r"'t/load'\): destination tile: element size 0 is not a positive int")):
        _set(GEMM, 0, dst=dataclasses.replace(GEMM.instrs[0].dst, elem_bytes=0))  # type: ignore[union-attr]


def test_an_inverted_compute_box() -> None:
    i = _first(Compute)
    with pytest.raises(SimulationError, match=(
            rf"instruction {i} \(compute mac on pe, stage 0, origin 't/stage0'\): box loop m "
            r"\[4, 0\) ends before it starts")):
        _set(GEMM, i, box=(("m", 4, 0), ("n", 0, 4), ("k", 0, 4)))


def test_an_inverted_tile_box() -> None:
    with pytest.raises(SimulationError, match=r"instruction 0 .*destination tile: box axis 0 "
                                              r"\[4, 0\) ends before it starts"):
        _set(GEMM, 0, dst=dataclasses.replace(GEMM.instrs[0].dst, box=((4, 0), (0, 4))))  # type: ignore[union-attr]


def test_the_init_flag_toggled_off() -> None:
    i = _first(Compute)
    with pytest.raises(SimulationError, match=r"sim: gemm: stage 0 \('mac'\): no compute "
                                              r"initialises c at m=0, n=0"):
        _run(_set(GEMM, i, init=False))


def test_the_init_flag_toggled_on_throws_partial_sums_away() -> None:
    first = _first(Compute)
    second = _first(Compute, after=first + 1)
    with pytest.raises(SimulationError, match=(
            rf"instruction {second} \(compute mac on pe, stage 0, origin 't/stage0'\): "
            rf"initialises stage 0 \('mac'\) over a box instruction {first} initialised already: "
            r"the partial sums in between are thrown away")):
        _run(_set(GEMM, second, init=True))


def test_the_last_store_deleted() -> None:
    cut = dataclasses.replace(GEMM, instrs=GEMM.instrs[:-1])
    with pytest.raises(SimulationError, match=(
            r"sim: gemm: output 'c' \[8, 8\]: no instruction writes 16 of its 64 elements into "
            r"its home in off-chip memory \(first: c\[4, 4\]\)")):
        Simulator(cut, tiny())  # timing only: refused up front too


def test_a_negative_latency() -> None:
    i = _first(Compute)
    with pytest.raises(SimulationError, match=rf"instruction {i} .*: latency_cycles -3 is not "
                                              r"a non-negative int"):
        _set(GEMM, i, latency_cycles=-3)


def test_a_compute_deleted_in_the_middle_of_a_reduction() -> None:
    second = _first(Compute, after=_first(Compute) + 1)
    instrs = [dataclasses.replace(ins, index=k) for k, ins in
              enumerate(GEMM.instrs[:second] + GEMM.instrs[second + 1:])]
    with pytest.raises(SimulationError, match=r"sim: gemm: stage 0 \('mac', mac\): the computes "
                                              r"run 704 iterations, the stage has 768"):
        Simulator(dataclasses.replace(GEMM, instrs=tuple(instrs)), tiny())


def test_instructions_out_of_order_name_their_position() -> None:
    instrs = list(GEMM.instrs)
    instrs[0], instrs[1] = instrs[1], instrs[0]
    with pytest.raises(SimulationError, match=r"instruction 0 .*: index 1 is not its position 0"):
        dataclasses.replace(GEMM, instrs=tuple(instrs))


def test_an_edge_with_no_source_name() -> None:
    load0 = GEMM.instrs[0]
    assert isinstance(load0, Transfer)
    with pytest.raises(SimulationError, match=r"instruction 0 .*: edge Edge\(src=None"):
        _set(GEMM, 0, edge=dataclasses.replace(load0.edge, src=None))


def test_a_storage_with_another_capacity_is_not_the_architectures() -> None:
    load0 = GEMM.instrs[0]
    assert isinstance(load0, Transfer)
    bigger = dataclasses.replace(load0.dst.storage, capacity_bytes=1 << 30)
    with pytest.raises(SimulationError, match=(
            r"sim: instruction 0 .*: tile of 'a': storage SPAD differs from architecture "
            r"'tiny': capacity_bytes 1073741824 here, 1024 there")):
        Simulator(_set(GEMM, 0, dst=dataclasses.replace(load0.dst, storage=bigger)), tiny())


def test_an_edge_with_another_bandwidth_is_not_the_architectures() -> None:
    load0 = GEMM.instrs[0]
    assert isinstance(load0, Transfer)
    faster = dataclasses.replace(load0.edge, bytes_per_cycle=1e6)
    with pytest.raises(SimulationError, match=r"instruction 0 .*: edge DRAM->SPAD differs from "
                                              r"the architecture's: bytes_per_cycle 1000000\.0"):
        Simulator(_set(GEMM, 0, edge=faster), tiny())


def test_a_capability_the_node_lacks() -> None:
    i = _first(Compute)
    with pytest.raises(SimulationError, match=rf"instruction {i} .*: node pe has no capability "
                                              r"'conv'"):
        Simulator(_set(GEMM, i, capability="conv"), tiny())


def test_a_capability_of_another_op() -> None:
    i = _first(Compute)
    with pytest.raises(SimulationError, match=rf"instruction {i} .*: capability 'relu' performs "
                                              r"relu, stage 0 is mac"):
        Simulator(_set(GEMM, i, capability="relu"), tiny())


# -- found by the fuzzer on a compiled softmax (six stages, two of them in place) -------------
@functools.cache
def _softmax() -> tuple[Program, dict[str, np.ndarray]]:
    arch = load_arch("teaching", params={"spad_kib": 1})
    model = load(make_model([node("Softmax", ["x"], axis=-1)], {"x": (3, 10)}, ["y"]))
    layer = model.layers[0]
    program = compile(layer, arch).program
    return program, layer.operand_values(model.random_inputs(seed=1), model.initializers)


def _in_place(program: Program) -> int:
    """The compute of the exp stage (t1 = exp(t1), one tile read and written)."""
    return next(i for i, ins in enumerate(program.instrs)
                if isinstance(ins, Compute) and program.codelet.stages[ins.stage].label == "exp")


def test_an_in_place_stage_deleted() -> None:
    program, _ = _softmax()
    i = _in_place(program)
    instrs = [dataclasses.replace(ins, index=k)
              for k, ins in enumerate(program.instrs[:i] + program.instrs[i + 1:])]
    with pytest.raises(SimulationError, match=r"stage 2 \('exp', exp\): the computes run 0 "
                                              r"iterations, the stage has 30"):
        Simulator(dataclasses.replace(program, instrs=tuple(instrs)), load_arch(
            "teaching", params={"spad_kib": 1}))


def test_an_in_place_stage_repeated() -> None:
    program, _ = _softmax()
    i = _in_place(program)
    instrs = list(program.instrs)
    instrs.insert(i, instrs[i])
    again = [dataclasses.replace(ins, index=k) for k, ins in enumerate(instrs)]
    with pytest.raises(SimulationError, match=rf"instruction {i + 1} .*: computes stage 2 "
                                              rf"\('exp'\) over a box instruction {i} computed "
                                              r"already: twice is another result"):
        Simulator(dataclasses.replace(program, instrs=tuple(again)), load_arch(
            "teaching", params={"spad_kib": 1}))


def test_an_output_tile_moved_leaves_a_stale_copy() -> None:
    program, inputs = _softmax()
    i = _in_place(program)
    moved = _set_tile(program, i, "out", addr=0)  # exp writes t1 elsewhere; the sum reads t1
    with pytest.raises(SimulationError, match=(
            rf"instruction {i + 1} .*: reads t1\[0:3, 0:10\] at SPAD\[252, 372\), a stale copy: "
            rf"instruction {i} \(compute exp on vector, stage 2, origin '.*'\) has since "
            r"computed new values of it into t1\[0:3, 0:10\] at SPAD\[0, 120\)")):
        Simulator(moved, load_arch("teaching", params={"spad_kib": 1}), inputs).run()


def test_a_stage_run_before_the_one_producing_what_it_reads() -> None:
    program, inputs = _softmax()
    i = _in_place(program)  # exp, then the sum of exp: swapped, the sum reads t1 - max
    instrs = list(program.instrs)
    instrs[i], instrs[i + 1] = instrs[i + 1], instrs[i]
    swapped = tuple(dataclasses.replace(ins, index=k) for k, ins in enumerate(instrs))
    with pytest.raises(SimulationError, match=(
            rf"instruction {i} \(compute reduce_add on vector, stage 3, origin '.*'\): reads "
            r"t1\[0, 0\] \(role 'a'\) as stage 1 \('shift'\) left it, but stage 3 reads it as "
            r"stage 2 \('exp'\) leaves it")):
        Simulator(dataclasses.replace(program, instrs=swapped),
                  load_arch("teaching", params={"spad_kib": 1}), inputs)


def test_a_store_moved_before_the_last_computes_of_its_tile() -> None:
    last_store = len(GEMM.instrs) - 1
    last_compute = _first(Compute, after=last_store - 1) if isinstance(
        GEMM.instrs[last_store - 1], Compute) else last_store - 1
    instrs = list(GEMM.instrs)
    instrs.insert(last_compute, instrs.pop(last_store))  # stores partial sums, then adds more
    moved = tuple(dataclasses.replace(ins, index=k) for k, ins in enumerate(instrs))
    with pytest.raises(SimulationError, match=(
            r"sim: gemm: at the end of the run, output 'c' in DRAM holds values that are not "
            rf"its last: instruction {last_compute + 1} \(compute mac on pe, stage 0, origin "
            r"'t/stage0'\) computed newer ones into c\[4:8, 4:8\] at SPAD\[.*\), never stored")):
        Simulator(dataclasses.replace(GEMM, instrs=moved), tiny()).run()  # timing only too
