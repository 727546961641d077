"""The buffer pass: which operands keep how many copies of their tiles, and what it refuses."""

from __future__ import annotations

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.passes.buffer import Buffer
from covenant_lab.compiler.pipeline import Pipeline
from covenant_lab.errors import ScheduleError


def _with(result: object, buffer: Buffer) -> Mapping:
    """The result's passes up to the spatial pass, then ``buffer`` (no tiling yet)."""
    passes = list(result.passes)  # type: ignore[attr-defined]
    at = next(i for i, p in enumerate(passes) if p.name == "spatial") + 1
    mapping, _ = Pipeline((*passes[:at], buffer)).run(
        Mapping(result.codelet), result.arch)  # type: ignore[attr-defined]
    return mapping


def test_loaded_operands_may_keep_one_copy() -> None:
    acg = load_arch("genesys")
    result = compile(L.layernorm((128, 768)), acg)
    (group,) = result.mapping.groups
    loaded = tuple((0, p.operand) for p in group.placements if p.home is not None)
    (g,) = _with(result, Buffer(single=loaded)).groups
    assert {p.operand: p.copies(g.levels) for p in g.placements if p.home is not None} == {
        op: 1 for _, op in loaded}


def test_a_weight_fifo_keeps_its_entries() -> None:
    # TPU-like weights pass through a FIFO of four entries: one copy would be one entry of
    # four times the size, which the hardware does not have
    acg = load_arch("tpu_v1")
    result = compile(L.matmul((128, 768), (768, 256)), acg)
    with pytest.raises(ScheduleError, match="passes through a FIFO"):
        _with(result, Buffer(single=((0, "b"),)))


def test_an_unknown_operand_is_named() -> None:
    acg = load_arch("genesys")
    result = compile(L.matmul((16, 40), (40, 24)), acg)
    with pytest.raises(ScheduleError, match="has no on-chip temp nope"):
        _with(result, Buffer(double=((0, "nope"),)))
