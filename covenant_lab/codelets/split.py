"""Split an accumulation's ``init`` off into a stage of its own.

A machine whose array cannot start its accumulators from a bias (no ``init`` port) can still
run a biased conv or GEMM: the array accumulates from zero into a temp and another unit
combines the temp with the bias::

    stage 0: y[oc, oh, ow] = b[oc]; y += x[...] * w[...]
        ->
    stage 0: y_acc[oc, oh, ow] = 0.0; y_acc += x[...] * w[...]
    stage 1: y[oc, oh, ow] = add(y_acc[oc, oh, ow], b[oc])

Legal because the combining operation (add for mac and reduce_add, max, min) is associative
and commutative, and its identity is the accumulation's own.
"""

from __future__ import annotations

from covenant_lab.codelets.ir import Access, Codelet, Const, Operand, Stage, Stmt
from covenant_lab.codelets.verify import verify
from covenant_lab.types import OpKind, Role

__all__ = ["COMBINE", "split_init", "splittable"]

COMBINE = {
    OpKind.MAC: OpKind.ADD,
    OpKind.REDUCE_ADD: OpKind.ADD,
    OpKind.REDUCE_MAX: OpKind.MAX,
    OpKind.REDUCE_MIN: OpKind.MIN,
}


def splittable(stage: Stage) -> bool:
    """Whether the stage accumulates from an operand (an ``init`` Access)."""
    return stage.stmt.op in COMBINE and isinstance(stage.stmt.init, Access)


def split_init(codelet: Codelet, stage: int) -> Codelet:
    """The codelet with stage ``stage``'s ``init`` applied by a new stage right after it."""
    st = codelet.stages[stage]
    stmt = st.stmt
    assert splittable(st), f"stage {stage} of {codelet.name} has no init operand to split"
    assert isinstance(stmt.init, Access)
    dst = codelet.operand(stmt.dst.operand)
    taken = {o.name for o in codelet.operands}
    name = next(n for k in range(len(taken) + 1)
                if (n := f"{dst.name}_acc" + (str(k) if k else "")) not in taken)
    temp = Operand(name, dst.shape, dst.dtype, Role.TEMP)
    partial = Access(name, stmt.dst.index)
    accumulate = Stage(
        st.loops, Stmt(stmt.op, partial, stmt.srcs, Const(stmt.op.identity)), st.label
    )
    loops = tuple(lp for lp in st.loops if lp in stmt.dst.vars)
    combine = Stage(
        loops, Stmt(COMBINE[stmt.op], stmt.dst, (partial, stmt.init)), f"{st.label} init".lstrip()
    )
    stages = (*codelet.stages[:stage], accumulate, combine, *codelet.stages[stage + 1:])
    operands = (*codelet.operands, temp)
    out = Codelet(codelet.name, codelet.dims, operands, stages, codelet.attrs)
    verify(out)
    return out
