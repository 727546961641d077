"""Work the cost model shares between groups and loop orders (``compiler/work_memo.py``,
``GroupModel.prepare``, ``GroupModel.cost_of``): what a shared piece gives is what computing
it afresh gives, and different shapes or tilings never share one."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.compiler.cost import GroupModel, Prepared
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.work_memo import WorkMemo, shape_key, tilings_key

GENESYS = load_arch("genesys")


def _mapping(hw: int) -> Mapping:
    conv = L.conv2d((1, 8, hw, hw), (12, 8, 3, 3), bias=True, pads=(1, 1, 1, 1))
    return compile(L.chain(conv, L.relu((1, 12, hw, hw)), via=("y", "x")), GENESYS).mapping


def _grid(mapping: Mapping, whole: bool = True) -> np.ndarray:
    """Every tiling of the first group's loops into 1, 2 or (``whole``) the whole extent."""
    g = mapping.groups[0]
    sizes = [sorted({1, 2, *([mapping.codelet.extent(lp)] if whole else [])})
             for lp in g.tile_loops]
    mesh = np.meshgrid(*[np.asarray(s, dtype=np.int64) for s in sizes], indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _numbers(prep: Prepared) -> list[Any]:
    return [prep.fits, prep.invocations, *prep.stage_cycles, *prep.compute.values(),
            *prep.elems.values()]


def _same(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_the_memo_makes_a_piece_once_and_keeps_what_it_names() -> None:
    memo, made = WorkMemo(), []
    node = object()
    assert memo.get(("k", 1), lambda: made.append(1) or 7, keep=node) == 7
    assert memo.get(("k", 1), lambda: made.append(1) or 8) == 7  # the first value, unmade
    assert memo.get(("k", 2), lambda: made.append(1) or 9) == 9
    assert (len(made), len(memo)) == (2, 2)


def test_past_its_budget_the_memo_makes_again_what_it_cannot_keep() -> None:
    # a budget of 1,000 bytes: a 100-float array (800 bytes) is kept, a second one is not
    # (800 more would pass 1,000); asked again, the second is made again, equal
    memo, made = WorkMemo(budget=1000), []

    def array(k: int) -> np.ndarray:
        made.append(k)
        return np.full(100, float(k))

    for _ in range(2):
        np.testing.assert_array_equal(memo.get("a", lambda: array(1)), np.full(100, 1.0))
        np.testing.assert_array_equal(memo.get("b", lambda: array(2)), np.full(100, 2.0))
    assert made == [1, 2, 2] and len(memo) == 1


def test_tilings_of_one_shape_and_type_only_share_a_key() -> None:
    six = np.arange(1, 7, dtype=np.int64)
    # the same 48 bytes as 2 tilings of 3 loops and as 3 tilings of 2 loops
    assert tilings_key([six.reshape(2, 3)]) != tilings_key([six.reshape(3, 2)])
    assert tilings_key([six.reshape(2, 3)]) != tilings_key([six.reshape(2, 3).astype(np.int32)])
    # one level or two levels of the same tiles
    assert tilings_key([six.reshape(2, 3)]) != tilings_key([six.reshape(2, 3)] * 2)
    assert tilings_key([six.reshape(2, 3)]) == tilings_key([six.reshape(2, 3).copy()])
    # a broadcast view keys as the array it reads as
    full = np.broadcast_to(np.array([4, 5, 6]), (2, 3))
    assert tilings_key([full]) == tilings_key([np.array([[4, 5, 6], [4, 5, 6]])])


def test_a_shared_memo_gives_every_group_what_a_fresh_one_gives() -> None:
    # one memo for every group of two layers with different shapes (10x10 and 12x12 maps)
    # and the same tilings (tiles of 1 or 2 along every loop): no stage's cycles or tile's
    # elements go to the other layer, though the arrays of tile sizes are equal
    shared = WorkMemo()
    grids = []
    for hw in (10, 12):
        m = _mapping(hw)
        grids.append(_grid(m, whole=False))
        for g in m.groups:
            if g.tile_loops != m.groups[0].tile_loops:
                continue
            tiles = [grids[-1]]
            with_memo = GroupModel(m, g, GENESYS, shared).prepare(tiles)
            fresh = GroupModel(m, g, GENESYS).prepare(tiles)
            _same(_numbers(with_memo), _numbers(fresh))
    np.testing.assert_array_equal(grids[0], grids[1])
    assert len(shared) > 0


def test_only_the_tilings_that_fit_are_prepared_and_each_keeps_its_numbers() -> None:
    m = _mapping(10)
    g = m.groups[0]
    model = GroupModel(m, g, GENESYS)
    tiles = [_grid(m)]
    every = model.prepare(tiles)
    fitting = model.prepare(tiles, fitting=True)
    kept = np.flatnonzero(every.fits) if fitting.kept is None else fitting.kept
    assert fitting.n == len(kept) == int(every.fits.sum())

    def rows(prep: Prepared, idx: Any) -> list[Any]:
        return [np.asarray(v)[idx] if np.ndim(v) else v for v in _numbers(prep)]

    _same(rows(every, kept), rows(fitting, slice(None)))
    order = [tuple(g.tile_loops)]
    np.testing.assert_array_equal(model.cost_of(every, order).bound[kept],
                                  model.cost_of(fitting, order).bound)


def test_orders_that_move_every_tile_alike_share_one_cost() -> None:
    # a GEMM tiled only along m and n (k whole): with k never iterating, the orders
    # (m, n, k) and (m, k, n) put the same iterating loops in the same order, so every
    # tile moves alike under both; (n, m, k) swaps m and n and moves the weights apart
    m = compile(L.matmul((16, 40), (40, 24)), load_arch("teaching")).mapping
    g = m.groups[0]
    model = GroupModel(m, g, load_arch("teaching"))
    extent = {lp: m.codelet.extent(lp) for lp in g.tile_loops}
    row = [extent[lp] if extent[lp] == 40 else 8 for lp in g.tile_loops]
    prep = model.prepare([np.asarray([row], dtype=np.int64)])
    by_k = {lp: (extent[lp] == 40) for lp in g.tile_loops}
    m_, n_ = [lp for lp in g.tile_loops if not by_k[lp]]
    k_ = next(lp for lp in g.tile_loops if by_k[lp])
    first = model.cost_of(prep, [(m_, n_, k_)])
    assert model.cost_of(prep, [(m_, k_, n_)]) is first
    other = model.cost_of(prep, [(n_, m_, k_)])
    assert other is not first
    fresh = GroupModel(m, g, load_arch("teaching"))
    again = fresh.cost_of(fresh.prepare([np.asarray([row], dtype=np.int64)]), [(m_, k_, n_)])
    np.testing.assert_array_equal(again.bound, first.bound)
    np.testing.assert_array_equal(again.cycles, first.cycles)


def test_a_group_split_into_parts_has_a_shape_of_its_own() -> None:
    # a split group runs its split stages once per part (more instructions, other compute
    # cycles), so its floor and tilings are not the whole group's; without its placements
    # the key of a group is the same
    m = _mapping(10)
    g = m.groups[0]
    split = dataclasses.replace(g, parts=2, part_loops=(g.tile_loops[0],))
    assert shape_key(m, split)[0] != shape_key(m, g)[0]
    assert shape_key(m, dataclasses.replace(g, placements=()))[0] == shape_key(m, g)[0]
