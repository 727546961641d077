"""Whole-program checks: the work a program does adds up to its codelet, before it runs.

Checked once per program, from the instructions alone (no values needed, so a timing-only
simulation is refused too):

- every iteration of an accumulating stage runs exactly once: the compute boxes of the stage
  add up to its iteration space (a compute deleted, duplicated or shrunk changes the sum);
- every element an accumulation with an ``init`` writes is initialised exactly once: a
  compute with ``init`` set over a box an earlier compute initialised would throw away the
  partial sums in between, and one nobody initialises would add to stale bytes;
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
from covenant_lab.sim.regions import Regions
from covenant_lab.sim.sanitize import fault

__all__ = ["check_coverage", "first_index"]


def first_index(mask: np.ndarray) -> list[int]:
    """The first position where ``mask`` holds, as plain ints."""
    return [int(k) for k in np.argwhere(mask)[0]]


def check_coverage(program: Program, regions: Regions) -> None:
    """Raise a SimulationError when the instructions do not add up to the codelet."""
    _check_iterations(program)
    _check_outputs(program, regions)


def _check_iterations(program: Program) -> None:
    codelet = program.codelet
    where = f"sim: {codelet.name}"
    stages = codelet.stages
    extents = {d.name: d.extent for d in codelet.dims}
    runs = [0] * len(stages)
    inits: dict[int, np.ndarray] = {}
    for i, ins in enumerate(program.instrs):
        if not isinstance(ins, Compute):
            continue
        stage = stages[ins.stage]
        runs[ins.stage] += ins.operations
        if not (ins.init and stage.stmt.op.accumulates and stage.stmt.init is not None):
            continue
        who = inits.get(ins.stage)
        if who is None:
            who = inits[ins.stage] = np.full(_dst_shape(stage, extents), -1, dtype=np.int64)
        spans = dict((lp, (a, b)) for lp, a, b in ins.box)
        part = who[tuple(slice(*spans[lp]) for lp in _dst_loops(stage))]
        if (part >= 0).any():
            earlier = int(part[part >= 0].flat[0])
            raise fault(i, ins, f"initialises {stage.stmt.dst.operand} over a box instruction "
                                f"{earlier} initialised already: the partial sums in between "
                                "are thrown away",
                        hint="only the first compute of each output box sets init")
        part[...] = i
    for si, stage in enumerate(stages):
        want = codelet.iterations(stage)
        if stage.stmt.op.accumulates and runs[si] != want:
            raise SimulationError(
                f"{where}: stage {si} ('{stage.label}', {stage.stmt.op.value}): the computes "
                f"run {runs[si]:,} iterations, the stage has {want:,}",
                hint="each iteration of an accumulation runs exactly once: is a compute "
                     "missing, repeated or its box changed?")
        who = inits.get(si)
        if stage.stmt.op.accumulates and stage.stmt.init is not None and runs[si]:
            if who is None or (who < 0).any():
                at = first_index(who < 0) if who is not None else [0] * len(_dst_loops(stage))
                loops = ", ".join(f"{lp}={k}" for lp, k in zip(_dst_loops(stage), at,
                                                               strict=True))
                raise SimulationError(
                    f"{where}: stage {si} ('{stage.label}'): no compute initialises "
                    f"{stage.stmt.dst.operand} at {loops}",
                    hint="the first compute of each output box sets init")


def _dst_loops(stage: Stage) -> tuple[str, ...]:
    used = stage.stmt.dst.vars
    return tuple(lp for lp in stage.loops if lp in used)


def _dst_shape(stage: Stage, extents: dict[str, int]) -> tuple[int, ...]:
    return tuple(extents[lp] for lp in _dst_loops(stage))


def _written(ins: Transfer | Compute) -> tuple[TileRef, ...]:
    if isinstance(ins, Transfer):
        return (ins.dst,)
    return tuple(t for role, t in ins.tiles if role in ("acc", "out"))


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
