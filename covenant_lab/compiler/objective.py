"""What the search minimises: cycles, energy or their product, from one cost model.

The energy of a group's candidates is priced from the counts the cost model already has for
cycles (``cost.py``), with the architecture's resolved energy numbers (``acg.energy``) and the
simulator's rules (``sim/energy.py``):

- every tile move: its bytes (``GroupCost.traffic``, at the arrival width) x the edge's, its
  comm node's and the destination's write pJ per byte, and its bytes at the departure width
  (``GroupCost.read``: a converting edge narrows or widens them) x the source's read;
- every stage: its statement executions x ``pj_per_op``; at each port, per invocation the
  innermost tile's elements read (or written) once per fold of every spatial dimension that
  excludes the role (``sim/energy._refolds``), or once per operation from a ``private_to``
  storage; an accumulation re-reads what it writes, but for the first write of each element
  when the stage starts from ``init``; PE-to-PE hops along every
  dimension excluding a role, over the whole dimension (``operations x (1 - 1/size)``);
- static energy: ``busy_pj_per_cycle`` over each node's busy cycles, ``idle_pj_per_cycle`` over
  the rest of the group's cycles, every storage's leakage over them.

Energy grows with cycles, so the energy (and EDP) of a candidate at the cheap cycle bound is
a lower bound of its energy: the search's branch and bound stays exact.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from covenant_lab.acg.energy import EnergyModel, energy_model
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.choice import choice
from covenant_lab.compiler.cost import GroupModel, Prepared
from covenant_lab.compiler.group_cost import GroupCost
from covenant_lab.energy_units import format_pj
from covenant_lab.types import PortRole

__all__ = ["Objective", "group_energy", "group_figures", "objective_of", "objective_text",
           "plan_score", "score"]


class Objective(Enum):
    """What ``compile(..., objective=)`` minimises."""

    CYCLES = "cycles"
    ENERGY = "energy"
    EDP = "edp"  # energy x cycles (per group)


def objective_of(value: Objective | str, where: str = "compile") -> Objective:
    """``value`` as an Objective (UsageError naming the choices otherwise)."""
    return choice(Objective, value, "objective", where)


def objective_text(objective: Objective, value: float) -> str:
    """A search score in its unit: ``12,345 cycles``, ``1.23 uJ``, ``4.56e+12 pJ x cycles``."""
    if objective is Objective.CYCLES:
        return f"{value:,.0f} cycles"
    if objective is Objective.ENERGY:
        return format_pj(value)
    return f"{value:.3g} pJ x cycles"


TIE_PJ_PER_CYCLE = 1e-9  # energy ties (elementwise layers: every tiling moves the same
#                          bytes) go to the faster candidate, never to thousands of tiny tiles


def score(objective: Objective, energy: np.ndarray, cycles: np.ndarray) -> np.ndarray:
    """The number the search minimises, per candidate (cycles include the search's issue
    overhead per instruction)."""
    if objective is Objective.CYCLES:
        return cycles
    if objective is Objective.ENERGY:
        return np.asarray(energy + TIE_PJ_PER_CYCLE * cycles)
    return np.asarray(energy * cycles)


def plan_score(objective: Objective, groups: list[tuple[float, float]]) -> float:
    """A whole mapping's score from its groups' (cycles, energy): the sum, except EDP, the
    product of the sums (the search's cycles objective overlaps groups where they can:
    ``layer_span.py``; EDP still counts them one after the other)."""
    cycles = sum(c for c, _ in groups)
    energy = sum(e for _, e in groups)
    return float(score(objective, np.asarray(energy), np.asarray(cycles)))


def group_figures(model: GroupModel, tiles: tuple[tuple[int, ...], ...],
                  orders: tuple[tuple[str, ...], ...], overhead: float) -> tuple[float, float]:
    """(cycles + ``overhead`` per instruction, energy) of one group's chosen tiling."""
    arrays = [np.asarray([t], dtype=np.int64) for t in tiles]
    prep = model.prepare(arrays)
    gc = model.cost_of(prep, orders)
    cycles = gc.cycles + overhead * gc.instructions
    energy = group_energy(model, prep, gc, np.zeros(1, dtype=np.int64), cycles)
    return float(cycles[0]), float(energy[0])


def _pick(value: np.ndarray | float | int, idx: np.ndarray) -> np.ndarray:
    """``value`` (one number per candidate, or one for all) for the candidates ``idx``."""
    v = np.asarray(value, dtype=float)
    return v[idx] if v.ndim else np.full(len(idx), float(v))


def group_energy(model: GroupModel, prep: Prepared, gc: GroupCost, idx: np.ndarray,
                 cycles: np.ndarray) -> np.ndarray:
    """Estimated pJ of the candidates ``idx`` of one group, at ``cycles`` each."""
    em = energy_model(model.acg)
    out = np.zeros(len(idx))
    for key, moved in gc.traffic.items():  # the source's read at its own width
        out = out + _pick(moved, idx) * _edge_price(em, model, key) \
            + _pick(gc.read[key], idx) * em.storage[key.src].read_pj_per_byte
    invocations = _pick(prep.invocations, idx)
    busy_total: dict[str, np.ndarray] = {}
    for si, st in zip(model.g.stages, model.stages, strict=True):
        b = model.m.binding(si)
        node = b.node.name
        ops = float(model.codelet.iterations(st))
        out = out + ops * em.capabilities[(node, b.capability.label)].pj_per_op
        out = out + _ports(model, em, si, ops, invocations, idx, prep)
    for node, busy in gc.compute.items():
        busy_total[node] = _pick(busy, idx)
    for name, ce in em.compute.items():
        busy = busy_total.get(name, np.zeros(len(idx)))
        out = out + ce.busy_pj_per_cycle * busy + ce.idle_pj_per_cycle * np.maximum(
            cycles - busy, 0)
    leak = sum(s.leakage_pj_per_cycle for s in em.storage.values())
    return out + leak * cycles


def _edge_price(em: EnergyModel, model: GroupModel, key: EdgeId) -> float:
    edge = model.acg.edge(key.src, key.dst)
    price = em.storage[key.dst].write_pj_per_byte
    if edge is not None:
        price += em.edges.get(edge.key, 0.0)
        if edge.via is not None:
            price += em.comm.get(edge.via, 0.0)
    return price


def _refolds(model: GroupModel, si: int, role: str, idx: np.ndarray,
              prep: Prepared, split: str | None = None) -> np.ndarray:
    """Per candidate: how many times an invocation passes over each of ``role``'s elements,
    the product of the folds of every spatial dimension that excludes it (the simulator's
    rule, ``sim/energy._refolds``)."""
    b = model.m.binding(si)
    spatial = model.m.spatial[si]
    excluded: dict[str, bool] = {}
    for s in b.capability.spatial:
        excluded[s.dim] = excluded.get(s.dim, True) and role in s.excludes
    out = np.ones(len(idx))
    for dim, ex in excluded.items():
        if not ex:
            continue
        occupancy = np.ones(len(idx))
        for loop in spatial.loops_on(dim):
            size = _pick(prep.inner.get(loop, 1), idx)
            occupancy = occupancy * (size // model.parts.count if loop == split else size)
        out = out * np.ceil(occupancy / b.node.dim(dim))
    return out


def _ports(model: GroupModel, em: EnergyModel, si: int, ops: float, invocations: np.ndarray,
           idx: np.ndarray, prep: Prepared) -> np.ndarray:
    """Port reads and writes, and PE-to-PE hops, of one stage (a split stage: of each of its
    parts, ``parts.py``)."""
    b = model.m.binding(si)
    split = model.parts.stage_loop[model.g.stages.index(si)]
    if split is not None:  # one invocation per part, on its part of the split operands
        invocations = invocations * model.parts.count
    node, cap = b.node, b.capability
    stmt = model.codelet.stages[si].stmt
    dst_role = cap.op.dst_role
    prices = em.capabilities[(node.name, cap.label)]
    out = np.zeros(len(idx))
    for role, operand in b.roles:
        p = model.g.placement(operand)
        level = min(model.g.levels, p.last_level)
        storage = p.at(level)
        width = p.bytes_at(level)
        size = float(model.codelet.operand(operand).size)
        elems = prep.elems.get((operand, model.g.levels))  # an invocation reads its inner box,
        if elems is None and p.home is not None:  # also when the tile is held from outside
            elems = model.elements(operand, prep.inner)
        per_invocation = _pick(elems, idx) if elems is not None else size / invocations
        if model.parts.reads_part(model.g.stages.index(si), model.codelet.stages[si], operand):
            per_invocation = per_invocation / model.parts.count
        count = (np.full(len(idx), ops) if em.private_to.get(storage.name) == node.name
                 else invocations * per_invocation * _refolds(model, si, role, idx, prep, split))
        price = em.storage[storage.name]
        if role == dst_role:
            if cap.op.accumulates:
                reads = np.maximum(count - (size if stmt.init is not None else 0.0), 0)
                out = out + reads * width * price.read_pj_per_byte
            out = out + count * width * price.write_pj_per_byte
        else:
            out = out + count * width * price.read_pj_per_byte
        if role != PortRole.INIT:
            hops = 0.0
            dims: dict[str, bool] = {}
            for s in cap.spatial:
                dims[s.dim] = dims.get(s.dim, True) and role in s.excludes
            for dim, excluded in dims.items():
                size_d = node.dim(dim)
                if excluded and size_d > 1:
                    hops += ops * (size_d - 1) / size_d
            out = out + hops * width * prices.forward_pj_per_byte
    return out
