"""Fold a per-channel add after an accumulation into the accumulation's ``init``.

The inverse of :mod:`covenant_lab.codelets.split`. A MatMul (or conv) followed by a bias add
accumulates from zero into a temp that another stage then adds a vector to; starting the
accumulators at the vector instead does the same work in one stage, and the temp disappears::

    stage 0: t0[m, n] = 0.0; t0 += a[m, k] * b[k, n]
    stage 1: y[m, n] = add(t0[m, n], bias[n])
        ->
    stage 0: y[m, n] = bias[n]; y += a[m, k] * b[k, n]

Legal because the combining operation (add for mac and reduce_add, max, min) is associative
and commutative and the accumulation started from its identity. Only a *vector* folds: an
operand that depends on at most one of the output's loops, and on fewer loops than the
output has (a bias per output channel or per column). A full tensor (a residual add) stays a
stage of its own: as an ``init`` it would be read as often as the output is written.
"""

from __future__ import annotations

from covenant_lab.codelets.ir import Access, Codelet, Const, Stage, Stmt
from covenant_lab.codelets.split import COMBINE
from covenant_lab.codelets.verify import verify
from covenant_lab.types import Role

__all__ = ["fold_init", "init_folds", "per_channel"]


def per_channel(src: Access, dst: Access) -> bool:
    """Whether ``src`` broadcasts along ``dst`` as a vector: each index a constant or one
    loop variable of ``dst``, at most one such variable, and fewer than ``dst`` has."""
    for e in src.index:
        if len(e.terms) > 1 or (e.terms and e.terms[0][1] != 1):
            return False
    used = src.vars
    return len(used) <= 1 and used < dst.vars


def _starts_at_identity(stmt: Stmt) -> bool:
    return (stmt.op in COMBINE and isinstance(stmt.init, Const)
            and stmt.init.value == stmt.op.identity)


def _touches(stage: Stage, operand: str) -> bool:
    return any(a.operand == operand for a in stage.stmt.accesses)


def _vector(codelet: Codelet, acc: int, combine: int) -> Access | None:
    """The vector stage ``combine`` adds to stage ``acc``'s temp, when the pair folds."""
    first, second = codelet.stages[acc].stmt, codelet.stages[combine]
    temp = first.dst
    stmt = second.stmt
    if stmt.op is not COMBINE[first.op] or stmt.dst.index != temp.index:
        return None
    if set(second.loops) != set(temp.vars) or stmt.dst.operand == temp.operand:
        return None
    others = [s for s in stmt.srcs if not (isinstance(s, Access) and s == temp)]
    if len(stmt.srcs) != 2 or len(others) != 1 or not isinstance(others[0], Access):
        return None
    vector = others[0]
    if vector.operand in (temp.operand, stmt.dst.operand) or not per_channel(vector, temp):
        return None
    out, src = stmt.dst.operand, vector.operand
    if any(a.operand == out for a in first.srcs if isinstance(a, Access)):
        return None
    between = codelet.stages[acc + 1:combine]
    if any(_touches(st, out) or st.stmt.dst.operand == src for st in between):
        return None
    return vector


def init_folds(codelet: Codelet) -> tuple[tuple[int, int], ...]:
    """(accumulating stage, combining stage) pairs :func:`fold_init` can merge: the
    accumulation starts from its identity into a temp that only the combining stage reads,
    and that stage combines it with a vector (:func:`per_channel`) into another operand."""
    out = []
    for i, st in enumerate(codelet.stages):
        temp = st.stmt.dst.operand
        if not _starts_at_identity(st.stmt) or codelet.operand(temp).role is not Role.TEMP:
            continue
        users = [j for j, other in enumerate(codelet.stages) if j != i and _touches(other, temp)]
        if len(users) == 1 and users[0] > i and _vector(codelet, i, users[0]) is not None:
            out.append((i, users[0]))
    return tuple(out)


def fold_init(codelet: Codelet, acc: int, combine: int) -> Codelet:
    """The codelet with stage ``combine`` folded into stage ``acc``'s ``init`` (a pair from
    :func:`init_folds`); the temp between them is gone and later stages move up by one."""
    assert (acc, combine) in init_folds(codelet), f"{codelet.name}: no fold {acc} <- {combine}"
    st = codelet.stages[acc]
    vector = _vector(codelet, acc, combine)
    assert vector is not None
    dst = codelet.stages[combine].stmt.dst
    folded = Stage(st.loops, Stmt(st.stmt.op, dst, st.stmt.srcs, vector), st.label)
    stages = tuple(folded if k == acc else s for k, s in enumerate(codelet.stages)
                   if k != combine)
    gone = st.stmt.dst.operand
    operands = tuple(o for o in codelet.operands if o.name != gone)
    out = Codelet(codelet.name, codelet.dims, operands, stages, codelet.attrs)
    verify(out)
    return out
