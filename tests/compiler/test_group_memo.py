"""Groups searched once per codelet variant (compiler/group_memo.py): the search gives the
same plans with the memo as without, and calls the group search once per distinct group."""

from __future__ import annotations

from typing import Any

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.compiler import search as search_mod
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.group_memo import GroupMemo, Searched
from covenant_lab.compiler.search import plan
from covenant_lab.errors import ScheduleError


def _conv_relu() -> Any:
    conv = L.conv2d((1, 8, 10, 10), (12, 8, 3, 3), bias=True, pads=(1, 1, 1, 1))
    return L.chain(conv, L.relu((1, 12, 10, 10)), via=("y", "x"))


def test_an_equal_group_is_searched_once_and_its_error_raised_again() -> None:
    acg = load_arch("teaching")
    m = compile(L.matmul((16, 40), (40, 24)), acg).mapping
    g = m.groups[0]
    calls: list[int] = []

    def search(*args: Any, **options: Any) -> Searched:
        calls.append(1)
        return ((tuple(range(len(g.tile_loops))),), (g.tile_loops,), 12.5)

    memo = GroupMemo(search)
    first = memo.get(m, g, acg, Constraints())
    assert memo.get(m, g, acg, Constraints()) == first == ((tuple(range(len(g.tile_loops))),),
                                                          (g.tile_loops,), 12.5)
    assert len(calls) == 1

    def refuse(*args: Any, **options: Any) -> Searched:
        calls.append(1)
        raise ScheduleError("tile", "no tiling fits")

    failing = GroupMemo(refuse)
    for _ in range(2):
        with pytest.raises(ScheduleError, match="tile: no tiling fits"):
            failing.get(m, g, acg, Constraints())
    assert len(calls) == 2


@pytest.mark.parametrize("arch", ["teaching", "genesys"])
def test_plans_with_the_memo_equal_plans_without(arch: str, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    acg = load_arch(arch)
    codelet = _conv_relu()
    calls: list[object] = []
    real = search_mod.search_group

    def counted(*args: Any, **options: Any) -> Searched:
        calls.append(args[1])
        return real(*args, **options)

    monkeypatch.setattr(search_mod, "search_group", counted)
    with_memo = plan(codelet, acg)
    searched = len(calls)
    monkeypatch.setattr(GroupMemo, "get", lambda self, m, g, acg, cons, **o: counted(
        m, g, acg, cons, **o))
    calls.clear()
    without = plan(codelet, acg)
    assert (with_memo.passes, with_memo.estimate, with_memo.tried) == (
        without.passes, without.estimate, without.tried)
    assert searched < len(calls)  # the fused and unfused options share groups

