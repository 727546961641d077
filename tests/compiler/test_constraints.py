"""User constraints: honoured when legal, a MappingError naming the constraint when not."""

from __future__ import annotations

import pytest

from covenant_lab.codelets import library as L
from covenant_lab.compiler import Constraints, compile
from covenant_lab.errors import MappingError, UsageError
from tests.compiler.conftest import FIXTURES

GEMM = L.matmul((16, 40), (40, 24))
CONV = L.conv2d((1, 8, 10, 10), (12, 8, 3, 3), bias=True, pads=(1, 1, 1, 1))


def test_fixed_tile_is_kept_and_the_rest_searched() -> None:
    r = compile(GEMM, "teaching", Constraints.of(tiles={"n": 8}))
    g = r.mapping.groups[0]
    assert g.tile(1, "n") == 8
    assert r.estimate.cycles > 0


def test_fixed_order_is_kept() -> None:
    r = compile(GEMM, "teaching", Constraints.of(order=("k", "m", "n")))
    assert r.mapping.groups[0].orders[0] == ("k", "m", "n")


def test_fixed_spatial_mapping_is_kept() -> None:
    r = compile(CONV, "teaching", Constraints.of(spatial={"rows": ("ic",)}))
    assert r.mapping.spatial[0].loops_on("rows") == ("ic",)


def test_tile_too_big_names_storage_and_sizes() -> None:
    big = L.matmul((256, 256), (256, 256))
    with pytest.raises(
        MappingError,
        match=(
            r"tile m=256 x n=256 x k=256 of matmul "
            r".*tiles need 768.0 KiB in SPAD .*which holds 16.0 KiB"
        ),
    ):
        compile(big, "teaching", Constraints.of(tiles={"m": 256, "n": 256, "k": 256}))


def test_storage_constraint_outside_the_capability_ports() -> None:
    with pytest.raises(MappingError, match=r"place: constraint storage 'DRAM' for operand 'a'"):
        compile(GEMM, "teaching", Constraints.of(storage={"a": "DRAM"}))


def test_capability_constraint_that_cannot_run_the_stage() -> None:
    with pytest.raises(
        MappingError, match=r"match: constraint capability 'vector' cannot run stage 0"
    ):
        compile(GEMM, "teaching", Constraints.of(capability={0: "vector"}))


def test_spatial_constraint_with_unknown_dimension() -> None:
    with pytest.raises(MappingError, match=r"spatial: constraint names dimension 'lanes'"):
        compile(GEMM, "teaching", Constraints.of(spatial={"lanes": "m"}))


def test_spatial_constraint_with_a_loop_of_the_wrong_kind() -> None:
    with pytest.raises(MappingError, match=r"spatial: loop 'm' cannot occupy 'rows'"):
        compile(GEMM, "teaching", Constraints.of(spatial={"rows": "m"}))


def test_order_constraint_must_be_a_permutation() -> None:
    with pytest.raises(MappingError, match=r"order: constraint k, m must list the tiled loops"):
        compile(GEMM, "teaching", Constraints.of(order=("k", "m")))


def test_bad_constraint_values_are_usage_errors() -> None:
    with pytest.raises(UsageError, match=r"argument 'tiles' entry 0 \('n'\) to Constraints"):
        Constraints.of(tiles={"n": -3})
    with pytest.raises(UsageError, match="stage keys must be ints"):
        Constraints.of(capability={"x": "vector"})  # type: ignore[dict-item]


def test_op_without_provider_is_a_mapping_error() -> None:
    from covenant_lab.acg import loads_arch

    text = (FIXTURES / "gemmini.yaml").read_text()
    no_exp = text.replace("{op: exp,", "{op: neg, name: neg2,")  # the host core loses its exp
    with pytest.raises(MappingError, match=r"no compute node of gemmini performs 'exp'"):
        compile(L.exp((4, 8)), loads_arch(no_exp))


def test_compile_rejects_wrong_argument_types() -> None:
    with pytest.raises(UsageError, match="argument 1, 'target' to compile"):
        compile(42, "teaching")
