"""The codelet IR: frozen, architecture-independent descriptions of DNN operations.

A :class:`Codelet` has named loop dimensions with extents, operands (tensors with a shape,
dtype and role) and a sequence of :class:`Stage` s. Each stage is a perfect loop nest over
some of the dimensions whose body is one :class:`Stmt`: an abstract operation applied to
operands indexed by affine expressions of the loop variables.

Statement semantics (``I`` = the loop iteration, ``D`` = ``stmt.dst``)::

    elementwise op (ADD, EXP, ...):   D[I] = op(srcs[I])            # every iteration
    accumulating op (MAC, REDUCE_*):  D[I] = init                   # once, before the reduction
                                      D[I] = D[I] (+|max|min) f(srcs[I])   # every iteration

Out-of-bounds reads of an access with ``fill`` read ``fill`` (padding); without ``fill``
every access must stay in bounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from covenant_lab.types import SOURCE_ROLES, DType, OpKind, PortRole, Role

__all__ = [
    "Access", "Affine", "Codelet", "Const", "DType", "Dim", "OpKind", "Operand", "Role", "Source",
    "Stage", "Stmt",
]


@dataclass(frozen=True, slots=True)
class Dim:
    """A named loop dimension (the loop variable has the same name)."""

    name: str
    extent: int


@dataclass(frozen=True, slots=True)
class Affine:
    """``sum(coef * var) + const`` over loop variables; terms sorted by variable name."""

    terms: tuple[tuple[str, int], ...] = ()
    const: int = 0

    @staticmethod
    def of(value: Affine | str | int) -> Affine:
        if isinstance(value, Affine):
            return value
        if isinstance(value, str):
            return Affine(((value, 1),))
        return Affine((), int(value))

    @property
    def vars(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.terms)

    def coef(self, var: str) -> int:
        return dict(self.terms).get(var, 0)

    def __add__(self, other: Affine | str | int) -> Affine:
        o = Affine.of(other)
        acc = dict(self.terms)
        for v, c in o.terms:
            acc[v] = acc.get(v, 0) + c
        return Affine(tuple(sorted((v, c) for v, c in acc.items() if c)), self.const + o.const)

    __radd__ = __add__

    def __sub__(self, other: Affine | str | int) -> Affine:
        return self + Affine.of(other) * -1

    def __rsub__(self, other: Affine | str | int) -> Affine:
        return Affine.of(other) - self

    def __mul__(self, k: int) -> Affine:
        if not isinstance(k, int):
            return NotImplemented
        if k == 0:
            return Affine()
        return Affine(tuple((v, c * k) for v, c in self.terms), self.const * k)

    __rmul__ = __mul__

    def range(self, lo: dict[str, int], hi: dict[str, int]) -> tuple[int, int]:
        """Inclusive min and max of the expression when each var v spans [lo[v], hi[v]]."""
        mn = mx = self.const
        for v, c in self.terms:
            a, b = c * lo[v], c * hi[v]
            mn += min(a, b)
            mx += max(a, b)
        return mn, mx

    def __str__(self) -> str:
        parts: list[str] = []
        for v, c in self.terms:
            t = v if abs(c) == 1 else f"{abs(c)}*{v}"
            parts.append(("- " if c < 0 else "+ ") + t if parts else ("-" if c < 0 else "") + t)
        if self.const or not parts:
            if parts:
                parts.append(("- " if self.const < 0 else "+ ") + str(abs(self.const)))
            else:
                parts.append(str(self.const))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Operand:
    """A tensor the codelet reads or writes."""

    name: str
    shape: tuple[int, ...]
    dtype: DType
    role: Role

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize


@dataclass(frozen=True, slots=True)
class Access:
    """``operand[index...]``; reads outside the tensor give ``fill`` (None: must not happen)."""

    operand: str
    index: tuple[Affine, ...]
    fill: float | None = None

    @property
    def vars(self) -> frozenset[str]:
        return frozenset(v for e in self.index for v in e.vars)

    def pad(self, fill: float) -> Access:
        """The same access, reading ``fill`` outside the tensor (padding)."""
        return Access(self.operand, self.index, float(fill))

    def __str__(self) -> str:
        return f"{self.operand}[{', '.join(str(e) for e in self.index)}]"


@dataclass(frozen=True, slots=True)
class Const:
    """An immediate scalar source."""

    value: float

    def __str__(self) -> str:
        return repr(float(self.value))


Source = Access | Const


@dataclass(frozen=True, slots=True)
class Stmt:
    """One abstract operation; see the module docstring for its semantics."""

    op: OpKind
    dst: Access
    srcs: tuple[Source, ...]
    init: Source | None = None  # accumulating ops only; None = keep what dst already holds

    @property
    def accesses(self) -> tuple[Access, ...]:
        """Every operand access: sources, init, then the destination."""
        return tuple(acc for _, acc in self.roles)

    @property
    def sources(self) -> tuple[tuple[PortRole, Access], ...]:
        """(role, access) of every operand read: ``a`` and ``b`` (constants have no role),
        then ``init`` when it is a tensor."""
        out = [(role, src) for role, src in zip(SOURCE_ROLES, self.srcs,
                                                strict=False) if isinstance(src, Access)]
        if isinstance(self.init, Access):
            out.append((PortRole.INIT, self.init))
        return tuple(out)

    @property
    def roles(self) -> tuple[tuple[PortRole, Access], ...]:
        """(role, access) of every operand: the sources, then the destination."""
        return (*self.sources, (self.op.dst_role, self.dst))


@dataclass(frozen=True, slots=True)
class Stage:
    """A perfect loop nest (outermost first) around one statement."""

    loops: tuple[str, ...]
    stmt: Stmt
    label: str = ""

    def reduction_loops(self) -> tuple[str, ...]:
        """Loops the destination does not depend on (only legal for accumulating ops)."""
        dv = self.stmt.dst.vars
        return tuple(lp for lp in self.loops if lp not in dv)


@dataclass(frozen=True, slots=True)
class Codelet:
    """An architecture-independent operation with concrete extents."""

    name: str
    dims: tuple[Dim, ...]
    operands: tuple[Operand, ...]
    stages: tuple[Stage, ...]
    attrs: tuple[tuple[str, object], ...] = field(default=())  # e.g. (("strides", (2, 2)),)

    def dim(self, name: str) -> Dim:
        for d in self.dims:
            if d.name == name:
                return d
        raise KeyError(name)

    def extent(self, name: str) -> int:
        return self.dim(name).extent

    def operand(self, name: str) -> Operand:
        for o in self.operands:
            if o.name == name:
                return o
        raise KeyError(name)

    def operands_with(self, *roles: Role) -> tuple[Operand, ...]:
        return tuple(o for o in self.operands if o.role in roles)

    @property
    def inputs(self) -> tuple[Operand, ...]:
        return self.operands_with(Role.INPUT, Role.WEIGHT)

    @property
    def outputs(self) -> tuple[Operand, ...]:
        return self.operands_with(Role.OUTPUT)

    def iterations(self, stage: Stage) -> int:
        return math.prod(self.extent(lp) for lp in stage.loops)

    @property
    def operations(self) -> int:
        """Statement executions summed over stages (MACs for a conv)."""
        return sum(self.iterations(s) for s in self.stages)

    def attr(self, key: str, default: object = None) -> object:
        return dict(self.attrs).get(key, default)


def iter_accesses(stages: Iterable[Stage]) -> Iterator[tuple[Stage, Access]]:
    """Every (stage, access) pair in program order."""
    for st in stages:
        for acc in st.stmt.accesses:
            yield st, acc
