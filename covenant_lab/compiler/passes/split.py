"""Pass: split a fused group's innermost tile into parts along the loops it cannot tile, or
its epilogue along a loop it tiles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.parts import part_counts, part_loops, tail_loops, tail_start
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


@dataclass(frozen=True)
class SplitTail:
    """Split the epilogue of group ``group`` (its stages from ``parts.tail_start`` on) into
    ``parts`` along ``loop``, a loop the group tiles: the first stages run on the whole
    tile, then the epilogue part by part, and each part of the output leaves while the
    epilogue works on the next (the tile search keeps the loop's innermost tile a multiple
    of ``parts``).

    rewrite (a 1x1 conv with ReLU6, oc tiled by 96, 3 parts along oc)::

        for oc, pixel tiles:                  for oc, pixel tiles:
          t0 = conv(x, w)       (unit A)        t0 = conv(x, w)                (unit A)
          y = min(max(t0, 0), 6) (unit B)  ->   y[0:32] = min(max(t0[0:32], 0), 6) ..
          store y                                 store y[0:32] .. y[64:96]
    """

    name: ClassVar[str] = "split"
    group: int
    loop: str
    parts: int

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = list(mapping.groups)
        if not 0 <= self.group < len(groups):
            raise ScheduleError(self.name, f"{mapping.codelet.name} has no group {self.group} "
                                f"(it has {len(groups)})")
        g = groups[self.group]
        loops = tail_loops(mapping, g)
        if self.loop not in loops or self.parts < 2:
            allowed = ", ".join(loops) or "none: no epilogue on another unit"
            raise ScheduleError(self.name, f"the epilogue of group {self.group} of "
                                f"{mapping.codelet.name} in {self.parts} parts along {self.loop}",
                                hint=f"loops that split it: {allowed}; parts >= 2")
        start = tail_start(mapping, g)
        assert start is not None
        groups[self.group] = replace(g, parts=self.parts, part_loops=(self.loop,),
                                     part_from=start)
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


TAIL_PARTS = (2, 3)  # the numbers of parts the search tries for an epilogue


def tail_options(mapping: Mapping, tiles: tuple[tuple[tuple[int, ...], ...], ...]
                 ) -> list[SplitTail]:
    """The epilogue splits the search tries on its best option (``tiles``: that option's
    tile sizes, per group and level): per group with an epilogue (``parts.tail_start``) and
    no split yet, along each loop that may split it, in each number of ``TAIL_PARTS`` that
    divides the loop's innermost tile there (the search then tiles again, in such parts)."""
    out = []
    for gi, g in enumerate(mapping.groups):
        loops = tail_loops(mapping, g) if g.parts == 1 else ()
        inner = dict(zip(g.tile_loops, tiles[gi][-1], strict=True))
        out += [SplitTail(gi, lp, n) for lp in loops for n in TAIL_PARTS if inner[lp] % n == 0]
    return out

