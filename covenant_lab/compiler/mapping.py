"""The mapping: a codelet's execution plan on an ACG, filled in pass by pass.

Every field starts empty and one pass fills it; passes return a new Mapping with
``dataclasses.replace``, so any snapshot is safe to keep (the compile log keeps them all).
"""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.nodes import ComputeNode, StorageNode
from covenant_lab.codelets.ir import Codelet, Stage
from covenant_lab.types import PortRole


@dataclass(frozen=True, slots=True)
class Binding:
    """A stage bound to a capability of a compute node, with its operands per role."""

    stage: int
    node: ComputeNode
    capability: Capability
    roles: tuple[tuple[PortRole, str], ...]  # role -> operand name

    def operand(self, role: PortRole) -> str | None:
        return dict(self.roles).get(role)


@dataclass(frozen=True, slots=True)
class Spatial:
    """How one stage's loops use its compute node inside one invocation."""

    dims: tuple[tuple[str, tuple[str, ...]], ...]  # per spatial entry: dim -> loops on it
    stream: tuple[str, ...]  # loops iterated in time inside the invocation
    repeat: tuple[str, ...]  # loops needing a separate pass of the node each

    def loops_on(self, dim: str) -> tuple[str, ...]:
        """Every loop on ``dim`` (over all of the dimension's entries)."""
        return tuple(lp for d, loops in self.dims if d == dim for lp in loops)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an operand lives: off-chip home (None for on-chip temps) and on-chip levels.

    ``levels[0]`` is the outermost on-chip storage, ``levels[-1]`` the one the capability
    reads or writes.
    """

    operand: str
    home: StorageNode | None
    levels: tuple[StorageNode, ...]
    first_level: int = 1  # tiling level of levels[0]; temps live at the innermost level only
    widths: tuple[int, ...] = ()  # element bytes at the home (if any), then at each level
    # whether the tiles take as many copies as their storage's ``buffering`` (so the next
    # tile fills while this one is used); else one. Loaded operands are; on-chip temps are
    # not unless a pass decides so (passes.buffer)
    buffered: bool = True

    def at(self, level: int) -> StorageNode:
        """Storage holding the operand's data at tiling level ``level`` (1-based)."""
        return self.levels[self._index(level)]

    def _index(self, level: int) -> int:
        return min(max(level - self.first_level, 0), len(self.levels) - 1)

    def bytes_at(self, level: int) -> int:
        """Element size of the operand in the storage of tiling level ``level``."""
        return self.widths[self._index(level) + (self.home is not None)]

    @property
    def home_bytes(self) -> int:
        """Element size of the operand in its off-chip home."""
        assert self.home is not None
        return self.widths[0]

    def copies(self, level: int) -> int:
        """Copies of the operand's tile at ``level`` (double buffering and the like)."""
        return self.at(level).buffering if self.buffered else 1

    def has_tile(self, level: int) -> bool:
        """Whether the operand gets its own tile (and transfer) at ``level``."""
        return self.first_level <= level < self.first_level + len(self.levels)

    @property
    def last_level(self) -> int:
        return self.first_level + len(self.levels) - 1


@dataclass(frozen=True, slots=True)
class Group:
    """Stages compiled together as one loop nest; temps between them stay on chip."""

    stages: tuple[int, ...]
    tile_loops: tuple[str, ...]  # loops tiled; the others span their extent in every tile
    levels: int = 1  # number of on-chip tiling levels
    placements: tuple[Placement, ...] = ()
    tiles: tuple[tuple[int, ...], ...] = ()  # per level 1..L: tile size of each tile loop
    orders: tuple[tuple[str, ...], ...] = ()  # per level 0..L-1: loop order, outermost first
    # the innermost tile split into ``parts`` along ``part_loops`` (loops it does not tile,
    # or, for the stages from ``part_from`` on, a loop it tiles): compiler/parts.py; 1 = whole
    parts: int = 1
    part_loops: tuple[str, ...] = ()
    part_from: int = 0  # the first stage of the group (its position) that runs in parts

    @property
    def inner(self) -> bool:
        """Whether the group has one level more than its longest off-chip path has storages:
        the operands it only reads stay at level 1 while the innermost tiles walk them
        (levels.py, passes.place)."""
        paths = [len(p.levels) for p in self.placements if p.home is not None]
        return bool(paths) and self.levels > max(paths)

    def tile(self, level: int, loop: str) -> int:
        return self.tiles[level - 1][self.tile_loops.index(loop)]

    def placement(self, operand: str) -> Placement:
        for p in self.placements:
            if p.operand == operand:
                return p
        raise KeyError(operand)


@dataclass(frozen=True)
class Mapping:
    """A codelet and every decision made about it so far."""

    codelet: Codelet
    bindings: tuple[Binding, ...] = ()
    groups: tuple[Group, ...] = ()
    spatial: tuple[Spatial, ...] = ()  # per stage

    def binding(self, stage: int) -> Binding:
        return self.bindings[stage]

    def stages_of(self, group: Group) -> tuple[Stage, ...]:
        return tuple(self.codelet.stages[i] for i in group.stages)

    def home_bytes(self, operand: str) -> int:
        """Element size of ``operand`` in its off-chip home: what the first group placing
        it there says (a temp one group stores and another loads has one layout; a reader
        whose path converts it, NVDLA's int8 DMA to the SDP, still reads what was stored)."""
        return next(p.home_bytes for g in self.groups for p in g.placements
                    if p.operand == operand and p.home is not None)

    def written(self, group: Group) -> set[str]:
        """The operands the group's stages write."""
        return {st.stmt.dst.operand for st in self.stages_of(group)}

    def group_operands(self, group: Group) -> tuple[str, ...]:
        """Operands the group touches, in first-use order."""
        seen: dict[str, None] = {}
        for st in self.stages_of(group):
            for acc in st.stmt.accesses:
                seen.setdefault(acc.operand, None)
        return tuple(seen)

    def handoffs(self, group: Group) -> tuple[str, ...]:
        """The group's on-chip temps that a stage on one compute node writes and a stage on
        another node reads: there the two units wait on each other unless the temp has a copy
        for each (``Placement.buffered``)."""
        out = []
        stages = self.stages_of(group)
        for p in group.placements:
            if p.home is not None:
                continue
            writers = [k for k, st in enumerate(stages) if st.stmt.dst.operand == p.operand]
            readers = [k for k, st in enumerate(stages)
                       if any(a.operand == p.operand for a in st.stmt.accesses[:-1])]
            nodes = {self.binding(group.stages[k]).node.name for k in writers + readers}
            if writers and readers and len(nodes) > 1:
                out.append(p.operand)
        return tuple(out)
