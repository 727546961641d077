"""A per-channel add after a MatMul, Gemm or Conv runs as the MAC's init where the unit has an
init port (compiler/passes/fold.py), and the programs still compute what ONNX computes."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from covenant_lab.acg import load_arch
from covenant_lab.codelets.ir import Access
from covenant_lab.compiler import CompiledLayer, Constraints, ModelResult, compile, compile_model
from covenant_lab.compiler.model import fuse_pair
from covenant_lab.compiler.passes.fold import fold_form
from covenant_lab.frontends.onnx import Model, load
from covenant_lab.sim import Simulator
from covenant_lab.sim.compiled import simulate_model
from covenant_lab.suite import load_suite_layer
from covenant_lab.types import OpKind
from tests.frontends.onnx._build import make_model

ARCHS = ("genesys", "hvx", "teaching")
_RNG = np.random.default_rng(3)


def _w(*shape: int) -> np.ndarray:
    return _RNG.standard_normal(shape).astype(np.float32)


def _matmul_add(other: str, *, bias_first: bool = False) -> Model:
    """x[8,16] @ w[16,12] + ``other`` (an initializer ``b`` [12] or an input ``r`` [8,12])."""
    srcs = [other, "h"] if bias_first else ["h", other]
    inputs = {"x": (8, 16), **({"r": (8, 12)} if other == "r" else {})}
    inits = {"w": _w(16, 12), **({"b": _w(12)} if other == "b" else {})}
    return load(make_model(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
         helper.make_node("Add", srcs, ["y"], name="add")],
        inputs, ["y"], inits))


MODELS = {
    "matmul_bias": lambda: _matmul_add("b"),
    "bias_matmul": lambda: _matmul_add("b", bias_first=True),
    "gemm_c": lambda: load(make_model(
        [helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="fc", transB=1)],
        {"x": (8, 16)}, ["y"], {"w": _w(12, 16), "c": _w(12)})),
    "conv_bias": lambda: load(make_model(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", pads=[1, 1, 1, 1])],
        {"x": (1, 3, 8, 8)}, ["y"], {"w": _w(6, 3, 3, 3), "b": _w(6)})),
    "residual": lambda: _matmul_add("r"),
    "bias_residual": lambda: load(make_model(  # BERT's output projection: bias, then residual
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
         helper.make_node("Add", ["h", "b"], ["z"], name="add"),
         helper.make_node("Add", ["z", "r"], ["y"], name="residual")],
        {"x": (8, 16), "r": (8, 12)}, ["y"], {"w": _w(16, 12), "b": _w(12)})),
}


@pytest.fixture(scope="module", params=ARCHS)
def arch(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _compiled(model: str, arch: str) -> ModelResult:
    result = compile_model(MODELS[model](), arch)
    assert not result.failed
    return result


def _only(result: ModelResult) -> CompiledLayer:
    assert len(result.layers) == 1, [c.name for c in result.layers]
    return result.layers[0]


@pytest.mark.parametrize("model", sorted(MODELS))
def test_programs_compute_the_onnx_reference(model: str, arch: str) -> None:
    result = _compiled(model, arch)
    rows = simulate_model(result, check=True)
    assert [r.check for r in rows] == ["pass"] * len(rows), [r.message for r in rows]


@pytest.mark.parametrize("arch_name", ["genesys", "teaching"])
@pytest.mark.parametrize("model", ["matmul_bias", "bias_matmul"])
def test_a_bias_add_becomes_the_macs_init(model: str, arch_name: str) -> None:
    unit = _only(_compiled(model, arch_name))
    assert unit.name == "fc+add"
    log = unit.result.log
    assert [s.name for s in log][:2] == ["fold", "match"]
    assert len(log[0].before.codelet.stages) == 2  # the layer as fused: mac, then add
    (stage,) = unit.result.codelet.stages
    assert stage.stmt.op is OpKind.MAC and isinstance(stage.stmt.init, Access)
    init = stage.stmt.init
    assert dict(unit.layer.bindings)[init.operand] == "b" and str(init).endswith("[n]")
    (binding,) = unit.result.mapping.bindings
    assert binding.capability.port("init") is not None
    fold = unit.result.decisions[0]
    assert fold.words == (
        f"stage 0 (mac) starts its accumulators at {init} instead of 0: the add after it is "
        "folded into its init")
    # what it beat: the layer as written, planned too, and dearer
    (rival,) = fold.alternatives
    assert rival.words == "nothing folded: each add stays a stage of its own"
    assert fold.chosen is not None and rival.cost > fold.chosen.cost


def test_the_search_keeps_the_add_where_folding_costs_more() -> None:
    """HVX's array would hand int32 accumulators out through its register file; its ALU
    writes the biased result at 16 bits: the layer as written is cheaper, and is chosen."""
    layer = _only(_compiled("matmul_bias", "hvx")).layer
    kept = compile(layer.codelet, "hvx")
    assert "fold" not in [s.name for s in kept.log]
    assert [st.stmt.op for st in kept.codelet.stages] == [OpKind.MAC, OpKind.ADD]
    fold = fold_form(layer.codelet, load_arch("hvx"), Constraints())
    assert fold is not None
    assert compile(fold[1], "hvx").estimate.cycles > kept.estimate.cycles


@pytest.mark.parametrize("model", ["gemm_c", "conv_bias"])
def test_gemm_c_and_conv_bias_are_the_init_already(model: str, arch: str) -> None:
    unit = _only(_compiled(model, arch))
    (stage,) = unit.result.codelet.stages
    assert isinstance(stage.stmt.init, Access)
    assert "fold" not in [s.name for s in unit.result.log]


def test_a_residual_add_is_not_folded(arch: str) -> None:
    unit = _only(_compiled("residual", arch))
    assert "fold" not in [s.name for s in unit.result.log]
    assert [st.stmt.op for st in unit.result.codelet.stages] == [OpKind.MAC, OpKind.ADD]


def test_the_bias_folds_and_the_residual_after_it_stays() -> None:
    unit = _only(_compiled("bias_residual", "genesys"))
    assert unit.name == "fc+add+residual"
    assert unit.result.log[0].name == "fold"
    mac, add = unit.result.codelet.stages
    assert isinstance(mac.stmt.init, Access) and dict(unit.layer.bindings)[
        mac.stmt.init.operand] == "b"
    assert add.stmt.op is OpKind.ADD and {
        dict(unit.layer.bindings).get(getattr(s, "operand", ""), "") for s in add.stmt.srcs
    } == {"", "r"}  # the temp the MAC wrote, and the residual


def test_no_init_port_keeps_the_add_a_stage() -> None:
    """tpu_v1's array has no bias port (only its host fallback has one): nothing folds."""
    result = _compiled("matmul_bias", "tpu_v1")
    unit = _only(result)
    assert "fold" not in [s.name for s in unit.result.log]
    assert [st.stmt.op for st in unit.result.codelet.stages] == [OpKind.MAC, OpKind.ADD]
    assert not unit.result.fallback
    assert {r.check for r in simulate_model(result, check=True)} == {"pass"}


def test_a_constraint_on_the_add_keeps_it_a_stage() -> None:
    layer = _only(_compiled("matmul_bias", "genesys")).layer
    alone = compile(layer.codelet, "genesys", Constraints.of(capability={1: "simd"}))
    assert "fold" not in [s.name for s in alone.log]
    assert len(alone.codelet.stages) == 2
    folded = compile(layer.codelet, "genesys", Constraints.of(capability={0: "pe_array"}))
    assert folded.log[0].name == "fold"
    assert folded.constraints == Constraints.of(capability={0: "pe_array"})


@pytest.mark.parametrize("entry", ["bert_qkv", "bert_ffn1"])
def test_suite_bias_layers_estimate_within_3_percent_folded_or_not(entry: str) -> None:
    fused = fuse_pair(*load_suite_layer(entry))
    assert fused is not None
    genesys, hvx = load_arch("genesys"), load_arch("hvx")
    folded = compile(fused, genesys)
    assert folded.log[0].name == "fold" and len(folded.codelet.stages) == 1
    fold = fold_form(fused.codelet, hvx, Constraints())
    assert fold is not None
    for result, acg in ((folded, genesys), (compile(fold[1], hvx), hvx)):
        cycles = Simulator(result.program, acg).total_cycles  # the timing replay
        assert abs(result.estimate.cycles / cycles - 1) < 0.03
