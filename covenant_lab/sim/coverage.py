"""Whole-program checks: the work a program does adds up to its codelet, before it runs.

Checked once per program, from the instructions alone (no values needed, so a timing-only
simulation is refused too):

- every iteration of every stage runs exactly once: the compute boxes of a stage add up to
  its iteration space (a compute deleted, duplicated or shrunk changes the sum), and those of
  an elementwise stage do not meet (one working in place, ``t = exp(t)``, run twice gives
  another result);
- every element an accumulation with an ``init`` writes is initialised exactly once: a
  compute with ``init`` set over a box an earlier compute initialised would throw away the
  partial sums in between, and one nobody initialises would add to stale bytes;
- each compute reads what the codelet's stage order says (``dataflow.py``);
- every element of every output is written into its home in off-chip memory (a store
  deleted or shrunk leaves part of the result unwritten).

A functional run checks the last one again on the values it wrote (``Simulator``).
"""

from __future__ import annotations

import math

import numpy as np

from covenant_lab.codelets.ir import Stage
from covenant_lab.compiler.program import Compute, Program, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.sim.dataflow import check_stage_order
from covenant_lab.sim.regions import Regions
from covenant_lab.sim.sanitize import fault
from covenant_lab.types import DESTINATIONS

__all__ = ["check_coverage", "first_index"]


def first_index(mask: np.ndarray) -> list[int]:
    """The first position where ``mask`` holds, as plain ints."""
    return [int(k) for k in np.argwhere(mask)[0]]


def check_coverage(program: Program, regions: Regions) -> None:
    """Raise a SimulationError when the instructions do not add up to the codelet."""
    _check_iterations(program)
    check_stage_order(program)
    _check_outputs(program, regions)


def _check_iterations(program: Program) -> None:
    codelet = program.codelet
    where = f"sim: {codelet.name}"
    stages = codelet.stages
    extents = {d.name: d.extent for d in codelet.dims}
    runs = [0] * len(stages)
    # per stage, the points done once: every iteration of an elementwise stage, every
    # output point initialised by an accumulation with an init
    done: dict[int, np.ndarray] = {}
    for i, ins in enumerate(program.instrs):
        if not isinstance(ins, Compute):
            continue
        stage = stages[ins.stage]
        runs[ins.stage] += ins.operations
        once = _once_loops(stage, ins.init)
        if once is None:
            continue
        mask = done.get(ins.stage)
        if mask is None:
            mask = done[ins.stage] = np.zeros(tuple(extents[lp] for lp in once), dtype=bool)
        spans = {lp: (a, b) for lp, a, b in ins.box}
        part = mask[tuple(slice(*spans[lp]) for lp in once)]
        if part.any():
            earlier = _earlier(program, i, once)
            what, done_ = (("initialises", "initialised") if stage.stmt.op.accumulates
                           else ("computes", "computed"))
            raise fault(i, ins, f"{what} stage {ins.stage} ('{stage.label}') over a box "
                                f"instruction {earlier} {done_} already: "
                                + ("the partial sums in between are thrown away"
                                   if stage.stmt.op.accumulates else "twice is another result "
                                   "when the stage works in place"),
                        hint="each point is computed (and each sum initialised) exactly once")
        part[...] = True
    for si, stage in enumerate(stages):
        want = codelet.iterations(stage)
        if runs[si] != want:
            raise SimulationError(
                f"{where}: stage {si} ('{stage.label}', {stage.stmt.op.value}): the computes "
                f"run {runs[si]:,} iterations, the stage has {want:,}",
                hint="each iteration runs exactly once: is a compute missing, repeated or its "
                     "box changed?")
        once = _once_loops(stage, True)
        mask = done.get(si)
        if once is not None and (mask is None or not mask.all()):
            at = first_index(~mask) if mask is not None else [0] * len(once)
            loops = ", ".join(f"{lp}={k}" for lp, k in zip(once, at, strict=True))
            what = "initialises" if stage.stmt.op.accumulates else "computes"
            raise SimulationError(
                f"{where}: stage {si} ('{stage.label}'): no compute {what} "
                f"{stage.stmt.dst.operand} at {loops}",
                hint="the first compute of each output box sets init"
                if stage.stmt.op.accumulates else "each point is computed exactly once")


def _once_loops(stage: Stage, init: bool) -> tuple[str, ...] | None:
    """The loops over which a compute of ``stage`` (with ``init`` set or not) covers points
    exactly once: all of an elementwise stage's; the output loops of an accumulation with an
    init, for a compute setting it; None when it covers none that way."""
    if not stage.stmt.op.accumulates:
        return stage.loops
    if init and stage.stmt.init is not None:
        return _dst_loops(stage)
    return None


def _earlier(program: Program, i: int, once: tuple[str, ...]) -> int:
    """The earlier compute of instruction ``i``'s stage that covered a point it covers."""
    ins = program.instrs[i]
    assert isinstance(ins, Compute)
    spans = {lp: (a, b) for lp, a, b in ins.box}
    for j in range(i):
        other = program.instrs[j]
        if not (isinstance(other, Compute) and other.stage == ins.stage
                and _once_loops(program.codelet.stages[other.stage], other.init) == once):
            continue
        theirs = {lp: (a, b) for lp, a, b in other.box}
        if all(max(spans[lp][0], theirs[lp][0]) < min(spans[lp][1], theirs[lp][1])
               for lp in once):
            return j
    return -1


def _dst_loops(stage: Stage) -> tuple[str, ...]:
    used = stage.stmt.dst.vars
    return tuple(lp for lp in stage.loops if lp in used)


def _written(ins: Transfer | Compute) -> tuple[TileRef, ...]:
    if isinstance(ins, Transfer):
        return (ins.dst,)
    return tuple(t for role, t in ins.tiles if role in DESTINATIONS)


def _check_outputs(program: Program, regions: Regions) -> None:
    homes = {t.operand: t for t in program.tensors}
    outputs = {o.name: o for o in program.codelet.outputs}
    masks = {name: np.zeros(o.shape, dtype=bool) for name, o in outputs.items()}
    home_regions = {name: regions(homes[name].tile) for name in outputs}
    for ins in program.instrs:
        for tile in _written(ins):
            home = home_regions.get(tile.operand)
            if home is None:
                continue
            region = regions(tile)
            if home.contains(region) or region.key == home.key:
                masks[tile.operand][tuple(slice(a, b) for a, b in tile.box)] = True
    for name, mask in masks.items():
        missing = int(mask.size - np.count_nonzero(mask))
        if missing:
            raise SimulationError(
                f"sim: {program.codelet.name}: output '{name}' {list(mask.shape)}: no "
                f"instruction writes {missing:,} of its {math.prod(mask.shape):,} elements into "
                f"its home in off-chip memory (first: {name}{first_index(~mask)})",
                hint="every element of an output is stored to its home: is a store missing or "
                     "its box changed?")
