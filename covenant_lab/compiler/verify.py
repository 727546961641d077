"""Invariants a mapping keeps after every pass (internal checks, not user-input validation)."""

from __future__ import annotations

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.mapping import Mapping


def verify(mapping: Mapping, acg: ACG) -> None:
    """Assert the mapping is self-consistent; a failure is a compiler bug."""
    c = mapping.codelet
    if mapping.bindings:
        assert len(mapping.bindings) == len(c.stages)
        for b in mapping.bindings:
            assert b.capability in b.node.capabilities
            assert b.capability.op is c.stages[b.stage].stmt.op
    if mapping.groups:
        covered = sorted(i for g in mapping.groups for i in g.stages)
        assert covered == list(range(len(c.stages))), "every stage in exactly one group"
        for g in mapping.groups:
            for lp in g.tile_loops:
                assert all(lp in c.stages[i].loops for i in g.stages)
            if g.tiles:
                assert len(g.tiles) == g.levels
                for level in range(1, g.levels):
                    for lp in g.tile_loops:
                        assert g.tile(level + 1, lp) <= g.tile(level, lp)
            if g.orders:
                assert all(sorted(o) == sorted(g.tile_loops) for o in g.orders)
            for p in g.placements:
                assert p.levels and all(
                    s.name in {n.name for n in acg.storage_nodes} for s in p.levels
                )
    if mapping.spatial:
        assert len(mapping.spatial) == len(c.stages)
