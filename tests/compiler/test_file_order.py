"""The order of entries in an architecture file never changes a compiled program: every
section of every shipped file reversed and shuffled gives the same assembly and cycles."""

from __future__ import annotations

import random
from typing import Any

import pytest

from covenant_lab.acg import ACG, load_arch, shipped_archs
from covenant_lab.acg.load import build_acg, read_yaml, resolve_arch
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import compile
from covenant_lab.sim import Simulator
from tests.compiler.conftest import small_layers

LAYERS = ("conv", "gemm", "softmax", "add_relu")


def _shuffled(value: Any, rng: random.Random) -> Any:
    """Every mapping's entries and every list of entries (edges, capabilities) reordered;
    lists of names (a role's storages, preferred first; requires/excludes) keep their order."""
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rng)) for k, v in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        items = [_shuffled(v, rng) for v in value]
        if items and all(isinstance(v, dict) for v in items):
            rng.shuffle(items)
        return items
    return value


def _permuted(name: str, seed: int) -> ACG:
    path = resolve_arch(name)
    doc, _, problems = read_yaml(path.read_text(encoding="utf-8"), str(path))
    return build_acg(_shuffled(doc, random.Random(seed)), source=f"{name} (shuffled)",
                     problems=problems)


def _outcome(codelet: Codelet, acg: ACG) -> tuple[str, int]:
    result = compile(codelet, acg)
    return result.asm.split("\n", 1)[1], Simulator(result.program, acg).run().total_cycles


@pytest.mark.parametrize("arch", shipped_archs())
def test_shuffled_sections_compile_to_the_same_programs(arch: str) -> None:
    original = load_arch(arch)
    shuffled = [_permuted(arch, seed) for seed in (1, 2)]
    assert all(s.edges != original.edges or s.storage_nodes != original.storage_nodes
               for s in shuffled)  # really reordered
    for name in LAYERS:
        codelet = small_layers()[name]
        want = _outcome(codelet, original)
        for acg in shuffled:
            assert _outcome(codelet, acg) == want, f"{name} on {acg.source}"
