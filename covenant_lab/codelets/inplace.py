"""Give an in-place update its own input: ``y = min(y, 6)`` reads a value another stage wrote
to ``y``; renaming that earlier value lets the two live in different storages.

A unit that reads one buffer and writes another (a post-processing pipeline: accumulators in,
output buffer out) cannot run a stage that reads and writes the same operand. Renaming the
operand's earlier definition to a fresh temp removes the aliasing::

    stage 0: y = max(x, 0.0)               stage 0: y_in = max(x, 0.0)
    stage 1: y = min(y, 6.0)       ->      stage 1: y = min(y_in, 6.0)

The stages before ``stage`` that write or read the operand use the temp; ``stage`` reads the
temp and writes the operand; later stages are unchanged.
"""

from __future__ import annotations

from dataclasses import replace

from covenant_lab.codelets.ir import Access, Codelet, Operand, Source, Stage
from covenant_lab.codelets.verify import verify
from covenant_lab.types import Role

__all__ = ["in_place", "separate_in_place"]


def in_place(stage: Stage) -> bool:
    """Whether an elementwise stage reads the operand it writes."""
    stmt = stage.stmt
    if stmt.op.accumulates:
        return False
    return any(isinstance(s, Access) and s.operand == stmt.dst.operand for s in stmt.srcs)


def _rename(src: Source, old: str, new: str) -> Source:
    return replace(src, operand=new) if isinstance(src, Access) and src.operand == old else src


def _renamed(stage: Stage, old: str, new: str, *, dst: bool) -> Stage:
    stmt = stage.stmt
    srcs = tuple(_rename(s, old, new) for s in stmt.srcs)
    init = None if stmt.init is None else _rename(stmt.init, old, new)
    out = replace(stmt.dst, operand=new) if dst and stmt.dst.operand == old else stmt.dst
    return replace(stage, stmt=replace(stmt, dst=out, srcs=srcs, init=init))


def separate_in_place(codelet: Codelet, stage: int) -> Codelet:
    """The codelet with the operand stage ``stage`` updates in place renamed before it."""
    st = codelet.stages[stage]
    assert in_place(st), f"stage {stage} of {codelet.name} does not update in place"
    old = codelet.operand(st.stmt.dst.operand)
    taken = {o.name for o in codelet.operands}
    new = next(n for k in range(len(taken) + 1)
               if (n := f"{old.name}_in" + (str(k) if k else "")) not in taken)
    stages = [_renamed(s, old.name, new, dst=True) for s in codelet.stages[:stage]]
    stages.append(_renamed(st, old.name, new, dst=False))
    stages += codelet.stages[stage + 1:]
    temp = Operand(new, old.shape, old.dtype, Role.TEMP)
    out = replace(codelet, operands=(*codelet.operands, temp), stages=tuple(stages))
    verify(out)
    return out
