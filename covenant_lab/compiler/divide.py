"""Divide: one layer's independent outputs shared between two units that run at once.

A depthwise convolution runs on a weight-stationary array (in blocks, with the band's
zeros) or on a unit of lanes, each slower than the off-chip port can feed; both at once, on
separate channels, are faster than either. The structural bound finds such a stage: its
linear program divides a stage among units where that is least (``analysis/structural.py``).
When it does, and a loop of the layer indexes every operand exactly (the channels of a
depthwise conv and the ReLU6 fused after it), the layer is compiled as two parts cut along
that loop, each with the divided stage on its own unit: ``[0, at)`` on the unit the bound
gives the larger part, ``[at, extent)`` on the other, with only the on-chip bytes the first
leaves free (``_rest``). The two programs merge into one (``compiler/merge.py``).

``at`` starts 5% of the extent above the bound's part for the first unit (the bound counts
no contention for what both parts use, a unit or the DMA, and leans to the second unit) and
moves in steps of 5% (a multiple of 8, 4, 2 or 1, what divides the extent) while that is
faster. Then every point between its two neighbours is tried in steps of a sixth of that
(``SCAN``; a multiple of the block the first part's form makes of the loop: 8 channels, or
one where it blocks pixels only), and again finer around the best, down to the block. The
cycles are rough in ``at`` (MobileNetV2's 14x14x960 depthwise conv on GeneSys: 7,616 at
768, 7,934 at 760, 7,739 at 808), and halving the step from the start stopped in the
nearest valley: 7,776 cycles at 813 where 768 gives 7,420. Where no whole step divides the
layer, no finer one is tried. Each try compiles the parts (the cost model
chooses their mappings), merges and schedules them; the fastest is kept where it beats
the layer's own program, scheduled alike. The first try searches both parts whole; later
ones keep its first part's form and search only that part's tiles and orders again
(``search.replan``: the array's part weighs every block shape, the costly search), and the
split point found is searched whole once more (MobileNetV2 on GeneSys compiled in 21 s
that way, not 42; 23 s with the scan between neighbours). Its estimate is the two parts'
estimates with every resource both use serving both (``combined``): the cost model's view,
which sees no contention between the parts. A layer
whose busiest data path already takes 90% of its estimate is not tried: the second unit
moves the same bytes or more (a unit of lanes reading int32 operands, 4 bytes each).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from covenant_lab.analysis.bounds import able_units
from covenant_lab.analysis.structural import structural_bound
from covenant_lab.codelets.chain import CONSTANTS_ATTR, FLAT_ATTR
from covenant_lab.codelets.ir import Affine, Codelet, Dim, Operand
from covenant_lab.codelets.library.constants import DERIVED_ATTR
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.merge import Part, exact_axis, merge
from covenant_lab.compiler.passes.block import BlockWindows
from covenant_lab.compiler.program import tiles_of
from covenant_lab.errors import ArchError, MappingError, ScheduleError
from covenant_lab.sim.schedule import schedule

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG
    from covenant_lab.compiler.api import CompileResult, Estimate
    from covenant_lab.compiler.program import Program

__all__ = ["Division", "combined", "cut", "divided", "divisible_loop"]

CLIMB = 0.05  # the first part starts this much above the bound's and moves in such steps
MOVING = 0.9  # a layer whose busiest data path is busy this much of its time is not divided
SCAN = 6  # the refinement steps a sixth of the step before it, between its two neighbours
STEPS = (8, 4, 2, 1)  # the granularity of ``at``: the first that divides the extent
ALIGN = 64  # the second part's on-chip bytes start at a multiple of this


@dataclass(frozen=True)
class Division:
    """A layer compiled in two parts along ``loop``: ``first`` over ``[0, at)``, ``second``
    over ``[at, extent)``, each with stage ``stage`` on its own unit; the second's on-chip
    bytes start at ``offsets`` (storage name -> address) in the merged program."""

    loop: str
    at: int
    extent: int
    stage: int
    first: CompileResult
    second: CompileResult
    offsets: dict[str, int]

    @property
    def text(self) -> str:
        """``g [0, 336) on <unit>, [336, 384) on <other unit>, at once``."""
        units = [r.mapping.bindings[self.stage].node.name for r in (self.first, self.second)]
        return (f"{self.loop} [0, {self.at}) on {units[0]}, [{self.at}, {self.extent}) on "
                f"{units[1]}, at once")


def divisible_loop(codelet: Codelet) -> str | None:
    """A loop every stage iterates and every operand's accesses index exactly, on one axis,
    and nothing else uses (then the layer's outputs along it are independent)."""
    if any(codelet.attr(a, ()) for a in (CONSTANTS_ATTR, FLAT_ATTR, DERIVED_ATTR)):
        return None  # operands generated or stored whole: not cut here
    for d in codelet.dims:
        if d.extent < 2 or any(d.name not in st.loops for st in codelet.stages):
            continue
        exact = Affine(((d.name, 1),))
        axes = [exact_axis(codelet, o.name, d.name) for o in codelet.operands]
        others = [e for st in codelet.stages for acc in st.stmt.accesses for e in acc.index
                  if d.name in e.vars and e != exact]
        if None not in axes and not others:
            return d.name
    return None


def cut(codelet: Codelet, loop: str, lo: int, hi: int) -> Codelet:
    """The codelet over ``[lo, hi)`` of ``loop`` (a :func:`divisible_loop`): every operand cut
    to that range of its axis, indexed from 0."""
    operands = []
    for o in codelet.operands:
        axis = exact_axis(codelet, o.name, loop)
        shape = tuple(hi - lo if k == axis else n for k, n in enumerate(o.shape))
        operands.append(Operand(o.name, shape, o.dtype, o.role))
    dims = tuple(Dim(d.name, hi - lo) if d.name == loop else d for d in codelet.dims)
    return Codelet(codelet.name, dims, tuple(operands), codelet.stages, codelet.attrs)


def combined(a: Estimate, b: Estimate) -> Estimate:
    """Two parts running at once: the longer of the two, or a resource both use serving both
    one after the other, whichever is longer."""
    from covenant_lab.compiler.api import Estimate

    def add(x: tuple[tuple[str, float], ...], y: tuple[tuple[str, float], ...]
            ) -> tuple[tuple[str, float], ...]:
        out = dict(x)
        for k, v in y:
            out[k] = out.get(k, 0.0) + v
        return tuple(out.items())

    compute, transfer = add(a.compute, b.compute), add(a.transfer, b.transfer)
    cycles = max(a.cycles, b.cycles, *(v for _, v in compute), *(v for _, v in transfer))
    return Estimate(cycles, compute, transfer, add(a.traffic, b.traffic),
                    a.energy_pj + b.energy_pj)


def _rest(acg: ACG, program: Program) -> tuple[ACG, dict[str, int]] | None:
    """The architecture with only the on-chip bytes ``program`` leaves free in each storage,
    and where the free bytes start (None: it fills a storage)."""
    top: dict[str, int] = {}
    for ins in program.instrs:
        for t in tiles_of(ins):
            if not t.storage.off_chip:
                top[t.storage.name] = max(top.get(t.storage.name, 0), t.addr + t.span_bytes)
    out = acg
    offsets = {}
    for name, used in sorted(top.items()):
        start = -(-used // ALIGN) * ALIGN
        capacity = acg.storage(name).capacity_bytes or 0
        if start >= capacity:
            return None
        out = out.with_node_attr(name, "capacity_bytes", capacity - start)
        offsets[name] = start
    return out, offsets


Compiler = Callable[[Codelet, "ACG", Constraints, "tuple[object, ...] | None"], "CompileResult"]
Tried = tuple[int, "Program", "Estimate", "CompileResult", "CompileResult", dict[str, int]]


def _moving(estimate: Estimate) -> float:
    """The part of the estimated cycles the busiest data path is busy."""
    busiest = max((v for _, v in estimate.transfer), default=0.0)
    return busiest / estimate.cycles if estimate.cycles else 0.0


def _units(source: Codelet, acg: ACG) -> tuple[int, float, list[Constraints]] | None:
    """The stage the structural bound divides, the part it gives its first unit, and a
    constraint putting the stage on each of its two units (None: it divides none)."""
    if not any(len({n.name for n, _ in able_units(acg, source, k) if not n.fallback}) > 1
               for k in range(len(source.stages))):
        return None  # no stage two units can run: nothing to divide
    parts = structural_bound(source, acg).parts
    stage = next((k for k, p in enumerate(parts) if len(p) > 1), None)
    if stage is None:
        return None
    op = source.stages[stage].stmt.op
    cons = []
    for unit, _ in parts[stage][:2]:
        cap = next((c for n, c in acg.providers(op) if n.name == unit), None)
        if cap is None:
            return None
        cons.append(Constraints.of(capability={stage: f"{unit}.{cap.label}"}))
    return stage, parts[stage][0][1], cons


def _part(piece: Codelet, acg: ACG, cons: Constraints, compile_part: Compiler,
          like: CompileResult | None) -> CompileResult:
    """One part compiled with the structure of ``like`` (the same part at the first split
    point tried: only its tiles and orders are searched again), or searched whole where
    there is none or it does not fit."""
    if like is not None and like.log and like.log[0].before.codelet == like.given:
        try:
            return compile_part(piece, acg, cons, like.passes)
        except (MappingError, ScheduleError, ArchError):
            pass
    return compile_part(piece, acg, cons, None)


def _attempt(source: Codelet, loop: str, at: int, acg: ACG, cons: list[Constraints],
             compile_part: Compiler, like: Tried | None) -> Tried | None:
    """The layer in two parts at ``at``, merged and scheduled (None: a part does not map);
    ``like``: an attempt at another split point, whose parts' structure is kept."""
    extent = source.extent(loop)
    try:
        first = _part(cut(source, loop, 0, at), acg, cons[0], compile_part,
                      like[3] if like else None)
        room = _rest(acg, first.program)
        if room is None:
            return None
        rest, offsets = room
        second = compile_part(cut(source, loop, at, extent), rest, cons[1], None)
    except (MappingError, ArchError):  # a part no unit maps; a storage left too small
        return None
    program = merge(source, Part(first.program, loop, 0, {}),
                    Part(second.program, loop, at, offsets), acg)
    return (schedule(program, acg).total_cycles, program,
            combined(first.estimate, second.estimate), first, second, offsets)


def _blocked_by(best: Tried | None, loop: str) -> int:
    """How many of ``loop``'s iterations the first part's form blocks together (a block of
    8 channels: a finer ``at`` would leave the first part a ragged block), else 1."""
    if best is None:
        return 1
    step = next((p for p in best[3].passes if isinstance(p, BlockWindows)), None)
    return dict(step.blocks).get(loop, 1) if step is not None else 1


def divided(whole: CompileResult, acg: ACG, compile_part: Compiler) -> CompileResult | None:
    """``whole``'s layer divided between two units (see the module doc), or None where no
    division applies or none is faster."""
    t0 = time.perf_counter()
    source = whole.source
    loop = divisible_loop(source)
    found = None if loop is None or _moving(whole.estimate) >= MOVING else _units(source, acg)
    if loop is None or found is None:
        return None
    stage, share, cons = found
    extent = source.extent(loop)
    step = next(s for s in STEPS if extent % s == 0)
    tried: dict[int, Tried | None] = {}
    like: Tried | None = None  # the first attempt, searched whole; the others keep its form

    def cycles(at: int) -> float:
        nonlocal like
        if at not in tried:
            tried[at] = _attempt(source, loop, at, acg, cons, compile_part, like) \
                if 0 < at < extent else None
            like = like or tried[at]
        got = tried[at]
        return got[0] if got is not None else math.inf

    grain = max(step, round(CLIMB * extent / step) * step)
    at = min(max(round((share + CLIMB) * extent / step) * step, step), extent - step)
    for direction in (grain, -grain):  # climb while it gets faster
        while cycles(at + direction) < cycles(at):
            at += direction
    while tried.get(at) is not None:  # (no division in whole steps: none in finer ones)
        finest = _blocked_by(tried.get(at), loop)
        if grain <= finest:
            break
        fine = max(finest, grain // SCAN // finest * finest)
        at = min([at, *range(at - grain + fine, at + grain, fine)], key=cycles)
        grain = fine
    best = tried.get(at)
    if best is not None and best is not like:  # its parts searched whole too
        searched = _attempt(source, loop, at, acg, cons, compile_part, None)
        if searched is not None and searched[0] < best[0]:
            best = searched
    if best is None or best[0] >= schedule(whole.program, acg).total_cycles:
        return None
    _, program, est, first, second, offsets = best
    return replace(first, name=whole.name, arch=acg, program=program, estimate=est,
                   constraints=whole.constraints, given=source,
                   compile_s=whole.compile_s + time.perf_counter() - t0,
                   division=Division(loop, at, extent, stage, first, second, offsets))
