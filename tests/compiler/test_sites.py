"""Where and how often tiles move (compiler/sites.py): hand-derived counts, and the same rule
in the cost model, the printed nest and the lowered program."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import compile
from covenant_lab.compiler.cost import GroupModel
from covenant_lab.compiler.sites import counts_key, move_counts
from tests.compiler.conftest import small_layers


def test_a_tile_moves_inside_the_innermost_loop_that_changes_it() -> None:
    # positions: k0 (used, 4 trips), k1 (not used, 3), k2 (used, 1 trip: never changes it)
    site, moves, distinct = move_counts([True, False, True], [4, 3, 1])
    assert (int(site), int(moves), distinct) == (0, 4, 4)
    # an output whose loop sits inside an unused one: 5 x 2 moves, 2 distinct boxes, so
    # 8 of the stores come back as reloads of partial results
    site, moves, distinct = move_counts([False, True], [5, 2])
    assert (int(site), int(moves), distinct) == (1, 10, 2)
    # nothing iterates: one move, before the nest
    site, moves, distinct = move_counts([True, False], [1, 7])
    assert (int(site), int(moves), distinct) == (-1, 1, 1)


def _program_moves(result: object) -> Counter[str]:
    program = result.program  # type: ignore[attr-defined]
    return Counter(f"{t.edge.src}->{t.edge.dst}" for t in program.transfers)


def _model_moves(result: object, acg: ACG) -> Counter[str]:
    out: Counter[str] = Counter()
    mapping = result.mapping  # type: ignore[attr-defined]
    for g in mapping.groups:
        tiles = [np.asarray([t]) for t in g.tiles]
        cost = GroupModel(mapping, g, acg).cost(tiles, g.orders)
        counts = {k: int(np.ravel(v)[0]) for k, v in cost.moves_per_edge.items()}
        out.update({k: c for k, c in counts.items() if c})
    return out


@pytest.mark.parametrize(("name", "codelet"), sorted(small_layers().items()))
def test_the_cost_model_counts_every_transfer_lowering_emits(
    shipped_arch: ACG, name: str, codelet: Codelet
) -> None:
    result = compile(codelet, shipped_arch, divide=False)  # one mapping, one program
    assert _model_moves(result, shipped_arch) == _program_moves(result), name


def test_the_printed_nest_puts_a_weight_tile_where_it_changes() -> None:
    from covenant_lab.acg import load_arch
    from covenant_lab.codelets import library as L
    from covenant_lab.compiler.constraints import Constraints

    # 12 heads of 128 x 64 @ 64 x 128: b changes with the head (d0) only, so its load sits
    # in the d0 loop, not in the m loop inside it
    acg = load_arch("eyeriss_v1")
    bmm = L.matmul((12, 128, 64), (12, 64, 128), b_is_weight=False)
    result = compile(bmm, acg, Constraints(order=("d0", "m", "n", "k")))
    lines = result.loop_nest().splitlines()
    (d0,) = [i for i, line in enumerate(lines) if line.lstrip().startswith("for d0")]
    (b,) = [i for i, line in enumerate(lines) if line.lstrip().startswith("load b")]
    depth = len(lines[d0]) - len(lines[d0].lstrip())
    assert b == d0 + 1 and len(lines[b]) - len(lines[b].lstrip()) == depth + 2


def test_counts_key_groups_runs_and_drops_what_cannot_matter() -> None:
    # a leading run of used positions and a trailing run of unused ones leave the counts as
    # they are: the key is the runs between, each a set
    assert counts_key([True, False, False, True, False], ["a", "x", "y", "b", "z"]) == (
        frozenset({"x", "y"}), frozenset({"b"}))
    assert counts_key([True, True], ["a", "b"]) == ()
    assert counts_key([False, False], ["x", "y"]) == ()


def test_nests_with_equal_counts_keys_have_equal_counts() -> None:
    # every order of six positions (three used) with per-candidate trips, some of them 1:
    # whenever two orders share a key, move_counts gives the same moves and distinct boxes
    rng = np.random.default_rng(7)
    trips = {p: rng.integers(1, 4, size=64) for p in "abcxyz"}
    used = {"a", "b", "c"}
    by_key: dict[object, tuple[np.ndarray, np.ndarray]] = {}
    shared = 0
    for order in itertools.permutations("abcxyz"):
        flags = [p in used for p in order]
        _, moves, distinct = move_counts(flags, [trips[p] for p in order], site_too=False)
        key = counts_key(flags, order)
        if key in by_key:
            shared += 1
            assert np.array_equal(by_key[key][0], moves), order
            assert np.array_equal(by_key[key][1], distinct), order
        else:
            by_key[key] = (moves, distinct)
    assert shared > 300  # of the 720 orders, most share a key with an earlier one
