"""Compile probes: tiny codelets per op, constrained or not, and their outcomes."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, load_arch, loads_arch
from covenant_lab.analysis.probes import (
    Probe,
    capability_codelet,
    capability_probe,
    fused_codelet,
    op_codelet,
    run_probe,
    standard_probes,
)
from covenant_lab.compiler.roles import stage_roles
from covenant_lab.types import OpKind, Role


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
        "gemm+relu": ("mac_array.mac", "vector.relu"),
        "gemm+bias": ("mac_array.mac",),  # the bias is the array's init (passes/fold.py)
        "conv+relu": ("mac_array.mac", "vector.relu"),
        "conv+maxpool": ("mac_array.mac", "vector.reduce_max"),
    }
    assert all(p.target is None and p.constraints.capability == () for p in standard_probes())


@pytest.mark.parametrize("op", [op for op in OpKind if op is not OpKind.MAC])
def test_a_fused_probe_runs_the_op_on_a_gemm_result_through_a_temp(op: OpKind) -> None:
    codelet = fused_codelet(op_codelet(OpKind.MAC), op)
    first, second = codelet.stages
    assert (first.stmt.op, second.stmt.op) == (OpKind.MAC, op)
    temp = first.stmt.dst.operand
    assert codelet.operand(temp).role is Role.TEMP
    assert second.stmt.srcs[0].operand == temp  # type: ignore[union-attr]
    assert codelet.name == f"probe_mac_{op.value}"


# a post-processing unit reading only the accumulators the array writes (a TPU's act unit)
PIPELINE = """\
name: pipeline
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  IN: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  ACC: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  OUT: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  array:
    dims: {rows: 2, cols: 2}
    capabilities:
      - op: mac
        operands: {a: IN, b: IN, acc: ACC}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial: {rows: {requires: [a, b], excludes: [acc]}, cols: {requires: [b, acc]}}
        cycles: stream + rows
  post:
    dims: {lanes: 2}
    capabilities:
      - {op: reduce_max, operands: {a: ACC, acc: OUT}, dtypes: {a: int32, acc: int8},
         spatial: {lanes: {requires: [acc]}}, cycles: stream + 1}
edges:
  - {from: DRAM, to: IN, bytes_per_cycle: 8}
  - {from: IN, to: array, bytes_per_cycle: 16}
  - {from: array, to: ACC, bytes_per_cycle: 16}
  - {from: ACC, to: OUT, bytes_per_cycle: 16}
  - {from: ACC, to: post, bytes_per_cycle: 16}
  - {from: post, to: OUT, bytes_per_cycle: 16}
  - {from: OUT, to: DRAM, bytes_per_cycle: 8}
"""


def test_a_capability_probe_after_a_writer_constrains_its_own_stage() -> None:
    acg = loads_arch(PIPELINE, "t.yaml")
    node = acg.compute("post")
    (cap,) = node.capabilities
    alone = run_probe(capability_probe(node, cap), acg)
    assert not alone.ok and "no data path between DRAM and ACC" in alone.error
    probe = capability_probe(node, cap, OpKind.MAC)
    assert (probe.name, probe.target, probe.stage) == ("reduce_max", "post.reduce_max", 1)
    assert probe.constraints.capability == ((1, "post.reduce_max"),)
    assert probe.codelet == capability_codelet(cap, OpKind.MAC)
    outcome = run_probe(probe, acg)
    assert outcome.ok and outcome.placed == ("array.mac", "post.reduce_max")
    assert outcome.nodes() == ("array", "post")


def test_the_fused_standard_probes_reach_a_unit_fed_on_chip() -> None:
    acg = loads_arch(PIPELINE, "t.yaml")
    picks = {p.name: run_probe(p, acg).placed for p in standard_probes()}
    assert picks["maxpool"] == ()  # a pooling layer alone reads DRAM, which ACC cannot
    assert picks["conv+maxpool"] == ("array.mac", "post.reduce_max")
