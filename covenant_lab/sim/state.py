"""Frozen records the stepper emits: events and views of the simulated machine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["LiveTile", "SimEvent", "SimState", "StorageState"]


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One instruction issued (started) or completed (its resources released) at ``cycle``."""

    step: int  # position of the event in the time-sorted event list (0-based)
    kind: Literal["issue", "complete"]
    index: int  # instruction index
    cycle: int


@dataclass(frozen=True, slots=True)
class LiveTile:
    """A tile resident in a storage."""

    operand: str
    box: tuple[tuple[int, int], ...]
    addr: int
    nbytes: int


@dataclass(frozen=True, slots=True)
class StorageState:
    """What a storage holds: its live tiles (by address) and how full it is."""

    name: str
    tiles: tuple[LiveTile, ...]
    occupancy_bytes: int
    capacity_bytes: int | None  # None: unbounded (off-chip)


@dataclass(frozen=True, slots=True)
class SimState:
    """A snapshot view of the machine after ``step`` events."""

    cycle: int
    step: int  # events processed so far
    busy: tuple[tuple[str, int | None], ...]  # per resource: instruction in flight, or None
    storages: tuple[StorageState, ...]
    issued: int
    completed: int
    pending: int  # instructions not completed yet

    def doing(self, resource: str) -> int | None:
        """The instruction ``resource`` is executing, or None when idle."""
        for name, index in self.busy:
            if name == resource:
                return index
        raise KeyError(resource)

    def storage(self, name: str) -> StorageState:
        for s in self.storages:
            if s.name == name:
                return s
        raise KeyError(name)
