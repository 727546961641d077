"""Pass 3: place every operand on a path of storage nodes between off-chip memory and its port."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Role
from covenant_lab.compiler.mapping import Group, Mapping, Placement
from covenant_lab.compiler.passes.fuse import temp_storages
from covenant_lab.errors import MappingError, ScheduleError


def _written(mapping: Mapping, group: Group, operand: str) -> bool:
    return any(mapping.codelet.stages[i].stmt.dst.operand == operand for i in group.stages)


def _on_chip(mapping: Mapping, group: Group, operand: str) -> bool:
    """A temp both produced and consumed inside a fused group never goes off chip."""
    return len(group.stages) > 1 and mapping.codelet.operand(operand).role is Role.TEMP


@dataclass(frozen=True)
class PlaceOperands:
    """Choose each operand's storage and the ACG path to it from off-chip memory.

    rewrite (a conv on a systolic-array machine)::

        x  ->  off-chip -> input buffer      (path found on the ACG, not named in the codelet)
        w  ->  off-chip -> weight buffer
        y  ->  accumulator buffer -> off-chip
    """

    name: ClassVar[str] = "place"
    storage: tuple[tuple[str, str], ...] = ()  # user constraint: operand -> storage name

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = tuple(self._place_group(mapping, acg, g) for g in mapping.groups)
        return replace(mapping, groups=groups)

    def _place_group(self, mapping: Mapping, acg: ACG, group: Group) -> Group:
        load: dict[str, int] = {}  # bytes placed per storage so far: spread operands out
        placements = []
        for op in mapping.group_operands(group):
            p = self._place(mapping, acg, group, op, load)
            placements.append(p)
            port = p.levels[-1].name
            load[port] = load.get(port, 0) + mapping.codelet.operand(op).nbytes
        depth = (
            max(len(p.levels) for p in placements if p.home is not None)
            if any(p.home is not None for p in placements)
            else 1
        )
        placements = [
            replace(p, first_level=depth - len(p.levels) + 1) if p.home is None else p
            for p in placements
        ]
        return replace(group, placements=tuple(placements), levels=depth)

    def _choices(self, mapping: Mapping, group: Group, operand: str) -> tuple[str, ...]:
        allowed = temp_storages(mapping, operand, group.stages)
        wanted = dict(self.storage).get(operand)
        if wanted is None:
            return allowed
        if wanted not in allowed:
            raise MappingError(
                f"place: constraint storage '{wanted}' for operand '{operand}' of "
                f"{mapping.codelet.name}: the capabilities using it read/write only "
                f"{', '.join(allowed) or 'nothing in common'}",
                hint=f"choose one of {', '.join(allowed)}" if allowed else None,
            )
        return (wanted,)

    def _place(
        self, mapping: Mapping, acg: ACG, group: Group, operand: str, load: dict[str, int]
    ) -> Placement:
        choices = self._choices(mapping, group, operand)
        # among the storages the capabilities allow, the least loaded for its size first
        size = mapping.codelet.operand(operand).nbytes

        def fill(name: str) -> float:
            cap = acg.storage(name).capacity_bytes
            return (load.get(name, 0) + size) / cap if cap else 0.0

        choices = tuple(sorted(choices, key=fill))
        if not choices:
            raise ScheduleError(
                self.name,
                f"operand '{operand}' of {mapping.codelet.name} has no storage that every "
                "capability using it can access",
            )
        if _on_chip(mapping, group, operand):
            return Placement(operand, None, (acg.storage(choices[0]),))
        home = acg.offchip[0]
        written = _written(mapping, group, operand)
        for name in choices:
            port = acg.storage(name)
            path = acg.best_path(port, home) if written else acg.best_path(home, port)
            if path is None:
                continue
            nodes = path.nodes
            levels = tuple(reversed(nodes[:-1])) if written else nodes[1:]
            return Placement(operand, home, levels)
        raise ScheduleError(
            self.name,
            f"no data path between {home.name} and {' / '.join(choices)} for operand "
            f"'{operand}' of {mapping.codelet.name}",
            hint="add an edge to the architecture file",
        )
