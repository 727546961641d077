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
the strict bound no mapping on these units can reach. Example: mobilenetv2's depthwise 3x3 on
GeneSys: the array's fill is 9/32 (rows) x 1/32 (columns), 9 MACs per cycle, so the 32-lane
SIMD (fill 1) is the best unit: 4,064,256 MACs / 32 = 127,008 cycles against 35,309 strict.
With its clip fused (a max and a min, which only the SIMD runs) the SIMD also takes
2 x 3136 x 144 / 32 = 28,224 cycles of them: 155,232 cycles.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.analysis.bounds import Bound, able_units, ideal_bound
from covenant_lab.compiler.roles import qualifies, signature

if TYPE_CHECKING:
    from covenant_lab.acg.capabilities import Capability, SpatialDim
    from covenant_lab.acg.graph import ACG
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
    """The strict bound with every unit's peak scaled by its best spatial fill."""
    strict = ideal_bound(codelet, acg)
    per_stage: list[dict[str, float]] = []  # per stage: unit -> its cycles there at best
    reasons: list[str] = []
    for k, stage in enumerate(codelet.stages):
        rated = []
        for node, cap in able_units(acg, codelet, k):
            fill = spatial_fill(codelet, stage, cap)
            peak = acg.node_peak(node, cap)
            rated.append((peak * math.prod(fill.values()), peak, node, fill))
        cycles: dict[str, float] = {}
        for r, _, n, _ in rated:
            best = codelet.iterations(stage) / r if r > 0 else math.inf
            cycles[n.name] = min(cycles.get(n.name, math.inf), best)
        per_stage.append(cycles)
        if max(r[0] for r in rated) < max(r[1] for r in rated):
            reasons.append(f"stage {k}: " + "; ".join(
                f"{n.name} fills " + ", ".join(f"{d} {f:.0%}" for d, f in fill.items())
                + f" ({r:.4g} of {p:.4g} per cycle)"
                for r, p, n, fill in sorted(rated, key=lambda r: -r[1])))
    shared, busiest = _assigned(per_stage)
    if len(shared) > 1 and busiest > max(min(c.values()) for c in per_stage) * (1 + NOTICEABLE):
        reasons.append(f"stages {', '.join(map(str, shared))} take turns on one unit: "
                       f"{busiest:,.0f} cycles together")
    compute = max(strict.compute_cycles, busiest)
    if compute <= strict.compute_cycles:
        return StructuralBound(strict, ())
    bound = Bound(compute, strict.memory_cycles, max(compute, strict.memory_cycles),
                  strict.compulsory_bytes, strict.read_bytes, strict.write_bytes)
    shown = bound.cycles > strict.cycles * (1 + NOTICEABLE)
    return StructuralBound(bound, tuple(reasons) if shown else ())


MAX_ASSIGNMENTS = 4096  # stage-to-unit assignments tried; beyond, stages count apart


def _assigned(per_stage: list[dict[str, float]]) -> tuple[tuple[int, ...], float]:
    """The least, over every assignment of each stage to one of its units, of the busiest
    unit's cycles (stages on one unit run one after another), with the stages sharing that
    unit in the best assignment. Too many assignments: each stage at its best unit alone."""
    if math.prod(len(c) for c in per_stage) > MAX_ASSIGNMENTS:
        return (), max((min(c.values()) for c in per_stage), default=0.0)
    best: tuple[tuple[int, ...], float] = ((), math.inf)
    for combo in itertools.product(*(sorted(c.items()) for c in per_stage)):
        load: dict[str, float] = {}
        for node, cycles in combo:
            load[node] = load.get(node, 0.0) + cycles
        node = max(load, key=lambda n: load[n])
        if load[node] < best[1]:
            best = (tuple(k for k, (n, _) in enumerate(combo) if n == node), load[node])
    return best if per_stage else ((), 0.0)
