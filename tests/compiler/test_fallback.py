"""Fallback units: every stage put on one says why; a model never fails all-or-nothing."""

from __future__ import annotations

import pytest

from covenant_lab.codelets import library as L
from covenant_lab.compiler import (
    CompiledLayer,
    Constraints,
    FailedLayer,
    Fallback,
    ModelResult,
    compile,
    compile_model,
)
from covenant_lab.compiler.fallback import explain_fallbacks, fallback_note
from covenant_lab.compiler.model import fused
from covenant_lab.compiler.objective import Objective, objective_text
from covenant_lab.compiler.search import plan
from covenant_lab.energy_units import format_pj
from covenant_lab.errors import MappingError
from covenant_lab.suite import load_suite_layer
from covenant_lab.types import OpKind
from tests.compiler._hosted import hosted, hosted_model


def test_a_gemm_that_fits_runs_on_the_accelerator() -> None:
    r = compile(L.matmul((16, 40), (40, 24)), hosted())
    assert r.capabilities == ("accel.mac",)
    assert r.fallback == ()


def test_a_gemm_with_a_bias_accumulates_on_the_array_and_adds_the_bias_on_the_host() -> None:
    # the array has no init port: the bias is split off into an add stage, which only the
    # host performs
    r = compile(L.gemm((16, 40), (40, 24), c_shape=(24,)), hosted())
    assert r.capabilities == ("accel.mac", "host.add")
    assert r.fallback == (Fallback(1, OpKind.ADD, "host", "no other unit performs 'add'"),)
    assert r.fallback[0].note() == "fallback: host — no other unit performs 'add'"


def test_a_gemm_with_a_bias_pinned_to_the_host_runs_there_whole_and_says_why() -> None:
    # the constraint keeps the layer off the array: no split, bias and MAC on the host
    cons = Constraints.of(capability={0: "host"})
    r = compile(L.gemm((16, 40), (40, 24), c_shape=(24,)), hosted(), cons)
    assert r.capabilities == ("host.mac",)
    why = "the constraint capability={0: 'host'} asks for it"
    assert r.fallback == (Fallback(0, OpKind.MAC, "host", why, ("accel",)),)
    assert r.fallback[0].note() == f"fallback: host — {why}"


def test_tiles_the_accelerator_cannot_hold_give_its_compile_error() -> None:
    cons = Constraints.of(tiles={"m": 64, "n": 64, "k": 1024})
    r = compile(L.matmul((64, 1024), (1024, 64)), hosted(), cons)
    (f,) = r.fallback
    assert (f.node, f.op, f.preferred) == ("host", OpKind.MAC, ("accel",))
    assert f.reason.startswith(
        "accel: no legal mapping of matmul onto hosted with constraints "
        "(tiles m=64, n=64, k=1024; capability stage0@accel): tile: tile m=64 x n=64 x k=1024"
    )
    assert "tiles need 288.0 KiB in BUF" in f.reason and "which holds 16.0 KiB" in f.reason
    assert r.constraints == cons  # the restricted compile leaves the result's own alone


def test_an_op_no_other_unit_performs() -> None:
    r = compile(L.relu((4, 8)), hosted())
    assert r.fallback == (Fallback(0, OpKind.RELU, "host", "no other unit performs 'relu'"),)


def test_a_faster_host_is_still_only_a_fallback() -> None:
    # the host is estimated faster here, but the accelerator can run the GEMM: it does
    fast_host = hosted(host_bw=64, host_cycles_per_elem=0)
    r = compile(L.matmul((16, 40), (40, 24)), fast_host)
    assert r.capabilities == ("accel.mac",)
    assert r.fallback == ()
    on_host = Constraints.of(capability={0: "host"})
    pinned = compile(L.matmul((16, 40), (40, 24)), fast_host, on_host)
    assert pinned.estimate.cycles < r.estimate.cycles


def test_a_constraint_that_asks_for_the_host() -> None:
    r = compile(L.matmul((8, 8), (8, 8)), hosted(), Constraints.of(capability={0: "host"}))
    assert [f.reason for f in r.fallback] == ["the constraint capability={0: 'host'} asks for it"]


def test_fallback_notes_join_stages() -> None:
    a = Fallback(0, OpKind.MAC, "host", "first line\nhint: more", ("accel",))
    b = Fallback(1, OpKind.RELU, "cpu", "no other unit performs 'relu'")
    assert a.summary == "first line"
    assert fallback_note(()) == ""
    assert fallback_note((a, b)) == (
        "fallback: host — first line; cpu — no other unit performs 'relu'"
    )
    # stages with the same unit and reason: once, with their numbers
    c = Fallback(3, OpKind.RELU, "cpu", "no other unit performs 'relu'")
    assert fallback_note((b, a, c)) == (
        "fallback: cpu — no other unit performs 'relu' (stages 1, 3); host — first line"
    )


def test_shipped_archs_have_no_fallback() -> None:
    r = compile(L.relu((4, 8)), "teaching")
    assert r.fallback == ()


@pytest.fixture(scope="module")
def partial() -> ModelResult:
    return compile_model(hosted_model(), hosted(without=[OpKind.SIGMOID]))


def test_a_layer_no_unit_runs_is_recorded_and_the_rest_compiles(partial: ModelResult) -> None:
    assert [(type(u).__name__, u.name) for u in partial.units] == [
        ("CompiledLayer", "fc1"),
        ("FailedLayer", "act"),
        ("CompiledLayer", "fc2+out"),
    ]
    assert [c.name for c in partial.layers] == ["fc1", "fc2+out"]
    (failed,) = partial.failed
    assert isinstance(failed, FailedLayer)
    assert (failed.name, failed.op, failed.missing) == ("act", "Sigmoid", (OpKind.SIGMOID,))
    assert "no compute node of hosted performs 'sigmoid'" in failed.error
    assert "hint: add a capability with this op" in failed.error
    assert failed.note == f"FAILED: {failed.error.splitlines()[0]}"
    assert partial.estimated_cycles == sum(c.result.estimate.cycles for c in partial.layers)


def test_fallback_layers_of_a_model(partial: ModelResult) -> None:
    assert [c.name for c in partial.fallback] == ["fc1", "fc2+out"]
    fc1, fc2 = partial.fallback
    assert isinstance(fc1, CompiledLayer)
    assert fc1.result.capabilities == ("accel.mac", "host.add")  # the bias add split off
    assert fc1.result.fallback == (Fallback(1, OpKind.ADD, "host", "no other unit performs 'add'"),)
    assert fc1.note == "fallback: host — no other unit performs 'add'"
    assert fc2.result.capabilities == ("accel.mac", "host.relu")
    assert fc2.note == "fallback: host — no other unit performs 'relu'"


def test_with_every_op_somewhere_the_model_fuses_and_compiles() -> None:
    result = compile_model(hosted_model(), hosted())
    assert result.failed == ()
    assert [c.name for c in result.layers] == ["fc1+act", "fc2+out"]
    assert result.layers[0].result.capabilities == ("accel.mac", "host.add", "host.sigmoid")
    assert [(f.stage, f.op) for f in result.layers[0].fallback] == [
        (1, OpKind.ADD),
        (2, OpKind.SIGMOID),
    ]


@pytest.mark.parametrize("objective", list(Objective))
def test_the_explanation_compares_the_objective_the_search_minimised(
    objective: Objective,
) -> None:
    """A MatMul pinned to the host, explained as if nothing had asked for that: the
    accelerator can run it, and the reason compares the two plans in the objective's own
    unit (cycles; energy in pJ/nJ/uJ; energy x cycles), each searched for that objective."""
    acg = hosted()
    layer = L.matmul((16, 40), (40, 24))
    on = {u: Constraints.of(capability={0: u}) for u in ("host", "accel")}
    score = {u: plan(layer, acg, c, objective=objective).estimate for u, c in on.items()}
    pinned = compile(layer, acg, on["host"], objective=objective)
    (f,) = explain_fallbacks(pinned.mapping, acg, Constraints(), score["host"], objective)
    least = {Objective.CYCLES: "", Objective.ENERGY: " (least energy)",
             Objective.EDP: " (least energy x cycles)"}[objective]
    assert f.reason == (f"accel can run it, but the search{least} estimates "
                        f"{objective_text(objective, score['accel'])} there and "
                        f"{objective_text(objective, score['host'])} on host")
    unit = {Objective.CYCLES: " cycles", Objective.ENERGY: "J", Objective.EDP: " pJ x cycles"}
    assert f.reason.count(unit[objective]) == 2
    assert score["accel"] < score["host"]  # the host is the slower and costlier unit
    if objective is Objective.ENERGY:  # the energies themselves, not cycles
        assert score["host"] == pytest.approx(pinned.estimate.energy_pj, rel=1e-3)
        assert format_pj(score["host"]) in f.reason


def test_objective_text_units() -> None:
    assert objective_text(Objective.CYCLES, 12345.4) == "12,345 cycles"
    assert objective_text(Objective.ENERGY, 24568.8) == "24.6 nJ"
    assert objective_text(Objective.ENERGY, 3.2e6) == "3.20 uJ"
    assert objective_text(Objective.EDP, 4.56e12) == "4.56e+12 pJ x cycles"


def test_an_operand_two_ports_take_from_different_storages_is_named_with_them() -> None:
    # LayerNorm's variance squares t1 (t1 * t1): Eyeriss's PEs read a from the ifmap spad and
    # b from the weight spad, so no storage serves both
    layers = load_suite_layer("bert_layernorm")
    layer = fused(layers) or layers[0]
    with pytest.raises(MappingError) as err:
        compile(layer, "eyeriss_v1", Constraints.of(capability={3: "pe_array.mac"}))
    assert ("operand 't1' of layernorm has no storage that every capability using it can "
            "access: stage 3 (mac on pe_array) takes it as a from IFMAP_SPAD; stage 3 (mac on "
            "pe_array) takes it as b from WEIGHTS_SPAD") in str(err.value)
    assert "fuse=False" in (err.value.hint or "")
