"""Pass 6: the loop order at each level, which decides what stays resident (the dataflow)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.errors import ScheduleError


@dataclass(frozen=True)
class Reorder:
    """Order the tile loops of each level; the operands not indexed by the innermost loops stay.

    rewrite (weight stationary: pixels innermost at level 0)::

        for oc_1, oh_1:                  for oc_1:
            load w[oc_1]        ->           load w[oc_1]          # loaded once per oc tile
            ...                              for oh_1: ...
    """

    name: ClassVar[str] = "order"
    orders: tuple[tuple[tuple[str, ...], ...], ...]  # per group, per level 0..L-1

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = []
        for g, orders in zip(mapping.groups, self.orders, strict=True):
            if len(orders) != g.levels:
                raise ScheduleError(self.name, f"{len(orders)} loop orders for {g.levels} levels")
            for level, order in enumerate(orders):
                if sorted(order) != sorted(g.tile_loops):
                    raise ScheduleError(
                        self.name,
                        f"order {', '.join(order)} at level {level} of {mapping.codelet.name} "
                        f"must be a permutation of {', '.join(g.tile_loops)}",
                    )
            groups.append(replace(g, orders=orders))
        return replace(mapping, groups=tuple(groups))
