"""The communication nodes an operand's compulsory traffic must cross on its way between its
off-chip home and a unit.

A comm node is *crossed* when every data path between the home and the storages the unit's
port takes the operand from (or sends it to) goes through it: the TPU's activations live in
host memory, and every path from there to the matrix unit's Unified Buffer goes over PCIe,
while the host's own cache is reached without it. The strict bound counts a comm node only
where every edge of a memory goes through it (``bounds.py``), which the host's path defeats;
the structural bound asks per unit the layer's stages run on (``structural.py``).

Example: tpu_v1, a 1x1 convolution 56x56x64 -> 256: its input (HOST) read by ``mmu.mac``
(port ``a``: UB) and its output written through the accumulators (port ``acc``: ACC, then
the UB): both cross ``pcie``, 200,704 + 802,816 bytes at 21.47 B/cycle, 46,741 cycles,
where the strict memory bound is 11,019 (``tests/analysis/test_structural.py``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from covenant_lab.acg.graph import ACG
    from covenant_lab.acg.nodes import StorageNode

__all__ = ["crossed", "crossing_cycles"]


def crossed(acg: ACG, home: StorageNode, storages: Iterable[str], *,
            outward: bool) -> frozenset[str]:
    """The comm nodes on every data path from ``home`` to one of the storages named
    ``storages`` (``outward``: from one of them to ``home``); none where no path exists."""
    paths = [p for s in storages
             for p in (acg.data_paths(s, home) if outward else acg.data_paths(home, s))]
    if not paths:
        return frozenset()
    return functools.reduce(frozenset.intersection, (
        frozenset(c.name for c in p.vias if c is not None) for p in paths))


def crossing_cycles(acg: ACG, crossings: Iterable[tuple[str, str]],
                    nbytes: dict[str, int]) -> tuple[float, str | None]:
    """The cycles of the busiest comm node under ``crossings`` ((operand, comm node) pairs:
    each operand's bytes ``nbytes`` counted once per comm node it crosses), and its name."""
    traffic: dict[str, int] = {}
    for operand, comm in set(crossings):
        traffic[comm] = traffic.get(comm, 0) + nbytes.get(operand, 0)
    times = {c: n / acg.comm(c).bytes_per_cycle for c, n in traffic.items()}
    busiest = max(times, key=lambda c: times[c], default=None)
    return (times[busiest], busiest) if busiest is not None else (0.0, None)
