"""Pass: split a fused group's innermost tile into parts along the loops it cannot tile."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.parts import part_counts, part_loops
from covenant_lab.errors import ScheduleError


@dataclass(frozen=True)
class Split:
    """Split the innermost tile of some groups into parts (``(group, parts)`` pairs) along
    the loops ``parts.part_loops`` finds: each stage iterating one of them runs once per
    part, and each operand they index moves one part at a time (``compiler/parts.py``).

    rewrite (LayerNorm, rows tiled by 32, 4 parts along d1, r1)::

        for d0 tiles:                         for d0 tiles:
          load x[d0, :]                         load x[d0, 0:192] .. x[d0, 576:768]
          t0 += x[d0, r1]  (r1 0..768)    ->    t0 += x[d0, r1]  (r1 0..192) .. (576..768)
          ...                                   ...
          y = y + bias     (d1 0..768)          y = y * scale; y = y + bias (d1 0..192) ..
          store y[d0, :]                        store y[d0, 0:192] .. y[d0, 576:768]
    """

    name: ClassVar[str] = "split"
    parts: tuple[tuple[int, int], ...] = ()

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = list(mapping.groups)
        for gi, n in self.parts:
            if not 0 <= gi < len(groups):
                raise ScheduleError(self.name, f"{mapping.codelet.name} has no group {gi} "
                                    f"(it has {len(groups)})")
            g = groups[gi]
            loops = part_loops(mapping, g)
            counts = part_counts(mapping, g, loops)
            if n not in counts:
                allowed = ", ".join(map(str, counts)) or "none: no loop qualifies"
                raise ScheduleError(
                    self.name,
                    f"{n} parts for group {gi} of {mapping.codelet.name}"
                    + (f" along {', '.join(loops)}" if loops else ""),
                    hint=f"parts the group allows: {allowed}",
                )
            groups[gi] = replace(g, parts=n, part_loops=loops)
        return replace(mapping, groups=tuple(groups))


def split_options(mapping: Mapping, parts: int | None = None) -> list[Split]:
    """What the search tries besides the whole tile: each allowed number of parts of every
    group that has part loops (one group at a time); with ``parts`` (a constraint), that
    number for every group that allows it, at once (none: 1)."""
    if parts is None:
        return [Split(((gi, n),)) for gi, g in enumerate(mapping.groups)
                for n in part_counts(mapping, g)]
    chosen = tuple((gi, parts) for gi, g in enumerate(mapping.groups)
                   if parts in part_counts(mapping, g))
    return [Split(chosen)] if chosen else []
