"""Branch and bound over a codelet's structural options (``search._plan_one``): an option whose
floor (``floor.group_floor``) exceeds the best cost found is not searched, and the plan
is the one searching every option gives; the options' costs for the explanation are made when
first read."""

from __future__ import annotations

from typing import Any

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import compile
from covenant_lab.compiler import search as search_mod
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.floor import group_floor
from covenant_lab.compiler.group_memo import GroupMemo
from covenant_lab.compiler.group_search import search_group
from covenant_lab.compiler.passes.match import MatchCapabilities
from covenant_lab.compiler.search import plan
from covenant_lab.compiler.tried import Tried
from covenant_lab.errors import ScheduleError


def _conv_relu() -> Codelet:
    conv = L.conv2d((1, 8, 10, 10), (12, 8, 3, 3), bias=True, pads=(1, 1, 1, 1))
    return L.chain(conv, L.relu((1, 12, 10, 10)), via=("y", "x"))


def test_the_floor_of_a_group_is_its_cheapest_tiling_computing_alone() -> None:
    # relu over 6 x 16 on the teaching vector unit: d1 on the 4 lanes, d0 streamed; an
    # invocation of a (t0, t1) tile takes ceil(t1 / 4) folds of t0 + 2 cycles, and the search
    # charges 4 cycles per instruction. The whole tensor in one tile: 4 folds x (6 + 2) = 32
    # cycles + 4 for its one invocation = 36; every smaller tile pays the + 2 and the 4 more
    # often (6 x 8: 2 x 2 x 8 + 8 = 40; 3 x 16: 2 x 4 x 5 + 8 = 48)
    acg = load_arch("teaching")
    m = compile(L.relu((6, 16)), acg).mapping
    g = m.groups[0]
    assert m.spatial[0].loops_on("lanes") == ("d1",) and m.spatial[0].stream == ("d0",)
    assert group_floor(m, g, acg, Constraints()) == 36.0
    # the search's estimate adds the moves of x and y (and waits for them)
    _, _, score = search_group(m, g, acg, Constraints())
    assert score >= 36.0


@pytest.mark.parametrize("arch", ["teaching", "genesys", "hvx"])
def test_no_option_costs_less_than_its_floor(arch: str) -> None:
    acg = load_arch(arch)
    codelet, cons = _conv_relu(), Constraints()
    options, refused = search_mod._options(codelet, acg, cons, fallback=False, failed=[])
    assert refused is None and options
    memo = GroupMemo(search_group, group_floor)
    for option in options:
        floor = sum(memo.floor(option.mapping, g, acg, cons) for g in option.mapping.groups)
        try:
            cost, _ = search_mod._score(option, memo, acg, cons, exhaustive=False,
                                        objective=search_mod.Objective.CYCLES)
        except ScheduleError:
            continue
        assert floor <= cost


@pytest.mark.parametrize("arch", ["teaching", "genesys", "hvx"])
def test_the_plan_is_the_one_scoring_every_option_gives(arch: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    acg = load_arch(arch)
    searched: list[object] = []
    real = search_mod.search_group

    def counted(*args: Any, **options: Any) -> Any:
        searched.append(args[1])
        return real(*args, **options)

    monkeypatch.setattr(search_mod, "search_group", counted)
    bound = plan(_conv_relu(), acg)
    with_bound = len(searched)
    monkeypatch.setattr(search_mod, "_beaten", lambda *args: False)
    searched.clear()
    every = plan(_conv_relu(), acg)
    assert (bound.passes, bound.estimate, bound.fallback_work) == (
        every.passes, every.estimate, every.fallback_work)
    assert bound.tried == every.tried  # the pending options scored now, ranked alike
    assert with_bound <= len(searched)


def test_options_that_cannot_win_are_scored_only_for_the_explanation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # GeneSys: the convolution on the 32-lane vector unit needs at least 8 x 12 x 100 x 9 /
    # 32 = 2,700 cycles of MACs, more than the 32 x 32 array's whole mapping costs; those
    # options are left pending, and searched when the decisions are explained
    acg = load_arch("genesys")
    searched: list[object] = []
    real = search_mod.search_group

    def counted(*args: Any, **options: Any) -> Any:
        searched.append(args[0].binding(args[1].stages[0]).node.name)
        return real(*args, **options)

    monkeypatch.setattr(search_mod, "search_group", counted)
    result = compile(_conv_relu(), acg)
    tried = result.tried
    assert isinstance(tried, Tried) and result.estimate.cycles < 2700
    assert not tried.made
    before = len(searched)
    assert result.decisions  # the explanation reads every option
    assert tried.made and len(searched) > before
    # the convolution's second candidate unit (the vector unit): every such option costs
    # more than its 2,700 cycles of MACs
    on_lanes = [c for _, c, p in tried if isinstance(p[0], MatchCapabilities) and p[0].choice[0]]
    assert on_lanes and min(on_lanes) >= 2700


def test_a_floor_is_computed_once_per_group() -> None:
    acg = load_arch("teaching")
    m = compile(L.relu((6, 16)), acg).mapping
    calls: list[int] = []

    def floor(*args: Any, **options: Any) -> float:
        calls.append(1)
        return 5.0

    memo = GroupMemo(search_group, floor)
    assert memo.floor(m, m.groups[0], acg, Constraints()) == 5.0
    assert memo.floor(m, m.groups[0], acg, Constraints()) == 5.0
    assert calls == [1]
    assert GroupMemo(search_group).floor(m, m.groups[0], acg, Constraints()) == 0.0
