"""Stage order: each compute reads an operand's elements as the codelet's stage order leaves
them, checked in program order before the program runs.

A codelet's stages run one after another: when stage ``s`` reads element ``e`` of an operand
that stages write, ``e`` holds what the last stage before ``s`` writing ``e`` computed (or its
initial value when none does). A program keeps that order when, for every compute, the
elements it reads were last written by exactly that stage: a compute moved before the one
producing what it reads (``sum(exp(t))`` run before ``exp``), or after a later stage rewrote
it in place, reads another version, which the byte-level checks cannot see (the bytes are
there and written). Accesses whose elements are not a box (an index mixing loops) are not
checked here.
"""

from __future__ import annotations

import numpy as np

from covenant_lab.codelets.ir import Access, Stage
from covenant_lab.compiler.program import Compute, Program
from covenant_lab.sim.sanitize import fault
from covenant_lab.types import PortRole

__all__ = ["check_stage_order"]

_Spans = dict[str, tuple[int, int]]
_Box = tuple[tuple[int, int], ...]


def _image(acc: Access, spans: _Spans, shape: tuple[int, ...]) -> _Box | None:
    """The elements ``acc`` touches over the loop box, clipped to the tensor, when they form
    a box (each index one loop with coefficient 1 plus a constant, or a constant)."""
    out = []
    for expr, n in zip(acc.index, shape, strict=True):
        if len(expr.terms) > 1 or (expr.terms and expr.terms[0][1] != 1):
            return None
        if expr.terms:
            a, b = spans[expr.terms[0][0]]
            lo, hi = a + expr.const, b + expr.const
        else:
            lo, hi = expr.const, expr.const + 1
        out.append((max(lo, 0), min(hi, n)))
    return tuple(out)


def _reads(stage: Stage, ins: Compute) -> list[tuple[str, Access]]:
    """The accesses a compute reads, by role, besides an accumulation's own destination."""
    stmt = stage.stmt
    keep_init = ins.init and stmt.op.accumulates
    return [(role, acc) for role, acc in stmt.sources if role is not PortRole.INIT or keep_init]


def _expected(program: Program, operand: str, before: int, box: _Box) -> np.ndarray | None:
    """Per element of ``box``: the last stage before ``before`` writing it (-1: none); None
    when a stage writes ``operand`` through an index that is not a box."""
    codelet = program.codelet
    shape = codelet.operand(operand).shape
    want = np.full(tuple(b - a for a, b in box), -1, dtype=np.int16)
    for k, stage in enumerate(codelet.stages[:before]):
        if stage.stmt.dst.operand != operand:
            continue
        whole = {lp: (0, codelet.extent(lp)) for lp in stage.loops}
        written = _image(stage.stmt.dst, whole, shape)
        if written is None:
            return None
        part = tuple(slice(max(w0, b0) - b0, max(min(w1, b1) - b0, 0))
                     for (w0, w1), (b0, b1) in zip(written, box, strict=True))
        want[part] = k
    return want


def check_stage_order(program: Program) -> None:
    """Raise a SimulationError at the first compute reading an operand's elements as another
    stage than the codelet's order says left them."""
    codelet = program.codelet
    stages = codelet.stages
    written = {st.stmt.dst.operand for st in stages}
    kind = np.int8 if len(stages) < 127 else np.int16  # a stage number per element
    last = {o: np.full(codelet.operand(o).shape, -1, dtype=kind) for o in written}
    for i, ins in enumerate(program.instrs):
        if not isinstance(ins, Compute):
            continue
        stage = stages[ins.stage]
        spans = {lp: (a, b) for lp, a, b in ins.box}
        for role, acc in _reads(stage, ins):
            if acc.operand not in last:
                continue
            box = _image(acc, spans, codelet.operand(acc.operand).shape)
            want = None if box is None else _expected(program, acc.operand, ins.stage, box)
            if box is None or want is None:
                continue
            got = last[acc.operand][tuple(slice(a, b) for a, b in box)]
            if got.shape == want.shape and not (got == want).all():
                k = tuple(int(x) for x in np.argwhere(got != want)[0])
                at = [a + x for (a, _), x in zip(box, k, strict=True)]
                raise fault(i, ins, f"reads {acc.operand}{at} (role '{role}') as "
                                    f"{_left(stages, int(got[k]))} left it, but stage "
                                    f"{ins.stage} reads it as {_left(stages, int(want[k]))} "
                                    "leaves it",
                            hint="computes run in the codelet's stage order: is one moved, "
                                 "missing or repeated?")
        box = _image(stage.stmt.dst, spans, codelet.operand(stage.stmt.dst.operand).shape)
        if box is not None:
            last[stage.stmt.dst.operand][tuple(slice(a, b) for a, b in box)] = ins.stage


def _left(stages: tuple[Stage, ...], k: int) -> str:
    return "nothing had" if k < 0 else f"stage {k} ('{stages[k].label}')"
