"""Pass 5: tile the group's loops, one tile size per storage level."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.footprint import overflow
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.errors import ScheduleError


@dataclass(frozen=True)
class Tile:
    """Split each tile loop so every tile (times its buffering) fits the storage holding it.

    ``sizes[g][level-1]`` lists the tile size of every tile loop of group ``g``.

    rewrite (oc tiled by 32 at level 1)::

        for oc in 0..64:            for oc_1 in 0..64 step 32:     # off-chip -> buffers
            body[oc]        ->          for oc in oc_1..oc_1+32:    # on chip
                                            body[oc]
    """

    name: ClassVar[str] = "tile"
    sizes: tuple[tuple[tuple[int, ...], ...], ...]

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        if len(self.sizes) != len(mapping.groups):
            raise ScheduleError(
                self.name, f"{len(self.sizes)} tilings for {len(mapping.groups)} groups"
            )
        groups = tuple(
            self._tile(mapping, g, s) for g, s in zip(mapping.groups, self.sizes, strict=True)
        )
        return replace(mapping, groups=groups)

    def _tile(self, mapping: Mapping, group: Group, tiles: tuple[tuple[int, ...], ...]) -> Group:
        if len(tiles) != group.levels:
            raise ScheduleError(
                self.name, f"{len(tiles)} levels of tiles for {group.levels} levels"
            )
        prev = [mapping.codelet.extent(lp) for lp in group.tile_loops]
        for level, sizes in enumerate(tiles, start=1):
            for lp, t, outer in zip(group.tile_loops, sizes, prev, strict=True):
                if not 1 <= t <= outer:
                    raise ScheduleError(
                        self.name,
                        f"tile {t} of loop '{lp}' at level {level} of {mapping.codelet.name} "
                        f"must lie in 1..{outer}",
                    )
            prev = list(sizes)
        problem = overflow(mapping, group, tiles)
        if problem:
            shown = " x ".join(
                f"{lp}={t}" for lp, t in zip(group.tile_loops, tiles[0], strict=True)
            )
            raise ScheduleError(self.name, f"tile {shown} of {mapping.codelet.name}: {problem}")
        return replace(group, tiles=tiles)
