"""Energy of a scheduled program, attributed to the event that spent it.

Every instruction's energy is a tuple of :class:`EnergyPart` (which component, doing what, for
which operand, how much, how many pJ), from the resolved numbers of ``acg.energy_model``:

- a **transfer** of ``n`` elements reads them from its source storage (``n x`` the source's
  element bytes ``x read_pj_per_byte``), moves its bytes along the edge and through its comm
  node (``pj_per_byte`` of each) and writes them into its destination (``write_pj_per_byte``);
- a **compute** invocation executes ``operations x pj_per_op`` and, at every port:
  a storage shared by the node is read once per distinct element the invocation reads, and
  again for every fold of each spatial dimension that excludes the operand (a weight-stationary
  array streams its inputs once per fold of its columns); it is written once per element it
  writes, again per fold of each dimension that excludes it (partial sums, once per fold of
  the rows), and an accumulation reads its partial sums before each of those writes but the
  first when it starts from ``init``; a storage ``private_to`` the node (a register file in
  every PE) is read, and written, once per operation. Inside the node, an operand moves PE to
  PE along every spatial dimension whose entries all exclude its role (a weight-stationary
  array passes inputs along its columns and partial sums down its rows): ``operations x (1 -
  1/used)`` hops of its element bytes at ``forward_pj_per_byte``. The node's
  ``busy_pj_per_cycle`` is paid over the invocation's cycles;
- **idle** events (``Simulator.trace(idle=True)``): a compute node's ``idle_pj_per_cycle`` over
  every gap between its invocations (and the whole run when it never runs), and a storage's
  ``leakage_pj_per_cycle`` over the whole run; only where that energy is not zero.

So the totals (:class:`EnergyReport`) are sums of events, exactly: the total is
``math.fsum`` of the event energies, and each event's is ``math.fsum`` of its parts.
Each instruction is priced once, per instruction (never per element).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from covenant_lab.acg.capabilities import SpatialDim
from covenant_lab.acg.energy import EnergyModel, energy_model
from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.sim.schedule import Schedule
from covenant_lab.types import PortRole

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["Action", "EnergyPart", "EnergyReport", "IdleSpan", "idle_parts", "instruction_parts"]


class Action(Enum):
    """What a component spent energy on; ``unit`` is what ``EnergyPart.amount`` counts."""

    READ = "read"
    WRITE = "write"
    MOVE = "move"  # along an edge or through a comm node
    OP = "op"
    FORWARD = "forward"  # PE-to-PE inside a compute node
    BUSY = "busy"
    IDLE = "idle"
    LEAKAGE = "leakage"

    @property
    def unit(self) -> str:
        if self is Action.OP:
            return "operations"
        if self in (Action.BUSY, Action.IDLE, Action.LEAKAGE):
            return "cycles"
        return "bytes"


@dataclass(frozen=True, slots=True)
class EnergyPart:
    """``amount`` (bytes, operations or cycles: ``action.unit``) of ``action`` by
    ``component`` for ``operand``, costing ``pj``."""

    component: str  # a storage, an edge (an EdgeId), a comm or compute node
    action: Action
    operand: str  # "" for idle and leakage
    amount: float
    pj: float


@dataclass(frozen=True, slots=True)
class IdleSpan:
    """An interval in which a component spent only static energy."""

    resource: str
    start: int
    end: int
    part: EnergyPart


def instruction_parts(program: Program, acg: ACG, sched: Schedule) -> list[tuple[EnergyPart, ...]]:
    """The energy parts of every instruction, in program order. Instructions alike in
    everything their energy depends on share one tuple of parts (priced once)."""
    pricer = _Pricer(energy_model(acg), program)
    out: list[tuple[EnergyPart, ...]] = []
    for i, ins in enumerate(program.instrs):
        if isinstance(ins, Transfer):
            out.append(pricer.transfer(ins, sched.nbytes[i]))
        else:
            out.append(pricer.compute(ins, sched.end[i] - sched.start[i]))
    return out


# one axis of an access: (terms (loop, coefficient), constant, the tensor's extent)
_Axis = tuple[tuple[tuple[str, int], ...], int, int]


class _Pricer:
    """Prices instructions, caching parts by what they depend on."""

    def __init__(self, model: EnergyModel, program: Program) -> None:
        self.model = model
        self.program = program
        self.cache: dict[tuple[object, ...], tuple[EnergyPart, ...]] = {}
        self.axes: dict[tuple[int, str], tuple[_Axis, ...]] = {}
        for si, stage in enumerate(program.codelet.stages):
            for role, access in stage.stmt.roles:
                shape = program.codelet.operand(access.operand).shape
                self.axes[(si, role)] = tuple(
                    (e.terms, e.const, n) for e, n in zip(access.index, shape, strict=True))

    def transfer(self, ins: Transfer, nbytes: int) -> tuple[EnergyPart, ...]:
        src, dst = ins.src, ins.dst
        key = (ins.edge, src.storage.name, dst.storage.name, dst.operand, src.elem_bytes,
               dst.elem_bytes, nbytes)
        parts = self.cache.get(key)
        if parts is None:
            parts = self.cache[key] = _transfer(self.model, ins, nbytes)
        return parts

    def distinct(self, stage: int, role: str, loops: dict[str, tuple[int, int]]) -> int:
        """Elements of ``role``'s tensor the invocation touches (its access box, clipped)."""
        n = 1
        for terms, const, extent in self.axes[(stage, role)]:
            lo = hi = const
            for var, coef in terms:
                a, b = loops[var]
                if coef > 0:
                    lo, hi = lo + coef * a, hi + coef * (b - 1)
                else:
                    lo, hi = lo + coef * (b - 1), hi + coef * a
            n *= max(min(hi, extent - 1) - max(lo, 0) + 1, 0)
        return n

    def compute(self, ins: Compute, cycles: int) -> tuple[EnergyPart, ...]:
        loops = {lp: (lo, hi) for lp, lo, hi in ins.box}
        tiles = tuple((role, t.storage.name, t.operand, t.elem_bytes,
                       self.distinct(ins.stage, role, loops) if (ins.stage, role) in self.axes
                       else -1) for role, t in ins.tiles)
        key = (ins.node.name, ins.capability, ins.init, ins.operations, ins.params, cycles, tiles)
        parts = self.cache.get(key)
        if parts is None:
            parts = self.cache[key] = _compute(self.model, ins, cycles, tiles)
        return parts


def _transfer(model: EnergyModel, ins: Transfer, nbytes: int) -> tuple[EnergyPart, ...]:
    src, dst, operand = ins.src.storage.name, ins.dst.storage.name, ins.dst.operand
    elements = nbytes // ins.dst.elem_bytes
    read = elements * ins.src.elem_bytes
    price = model.storage[src].read_pj_per_byte
    parts = [EnergyPart(src, Action.READ, operand, read, read * price)]
    edge = ins.edge
    parts.append(EnergyPart(edge.key, Action.MOVE, operand, nbytes,
                            nbytes * model.edges.get(edge.key, 0.0)))
    if edge.via is not None:
        parts.append(EnergyPart(edge.via, Action.MOVE, operand, nbytes,
                                nbytes * model.comm.get(edge.via, 0.0)))
    parts.append(EnergyPart(dst, Action.WRITE, operand, nbytes,
                            nbytes * model.storage[dst].write_pj_per_byte))
    return tuple(parts)


def _compute(model: EnergyModel, ins: Compute, cycles: int,
             tiles: tuple[tuple[str, str, str, int, int], ...]) -> tuple[EnergyPart, ...]:
    """``tiles``: per role (role, storage, operand, element bytes, distinct elements or -1
    for a role the statement does not access)."""
    node = ins.node
    cap = next(c for c in node.capabilities if c.label == ins.capability)
    prices = model.capabilities[(node.name, ins.capability)]
    ops = ins.operations
    dst_role = cap.op.dst_role
    dst = ins.tile(dst_role)
    parts = [EnergyPart(node.name, Action.OP, dst.operand if dst else "", ops,
                        ops * prices.pj_per_op)]
    used = dict(ins.params)
    for role, name, operand, elem, distinct in tiles:
        if distinct < 0 or (role == PortRole.INIT and not ins.init):
            continue
        storage = model.storage[name]
        per_op = model.private_to.get(name) == node.name
        count = ops if per_op else distinct * _refolds(cap.spatial, role, used)
        if role == dst_role:
            if cap.op.accumulates:
                reads = count - (distinct if ins.init else 0)
                if reads > 0:
                    nb = reads * elem
                    parts.append(EnergyPart(name, Action.READ, operand, nb,
                                            nb * storage.read_pj_per_byte))
            nb = count * elem
            parts.append(EnergyPart(name, Action.WRITE, operand, nb,
                                    nb * storage.write_pj_per_byte))
        else:
            nb = count * elem
            parts.append(EnergyPart(name, Action.READ, operand, nb,
                                    nb * storage.read_pj_per_byte))
        if role != PortRole.INIT:
            hops = _hops(cap.spatial, role, used, ops)
            if hops:
                moved = hops * elem
                parts.append(EnergyPart(node.name, Action.FORWARD, operand, moved,
                                        moved * prices.forward_pj_per_byte))
    busy = model.compute[node.name].busy_pj_per_cycle
    if busy:
        parts.append(EnergyPart(node.name, Action.BUSY, "", cycles, cycles * busy))
    return tuple(parts)


def _excluded(spatial: Sequence[SpatialDim], role: str) -> dict[str, bool]:
    """Per spatial dimension: whether every entry of it excludes ``role`` (the role's element
    is the same in every PE along it: held, broadcast or passed along)."""
    out: dict[str, bool] = {}
    for s in spatial:
        out[s.dim] = out.get(s.dim, True) and role in s.excludes
    return out


def _refolds(spatial: Sequence[SpatialDim], role: str, used: dict[str, int]) -> int:
    """How many times an invocation reads (or writes) each of ``role``'s distinct elements at
    its port: once per fold of every dimension that excludes the role. A weight-stationary
    array streams its inputs again for every fold of its columns (a new set of weights), and
    reads and writes its partial sums again for every fold of its rows (the next slice of the
    reduction)."""
    n = 1
    for dim, ex in _excluded(spatial, role).items():
        if ex:
            n *= max(used.get(f"folds_{dim}", 1), 1)
    return n


def _hops(spatial: Sequence[SpatialDim], role: str, used: dict[str, int], ops: int) -> float:
    """PE-to-PE hops of ``role``'s elements: ``ops x (1 - 1/used_d)`` over every dimension
    ``d`` whose spatial entries all exclude the role."""
    hops = 0.0
    for dim, ex in _excluded(spatial, role).items():
        n = used.get(f"used_{dim}", 1)
        if ex and n > 1:
            hops += ops * (n - 1) / n
    return hops


def idle_parts(acg: ACG, sched: Schedule, program: Program) -> list[IdleSpan]:
    """Static energy outside invocations: compute nodes' idle gaps, storages' leakage."""
    model = energy_model(acg)
    total = sched.total_cycles
    busy: dict[str, list[tuple[int, int]]] = {n.name: [] for n in acg.compute_nodes}
    for i, ins in enumerate(program.instrs):
        if isinstance(ins, Compute):
            busy[ins.node.name].append((sched.start[i], sched.end[i]))
    out: list[IdleSpan] = []
    for name, spans in busy.items():
        rate = model.compute[name].idle_pj_per_cycle
        if not rate:
            continue
        t = 0
        for start, end in sorted(spans):
            if start > t:
                out.append(_idle(name, t, start, Action.IDLE, rate))
            t = max(t, end)
        if total > t:
            out.append(_idle(name, t, total, Action.IDLE, rate))
    for s in acg.storage_nodes:
        rate = model.storage[s.name].leakage_pj_per_cycle
        if rate and total:
            out.append(_idle(s.name, 0, total, Action.LEAKAGE, rate))
    return out


def _idle(name: str, start: int, end: int, action: Action, rate: float) -> IdleSpan:
    cycles = end - start
    return IdleSpan(name, start, end, EnergyPart(name, action, "", cycles, cycles * rate))


@dataclass(frozen=True)
class EnergyReport:
    """The energy of one simulated layer, from its events (``Simulator.energy()``).

    ``total_pj`` is ``math.fsum`` of the event energies; the groupings sum the parts.
    ``breakdown[(component, action)]`` is ``(amount, pJ)``: per access, ``pJ / amount``.
    """

    layer: str
    total_pj: float
    parts: tuple[EnergyPart, ...]

    def _group(self, key: str) -> dict[str, float]:
        out: dict[str, list[float]] = {}
        for p in self.parts:
            out.setdefault(getattr(p, key), []).append(p.pj)
        return {k: math.fsum(v) for k, v in out.items()}

    @property
    def by_component(self) -> dict[str, float]:
        """pJ per storage, edge, comm node and compute node."""
        return self._group("component")

    @property
    def by_operand(self) -> dict[str, float]:
        """pJ per operand; ``""`` holds static energy (busy, idle, leakage)."""
        return self._group("operand")

    @property
    def by_action(self) -> dict[str, float]:
        """pJ per action (``Action.value``)."""
        out: dict[str, list[float]] = {}
        for p in self.parts:
            out.setdefault(p.action.value, []).append(p.pj)
        return {k: math.fsum(v) for k, v in out.items()}

    @property
    def by_layer(self) -> dict[str, float]:
        return {self.layer: self.total_pj}

    @property
    def breakdown(self) -> dict[tuple[str, Action], tuple[float, float]]:
        """(amount, pJ) per (component, action), e.g. ``("DRAM", Action.READ)``."""
        amounts: dict[tuple[str, Action], list[float]] = {}
        pjs: dict[tuple[str, Action], list[float]] = {}
        for p in self.parts:
            amounts.setdefault((p.component, p.action), []).append(p.amount)
            pjs.setdefault((p.component, p.action), []).append(p.pj)
        return {k: (math.fsum(amounts[k]), math.fsum(pjs[k])) for k in amounts}

    def compact(self) -> EnergyReport:
        """The same report with one part per (component, action, operand): what a model's
        table keeps of each layer (the total and every grouping unchanged, up to rounding)."""
        amounts: dict[tuple[str, Action, str], list[float]] = {}
        pjs: dict[tuple[str, Action, str], list[float]] = {}
        for p in self.parts:
            key = (p.component, p.action, p.operand)
            amounts.setdefault(key, []).append(p.amount)
            pjs.setdefault(key, []).append(p.pj)
        parts = tuple(EnergyPart(c, a, o, math.fsum(amounts[(c, a, o)]), math.fsum(v))
                      for (c, a, o), v in pjs.items())
        return EnergyReport(self.layer, self.total_pj, parts)

    def table(self) -> str:
        """One line per (component, action): amount, pJ, pJ per unit and share."""
        lines = [f"energy of {self.layer}: {self.total_pj:,.1f} pJ",
                 f"{'component':<20} {'action':<8} {'amount':>14} {'unit':<10} {'pJ':>14} "
                 f"{'pJ/unit':>10} {'share':>6}"]
        items = sorted(self.breakdown.items(), key=lambda kv: -kv[1][1])
        for (comp, action), (amount, pj) in items:
            per = pj / amount if amount else 0.0
            share = pj / self.total_pj if self.total_pj else 0.0
            lines.append(f"{comp:<20} {action.value:<8} {amount:>14,.0f} {action.unit:<10} "
                         f"{pj:>14,.2f} {per:>10.4g} {share:>6.1%}")
        return "\n".join(lines)
