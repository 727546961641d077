"""Searched groups remembered within one search: structural options that differ only in
other groups (a buffering choice, the level of another operand's tile) share a group."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Binding, Group, Mapping
from covenant_lab.compiler.work_memo import WorkMemo, group_key, shape_key
from covenant_lab.errors import ScheduleError

# what search_group returns: tiles per level, loop orders per level, estimated score
Searched = tuple[tuple[tuple[int, ...], ...], tuple[tuple[str, ...], ...], float]
KeyOf = Callable[[Mapping, Group], tuple[Hashable, tuple[Binding, ...]]]


class GroupMemo:
    """``search`` (``group_search.search_group``) once per distinct group: its result, or
    the ScheduleError it raised, again for an equal group; likewise ``floor``
    (``floor.group_floor``: what no search of the group estimates less than).

    The search of a group reads only the group and the bindings and spatial maps of its
    stages, besides the codelet, the ACG, the constraints and the options, which must be
    the same for every call on one memo (``search._plan_one`` makes one per codelet variant).
    The searches also share a ``WorkMemo`` (passed as ``work``): pieces of the cost model
    equal across groups.
    """

    def __init__(self, search: Callable[..., Searched],
                 floor: Callable[..., float] | None = None) -> None:
        self._search, self._floor = search, floor
        self.work = WorkMemo()  # what the cost model computes alike for several groups
        self._got: dict[object, Searched | ScheduleError] = {}
        self._floors: dict[object, float] = {}
        self._kept: list[object] = []

    def get(self, m: Mapping, g: Group, acg: ACG, cons: Constraints, **options: Any) -> Searched:
        key = self._key(m, g)
        if key not in self._got:
            try:
                self._got[key] = self._search(m, g, acg, cons, work=self.work, **options)
            except ScheduleError as exc:
                self._got[key] = exc
        got = self._got[key]
        if isinstance(got, ScheduleError):
            raise got
        return got

    def floor(self, m: Mapping, g: Group, acg: ACG, cons: Constraints, **options: Any) -> float:
        """``floor`` of the group (0 without one): what no ``get`` of it returns less than."""
        if self._floor is None:
            return 0.0
        # it reads the tiles the search keeps for the inner levels, which owe to where the
        # tiles sit; a group of one level has none: its floor is its shape's
        key = self._key(m, g) if g.levels > 1 else self._key(m, g, shape_key)
        if key not in self._floors:
            self._floors[key] = self._floor(m, g, acg, cons, work=self.work, **options)
        return self._floors[key]

    def forget_work(self) -> None:
        """Drop the shared pieces of the cost model (their arrays), keeping the results."""
        self.work = WorkMemo()

    def _key(self, m: Mapping, g: Group, by: KeyOf = group_key) -> object:
        key, bindings = by(m, g)
        self._kept.append(bindings)  # no id in a key is reused while the memo lives
        return key
