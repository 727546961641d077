"""Numbers the searches of one codelet variant's groups share.

Structural options differ in a few choices (a buffering, the level of one operand's tile, the
unit of another stage), so their groups are often searched over the same tilings with pieces
in common: a stage on the same unit with the same spatial map, an operand accessed alike.
``WorkMemo`` keeps what the cost model computed for such a piece (``cost.GroupModel``), keyed
by everything it is computed from, so an equal piece is computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import numpy as np

from covenant_lab.compiler.mapping import Binding, Group, Mapping

T = TypeVar("T")


BUDGET_BYTES = 256 * 2**20  # arrays one memo keeps at most (an exhaustive search's are big)


class WorkMemo:
    """``make()`` once per key. A key holds nodes and capabilities by ``id`` (hashing a
    capability's timing expressions costs more than the lookup saves): ``keep`` names them,
    and the memo keeps them alive, so no id is reused while it lives. Past ``budget`` bytes
    of arrays, what is made is no longer kept (made again when asked again: the same)."""

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self._got: dict[Hashable, Any] = {}
        self._kept: list[object] = []
        self._room = budget

    def get(self, key: Hashable, make: Callable[[], T], keep: object = None) -> T:
        if key in self._got:
            got: T = self._got[key]
            return got
        value = make()
        size = _nbytes(value)
        if size <= self._room:
            self._room -= size
            self._got[key] = value
            self._kept.append(keep)
        return value

    def __len__(self) -> int:
        return len(self._got)


def _nbytes(value: object) -> int:
    """Bytes of the arrays in ``value`` (an array, or a tuple, list or dict of them)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple | list):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return 0


def tilings_key(tiles: Sequence[np.ndarray]) -> tuple[tuple[object, ...], ...]:
    """Tilings (per level, an (N, loops) int array) as a key: their values, shape and type."""
    return tuple((t.shape, t.dtype.str, np.ascontiguousarray(t).tobytes()) for t in tiles)


def group_key(m: Mapping, g: Group) -> tuple[Hashable, tuple[Binding, ...]]:
    """What a group's search reads of the mapping, as a key for one codelet variant: the
    group, and the units, capabilities (by ``id``) and spatial maps of its stages; and the
    bindings, for the memo to keep."""
    units, spatial, bindings = _units(m, g)
    return (g, units, spatial), bindings


def shape_key(m: Mapping, g: Group) -> tuple[Hashable, tuple[Binding, ...]]:
    """``group_key`` without the placements: what the tilings a group's search tries and
    their compute cycles read (not where the tiles sit, nor how many copies they have; but
    the parts its innermost tile is split into: ``parts.py``)."""
    units, spatial, bindings = _units(m, g)
    return (g.stages, g.tile_loops, g.levels, g.parts, g.part_loops, g.part_from, units,
            spatial), bindings


def _units(m: Mapping, g: Group) -> tuple[Hashable, Hashable, tuple[Binding, ...]]:
    bindings = tuple(m.bindings[i] for i in g.stages)
    units = tuple((b.stage, id(b.node), id(b.capability), b.roles) for b in bindings)
    return units, tuple(m.spatial[i] for i in g.stages), bindings
