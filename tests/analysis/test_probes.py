"""Compile probes: tiny codelets per op, constrained or not, and their outcomes."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.analysis.probes import (
    Probe,
    capability_codelet,
    capability_probe,
    op_codelet,
    run_probe,
    standard_probes,
)
from covenant_lab.compiler.roles import stage_roles
from covenant_lab.types import OpKind


@pytest.fixture(scope="module")
def teaching() -> ACG:
    return load_arch("teaching")


@pytest.mark.parametrize("op", list(OpKind))
def test_an_op_probe_is_one_tiny_stage_of_that_op(op: OpKind) -> None:
    codelet = op_codelet(op)
    (stage,) = codelet.stages
    assert stage.stmt.op is op
    assert [role for role, _ in stage_roles(stage)] == list(op.roles)
    assert all(d.extent <= 8 for d in codelet.dims)


def test_a_mac_probe_with_init_reads_a_bias() -> None:
    (stage,) = op_codelet(OpKind.MAC, init=True).stages
    assert [role for role, _ in stage_roles(stage)] == ["a", "b", "init", "acc"]


@pytest.mark.parametrize("name", ["teaching", "genesys", "hvx"])
def test_a_capability_probe_uses_every_role_of_the_capability(name: str) -> None:
    for node in load_arch(name).compute_nodes:
        for cap in node.capabilities:
            (stage,) = capability_codelet(cap).stages
            assert sorted(role for role, _ in stage_roles(stage)) == sorted(cap.roles)


def test_a_capability_probe_compiles_onto_its_capability(teaching: ACG) -> None:
    node = teaching.compute("vector")
    probe = capability_probe(node, node.capabilities[0])
    assert (probe.name, probe.target, probe.stage) == ("add", "vector.add", 0)
    assert probe.constraints.capability == ((0, "vector.add"),)
    outcome = run_probe(probe, teaching)
    assert outcome.ok and outcome.placed == ("vector.add",) and outcome.nodes() == ("vector",)


def test_a_probe_that_cannot_compile_records_the_typed_error(teaching: ACG) -> None:
    outcome = run_probe(Probe("relu", op_codelet(OpKind.RELU), "mac_array.mac"), teaching)
    assert not outcome.ok and outcome.placed == ()
    assert outcome.error.startswith(
        "match: constraint capability 'mac_array.mac' cannot run stage 0"
    )


def test_standard_probes_land_where_the_compiler_picks(teaching: ACG) -> None:
    picks = {p.name: run_probe(p, teaching).placed for p in standard_probes()}
    assert picks == {
        "conv": ("mac_array.mac",),
        "gemm": ("mac_array.mac",),
        "add": ("vector.add",),
        "relu": ("vector.relu",),
        "reduce_sum": ("vector.reduce_add",),
        "maxpool": ("vector.reduce_max",),
    }
    assert all(p.target is None and p.constraints.capability == () for p in standard_probes())
