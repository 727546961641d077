"""Ideal (roofline) bounds of a codelet on an architecture, and efficiency against them.

compute: every stage at the peak rate of its best provider, and the stages only one compute
node can run executed back to back on it::

    compute_cycles = max( max_s iterations(s) / peak(op_s),
                          max_n sum_{s runnable only on n} iterations(s) / peak_n(op_s) )

memory: the compulsory off-chip traffic (each INPUT and WEIGHT read once, each OUTPUT
written once; TEMPs stay on chip) at the off-chip bandwidth::

    memory_cycles = max( read_bytes / read_bw, write_bytes / write_bw,
                         (read_bytes + write_bytes) / comm_bw )   # when one comm node
                                                                  # carries every off-chip edge

An operand's element size is that of the port its role uses on the best provider of the
stage that first reads it (inputs) or last writes it (outputs), else its codelet dtype.

Example, a 64x64x64 GEMM (int8 a, b; int32 acc) on a 32x32 array behind one 64 B/cycle bus:
compute 262144 / 1024 = 256 cycles; bytes 4096 + 4096 + 16384 = 24576; memory 24576 / 64 =
384 cycles; the bound is 384 cycles (memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.codelets.ir import Access, Codelet, Operand, Stage
from covenant_lab.errors import MappingError, UsageError
from covenant_lab.types import Role

if TYPE_CHECKING:
    from covenant_lab.acg.capabilities import Capability
    from covenant_lab.acg.graph import ACG

__all__ = ["Bound", "efficiency", "ideal_bound"]


@dataclass(frozen=True, slots=True)
class Bound:
    """Lower bounds on the cycles of a layer (floats: they need not be whole cycles)."""

    compute_cycles: float
    memory_cycles: float
    cycles: float  # max of the two
    compulsory_bytes: int
    read_bytes: int = 0
    write_bytes: int = 0

    @property
    def limit(self) -> str:
        """``"compute"`` or ``"memory"``: which bound is the larger."""
        return "compute" if self.compute_cycles >= self.memory_cycles else "memory"


def _best(acg: ACG, codelet: Codelet, index: int, stage: Stage) -> Capability:
    """The provider of the stage's op with the highest peak (file order on ties)."""
    providers = acg.providers(stage.stmt.op)
    if not providers:
        raise MappingError(
            f"bound: no compute node of {acg.name} performs '{stage.stmt.op.value}' "
            f"(stage {index} of {codelet.name})",
            hint="add a capability with this op to the architecture file",
        )
    return max(providers, key=lambda nc: nc[1].peak_ops_per_cycle)[1]


def _compute_cycles(codelet: Codelet, acg: ACG) -> float:
    worst = 0.0
    exclusive: dict[str, float] = {}
    for k, stage in enumerate(codelet.stages):
        _best(acg, codelet, k, stage)  # raises when nobody provides the op
        iterations = codelet.iterations(stage)
        worst = max(worst, iterations / acg.peak_ops_per_cycle(stage.stmt.op))
        providers = acg.providers(stage.stmt.op)
        nodes = {n.name for n, _ in providers}
        if len(nodes) == 1:
            (node,) = nodes
            peak = max(c.peak_ops_per_cycle for _, c in providers)
            exclusive[node] = exclusive.get(node, 0.0) + iterations / peak
    return max(worst, *exclusive.values()) if exclusive else worst


def _roles(stage: Stage, operand: str) -> tuple[str, ...]:
    """The capability roles ``operand`` plays in ``stage`` (sources, init, destination)."""
    stmt = stage.stmt
    roles = [r for r, s in zip(("a", "b"), stmt.srcs, strict=False)
             if isinstance(s, Access) and s.operand == operand]
    if isinstance(stmt.init, Access) and stmt.init.operand == operand:
        roles.append("init")
    if stmt.dst.operand == operand:
        roles.append("acc" if stmt.op.accumulates else "out")
    return tuple(roles)


def _elem_bytes(codelet: Codelet, acg: ACG, operand: Operand, *, reading: bool) -> int | None:
    """Element size of ``operand`` off chip; None when no stage reads (writes) it."""
    stages = list(enumerate(codelet.stages))
    for k, stage in stages if reading else reversed(stages):
        roles = _roles(stage, operand.name)
        roles = tuple(r for r in roles if (r in ("acc", "out")) != reading)
        if roles:
            port = _best(acg, codelet, k, stage).port(roles[0])
            return port.dtype.itemsize if port is not None else operand.dtype.itemsize
    return None


def _offchip_time(acg: ACG, read: int, write: int) -> float:
    read_bw, write_bw = acg.offchip_bytes_per_cycle
    if (read and read_bw <= 0) or (write and write_bw <= 0):
        raise MappingError(f"bound: {acg.name} has no off-chip read/write path "
                           f"({read_bw}/{write_bw} B/cycle) for {read}/{write} bytes")
    times = [read / read_bw if read else 0.0, write / write_bw if write else 0.0]
    offchip = {s.name for s in acg.offchip}
    vias = {e.via for e in acg.edges if e.src in offchip or e.dst in offchip}
    if len(vias) == 1 and None not in vias:
        (via,) = vias
        assert via is not None
        times.append((read + write) / acg.comm(via).bytes_per_cycle)
    return max(times)


def ideal_bound(codelet: Codelet, acg: ACG) -> Bound:
    """The compute and memory lower bounds of ``codelet`` on ``acg`` (see the module doc)."""
    compute = _compute_cycles(codelet, acg)
    read = write = 0
    for operand in codelet.operands:
        if operand.role in (Role.INPUT, Role.WEIGHT):
            eb = _elem_bytes(codelet, acg, operand, reading=True)
            read += operand.size * eb if eb is not None else 0
        elif operand.role is Role.OUTPUT:
            eb = _elem_bytes(codelet, acg, operand, reading=False)
            write += operand.size * (eb if eb is not None else operand.dtype.itemsize)
    memory = _offchip_time(acg, read, write)
    return Bound(compute, memory, max(compute, memory), read + write, read, write)


def efficiency(ideal: Bound | float, simulated: float) -> float:
    """``ideal / simulated`` cycles: 1.0 means the layer runs at its bound."""
    bound = ideal.cycles if isinstance(ideal, Bound) else float(ideal)
    if simulated <= 0:
        raise UsageError(f"argument 2, 'simulated' to efficiency: expected positive cycles, "
                         f"got {simulated}")
    return bound / simulated
