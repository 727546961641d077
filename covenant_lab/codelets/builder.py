"""A mutable builder that produces a frozen, verified :class:`Codelet`.

Example::

    cb = CodeletBuilder("conv2d")
    n, oc, oh, ow, ic, kh, kw = cb.dims(n=1, oc=64, oh=56, ow=56, ic=64, kh=3, kw=3)
    x = cb.input("x", (1, 64, 56, 56))
    w = cb.weight("w", (64, 64, 3, 3))
    y = cb.output("y", (1, 64, 56, 56))
    cb.mac(y[n, oc, oh, ow], x[n, ic, oh + kh - 1, ow + kw - 1].pad(0.0), w[oc, ic, kh, kw],
           loops=(n, oc, oh, ow, ic, kh, kw), init=0.0)
    c = cb.build()

Loop variables are :class:`Affine` expressions, so ``2 * oh + kh - 3`` is an index. Operand
handles index to an :class:`Access` (``x[n, ic, 0, 0]``); ``.pad(fill)`` makes reads outside
the tensor give ``fill``. Numbers given as sources become :class:`Const`. Default loops: the
destination's variables in index order, followed (accumulating ops only) by the sources'
other variables in order of appearance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from covenant_lab.codelets.ir import (
    Access,
    Affine,
    Codelet,
    Const,
    Dim,
    Operand,
    Source,
    Stage,
    Stmt,
)
from covenant_lab.codelets.verify import verify
from covenant_lab.errors import CodeletError
from covenant_lab.types import DType, OpKind, Role

__all__ = ["IDENTITY", "CodeletBuilder", "OperandHandle"]

Index = Affine | str | int
Loop = Affine | str
SourceArg = Access | Const | float | int


class _Identity:
    """Sentinel: initialise an accumulation with the neutral element of its op."""

    def __repr__(self) -> str:
        return "IDENTITY"


IDENTITY: Final = _Identity()
InitArg = Access | Const | float | int | None | _Identity


@dataclass(frozen=True, slots=True)
class OperandHandle:
    """A declared operand; ``h[i, j]`` is an :class:`Access` of it."""

    name: str
    shape: tuple[int, ...]
    dtype: DType
    role: Role

    def __getitem__(self, idx: Index | tuple[Index, ...]) -> Access:
        items = idx if isinstance(idx, tuple) else (idx,)
        return Access(self.name, tuple(_affine(self.name, k, i) for k, i in enumerate(items)))


def _affine(operand: str, k: int, item: object) -> Affine:
    if isinstance(item, bool) or not isinstance(item, Affine | str | int):
        raise CodeletError(
            f"{operand}[...]: index {k} is {item!r}; expected an int, a loop variable or an Affine"
        )
    return Affine.of(item)


def _loop_name(item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Affine) and item.const == 0 and len(item.terms) == 1:
        var, coef = item.terms[0]
        if coef == 1:
            return var
    raise CodeletError(f"loops: {item!s} is not a loop variable")


class CodeletBuilder:
    """Collects dims, operands and stages; :meth:`build` returns the frozen, verified codelet."""

    def __init__(self, name: str, *, dtype: DType = DType.FLOAT32) -> None:
        self.name = name
        self.dtype = dtype
        self._dims: list[Dim] = []
        self._operands: list[Operand] = []
        self._stages: list[Stage] = []
        self._attrs: list[tuple[str, object]] = []

    # -- declarations -------------------------------------------------------------------------
    def dim(self, name: str, extent: int) -> Affine:
        """Declare a loop dimension; returns its loop variable."""
        if any(d.name == name for d in self._dims):
            raise CodeletError(f"codelet '{self.name}': dim '{name}' is declared twice")
        self._dims.append(Dim(name, extent))
        return Affine.of(name)

    def dims(self, **extents: int) -> tuple[Affine, ...]:
        """Declare several dims in order: ``n, c = cb.dims(n=1, c=64)``."""
        return tuple(self.dim(name, extent) for name, extent in extents.items())

    def operand(
        self, name: str, shape: Sequence[int], role: Role, dtype: DType | None = None
    ) -> OperandHandle:
        """Declare an operand of any role."""
        if any(o.name == name for o in self._operands):
            raise CodeletError(f"codelet '{self.name}': operand '{name}' is declared twice")
        op = Operand(name, tuple(int(s) for s in shape), dtype or self.dtype, role)
        self._operands.append(op)
        return OperandHandle(op.name, op.shape, op.dtype, op.role)

    def input(self, name: str, shape: Sequence[int], dtype: DType | None = None) -> OperandHandle:
        return self.operand(name, shape, Role.INPUT, dtype)

    def weight(self, name: str, shape: Sequence[int], dtype: DType | None = None) -> OperandHandle:
        return self.operand(name, shape, Role.WEIGHT, dtype)

    def output(self, name: str, shape: Sequence[int], dtype: DType | None = None) -> OperandHandle:
        return self.operand(name, shape, Role.OUTPUT, dtype)

    def temp(self, name: str, shape: Sequence[int], dtype: DType | None = None) -> OperandHandle:
        return self.operand(name, shape, Role.TEMP, dtype)

    def attr(self, key: str, value: object) -> None:
        """Record an attribute (kept in declaration order)."""
        self._attrs.append((key, value))

    # -- statements ---------------------------------------------------------------------------
    def mac(
        self, dst: Access, a: SourceArg, b: SourceArg, loops: Sequence[Loop] | None = None,
        init: InitArg = IDENTITY, *, label: str = "",
    ) -> None:
        """``dst = init; dst += a * b`` over the loops ``dst`` does not use."""
        self._add(OpKind.MAC, dst, (a, b), loops, init, label)

    def reduce(
        self, op: OpKind, dst: Access, src: SourceArg, loops: Sequence[Loop] | None = None,
        init: InitArg = IDENTITY, *, label: str = "",
    ) -> None:
        """``dst = init; dst = dst (+|max|min) src`` with ``op`` one of REDUCE_ADD/MAX/MIN."""
        if not (op.accumulates and op.arity == 1):
            raise CodeletError(f"codelet '{self.name}': reduce() takes reduce_add, reduce_max or "
                               f"reduce_min, got {op.value}")
        self._add(op, dst, (src,), loops, init, label)

    def unary(
        self, op: OpKind, dst: Access, src: SourceArg, loops: Sequence[Loop] | None = None,
        *, label: str = "",
    ) -> None:
        """``dst = op(src)`` for every iteration."""
        if op.accumulates or op.arity != 1:
            raise CodeletError(f"codelet '{self.name}': unary() takes a unary elementwise op, "
                               f"got {op.value}")
        self._add(op, dst, (src,), loops, None, label)

    def binary(
        self, op: OpKind, dst: Access, a: SourceArg, b: SourceArg,
        loops: Sequence[Loop] | None = None, *, label: str = "",
    ) -> None:
        """``dst = op(a, b)`` for every iteration; ``b`` may be a number."""
        if op.accumulates or op.arity != 2:
            raise CodeletError(f"codelet '{self.name}': binary() takes a binary elementwise op, "
                               f"got {op.value}")
        self._add(op, dst, (a, b), loops, None, label)

    def copy(self, dst: Access, src: SourceArg, loops: Sequence[Loop] | None = None,
             *, label: str = "") -> None:
        """``dst = src``."""
        self.unary(OpKind.COPY, dst, src, loops, label=label)

    def _add(
        self, op: OpKind, dst: Access, srcs: tuple[SourceArg, ...],
        loops: Sequence[Loop] | None, init: InitArg, label: str,
    ) -> None:
        if not isinstance(dst, Access):
            raise CodeletError(f"codelet '{self.name}': destination of {op.value} is {dst!r}; "
                               "expected an Access such as y[i, j]")
        sources = tuple(_source(s) for s in srcs)
        stmt_init: Source | None = None
        if op.accumulates:
            stmt_init = Const(op.identity) if isinstance(init, _Identity) else _init(init)
        if loops is None:
            names = _default_loops(op, dst, sources)
        else:
            names = tuple(_loop_name(lp) for lp in loops)
        stmt = Stmt(op, dst, sources, stmt_init)
        self._stages.append(Stage(names, stmt, label))

    # -- result -------------------------------------------------------------------------------
    def build(self) -> Codelet:
        """The frozen codelet; raises :class:`CodeletError` if it breaks a rule."""
        c = Codelet(self.name, tuple(self._dims), tuple(self._operands), tuple(self._stages),
                    tuple(self._attrs))
        verify(c)
        return c


def _source(s: object) -> Source:
    if isinstance(s, Access | Const):
        return s
    if isinstance(s, int | float) and not isinstance(s, bool):
        return Const(float(s))
    raise CodeletError(f"source {s!r}: expected an Access, a Const or a number")


def _init(init: object) -> Source | None:
    return None if init is None else _source(init)


def _ordered_vars(accesses: Sequence[Source]) -> list[str]:
    out: list[str] = []
    for acc in accesses:
        if isinstance(acc, Access):
            for expr in acc.index:
                out += [v for v in expr.vars if v not in out]
    return out


def _default_loops(op: OpKind, dst: Access, srcs: tuple[Source, ...]) -> tuple[str, ...]:
    names = _ordered_vars([dst])
    if op.accumulates:
        names += [v for v in _ordered_vars(srcs) if v not in names]
    return tuple(names)
