"""What a group issues ahead of program order: one rule, for lowering and the cost model.

Lowering walks a group's innermost tiles one after another; each resource then runs its
instructions in that order. Two kinds of work of the next tile are issued early, so that an
in-order resource does not sit behind work that waits on something else:

1. **Loads run one tile ahead.** The load of a tile of an operand the group only reads is
   issued before the previous tile's stores and loads when its slot (the operand's tile at
   one level) has at least two copies, and its source is off chip or a slot that also runs
   ahead. The copy it fills was last read two tiles back, so it never overwrites data still
   to be read, and at most ``copies`` tiles of the slot are in flight. "Tile" is the slot's
   own: a tile that stays for several innermost tiles is loaded where the slot's tile
   before it began (``issue.py``), so an outer level's move runs during the whole of the
   tile before, which is how the overlap schedule spreads it.
2. **Independent stages run one tile ahead.** When a stage waits within its tile for another
   unit (it reads what a stage on another unit wrote, and its own unit ran an earlier stage
   of the tile: the unit idles), the first stages of the next tile on that unit are issued
   just before it (the first such stage on the unit that runs the tile's first stage), as
   long as they touch no copy the rest of this tile (from that stage on, and its stores)
   still uses, and read nothing a load that does not run ahead brings in.

Slots are names (an operand's tile at one level); ``copies`` gives how many copies each
rotates through (a slot not listed has a fresh copy every tile).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from covenant_lab.codelets.ir import Stmt

if TYPE_CHECKING:
    from covenant_lab.compiler.mapping import Group


class Slot(NamedTuple):
    """An operand's tile at one tiling level: what the overlap schedule and the issue order
    track copies of; ``part``: one part of it, where the group splits its tile
    (``parts.py``)."""

    operand: str
    level: int
    part: int | None = None

    def __str__(self) -> str:
        return f"{self.operand}@{self.level}" + ("" if self.part is None else f"#{self.part}")


@dataclass(frozen=True)
class Use:
    """What one instruction of a tile reads and writes, and the resource it runs on."""

    unit: str
    reads: tuple[Slot, ...]
    writes: Slot | None


def _shared(copies: Mapping[Slot, int], slot: Slot | None) -> bool:
    """Whether two consecutive tiles use the same copy of ``slot``."""
    return slot is not None and copies.get(slot, 2) < 2


def leading(loads: Sequence[Use], written: set[Slot],
            copies: Mapping[Slot, int]) -> set[Slot]:
    """The slots whose loads run one tile ahead (``loads`` level by level, outer first;
    ``written``: slots a stage or a store writes)."""
    out: set[Slot] = set()
    for load in loads:
        slot = load.writes
        if (slot is not None and slot not in written and not _shared(copies, slot)
                and all(r in out for r in load.reads)):
            out.add(slot)
    return out


@dataclass(frozen=True)
class Hoist:
    """Stages ``0 .. count-1`` of the next tile are issued just before stage ``before`` of
    this one (``count == 0``: nothing is)."""

    before: int = 0
    count: int = 0


def hoist(stages: Sequence[Use], copies: Mapping[Slot, int], *, behind: set[Slot],
          stored: set[Slot]) -> Hoist:
    """Rule 2 for a group's stages (in issue order). ``behind``: slots written by loads that
    do not run ahead; ``stored``: slots the tile's stores read."""
    wait = _waiting_stage(stages)
    if wait is None:
        return Hoist()
    unit = stages[wait].unit
    tail = stages[wait:]
    count = 0
    for st in stages[:wait]:
        if st.unit != unit or _clashes(st, tail, copies, behind, stored):
            break
        count += 1
    return Hoist(wait, count)


def _waiting_stage(stages: Sequence[Use]) -> int | None:
    """The first stage on the unit of the tile's first stage (the next tile's first stages
    can go ahead of it only there) that reads what another unit wrote in this tile after its
    own unit ran an earlier stage of the tile."""
    for k in range(1, len(stages)):
        unit = stages[k].unit
        if unit != stages[0].unit:
            continue
        for j in range(k):
            other = stages[j]
            if (other.unit != unit and other.writes is not None and other.writes in stages[k].reads
                    and any(s.unit == unit for s in stages[:j])):
                return k
    return None


def _clashes(st: Use, tail: Sequence[Use], copies: Mapping[Slot, int], behind: set[Slot],
             stored: set[Slot]) -> bool:
    """Whether the next tile's ``st`` touches a copy this tile's ``tail`` or stores still use,
    or reads what a later-issued load brings in."""
    if any(r in behind for r in st.reads):
        return True
    mine = st.writes if _shared(copies, st.writes) else None
    if mine is not None and mine in stored:
        return True
    for other in tail:
        if mine is not None and (mine == other.writes or mine in other.reads):
            return True
        if _shared(copies, other.writes) and other.writes in st.reads:
            return True
    return False


def stage_operands(stmt: Stmt) -> tuple[tuple[str, ...], str]:
    """The operands one invocation of a stage reads (an accumulator without an initial value
    too) and the one it writes."""
    reads = [a.operand for a in stmt.accesses[:-1]]
    if stmt.op.accumulates and stmt.init is None:
        reads.append(stmt.dst.operand)
    return tuple(reads), stmt.dst.operand


def innermost_slot(group: Group, operand: str) -> Slot:
    """The operand's tile at the innermost level it has in ``group``: what a stage reads or
    writes."""
    return Slot(operand, min(group.levels, group.placement(operand).last_level))
