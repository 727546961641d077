"""The structural bound: the ideal bound with each unit's peak scaled by how much of its
spatial dimensions the layer's loops can fill.

The strict bound (``bounds.ideal_bound``) runs every stage at its best unit's peak, as if the
layer's loops filled every row, column and lane. Some shapes cannot: a 1x1 convolution with 24
input channels fills 24 of a 16x16 array's rows in two passes (24 of 32 row slots), and a
depthwise convolution has only its kh x kw = 9 taps to reduce over on a weight-stationary
array's rows and no loop that indexes the weights and outputs without the inputs for its
columns. Per stage and unit, each spatial dimension of size ``D`` is filled at best

    fill(D) = max over the loop sets the dimension may take of  P / (ceil(P / D) * D)

where ``P`` is the product of the loops' extents: the whole qualifying set on a folded
dimension, one loop or a pair (as the spatial pass offers) otherwise, and one loop from each
entry of a dimension with several. No schedule fills a dimension better: the P iterations
need ceil(P / D) passes of D slots. The unit's rate is ``peak * prod(fill)``, and the
compute bound is the busiest unit when each stage takes the unit that makes it least busy
(stages on one unit run one after another; the strict formula counts a stage with several
able units apart from the others)::

    structural compute = min over (stage -> unit) of max_u sum_{s on u} iterations(s) / rate_u(s)

so the structural bound is never below the strict one, and the gap between them is the part of
the strict bound no mapping on these units can reach. A window-only stage (a depthwise conv)
counts also in every block of outputs the search may map (``compiler/passes/block.py``), each
with its band's zeros and its band's bytes: such a form's memory bound is its own (the band
in place of the layer's weights), and the bound takes, over every stage's unit and form, the
least larger of the busiest unit and the memory bound. Example: mobilenetv2's depthwise
3x3 on GeneSys 16x16: as written the array's fill is 9/16 (rows) x 1/16 (columns), 9 MACs
per cycle; in blocks of 4 x 4 outputs (16 columns) from 6 x 6 windows (36 rows in 3 folds of
16: fill 0.75) it does 16 x 9 / 3 = 48 useful MACs per cycle, better than the 16-lane SIMD:
4,064,256 / 48 = 84,672 cycles against 35,310 strict.

Memory, per assignment: an off-chip operand's compulsory bytes count on every comm node that
every data path between its home and the port of a unit it uses crosses (``routes.py``):
the strict bound charges a comm node only where every edge of a memory goes through it, and a
host's own path to that memory defeats it (tpu_v1's activations reach the matrix unit over
PCIe only: a 1x1 convolution's 46,741 cycles against 11,019 strict). A fallback unit (a host)
counts for a stage only where no other unit can run it, as the search places stages
(``compiler/fallback.py``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from covenant_lab.acg.homes import TensorHome
from covenant_lab.analysis.bounds import Bound, able_units, compulsory_bytes, ideal_bound
from covenant_lab.analysis.routes import crossed, crossing_cycles
from covenant_lab.codelets.toeplitz import blocked
from covenant_lab.compiler.passes.block import block_shapes
from covenant_lab.compiler.roles import qualifies, signature, stage_roles
from covenant_lab.types import DESTINATIONS, Role

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from covenant_lab.acg.capabilities import Capability, SpatialDim
    from covenant_lab.acg.graph import ACG
    from covenant_lab.acg.nodes import ComputeNode
    from covenant_lab.codelets.ir import Codelet, Stage

__all__ = ["StructuralBound", "spatial_fill", "structural_bound"]

NOTICEABLE = 0.005  # a bound less than 0.5% above the strict one gets no reason printed


@dataclass(frozen=True, slots=True)
class StructuralBound:
    """The structural bound and, where it exceeds the strict one, why (one line per stage)."""

    bound: Bound
    reasons: tuple[str, ...]


def _fills(codelet: Codelet, stage: Stage, specs: list[SpatialDim]) -> float:
    """The best fill of one dimension (its entries ``specs``), in [0, 1]."""
    size = specs[0].size
    choices: list[list[int]] = []
    for spec in specs:
        ok = [codelet.extent(lp) for lp in stage.loops
              if codelet.extent(lp) > 1 and qualifies(signature(stage, lp), spec)]
        if spec.fold:
            options = {math.prod(ok), *ok} if ok else {1}
        else:
            options = {1, *ok, *(a * b for a, b in itertools.combinations(ok, 2))}
        choices.append(sorted(options))
    best = 0.0
    for combo in itertools.product(*choices):
        p = math.prod(combo)
        best = max(best, p / (math.ceil(p / size) * size))
    return best


def spatial_fill(codelet: Codelet, stage: Stage, cap: Capability) -> dict[str, float]:
    """Per spatial dimension of ``cap``: the best fraction of it ``stage``'s loops can fill."""
    return {dim: _fills(codelet, stage, [s for s in cap.spatial if s.dim == dim])
            for dim, _ in cap.dims}


def structural_bound(codelet: Codelet, acg: ACG) -> StructuralBound:
    """The strict bound with every unit's peak scaled by its best spatial fill, and the
    memory bound counting the bytes a blocked form's band adds and the comm nodes every
    path between an operand's home and its units' ports crosses (``routes.py``)."""
    strict = ideal_bound(codelet, acg)
    nbytes = compulsory_bytes(codelet, acg)
    per_stage: list[dict[str, list[Option]]] = []  # per stage: unit -> its options there
    peaks: list[dict[str, float]] = []
    for k in range(len(codelet.stages)):
        options: dict[str, list[Option]] = {}
        peak: dict[str, float] = {}
        for node, cap in _units(acg, codelet, k):
            peak[node.name] = max(peak.get(node.name, 0.0), acg.node_peak(node, cap))
            crosses = _crosses(codelet, k, cap, acg)
            options.setdefault(node.name, []).extend(
                Option(form.iterations(form.stages[k]) / rate if rate > 0 else math.inf,
                       memory, fill, how, crosses)
                for form, how, memory in _forms(codelet, k, cap, acg)
                for fill in [spatial_fill(form, form.stages[k], cap)]
                for rate in [acg.node_peak(node, cap) * math.prod(fill.values())])
        per_stage.append({n: _front(o) for n, o in options.items()})
        peaks.append(peak)

    def routed(assignment: Sequence[tuple[str, Option]]) -> float:
        return crossing_cycles(acg, (c for _, o in assignment for c in o.crosses), nbytes)[0]

    chosen = _assigned(per_stage, strict.memory_cycles, routed)
    busiest = max(_load(chosen).values(), default=0.0)
    crossing, comm = crossing_cycles(acg, (c for _, o in chosen for c in o.crosses), nbytes)
    memory = max([strict.memory_cycles, crossing, *(o.memory for _, o in chosen)])
    compute = max(strict.compute_cycles, busiest)
    if compute <= strict.compute_cycles and memory <= strict.memory_cycles:
        return StructuralBound(strict, ())
    bound = Bound(compute, memory, max(compute, memory),
                  strict.compulsory_bytes, strict.read_bytes, strict.write_bytes)
    shown = bound.cycles > strict.cycles * (1 + NOTICEABLE)
    reasons = _reasons(codelet, per_stage, peaks, chosen, strict) if shown else ()
    if shown and comm is not None and crossing > strict.memory_cycles * (1 + NOTICEABLE) \
            and crossing >= memory:
        names = sorted({op for _, o in chosen for op, c in o.crosses if c == comm})
        reasons += (f"memory: {crossing:,.0f} cycles over {comm}: every data path between "
                    f"the homes of {', '.join(names)} and the ports of the units they use "
                    f"crosses it ({strict.memory_cycles:,.0f} in the strict bound)",)
    return StructuralBound(bound, reasons)


def _units(acg: ACG, codelet: Codelet, k: int) -> list[tuple[ComputeNode, Capability]]:
    """The units able to run stage ``k``, a fallback unit (a host) only where no other is:
    the search puts a stage there only then (``compiler/fallback.py``)."""
    able = able_units(acg, codelet, k)
    return [(n, c) for n, c in able if not n.fallback] or able


def _crosses(codelet: Codelet, k: int, cap: Capability, acg: ACG
             ) -> frozenset[tuple[str, str]]:
    """(operand, comm node) pairs: the comm nodes each off-chip operand of stage ``k``
    crosses between its home and ``cap``'s port for it (``routes.crossed``)."""
    out: set[tuple[str, str]] = set()
    for role, access in stage_roles(codelet.stages[k]):
        operand = codelet.operand(access.operand)
        port = cap.port(role)
        if operand.role is Role.TEMP or port is None:
            continue
        home = acg.home(TensorHome.of(operand.role))
        out.update((operand.name, c) for c in crossed(acg, home, port.storages,
                                                      outward=role in DESTINATIONS))
    return frozenset(out)


class Option(NamedTuple):
    """A stage on a unit in one form: its cycles at the best fill, the memory bound of the
    form (a band moves more bytes than the layer's weights), the fill and the form in words."""

    cycles: float
    memory: float
    fill: dict[str, float]
    how: str
    crosses: frozenset[tuple[str, str]] = frozenset()  # (operand, comm node): routes.py


def _front(options: list[Option]) -> list[Option]:
    """The options no other beats in both cycles and memory (fewest cycles first)."""
    out: list[Option] = []
    for o in sorted(options, key=lambda o: (o.cycles, o.memory)):
        if not out or o.memory < out[-1].memory:
            out.append(o)
    return out


def _reasons(codelet: Codelet, per_stage: list[dict[str, list[Option]]],
             peaks: list[dict[str, float]], chosen: list[tuple[str, Option]], strict: Bound
             ) -> tuple[str, ...]:
    """Per stage some unit cannot fill, each unit's fill in the form the bound takes there
    (the chosen one on its unit, else its fastest); stages taking turns on one unit; a band's
    bytes, where they bound the layer."""
    out = []
    for k, stage in enumerate(codelet.stages):
        node_k, option_k = chosen[k]
        rated = []
        for node, options in per_stage[k].items():
            o = option_k if node == node_k else options[0]
            useful = codelet.iterations(stage) / o.cycles if o.cycles > 0 else 0.0
            rated.append((useful, peaks[k][node], node, o))
        if max(r[0] for r in rated) < max(r[1] for r in rated):
            out.append(f"stage {k}: " + "; ".join(
                f"{n} fills " + ", ".join(f"{d} {f:.0%}" for d, f in o.fill.items())
                + o.how + f" ({r:.4g} of {p:.4g} per cycle)"
                for r, p, n, o in sorted(rated, key=lambda r: -r[1])))
    load = _load(chosen)
    node = max(load, key=lambda n: load[n])
    stages = [k for k, (n, _) in enumerate(chosen) if n == node]
    alone = max(min(o.cycles for opts in c.values() for o in opts) for c in per_stage)
    together = load[node]
    if len(stages) > 1 and together > alone * (1 + NOTICEABLE):
        out.append(f"stages {', '.join(map(str, stages))} take turns on one unit: "
                   f"{together:,.0f} cycles together")
    memory = max(o.memory for _, o in chosen)
    if memory > strict.memory_cycles * (1 + NOTICEABLE) and memory >= together:
        how = next(o.how for _, o in chosen if o.memory == memory).strip()
        out.append(f"memory: {memory:,.0f} cycles with the weights as the band of "
                   f"{how.removeprefix('in ')} ({strict.memory_cycles:,.0f} with the layer's "
                   f"own)")
    return tuple(out)


def _forms(codelet: Codelet, k: int, cap: Capability, acg: ACG
           ) -> list[tuple[Codelet, str, float]]:
    """(codelet, how, memory bound) triples: the codelet as written and, for a window-only
    stage, with every block of outputs that fits one of ``cap``'s dimensions
    (``compiler/passes/block.py``; the search may map either), whose band of weights moves
    more bytes than the layer's own. Useful work per cycle counts the layer's operations,
    not the band's zeros."""
    out = [(codelet, "", ideal_bound(codelet, acg).memory_cycles)]
    for width in sorted({s.size for s in cap.spatial if not s.fold and s.size > 1}):
        for shape in block_shapes(codelet, k, width):
            sizes = " x ".join(str(d) for _, d in shape)
            form = blocked(codelet, k, shape)
            out.append((form, f" in blocks of {sizes} outputs",
                        ideal_bound(form, acg).memory_cycles))
    return out


def _load(assignment: Sequence[tuple[str, Option]]) -> dict[str, float]:
    """Each unit's cycles under an assignment of stages: its stages run one after another."""
    load: dict[str, float] = {}
    for node, option in assignment:
        load[node] = load.get(node, 0.0) + option.cycles
    return load


MAX_ASSIGNMENTS = 4096  # stage-to-unit assignments tried; beyond, stages count apart


def _assigned(per_stage: list[dict[str, list[Option]]], floor: float,
              routed: Callable[[Sequence[tuple[str, Option]]], float]
              ) -> list[tuple[str, Option]]:
    """The assignment of each stage to one of its units and forms with the least larger of
    the busiest unit's cycles (stages on one unit run one after another) and the memory
    bound (at least ``floor``; a blocked form's band raises it, and so do the comm nodes
    the assignment's units need crossed: ``routed``). Too many assignments: each stage at
    its fastest option alone."""
    choices = [[(n, o) for n, opts in sorted(c.items()) for o in opts] for c in per_stage]
    if math.prod(len(c) for c in choices) > MAX_ASSIGNMENTS:
        return [min(c, key=lambda no: no[1].cycles) for c in choices]
    best: list[tuple[str, Option]] = []
    best_cost = math.inf
    for combo in itertools.product(*choices):
        cost = max(max(_load(combo).values()), floor, routed(combo),
                   *(o.memory for _, o in combo))
        if cost < best_cost:
            best, best_cost = list(combo), cost
    return best
