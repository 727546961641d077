"""Check the rules every codelet obeys (docs/contracts.md) and say precisely which one fails.

``verify(codelet)`` returns ``None`` or raises :class:`CodeletError` at the first broken rule,
with a message of the form ``codelet 'conv2d', stage 0 (mac): <what is wrong>``. The rules:

- the codelet has stages; dim names are unique with positive extents; operand names are unique
  with positive sizes;
- a stage's loops are distinct dims of the codelet;
- a statement has ``op.arity`` sources, each an Access or a Const; ``init`` only on
  accumulating ops (mac, reduce_*), and an init Access uses only loops of the destination;
- every access names a known operand, has one index per axis, uses only loops of its stage,
  and (without ``fill``) stays in bounds for every iteration; the destination has no fill and
  is not an input or a weight;
- an elementwise statement's destination uses every loop of its stage (reduction loops are
  for accumulating ops only) and reads its own destination only at the destination's index;
  an accumulating statement does not read its destination operand;
- TEMP and OUTPUT operands are written by an earlier stage before they are read
  (an accumulating statement with ``init=None`` reads its destination);
- every OUTPUT operand is written.
"""

from __future__ import annotations

from covenant_lab.codelets.ir import Access, Codelet, Const, Source, Stage, Stmt
from covenant_lab.codelets.printer import source_text
from covenant_lab.errors import CodeletError
from covenant_lab.types import Role

__all__ = ["verify"]


def verify(codelet: Codelet) -> None:
    """Raise :class:`CodeletError` for the first rule ``codelet`` breaks."""
    _check_header(codelet)
    for i, stage in enumerate(codelet.stages):
        _check_stage(codelet, stage, _where(codelet, i))
    _check_dataflow(codelet)


def _where(c: Codelet, i: int) -> str:
    label = c.stages[i].label
    return f"codelet '{c.name}', stage {i}" + (f" ({label})" if label else "")


def _fail(where: str, what: str, hint: str | None = None) -> CodeletError:
    return CodeletError(f"{where}: {what}", hint=hint)


def _check_header(c: Codelet) -> None:
    where = f"codelet '{c.name}'"
    if not c.stages:
        raise _fail(where, "has no stages")
    seen: set[str] = set()
    for d in c.dims:
        if d.name in seen:
            raise _fail(where, f"dim '{d.name}' is declared twice")
        if not isinstance(d.extent, int) or d.extent < 1:
            raise _fail(where, f"dim '{d.name}' has extent {d.extent!r}; expected a positive int")
        seen.add(d.name)
    seen.clear()
    for o in c.operands:
        if o.name in seen:
            raise _fail(where, f"operand '{o.name}' is declared twice")
        if any(not isinstance(s, int) or s < 1 for s in o.shape):
            raise _fail(where, f"operand '{o.name}' has shape {o.shape}; expected positive ints")
        seen.add(o.name)


def _check_stage(c: Codelet, stage: Stage, where: str) -> None:
    dims = {d.name for d in c.dims}
    for loop in stage.loops:
        if loop not in dims:
            raise _fail(where, f"loop '{loop}' is not a dim of the codelet")
    if len(set(stage.loops)) != len(stage.loops):
        raise _fail(where, f"loops {stage.loops} repeat a dim")
    stmt = stage.stmt
    _check_shape_of_stmt(stmt, stage.loops, where)
    for acc in stmt.accesses:
        _check_access(c, stage, acc, where)
    _check_destination(c, stage, where)


def _check_shape_of_stmt(stmt: Stmt, loops: tuple[str, ...], where: str) -> None:
    op = stmt.op
    if len(stmt.srcs) != op.arity:
        raise _fail(where, f"{op.value} takes {op.arity} source(s), got {len(stmt.srcs)}")
    for k, src in enumerate(stmt.srcs):
        if not isinstance(src, Access | Const):
            raise _fail(where, f"source {k} of {op.value} is {src!r}; expected an Access or Const")
    if not isinstance(stmt.dst, Access):
        raise _fail(where, f"destination of {op.value} is {stmt.dst!r}; expected an Access")
    if stmt.dst.fill is not None:
        raise _fail(
            where,
            f"destination {source_text(stmt.dst, loops)} has a fill; only reads may pad",
            hint="drop .pad() on the destination",
        )
    if stmt.init is not None and not op.accumulates:
        raise _fail(where, f"init {source_text(stmt.init, loops)} given to elementwise {op.value}; "
                    "only accumulating ops (mac, reduce_*) take an init")
    if stmt.init is not None and not isinstance(stmt.init, Access | Const):
        raise _fail(where, f"init of {op.value} is {stmt.init!r}; expected an Access, a Const "
                    "or None")


def _check_access(c: Codelet, stage: Stage, acc: Access, where: str) -> None:
    text = source_text(acc, stage.loops)
    try:
        operand = c.operand(acc.operand)
    except KeyError:
        known = ", ".join(o.name for o in c.operands)
        raise _fail(where, f"access {text} names unknown operand '{acc.operand}'",
                    hint=f"declared operands: {known}") from None
    if len(acc.index) != len(operand.shape):
        raise _fail(where, f"access {text} has {len(acc.index)} indices but operand "
                    f"'{operand.name}' has rank {len(operand.shape)} (shape {operand.shape})")
    dims = {d.name for d in c.dims}
    for var in sorted(acc.vars):
        if var not in dims:
            raise _fail(where, f"access {text} uses '{var}', which is not a dim of the codelet")
        if var not in stage.loops:
            raise _fail(where, f"access {text} uses '{var}', which is not a loop of this stage "
                        f"(loops: {', '.join(stage.loops) or 'none'})")
    if acc.fill is not None:
        return
    lo = dict.fromkeys(stage.loops, 0)
    hi = {lp: c.extent(lp) - 1 for lp in stage.loops}
    for axis, (expr, size) in enumerate(zip(acc.index, operand.shape, strict=True)):
        mn, mx = expr.range(lo, hi)
        if mn < 0 or mx >= size:
            raise _fail(where, f"access {text} reaches {mn}..{mx} on axis {axis} of "
                        f"'{operand.name}' (size {size}), out of bounds",
                        hint="pad the read with .pad(fill), or fix the index or the extents")


def _check_destination(c: Codelet, stage: Stage, where: str) -> None:
    stmt = stage.stmt
    dst = stmt.dst

    def text(acc: Source) -> str:
        return source_text(acc, stage.loops)

    role = c.operand(dst.operand).role
    if role in (Role.INPUT, Role.WEIGHT):
        raise _fail(where, f"destination {text(dst)} is an {role.value}; "
                    "only outputs and temps are written")
    reduction = stage.reduction_loops()
    sources = [s for s in stmt.srcs if isinstance(s, Access)]
    if not stmt.op.accumulates:
        if reduction:
            raise _fail(where, f"elementwise {stmt.op.value} has reduction loop(s) "
                        f"{', '.join(reduction)} (not used by {text(dst)}); "
                        "only accumulating ops (mac, reduce_*) reduce")
        for src in sources:
            if src.operand == dst.operand and src.index != dst.index:
                raise _fail(where, f"elementwise {stmt.op.value} reads {text(src)} while writing "
                            f"{text(dst)}; in place is only allowed at the same index")
        return
    if isinstance(stmt.init, Access):
        extra = sorted(stmt.init.vars - dst.vars)
        if extra:
            raise _fail(where, f"init {text(stmt.init)} uses reduction loop(s) {', '.join(extra)}; "
                        f"an init may only use loops of {text(dst)}")
        sources.append(stmt.init)
    for src in sources:
        if src.operand == dst.operand:
            raise _fail(where, f"{stmt.op.value} reads its destination operand "
                        f"'{dst.operand}' ({text(src)})",
                        hint="accumulate into a temp, or use init=None to keep the contents")


def _check_dataflow(c: Codelet) -> None:
    produced = {o.name for o in c.operands if o.role in (Role.TEMP, Role.OUTPUT)}
    written: set[str] = set()
    for i, stage in enumerate(c.stages):
        stmt = stage.stmt
        reads = [s for s in (*stmt.srcs, stmt.init) if isinstance(s, Access)]
        if stmt.op.accumulates and stmt.init is None:
            reads.append(stmt.dst)
        for acc in reads:
            if acc.operand in produced and acc.operand not in written:
                role = c.operand(acc.operand).role.value
                text = source_text(acc, stage.loops)
                what = f"reads {role} '{acc.operand}' ({text}) before any stage writes it"
                if acc is stmt.dst:
                    what += " (init=None keeps the destination's contents)"
                raise _fail(_where(c, i), what)
        written.add(stmt.dst.operand)
    for o in c.outputs:
        if o.name not in written:
            raise _fail(f"codelet '{c.name}'", f"output '{o.name}' is never written")
