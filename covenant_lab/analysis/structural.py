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
with its band's zeros. Example: mobilenetv2's depthwise 3x3 on GeneSys 16x16: as written the
array's fill is 9/16 (rows) x 1/16 (columns), 9 MACs per cycle; in blocks of 4 x 4 outputs
(16 columns) from 6 x 6 windows (36 rows in 3 folds of 16: fill 0.75) it does 16 x 9 / 3 = 48
useful MACs per cycle, better than the 16-lane SIMD: 4,064,256 / 48 = 84,672 cycles against
35,310 strict.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from covenant_lab.analysis.bounds import Bound, able_units, ideal_bound
from covenant_lab.codelets.toeplitz import blocked
from covenant_lab.compiler.passes.block import block_shapes
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
        rated = []  # (useful operations per cycle, peak, node, fill, how)
        cycles: dict[str, float] = {}
        for node, cap in able_units(acg, codelet, k):
            peak = acg.node_peak(node, cap)
            best = min(((form.iterations(form.stages[k]) / rate if rate > 0 else math.inf,
                         fill, how) for form, how in _forms(codelet, k, cap)
                        for fill in [spatial_fill(form, form.stages[k], cap)]
                        for rate in [peak * math.prod(fill.values())]),
                       key=lambda x: x[0])
            useful = codelet.iterations(stage) / best[0] if best[0] > 0 else 0.0
            rated.append((useful, peak, node, best[1], best[2]))
            cycles[node.name] = min(cycles.get(node.name, math.inf), best[0])
        per_stage.append(cycles)
        if max(r[0] for r in rated) < max(r[1] for r in rated):
            reasons.append(f"stage {k}: " + "; ".join(
                f"{n.name} fills " + ", ".join(f"{d} {f:.0%}" for d, f in fill.items())
                + how + f" ({r:.4g} of {p:.4g} per cycle)"
                for r, p, n, fill, how in sorted(rated, key=lambda r: -r[1])))
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


def _forms(codelet: Codelet, k: int, cap: Capability) -> list[tuple[Codelet, str]]:
    """(codelet, how) pairs: the codelet as written and, for a window-only stage, with every
    block of outputs that fits one of ``cap``'s dimensions (``compiler/passes/block.py``; the
    search may map either). Useful work per cycle counts the layer's operations, not the
    band's zeros."""
    out = [(codelet, "")]
    for width in sorted({s.size for s in cap.spatial if not s.fold and s.size > 1}):
        for shape in block_shapes(codelet, k, width):
            sizes = " x ".join(str(d) for _, d in shape)
            out.append((blocked(codelet, k, shape), f" in blocks of {sizes} outputs"))
    return out


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
