"""Addresses in every storage of a program, from one allocator that knows what is live when.

A region is live over a span of *phases*: an off-chip tensor over the whole program, a group's
tile slots over that group (the groups of a program run one after another). Two regions of one
storage get disjoint bytes whenever their phases overlap, so stage groups, the temps between
them and the tensors of a fused layer never share bytes they both need; regions of groups that
never coexist reuse the same bytes. First fit, at each storage's word alignment::

    buffer    group 0: x [0, 64)  w [64, 96)        group 1: t [0, 128)   (group 0 is over)
    memory    x [0, 64)  w [64, 128)  y [128, 192)  (whole program), staged tiles after them
"""

from __future__ import annotations

from dataclasses import dataclass, field

from covenant_lab.acg.nodes import StorageNode
from covenant_lab.errors import ScheduleError

WHOLE = (0, 1 << 30)  # the phases of a region live for the whole program


@dataclass(frozen=True, slots=True)
class Region:
    """Bytes ``[addr, stop)`` of a storage, live from phase ``first`` to ``last``."""

    addr: int
    stop: int
    first: int
    last: int

    def coexists(self, first: int, last: int) -> bool:
        return self.first <= last and first <= self.last


@dataclass
class Allocator:
    """First-fit allocation per storage among the regions live at the same time."""

    regions: dict[str, list[Region]] = field(default_factory=dict)

    def reserve(
        self, storage: StorageNode, nbytes: int, *, phases: tuple[int, int], align: int
    ) -> int:
        """The lowest aligned address where ``nbytes`` fit beside every region live during
        ``phases`` (ScheduleError when an on-chip storage has no such room)."""
        first, last = phases
        taken = sorted(
            (r for r in self.regions.get(storage.name, []) if r.coexists(first, last)),
            key=lambda r: r.addr,
        )
        addr = 0
        for r in taken:
            if addr + nbytes <= r.addr:
                break
            addr = max(addr, -(-r.stop // align) * align)
        cap = storage.total_bytes
        if cap is not None and addr + nbytes > cap:
            raise ScheduleError(
                "lower",
                f"{nbytes} bytes do not fit in {storage.name} ({cap} bytes) beside the "
                f"{len(taken)} regions live at the same time",
            )
        self.regions.setdefault(storage.name, []).append(
            Region(addr, addr + nbytes, first, last)
        )
        return addr
