"""Ideal (roofline) bounds of a codelet on an architecture, and efficiency against them.

compute: every stage at the peak rate of its best unit, and the stages only one compute node
can run executed back to back on it; a unit counts for a stage when its capability takes the
stage's operands (an ``init`` it lacks may be split off) and its ports reach the operands'
off-chip homes. Peaks are in cycles of the architecture's reference clock::

    compute_cycles = max( max_s iterations(s) / peak(s),
                          max_n sum_{s runnable only on n} iterations(s) / peak_n(s) )

memory: the compulsory off-chip traffic (each INPUT and WEIGHT read once, each OUTPUT
written once; TEMPs stay on chip), per off-chip memory (its homed tensors) at its bandwidth,
and per comm node carrying every edge of some memories, their traffic together::

    memory_cycles = max( max_m read_m / read_bw_m, max_m write_m / write_bw_m,
                         max_c sum_{m behind c} (read_m + write_m) / bw_c )

An operand's element size off chip is its port's dtype on the best unit of the stage that
first reads it (inputs) or last writes it (outputs), converted by the edges on the way to its
home (``ACG.element_bytes``), else its codelet dtype.

Example, a 64x64x64 GEMM (int8 a, b; int32 acc) on a 32x32 array behind one 64 B/cycle bus:
compute 262144 / 1024 = 256 cycles; bytes 4096 + 4096 + 16384 = 24576; memory 24576 / 64 =
384 cycles; the bound is 384 cycles (memory).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.acg.homes import TensorHome
from covenant_lab.codelets.ir import Codelet, Operand, Stage
from covenant_lab.compiler.roles import capability_fits, fits_without_init, stage_roles
from covenant_lab.errors import MappingError, UsageError
from covenant_lab.types import DESTINATIONS, Role

if TYPE_CHECKING:
    from covenant_lab.acg.capabilities import Capability
    from covenant_lab.acg.graph import ACG
    from covenant_lab.acg.nodes import ComputeNode, StorageNode

__all__ = ["Bound", "able_units", "compulsory_bytes", "efficiency", "ideal_bound",
           "memory_cycles", "whole_cycles"]



@dataclass(frozen=True, slots=True)
class Bound:
    """Lower bounds on the cycles of a layer.

    ``compute_cycles`` and ``memory_cycles`` are exact (floats: 24576 bytes at 64 B/cycle is
    384.0, at 5 B/cycle 4915.2); ``cycles`` is the whole number of cycles a run takes at
    least, the larger of the two rounded up (an int whatever it is given: 4915.2 -> 4916),
    and ``exact_cycles`` the larger before rounding."""

    compute_cycles: float
    memory_cycles: float
    cycles: float  # max of the two; stored rounded up, as an int (an int is a float to mypy)
    compulsory_bytes: int
    read_bytes: int = 0
    write_bytes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "cycles", whole_cycles(self.cycles))

    @property
    def exact_cycles(self) -> float:
        """The larger bound before rounding up."""
        return max(self.compute_cycles, self.memory_cycles)

    @property
    def limit(self) -> str:
        """``"compute"`` or ``"memory"``: which bound is the larger."""
        return "compute" if self.compute_cycles >= self.memory_cycles else "memory"


def whole_cycles(cycles: float) -> int:
    """``cycles`` rounded up to a whole cycle, float noise ignored (384.0000000001 -> 384)."""
    if not math.isfinite(cycles):
        raise MappingError(f"bound: {cycles} cycles is no cycle count")
    return math.ceil(round(cycles, 6))


def _home(acg: ACG, codelet: Codelet, name: str) -> StorageNode | None:
    operand = codelet.operand(name)
    return None if operand.role is Role.TEMP else acg.home(TensorHome.of(operand.role))


def _reaches(acg: ACG, codelet: Codelet, cap: Capability, role: str, name: str) -> bool:
    """Whether the role's port can get the operand from its home (or send it there)."""
    port = cap.port(role)
    home = _home(acg, codelet, name)
    if port is None or home is None:
        return True  # a temp, or an init the compiler splits off
    out = role in DESTINATIONS
    return any(acg.data_paths(s, home) if out else acg.data_paths(home, s) for s in port.storages)


def able_units(acg: ACG, codelet: Codelet, index: int) -> list[tuple[ComputeNode, Capability]]:
    """The providers that can run stage ``index`` (all providers when none can)."""
    stage = codelet.stages[index]
    providers = acg.providers(stage.stmt.op)
    if not providers:
        raise MappingError(
            f"bound: no compute node of {acg.name} performs '{stage.stmt.op.value}' "
            f"(stage {index} of {codelet.name})",
            hint="add a capability with this op to the architecture file",
        )
    able = [
        (n, c) for n, c in providers
        if (capability_fits(stage, c) or fits_without_init(stage, c))
        and all(_reaches(acg, codelet, c, r, a.operand) for r, a in stage_roles(stage))
    ]
    return able or list(providers)


def _best(acg: ACG, codelet: Codelet, index: int) -> Capability:
    """The able unit with the highest peak (file order on ties)."""
    return max(able_units(acg, codelet, index), key=lambda nc: acg.node_peak(*nc))[1]


def _peak(acg: ACG, units: list[tuple[ComputeNode, Capability]], codelet: Codelet,
          index: int) -> float:
    """The highest peak among ``units`` (MappingError when none is a positive rate)."""
    peak = max(acg.node_peak(n, c) for n, c in units)
    if not (peak > 0 and math.isfinite(peak)):
        names = ", ".join(f"{n.name}.{c.label}" for n, c in units)
        raise MappingError(f"bound: stage {index} of {codelet.name} runs at {peak} operations "
                           f"per cycle on {names}: no positive rate to bound it by")
    return peak


def _compute_cycles(codelet: Codelet, acg: ACG) -> float:
    worst = 0.0
    exclusive: dict[str, float] = {}
    for k, stage in enumerate(codelet.stages):
        units = able_units(acg, codelet, k)
        iterations = codelet.iterations(stage)
        peak = _peak(acg, units, codelet, k)
        worst = max(worst, iterations / peak)
        nodes = {n.name for n, _ in units}
        if len(nodes) == 1:
            (node,) = nodes
            exclusive[node] = exclusive.get(node, 0.0) + iterations / peak
    return max(worst, *exclusive.values()) if exclusive else worst


def _roles(stage: Stage, operand: str) -> tuple[str, ...]:
    """The capability roles ``operand`` plays in ``stage`` (sources, init, destination)."""
    return tuple(role for role, acc in stage.stmt.roles if acc.operand == operand)


def _elem_bytes(codelet: Codelet, acg: ACG, operand: Operand, *, reading: bool,
                on: Mapping[int, Capability]) -> int | None:
    """Element size of ``operand`` in its home; None when no stage reads (writes) it.
    ``on``: the capability a stage runs on where not its best unit's."""
    stages = list(enumerate(codelet.stages))
    home = acg.home(TensorHome.of(operand.role))
    for k, stage in stages if reading else reversed(stages):
        roles = tuple(r for r in _roles(stage, operand.name) if (r in DESTINATIONS) != reading)
        if not roles:
            continue
        port = (on[k] if k in on else _best(acg, codelet, k)).port(roles[0])
        if port is None:
            return operand.dtype.itemsize
        paths = [p for s in port.storages
                 for p in (acg.data_paths(home, s) if reading else acg.data_paths(s, home))[:1]]
        if not paths:
            return port.dtype.itemsize
        widths = acg.element_bytes(min(paths, key=lambda p: p.rank), port.dtype,
                                   outward=not reading)
        return widths[0] if reading else widths[-1]
    return None


def _offchip_time(acg: ACG, read: dict[str, int], write: dict[str, int]) -> float:
    times = [0.0]
    behind: dict[str, int] = {}  # comm node -> traffic of the memories behind it
    for mem in acg.offchip:
        r, w = read.get(mem.name, 0), write.get(mem.name, 0)
        read_bw, write_bw = acg.memory_bytes_per_cycle(mem)
        if (r and read_bw <= 0) or (w and write_bw <= 0):
            raise MappingError(f"bound: {acg.name} has no read/write path to {mem.name} "
                               f"({read_bw}/{write_bw} B/cycle) for {r}/{w} bytes")
        times += [r / read_bw if r else 0.0, w / write_bw if w else 0.0]
        vias = {e.via for e in (*acg.edges_from(mem), *acg.edges_to(mem))}
        if len(vias) == 1 and None not in vias:
            (via,) = vias
            assert via is not None
            behind[via] = behind.get(via, 0) + r + w
    times += [n / acg.comm(c).bytes_per_cycle for c, n in behind.items()]
    return max(times)


def compulsory_bytes(codelet: Codelet, acg: ACG, on: Mapping[int, Capability] | None = None
                     ) -> dict[str, int]:
    """Per operand with an off-chip home, the bytes it moves at least: an input or weight
    read once, an output written once (an input no stage reads moves nothing). Widths are
    those of each stage's best unit, or of the capability ``on`` gives for the stage."""
    out: dict[str, int] = {}
    for operand in codelet.operands:
        if operand.role is Role.TEMP:
            continue
        reading = operand.role is not Role.OUTPUT
        eb = _elem_bytes(codelet, acg, operand, reading=reading, on=on or {})
        if eb is None and reading:
            continue
        out[operand.name] = operand.size * (eb if eb is not None else operand.dtype.itemsize)
    return out


def ideal_bound(codelet: Codelet, acg: ACG) -> Bound:
    """The compute and memory lower bounds of ``codelet`` on ``acg`` (see the module doc)."""
    compute = _compute_cycles(codelet, acg)
    memory, r, w = _memory(codelet, acg, {})
    return Bound(compute, memory, max(compute, memory), r + w, r, w)


def memory_cycles(codelet: Codelet, acg: ACG, on: Mapping[int, Capability]) -> float:
    """The memory bound with the stages ``on`` names on those capabilities (their ports'
    widths: a unit of lanes reads int8 activations as int32 words)."""
    return _memory(codelet, acg, on)[0]


def _memory(codelet: Codelet, acg: ACG, on: Mapping[int, Capability]
            ) -> tuple[float, int, int]:
    """The memory bound, bytes read and bytes written."""
    read: dict[str, int] = {}
    write: dict[str, int] = {}
    for name, nbytes in compulsory_bytes(codelet, acg, on).items():
        operand = codelet.operand(name)
        home = acg.home(TensorHome.of(operand.role)).name
        side = write if operand.role is Role.OUTPUT else read
        side[home] = side.get(home, 0) + nbytes
    return _offchip_time(acg, read, write), sum(read.values()), sum(write.values())


def efficiency(ideal: Bound | float, simulated: float) -> float:
    """``ideal / simulated`` cycles: 1.0 means the layer runs at its bound."""
    bound = ideal.cycles if isinstance(ideal, Bound) else float(ideal)
    if simulated <= 0:
        raise UsageError(f"argument 2, 'simulated' to efficiency: expected positive cycles, "
                         f"got {simulated}")
    return bound / simulated
