"""Deterministic, readable text of codelets: the oracle of golden tests.

Example (a 3x3 convolution)::

    codelet conv2d(n=1, oc=64, oh=56, ow=56, ic=64, kh=3, kw=3)
      input  x: float32[1, 64, 56, 56]
      weight w: float32[64, 64, 3, 3]
      output y: float32[1, 64, 56, 56]
      stage 0:
        for n in 0..1:
          for oc in 0..64:
            ...
                y[n, oc, oh, ow] += x[n, ic, oh + kh - 1, ow + kw - 1] (pad 0.0)
                                    * w[oc, ic, kh, kw]   # init 0.0      (one line)

Inside a stage, the terms of an index follow the loop order (``oh + kh``, not ``kh + oh``).
Statement notation, one line per statement (``stmt_text``)::

    mac          d += a * b         # init <init>     (no comment: d keeps its contents)
    reduce_add   d += a             # init <init>
    reduce_max   d = max(d, a)      # init <init>     (reduce_min: min)
    binary       d = a + b, a - b, a * b, a / b, max(a, b), min(a, b)
    unary        d = a, -a, exp(a), erf(a), tanh(a), sigmoid(a), sqrt(a), rsqrt(a),
                 recip(a), relu(a)
"""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.codelets.ir import Access, Affine, Codelet, Const, Operand, Source, Stage, Stmt
from covenant_lab.types import OpKind

__all__ = ["source_text", "stage_text", "stmt_text", "to_text"]

INDENT = "  "

# How each operation reads, given the text of its sources (and of the destination).
_BINARY_INFIX = {OpKind.ADD: "+", OpKind.SUB: "-", OpKind.MUL: "*", OpKind.DIV: "/"}
_BINARY_CALL = {OpKind.MAX: "max", OpKind.MIN: "min"}
_UNARY_PREFIX = {OpKind.COPY: "", OpKind.NEG: "-"}
_REDUCE_CALL = {OpKind.REDUCE_MAX: "max", OpKind.REDUCE_MIN: "min"}


def _index_text(expr: Affine, order: Sequence[str]) -> str:
    rank = {v: k for k, v in enumerate(order)}
    terms = sorted(expr.terms, key=lambda t: (rank.get(t[0], len(rank)), t[0]))
    return str(Affine(tuple(terms), expr.const))


def source_text(src: Source, loops: Sequence[str] = ()) -> str:
    """``x[n, oh + kh - 1]``, ``x[...] (pad 0.0)`` or a constant such as ``0.5``.

    Terms of each index follow ``loops`` (then names); by default, name order.
    """
    if isinstance(src, Const):
        return str(src)
    text = f"{src.operand}[{', '.join(_index_text(e, loops) for e in src.index)}]"
    return text if src.fill is None else f"{text} (pad {float(src.fill)!r})"


def _rhs(op: OpKind, dst: str, srcs: tuple[str, ...]) -> tuple[str, str]:
    """The assignment operator and the right-hand side of a statement."""
    if op is OpKind.MAC:
        return "+=", f"{srcs[0]} * {srcs[1]}"
    if op is OpKind.REDUCE_ADD:
        return "+=", srcs[0]
    if op in _REDUCE_CALL:
        return "=", f"{_REDUCE_CALL[op]}({dst}, {srcs[0]})"
    if op in _BINARY_INFIX:
        return "=", f"{srcs[0]} {_BINARY_INFIX[op]} {srcs[1]}"
    if op in _BINARY_CALL:
        return "=", f"{_BINARY_CALL[op]}({srcs[0]}, {srcs[1]})"
    if op in _UNARY_PREFIX:
        return "=", f"{_UNARY_PREFIX[op]}{srcs[0]}"
    return "=", f"{op.value}({srcs[0]})"


def stmt_text(stmt: Stmt, loops: Sequence[str] = ()) -> str:
    """One line: ``y[n, oc] += x[n, ic] * w[oc, ic]   # init b[oc]``."""
    dst = source_text(stmt.dst, loops)
    assign, rhs = _rhs(stmt.op, dst, tuple(source_text(s, loops) for s in stmt.srcs))
    line = f"{dst} {assign} {rhs}"
    if stmt.op.accumulates and stmt.init is not None:
        line += f"   # init {source_text(stmt.init, loops)}"
    return line


def stage_text(codelet: Codelet, stage: Stage, index: int, depth: int = 1) -> str:
    """A stage header, its loop nest and its statement."""
    label = f" ({stage.label})" if stage.label else ""
    lines = [f"{INDENT * depth}stage {index}{label}:"]
    for k, loop in enumerate(stage.loops):
        lines.append(f"{INDENT * (depth + 1 + k)}for {loop} in 0..{_extent(codelet, loop)}:")
    body = stmt_text(stage.stmt, stage.loops)
    lines.append(f"{INDENT * (depth + 1 + len(stage.loops))}{body}")
    return "\n".join(lines)


def _extent(codelet: Codelet, loop: str) -> str:
    try:
        return str(codelet.extent(loop))
    except KeyError:
        return "?"


def _operand_text(o: Operand) -> str:
    shape = ", ".join(str(s) for s in o.shape)
    return f"{o.role.value:<6} {o.name}: {o.dtype.value}[{shape}]"


def _attr_text(value: object) -> str:
    """An attribute's value; operands made from others (``(name, (axes, Access, equal))``
    pairs) as ``name[axes] = source[index] where x == y (pad fill)``."""
    if isinstance(value, tuple) and value and all(
            isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], tuple)
            and len(v[1]) == 3 and isinstance(v[1][1], Access) for v in value):
        return "; ".join(f"{name}[{', '.join(axes)}] = {src}"
                         + "".join(f" where {x} == {y}" for x, y in equal)
                         + (f" (pad {src.fill})" if src.fill is not None else "")
                         for name, (axes, src, equal) in value)
    return repr(value)


def to_text(codelet: Codelet) -> str:
    """The whole codelet: signature, attributes, operands, then each stage's loop nest."""
    dims = ", ".join(f"{d.name}={d.extent}" for d in codelet.dims)
    lines = [f"codelet {codelet.name}({dims})"]
    lines += [f"{INDENT}attr {key} = {_attr_text(value)}" for key, value in codelet.attrs]
    lines += [f"{INDENT}{_operand_text(o)}" for o in codelet.operands]
    lines += [stage_text(codelet, st, i) for i, st in enumerate(codelet.stages)]
    return "\n".join(lines) + "\n"

