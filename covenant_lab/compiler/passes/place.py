"""Pass 3: place every operand on a path of storage nodes between off-chip memory and its port."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG, DataPath
from covenant_lab.acg.homes import TensorHome
from covenant_lab.acg.nodes import StorageNode
from covenant_lab.codelets.ir import Role
from covenant_lab.compiler.footprint import port_dtype
from covenant_lab.compiler.mapping import Group, Mapping, Placement
from covenant_lab.compiler.passes.fuse import temp_ports, temp_storages
from covenant_lab.compiler.sites import read_before_written
from covenant_lab.errors import MappingError, ScheduleError


def _written(mapping: Mapping, group: Group, operand: str) -> bool:
    return any(mapping.codelet.stages[i].stmt.dst.operand == operand for i in group.stages)


def _reversible(acg: ACG, path: DataPath) -> bool:
    """Whether every edge of the path has one the other way."""
    return all(acg.edge(e.dst, e.src) is not None for e in path.edges)


def _on_chip(mapping: Mapping, group: Group, operand: str) -> bool:
    """A temp both produced and consumed inside a fused group, and by no other, never goes
    off chip."""
    if len(group.stages) < 2 or mapping.codelet.operand(operand).role is not Role.TEMP:
        return False
    return all(i in group.stages for i, st in enumerate(mapping.codelet.stages)
               if any(acc.operand == operand for acc in st.stmt.accesses))


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
    home: tuple[tuple[str, str], ...] = ()  # operand -> off-chip memory (else the file's homes)
    # (group, operand) -> tiling level of the operand's outermost storage, for operands whose
    # path has fewer levels than the group (the search tries each); default: level 1
    first: tuple[tuple[int, str, int], ...] = ()
    # one tiling level more than the longest path has storages: the operands the group only
    # reads keep their tiles at level 1 while the innermost tiles walk them (levels.py)
    inner: bool = False

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        groups = tuple(self._place_group(mapping, acg, g, i) for i, g in enumerate(mapping.groups))
        return replace(mapping, groups=groups)

    def _place_group(self, mapping: Mapping, acg: ACG, group: Group, index: int) -> Group:
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
        ) + self.inner
        written = mapping.written(group)
        first = {p.operand: 1 for p in placements
                 if self.inner and p.home is not None and p.operand not in written}
        first.update((op, level) for g, op, level in self.first if g == index)
        shared = {s: k for p in placements if len(p.levels) == depth
                  for k, s in enumerate(p.levels, start=1)}
        placements = [
            replace(p, first_level=self._first(p, depth, first, shared)) for p in placements
        ]
        return replace(group, placements=tuple(placements), levels=depth)

    def _first(
        self, p: Placement, depth: int, first: dict[str, int], shared: dict[StorageNode, int]
    ) -> int:
        """The tiling level of the operand's outermost storage. Temps sit at the innermost
        level. An operand with a shorter path takes the level chosen for it, else the level
        its port storage has on a full-length path (a DSP's activations stay in the
        scratchpad level that holds the outputs' tiles too), else the innermost level (a
        weight FIFO feeds each inner tile)."""
        last = depth - len(p.levels) + 1
        if p.home is None:
            return last
        port = shared.get(p.levels[-1])
        default = last if port is None else min(max(port - len(p.levels) + 1, 1), last)
        level = first.get(p.operand, default)
        if not 1 <= level <= last:
            raise ScheduleError(
                self.name,
                f"operand '{p.operand}' has {len(p.levels)} on-chip level(s) of {depth}: its "
                f"outermost storage can take level 1..{last}, not {level}",
            )
        return level

    def _home(self, mapping: Mapping, acg: ACG, operand: str) -> StorageNode:
        """The off-chip memory holding the operand: a constraint, else the file's homes."""
        wanted = dict(self.home).get(operand)
        if wanted is None:
            return acg.home(TensorHome.of(mapping.codelet.operand(operand).role))
        node = acg.storage(wanted)
        if not node.off_chip:
            raise MappingError(
                f"place: home '{wanted}' of operand '{operand}' of {mapping.codelet.name} is "
                "not an off-chip memory",
                hint=f"off-chip memories: {', '.join(s.name for s in acg.offchip)}",
            )
        return node

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
                f"capability using it can access: {temp_ports(mapping, operand, group.stages)}",
                hint="give those ports a storage in common in the architecture file, or let "
                     "the stages run in loop nests of their own (constraints: fuse=False)",
            )
        dtype = port_dtype(mapping, group, operand)
        if _on_chip(mapping, group, operand):
            return Placement(operand, None, (acg.storage(choices[0]),), widths=(dtype.itemsize,),
                             buffered=False)
        home = self._home(mapping, acg, operand)
        written = _written(mapping, group, operand)
        reloaded = written and operand in read_before_written(mapping.stages_of(group))
        for name in choices:
            port = acg.storage(name)
            path = acg.best_path(port, home) if written else acg.best_path(home, port)
            if path is None or (reloaded and not _reversible(acg, path)):
                continue  # a result the group also reads must come back in the same way
            nodes = path.nodes
            widths = acg.element_bytes(path, dtype, outward=written)
            if written:  # home first, then the levels outermost first
                nodes, widths = tuple(reversed(nodes)), tuple(reversed(widths))
            return Placement(operand, home, nodes[1:], widths=widths)
        raise ScheduleError(
            self.name,
            f"no data path between {home.name} and {' / '.join(choices)} for operand "
            f"'{operand}' of {mapping.codelet.name}",
            hint="add an edge to the architecture file",
        )
