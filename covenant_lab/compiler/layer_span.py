"""How a layer's groups follow one another: one rule, for the estimate and the search.

Lowering emits the groups one after the other, and each resource (a compute unit, an edge
or the communication node it goes through) runs its instructions in program order. So a
group waits for the groups before it on the resources it shares with them, and for the
tiles it reads that an earlier group writes (through off-chip memory), but for nothing
else. Reading them in the order they are written (the loops one iterates begin with the
other's, and the earlier group iterates some), it follows that group tile by tile and ends
its part of that group's last tile after it; reading them in another order, or writing
what an earlier group reads or writes, it waits for that group's end.

Example, GELU on NVDLA-small: the SDP scales x (755,794 cycles), the host's erf follows it
tile by tile (2,176,640 on the host and its DMA edges: it ends at 2,176,640), the SDP's add
runs behind the erf (ending its part of the erf's last tile after it), its last two stages
after that: 3.89 M cycles, where adding the groups up gives 5.40 M (simulated: 3.91 M).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.sites import operand_loops, read_before_written

__all__ = ["GroupRun", "layer_cycles"]

# the order of an operand in a floor's run: it may follow any group at once (a lower bound)
FOLLOWS: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class GroupRun:
    """One group of a layer as the rule sees it."""

    cycles: float  # the group on its own
    tiles: float  # its innermost tiles (inf: a floor's, which never lags)
    resources: frozenset[str | EdgeId]  # compute nodes, edges, communication nodes
    reads: frozenset[str]  # operands it loads from their off-chip home (in place too)
    writes: frozenset[str]  # operands it stores to their off-chip home
    # per operand, the loops of its outermost level that index it, outermost first (how its
    # tiles of that operand come one after the other); a floor's run: none (FOLLOWS)
    orders: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def order(self, operand: str) -> tuple[str, ...]:
        return dict(self.orders).get(operand, FOLLOWS)

    def follows(self, before: GroupRun) -> bool:
        """Whether it reads what ``before`` writes in the order ``before`` writes it, tile by
        tile: for each such operand, ``before`` iterates some loop indexing it, and the
        loops one iterates begin with the other's (``d1`` then ``d2`` against ``d1`` alone: a
        tile of a whole row needs the tiles of that row, which come one after the other; a
        reduction's loop, indexing no output, does not count)."""
        shared = before.writes & self.reads
        if not shared:
            return False
        for operand in shared:
            a, b = self.order(operand), before.order(operand)
            if FOLLOWS in (a, b):
                continue
            if not b or (a[:len(b)] != b and b[:len(a)] != a):
                return False
        return True

    def lag(self, before: GroupRun) -> float:
        """How long it runs on after ``before`` (which it follows) ends: its part of the
        last tile ``before`` writes, or its own last tile if its tiles are larger."""
        return self.cycles / max(min(self.tiles, before.tiles), 1)

    @staticmethod
    def of(mapping: Mapping, group: Group, acg: ACG, tiles: tuple[tuple[int, ...], ...] | None,
           orders: tuple[tuple[str, ...], ...], cycles: float) -> GroupRun:
        """The run of ``group`` with tiles ``tiles`` (per level) and loop orders ``orders``;
        without tiles (a floor), one that follows every group it reads from with no delay."""
        codelet = mapping.codelet
        extent = [codelet.extent(lp) for lp in group.tile_loops]
        stages = [codelet.stages[si] for si in group.stages]
        homed = [p for p in group.placements if p.home is not None]
        count: float = math.inf
        order: dict[str, tuple[str, ...]] = {}
        if tiles is not None:
            inner = tiles[-1] if tiles else tuple(extent)
            count = math.prod(-(-e // max(t, 1)) for e, t in zip(extent, inner, strict=True))
            outer = dict(zip(group.tile_loops, tiles[0] if tiles else extent, strict=True))
            iterated = [lp for lp in (orders[0] if orders else group.tile_loops)
                        if outer.get(lp, 1) < codelet.extent(lp)]
            for p in homed:
                uses = set(operand_loops(stages, p.operand))
                order[p.operand] = tuple(lp for lp in iterated if lp in uses)
        written = {st.stmt.dst.operand for st in stages}
        read = read_before_written(stages)  # an update in place reads what it writes
        resources: set[str | EdgeId] = {mapping.binding(si).node.name for si in group.stages}
        for p in homed:
            assert p.home is not None
            for far, near in itertools.pairwise((p.home, *p.levels)):
                ways = [(far, near)] if p.operand in read or p.operand not in written else []
                ways += [(near, far)] if p.operand in written else []
                for edge in filter(None, (acg.edge(a, b) for a, b in ways)):
                    resources.add(edge.via or edge.key)
        return GroupRun(
            cycles, count, frozenset(resources),
            frozenset(p.operand for p in homed if p.operand in read),
            frozenset(p.operand for p in homed if p.operand in written),
            tuple(sorted(order.items())))


def layer_cycles(runs: Sequence[GroupRun]) -> float:
    """Cycles of a layer's groups run in order (module docstring)."""
    free: dict[str, float] = {}
    ends: list[float] = []
    for k, g in enumerate(runs):
        end = max((free.get(r, 0.0) for r in g.resources), default=0.0) + g.cycles
        for j in range(k):
            before = runs[j]
            if g.follows(before):
                end = max(end, ends[j] + g.lag(before))
            elif before.writes & (g.reads | g.writes) or before.reads & g.writes:
                end = max(end, ends[j] + g.cycles)
        for r in g.resources:
            free[r] = end
        ends.append(end)
    return max(ends, default=0.0)
