"""The host-memory budget (issue #13): what cannot fit is refused up front with its size and
the budget, by the simulator, the compiler and the command line; what fits never pays for
memory it does not use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from covenant_lab.acg import load_arch
from covenant_lab.budget import parse_size, size_text
from covenant_lab.cli import main
from covenant_lab.compiler import compile
from covenant_lab.compiler.model import FailedLayer, compile_model
from covenant_lab.errors import MappingError, SimulationError, UsageError
from covenant_lab.frontends.onnx import load
from covenant_lab.sim import Simulator
from covenant_lab.sim.compiled import NOT_SIMULATED, simulate_model
from tests.frontends.onnx._build import make_model, node

from ._build import tiled_gemm, tiny

RNG = np.random.default_rng(11)
A, B = RNG.standard_normal((8, 12)), RNG.standard_normal((12, 8))


def test_a_simulation_over_the_budget_is_refused_naming_sizes_and_budget() -> None:
    program = tiled_gemm(8, 8, 12, 4)
    n = len(program.instrs)
    with pytest.raises(SimulationError, match=(
            rf"sim: gemm: functional simulation needs .* of host memory \(\w+: 1\.0 KiB of "
            rf"simulated bytes x 9; {n} instructions x 1024 B\), over the memory budget of "
            r"10\.0 KiB")) as info:
        Simulator(program, tiny(), {"a": A, "b": B}, max_memory=10 * 1024)
    assert "timing-only" in (info.value.hint or "")
    Simulator(program, tiny(), max_memory=64 * 1024).run()  # timing only: no values to hold
    with pytest.raises(SimulationError, match=rf"timing simulation needs 40\.0 KiB of host "
                                              rf"memory \({n} instructions x 1024 B\)"):
        Simulator(program, tiny(), max_memory=10 * 1024)


def test_max_memory_must_be_a_positive_number_of_bytes() -> None:
    for bad in (0, -1, "2G", 1.5, True):
        with pytest.raises(UsageError, match=r"argument 'max_memory' to Simulator"):
            Simulator(tiled_gemm(8, 8, 12, 4), tiny(), max_memory=bad)  # type: ignore[arg-type]


def test_a_huge_on_chip_memory_costs_only_the_bytes_the_program_uses() -> None:
    # 1 TiB of scratchpad: values for it all would be 9 TiB; the program uses a few KiB
    arch = load_arch("teaching", params={"spad_kib": 2**30})
    model = load(make_model([node("MatMul", ["x", "w"])], {"x": (8, 16)}, ["y"],
                            {"w": RNG.standard_normal((16, 4)).astype(np.float32)}))
    layer = model.layers[0]
    result = compile(layer, arch)
    x = model.random_inputs()
    sim = Simulator(result.program, arch, layer.operand_values(x, model.initializers)).run()
    assert sim._memory.nbytes < 2**20
    np.testing.assert_allclose(sim.outputs()[layer.codelet.outputs[0].name].reshape(8, 4),
                               model.reference(x)["y"], rtol=1e-5)


def _matmul(rows: int) -> object:
    return load(make_model([node("MatMul", ["x", "w"])], {"x": (rows, 64)}, ["y"],
                           {"w": np.zeros((64, 64), np.float32)}))


def test_compile_refuses_a_program_too_long_or_too_big_to_hold_before_lowering_it() -> None:
    # 1,000,003 rows (no divisor but itself below 1,000) on the 16 KiB teaching machine: 634,960
    # instructions even with ragged row blocks (7,937 blocks of 126 rows, 80 instructions each;
    # about 3 million when every block divided the rows): over the instruction budget, and
    # over a 256 MiB memory budget when the instruction budget is raised
    layer = _matmul(1_000_003).layers[0]  # type: ignore[attr-defined]
    with pytest.raises(MappingError, match=(
            r"compile: matmul: the program has 634,960 instructions, over the budget of "
            r"500,000\nhint: pass max_instructions=\.\.\. \(--max-instructions")):
        compile(layer, load_arch("teaching"))
    with pytest.raises(MappingError, match=(
            r"compile: matmul: the program needs 620\.1 MiB of host memory \(634,960 "
            r"instructions x 1024 B\), over the memory budget of 256\.0 MiB")):
        compile(layer, load_arch("teaching"), max_instructions=10**7, max_memory=2**28)


# inputs that once ran for minutes (issue #13): each is refused by the instruction budget
# in well under a second, naming its count (the cost model's count is the lowered one)
LONG_RUNNING = {
    "a 1M-row matmul on teaching": (lambda: _matmul(1_000_003), {}, 634_960),
    "a 64 KiB-activation conv on a 1 KiB scratchpad": (
        lambda: load(make_model([node("Conv", ["x", "w"], pads=[1, 1, 1, 1])],
                                {"x": (1, 64, 128, 128)}, ["y"],
                                {"w": np.zeros((64, 64, 3, 3), np.float32)})),
        {"spad_kib": 1}, None),
    "a 200k-row matmul on a 1 KiB scratchpad": (lambda: _matmul(200_000), {"spad_kib": 1}, None),
}


@pytest.mark.parametrize("case", sorted(LONG_RUNNING))
def test_inputs_that_ran_for_minutes_are_refused_up_front(case: str) -> None:
    build, params, count = LONG_RUNNING[case]
    layer = build().layers[0]  # type: ignore[attr-defined]
    with pytest.raises(MappingError, match=r"instructions, over the budget of 500,000") as info:
        compile(layer, load_arch("teaching", params=params))
    if count is not None:
        assert f"{count:,} instructions" in str(info.value)


def test_the_simulator_refuses_a_program_over_the_instruction_budget() -> None:
    program = tiled_gemm(8, 8, 12, 4)
    n = len(program.instrs)
    with pytest.raises(SimulationError, match=rf"sim: gemm: the program has {n} instructions, "
                                              r"over the budget of 5\nhint: pass "
                                              r"max_instructions="):
        Simulator(program, tiny(), max_instructions=5)
    Simulator(program, tiny(), max_instructions=n).run()
    for bad in (0, -3, 2.5, "9", True):
        with pytest.raises(UsageError, match=r"argument 'max_instructions' to Simulator"):
            Simulator(program, tiny(), max_instructions=bad)  # type: ignore[arg-type]


def _big_then_relu() -> object:
    # on teaching, unfused: 'big' lowers to 832 instructions, its Relu 'small' to 192
    return load(make_model([node("MatMul", ["x", "w"], ["h"], name="big"),
                            node("Relu", ["h"], ["y"], name="small")],
                           {"x": (1024, 64)}, ["y"], {"w": RNG.standard_normal((64, 64))
                                                      .astype(np.float32)}))


def test_a_layer_over_the_budget_is_a_row_and_the_layers_after_it_still_run() -> None:
    model = _big_then_relu()
    result = compile_model(model, load_arch("teaching"), fuse=False)  # type: ignore[arg-type]
    rows = simulate_model(result, check=True, max_instructions=500)
    assert [(r.layer, r.check) for r in rows] == [("big", NOT_SIMULATED), ("small", "pass")]
    big = rows[0]
    assert big.cycles == 0 and big.instructions > 500
    assert f"sim: matmul: the program has {big.instructions:,} instructions, over the budget " \
           "of 500" in big.message


def test_covenant_simulate_reports_the_refused_layer_and_runs_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(_big_then_relu().proto.SerializeToString())  # type: ignore[attr-defined]
    out = tmp_path / "r.json"
    # 8 MiB: enough to compile both and to simulate 'small', not 'big' (~12 MiB functionally)
    assert main(["simulate", str(path), "--arch", "teaching", "--no-fuse", "--check",
                 "--max-memory", "8M", "--json", str(out)]) == 1
    text = capsys.readouterr().out
    assert re.search(r"^big +MatMul +- +- +- +-  not simulated", text, re.M), text
    assert re.search(r"^small +Relu +[\d,]+ .* pass", text, re.M), text
    assert "1 not simulated" in text and "big: sim: matmul: functional simulation needs" in text
    doc = json.loads(out.read_text())
    assert [(r["layer"], r["check"], r["cycles"] is None) for r in doc["layers"]] == [
        ("big", "not simulated", True), ("small", "pass", False)]
    for bad in ("0", "lots", "١٢", "-5"):
        with pytest.raises(SystemExit) as info:
            main(["simulate", "lenet", "--arch", "teaching", "--max-instructions", bad])
        assert info.value.code == 2
        assert "argument --max-instructions: expected a positive whole number" in \
            capsys.readouterr().err


def test_compile_model_records_the_refused_layer_and_compiles_the_others() -> None:
    # 25,600 instructions (25 MiB) beside 3
    model = load(make_model([node("MatMul", ["x", "w"], ["h"], name="big"),
                             node("Relu", ["z"], name="small")],
                            {"x": (16384, 64), "z": (4, 4)}, ["h", "y"],
                            {"w": np.zeros((64, 64), np.float32)}))
    result = compile_model(model, load_arch("teaching"), fuse=False, max_memory=4 * 2**20)
    (failed,) = result.failed
    assert isinstance(failed, FailedLayer) and failed.layer.name == "big"
    assert "over the memory budget of 4.0 MiB" in failed.error
    assert [c.layer.name for c in result.layers] == ["small"]


def test_sizes_read_and_shown() -> None:
    assert parse_size("2G") == parse_size("2GiB") == 2 * 2**30
    assert parse_size("512M") == 512 * 2**20
    assert parse_size("1.5GB") == 1_500_000_000
    assert parse_size("4096") == 4096
    for bad in ("", "lots", "-1G", "0", "2Q"):
        with pytest.raises(UsageError, match=r"memory size"):
            parse_size(bad)
    assert (size_text(12), size_text(2 * 2**30), size_text(1536)) == ("12 B", "2.0 GiB",
                                                                     "1.5 KiB")


def test_the_commands_take_max_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "lenet", "--arch", "teaching", "--max-memory", "64k"]) == 2
    err = capsys.readouterr().err
    assert ("lenet: initializer 'fc1.weight' [120, 400] needs 187.5 KiB of host memory, over "
            "the memory budget of 64.0 KiB") in err
    assert "Traceback" not in err
    with pytest.raises(SystemExit) as info:
        main(["simulate", "lenet", "--arch", "teaching", "--max-memory", "lots"])
    assert info.value.code == 2
    assert "argument --max-memory: memory size 'lots'" in capsys.readouterr().err
    assert main(["simulate", "lenet", "--arch", "teaching", "--layer", "fc2",
                 "--max-memory", "512M", "--check"]) == 0
