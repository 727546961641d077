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
need ceil(P / D) passes of D slots. The unit's rate is ``peak * prod(fill)``. A window-only
stage (a depthwise conv) counts also in every block of outputs the search may map
(``compiler/passes/block.py``), each with its band's zeros and its band's bytes: such a form's
memory bound is its own (the band in place of the layer's weights). So is a unit's: its part
moves its operands at its own ports' widths (``bounds.memory_cycles``; GeneSys's SIMD reads
int8 activations and weights as int32 words, four times the array's bytes). Each stage's iterations
are then divided among its units and forms, part ``p_s,o`` in form ``o`` on unit ``u(o)``,
to make the larger of the busiest unit and the memory least (a linear program, ``lp.py``)::

    min T:  sum_{s, o on u} p_s,o * iterations(s) / rate_o(s) <= T  for every unit u,
            strict memory + sum_{s, o} p_s,o * (memory_o - strict memory) <= T,
            sum_o p_s,o = 1 for every stage s

Stages on one unit run one after another; parts of one stage on different units run at once
on separate outputs (a depthwise conv's channels on the array and on the vector unit). Any
legal mapping is a solution (whole stages: every part 0 or 1), so the bound is below every
mapping; it is never below the strict one, and the gap between them is the part of the strict
bound no mapping on these units can reach. Example: mobilenetv2's depthwise 3x3 on GeneSys
16x16: as written the array's fill is 9/16 (rows) x 1/16 (columns), 9 MACs per cycle; in
blocks of 4 x 4 outputs (16 columns) from 6 x 6 windows (36 rows in 3 folds of 16: fill 0.75)
it does 16 x 9 / 3 = 48 useful MACs per cycle, and the 16-lane SIMD 16 more on other
channels: 4,064,256 / 64 = 63,504 cycles (3/4 on the array) against 35,310 strict.

Memory, per assignment: an off-chip operand's compulsory bytes count on every comm node that
every data path between its home and the port of a unit it uses crosses (``routes.py``):
the strict bound charges a comm node only where every edge of a memory goes through it, and a
host's own path to that memory defeats it (tpu_v1's activations reach the matrix unit over
PCIe only: a 1x1 convolution's 46,741 cycles against 11,019 strict). A fallback unit (a host)
counts for a stage only where no other unit can run it, as the search places stages
(``compiler/fallback.py``). Of the comm nodes a stage's units cross, the bound charges those
every unit and form of the stage crosses: a divided stage's bytes may take several paths.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from covenant_lab.acg.homes import TensorHome
from covenant_lab.analysis.bounds import (
    Bound,
    able_units,
    compulsory_bytes,
    ideal_bound,
    memory_cycles,
)
from covenant_lab.analysis.lp import minimize
from covenant_lab.analysis.routes import crossed, crossing_cycles
from covenant_lab.codelets.toeplitz import blocked
from covenant_lab.compiler.passes.block import block_shapes
from covenant_lab.compiler.roles import qualifies, signature, stage_roles
from covenant_lab.types import DESTINATIONS, Role

if TYPE_CHECKING:

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
    # per stage, the units the bound runs it on and the part of it each takes, largest first
    parts: tuple[tuple[tuple[str, float], ...], ...] = ()


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

    shares = _divided(per_stage, strict.memory_cycles)
    load = _load(shares)
    busiest = max(load.values(), default=0.0)
    crosses = _common_crosses(per_stage)
    crossing, comm = crossing_cycles(acg, crosses, nbytes)
    band = _band_memory(shares, strict.memory_cycles)
    binds = max(busiest, band) > strict.exact_cycles  # else the division raises no term
    memory = max(strict.memory_cycles, crossing, band if binds else 0.0)
    compute = max(strict.compute_cycles, busiest if binds else 0.0)
    parts = tuple(_by_unit(stage) for stage in shares)
    if compute <= strict.compute_cycles and memory <= strict.memory_cycles:
        return StructuralBound(strict, (), parts)
    bound = Bound(compute, memory, max(compute, memory),
                  strict.compulsory_bytes, strict.read_bytes, strict.write_bytes)
    shown = bound.cycles > strict.cycles * (1 + NOTICEABLE)
    reasons = _reasons(codelet, per_stage, peaks, shares, strict) if shown else ()
    if shown and comm is not None and crossing > strict.memory_cycles * (1 + NOTICEABLE) \
            and crossing >= memory:
        names = sorted({op for op, c in crosses if c == comm})
        reasons += (f"memory: {crossing:,.0f} cycles over {comm}: every data path between "
                    f"the homes of {', '.join(names)} and the ports of the units they use "
                    f"crosses it ({strict.memory_cycles:,.0f} in the strict bound)",)
    return StructuralBound(bound, reasons, parts)


def _by_unit(shares: list[Share]) -> tuple[tuple[str, float], ...]:
    """A stage's parts summed per unit, largest first."""
    out: dict[str, float] = {}
    for sh in shares:
        out[sh.node] = out.get(sh.node, 0.0) + sh.part
    return tuple(sorted(out.items(), key=lambda kv: -kv[1]))


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
             peaks: list[dict[str, float]], shares: list[list[Share]], strict: Bound
             ) -> tuple[str, ...]:
    """Per stage some unit cannot fill, each unit's fill in the form the bound takes there
    (its largest part on that unit, else its fastest form); a stage the bound divides among
    units; stages taking turns on one unit; a band's bytes or a unit's port widths, where
    they bound the layer."""
    out = []
    for k, stage in enumerate(codelet.stages):
        taken = {sh.node: sh.option for sh in sorted(shares[k], key=lambda sh: sh.part)}
        rated = []
        for node, options in per_stage[k].items():
            o = taken.get(node, options[0])
            useful = codelet.iterations(stage) / o.cycles if o.cycles > 0 else 0.0
            rated.append((useful, peaks[k][node], node, o))
        if max(r[0] for r in rated) < max(r[1] for r in rated):
            out.append(f"stage {k}: " + "; ".join(
                f"{n} fills " + ", ".join(f"{d} {f:.0%}" for d, f in o.fill.items())
                + o.how + f" ({r:.4g} of {p:.4g} per cycle)"
                for r, p, n, o in sorted(rated, key=lambda r: -r[1])))
        if len({sh.node for sh in shares[k]}) > 1:
            out.append(f"stage {k} divided among units, each on its own outputs: " + ", ".join(
                f"{sh.part:.0%} on {sh.node}{sh.option.how}"
                for sh in sorted(shares[k], key=lambda sh: -sh.part)))
    load = _load(shares)
    node = max(load, key=lambda n: load[n])
    stages = [k for k, sh in enumerate(shares) if any(s.node == node for s in sh)]
    alone = max(min(o.cycles for opts in c.values() for o in opts) for c in per_stage)
    together = load[node]
    if len(stages) > 1 and together > alone * (1 + NOTICEABLE):
        out.append(f"stages {', '.join(map(str, stages))} take turns on one unit: "
                   f"{together:,.0f} cycles together")
    memory = _band_memory(shares, strict.memory_cycles)
    if memory > strict.memory_cycles * (1 + NOTICEABLE) and memory >= together:
        added = max(_every(shares),
                    key=lambda sh: sh.part * (sh.option.memory - strict.memory_cycles))
        how = added.option.how.strip()
        if how:
            out.append(f"memory: {memory:,.0f} cycles with the weights as the band of "
                       f"{how.removeprefix('in ')} ({strict.memory_cycles:,.0f} with the "
                       f"layer's own)")
        else:
            out.append(f"memory: {memory:,.0f} cycles with {added.node}'s part moving its "
                       f"operands at its ports' widths ({strict.memory_cycles:,.0f} at the "
                       f"fastest unit's)")
    return tuple(out)


def _forms(codelet: Codelet, k: int, cap: Capability, acg: ACG
           ) -> list[tuple[Codelet, str, float]]:
    """(codelet, how, memory bound) triples: the codelet as written and, for a window-only
    stage, with every block of outputs that fits one of ``cap``'s dimensions
    (``compiler/passes/block.py``; the search may map either), whose band of weights moves
    more bytes than the layer's own. Useful work per cycle counts the layer's operations,
    not the band's zeros."""
    out = [(codelet, "", memory_cycles(codelet, acg, {k: cap}))]
    for width in sorted({s.size for s in cap.spatial if not s.fold and s.size > 1}):
        for shape in block_shapes(codelet, k, width):
            sizes = " x ".join(str(d) for _, d in shape)
            form = blocked(codelet, k, shape)
            out.append((form, f" in blocks of {sizes} outputs",
                        memory_cycles(form, acg, {k: cap})))
    return out


class Share(NamedTuple):
    """The part (a fraction of its iterations) of a stage the bound puts on one unit, in one
    form."""

    node: str
    option: Option
    part: float


def _every(shares: list[list[Share]]) -> list[Share]:
    return [sh for stage in shares for sh in stage]


def _load(shares: list[list[Share]]) -> dict[str, float]:
    """Each unit's cycles: the parts of stages it runs, one after another."""
    load: dict[str, float] = {}
    for sh in _every(shares):
        load[sh.node] = load.get(sh.node, 0.0) + sh.part * sh.option.cycles
    return load


def _band_memory(shares: list[list[Share]], base: float) -> float:
    """The memory bound with the bytes the parts' bands add to the layer's own (``base``)."""
    return base + sum(sh.part * (sh.option.memory - base) for sh in _every(shares))


def _common_crosses(per_stage: list[dict[str, list[Option]]]
                    ) -> frozenset[tuple[str, str]]:
    """(operand, comm node) pairs every unit and form of a stage crosses: however the stage
    is divided, all of its operands' bytes cross them."""
    out: set[tuple[str, str]] = set()
    for stage in per_stage:
        sets = [o.crosses for opts in stage.values() for o in opts]
        if sets:
            out |= frozenset.intersection(*sets)
    return frozenset(out)


def _divided(per_stage: list[dict[str, list[Option]]], base: float) -> list[list[Share]]:
    """Each stage's iterations divided among its units and forms so that the larger of the
    busiest unit and the memory bound (``base`` plus the bytes the bands add) is least: a
    linear program (``lp.py``). A stage may take several units at once, each on its own
    outputs (channels of a depthwise conv on the array and on the vector unit), which is
    what makes it a bound: an assignment of whole stages is one of its solutions."""
    variables = [(k, node, o) for k, stage in enumerate(per_stage)
                 for node, opts in sorted(stage.items()) for o in opts if math.isfinite(o.cycles)]
    stuck = [k for k, stage in enumerate(per_stage)
             if not any(v[0] == k for v in variables)]
    if stuck:  # a stage no unit runs at a finite rate: the bound is infinite
        return [[Share(*min(((n, o) for n, opts in stage.items() for o in opts),
                            key=lambda no: no[1].cycles), 1.0)] for stage in per_stage]
    scale = max([base, 1.0, *(o.cycles for _, _, o in variables),
                 *(o.memory for _, _, o in variables)])
    nodes = sorted({node for _, node, _ in variables})
    a_ub = [[o.cycles / scale if n == node else 0.0 for _, n, o in variables] + [-1.0]
            for node in nodes]
    a_ub.append([(o.memory - base) / scale for _, _, o in variables] + [-1.0])
    b_ub = [0.0] * len(nodes) + [-base / scale]
    a_eq = [[1.0 if k == stage else 0.0 for k, _, _ in variables] + [0.0]
            for stage in range(len(per_stage))]
    _, x = minimize([0.0] * len(variables) + [1.0], a_ub, b_ub, a_eq, [1.0] * len(per_stage))
    out: list[list[Share]] = [[] for _ in per_stage]
    for (k, node, o), part in zip(variables, x, strict=False):
        if part > 1e-9:
            out[k].append(Share(node, o, part))
    return out
