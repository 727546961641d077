"""A small, safe expression language for architecture parameters and timing.

Architecture files write sizes and cycle counts as expressions over named parameters::

    capacity_bytes: rows * ibuf_depth
    cycles: rows + stream + rows + cols - 2

Grammar (loosest binding first; binary operators are left associative)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/" | "//" | "%") unary)*
    unary := ("-" | "+") unary | atom
    atom  := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    FUNC  := min | max | ceil | floor | log2

``/`` is exact: an int when the division is exact, else a float. ``//`` and ``%`` follow
Python. ``ceil``/``floor`` return ints; ``log2`` returns an int for powers of two.
A minus sign directly before a number literal is part of the literal (``-3`` is ``Num(-3)``).

Expressions are frozen ASTs. They are never handed to ``eval``: :meth:`Expr.evaluate` walks
the tree and :meth:`Expr.compile` turns it into nested closures for hot loops.

Limits (``covenant_lab.limits``): a tree is at most ``EXPR_DEPTH`` (64) levels deep, whether
parsed or built with these classes (building a deeper one raises ExprError), so every
recursive walk of it (here, in ``compiler/vexpr.py``) stays far from Python's recursion
limit; a constant (``Num``) is finite and at most 2^53 in magnitude, so it always prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from covenant_lab.acg.expr_ops import (
    _ATOM_PREC,
    _BINARY,
    _FUNCS,
    _UNARY_PREC,
    BinOpKind,
    ExprError,
    Func,
    Number,
    _finite,
)
from covenant_lab.limits import EXPR_DEPTH, NUMBER
from covenant_lab.quote import show_number

__all__ = [
    "BinOp",
    "BinOpKind",
    "Call",
    "Compiled",
    "Expr",
    "ExprError",
    "Func",
    "Name",
    "Neg",
    "Num",
    "as_expr",
    "parse",
]

Compiled = Callable[[Mapping[str, float]], float]


# AST
class Expr:
    """Base of the expression AST. Subclasses are frozen, slotted dataclasses."""

    __slots__ = ()

    @property
    def depth(self) -> int:
        """Levels of the tree: 1 for a number or a name (at most ``limits.EXPR_DEPTH``)."""
        return 1

    @property
    def names(self) -> frozenset[str]:
        """Every variable name the expression refers to."""
        return frozenset(self._walk_names())

    def _walk_names(self) -> Iterator[str]:
        return iter(())

    @property
    def precedence(self) -> int:
        return _ATOM_PREC

    def evaluate(self, env: Mapping[str, float]) -> Number:
        """The value with every name looked up in ``env`` (ExprError for unknown names)."""
        raise NotImplementedError

    def substitute(self, env: Mapping[str, float]) -> Expr:
        """Replace the names known in ``env`` by constants and fold constant sub-expressions."""
        raise NotImplementedError

    def compile(self) -> Compiled:
        """A fast closure computing :meth:`evaluate` (built from the AST, no ``eval``)."""
        run = self._compile()

        def guarded(env: Mapping[str, float]) -> float:
            try:
                return run(env)
            except OverflowError:
                raise ExprError(f"{self} overflows a float") from None

        return guarded

    def _compile(self) -> Compiled:
        raise NotImplementedError

    @property
    def const_value(self) -> Number | None:
        """The value if the expression is a constant, else None."""
        return None


@dataclass(frozen=True, slots=True)
class Num(Expr):
    """A finite int or float literal, at most 2^53 in magnitude."""

    value: Number

    def __post_init__(self) -> None:
        if not _finite(self.value):
            raise ExprError(f"non-finite constant {self.value}")
        if not _representable(self.value):
            raise ExprError(f"constant {show_number(self.value)} is out of range: "
                            f"{NUMBER.problem(self.value)}")

    @property
    def precedence(self) -> int:
        negative = self.value < 0 or (isinstance(self.value, float) and str(self.value)[0] == "-")
        return _UNARY_PREC if negative else _ATOM_PREC

    def evaluate(self, env: Mapping[str, float]) -> Number:
        return self.value

    def substitute(self, env: Mapping[str, float]) -> Expr:
        return self

    def _compile(self) -> Compiled:
        value = self.value
        return lambda env: value

    @property
    def const_value(self) -> Number | None:
        return self.value

    def __str__(self) -> str:
        return repr(self.value) if isinstance(self.value, float) else str(self.value)


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A reference to a parameter, a dimension or an invocation variable."""

    name: str

    def _walk_names(self) -> Iterator[str]:
        yield self.name

    def evaluate(self, env: Mapping[str, float]) -> Number:
        try:
            return env[self.name]
        except KeyError:
            raise _unknown(self.name, env) from None

    def substitute(self, env: Mapping[str, float]) -> Expr:
        value = env.get(self.name)
        if value is None or isinstance(value, bool) or not _representable(value):
            return self
        return Num(value)

    def _compile(self) -> Compiled:
        name = self.name

        def lookup(env: Mapping[str, float]) -> float:
            try:
                return env[name]
            except KeyError:
                raise _unknown(name, env) from None

        return lookup

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    """Unary minus."""

    operand: Expr
    depth: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        _set_depth(self, self.operand)

    def _walk_names(self) -> Iterator[str]:
        return self.operand._walk_names()

    @property
    def precedence(self) -> int:
        return _UNARY_PREC

    def evaluate(self, env: Mapping[str, float]) -> Number:
        return -self.operand.evaluate(env)

    def substitute(self, env: Mapping[str, float]) -> Expr:
        inner = self.operand.substitute(env)
        value = inner.const_value
        return Num(-value) if value is not None else Neg(inner)

    def _compile(self) -> Compiled:
        inner = self.operand._compile()
        return lambda env: -inner(env)

    def __str__(self) -> str:
        text = str(self.operand)
        if isinstance(self.operand, (Num, BinOp)):
            text = f"({text})"
        return "-" + text


@dataclass(frozen=True, slots=True)
class BinOp(Expr):
    """A binary arithmetic operation."""

    op: BinOpKind
    left: Expr
    right: Expr
    depth: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        _set_depth(self, self.left, self.right)

    def _walk_names(self) -> Iterator[str]:
        yield from self.left._walk_names()
        yield from self.right._walk_names()

    @property
    def precedence(self) -> int:
        return self.op.precedence

    def evaluate(self, env: Mapping[str, float]) -> Number:
        return _BINARY[self.op](self.left.evaluate(env), self.right.evaluate(env))

    def substitute(self, env: Mapping[str, float]) -> Expr:
        left, right = self.left.substitute(env), self.right.substitute(env)
        a, b = left.const_value, right.const_value
        if a is not None and b is not None:
            value = _BINARY[self.op](a, b)
            if _representable(value):
                return Num(value)
        node = BinOp(self.op, left, right)
        return _fold_sum(node) if self.op in (BinOpKind.ADD, BinOpKind.SUB) else node

    def _compile(self) -> Compiled:
        lf, rf = self.left._compile(), self.right._compile()
        if self.op is BinOpKind.ADD:
            return lambda env: lf(env) + rf(env)
        if self.op is BinOpKind.SUB:
            return lambda env: lf(env) - rf(env)
        if self.op is BinOpKind.MUL:
            return lambda env: lf(env) * rf(env)
        fn = _BINARY[self.op]
        return lambda env: fn(lf(env), rf(env))

    def __str__(self) -> str:
        prec = self.op.precedence
        left, right = str(self.left), str(self.right)
        if self.left.precedence < prec:
            left = f"({left})"
        if self.right.precedence <= prec:
            right = f"({right})"
        return f"{left} {self.op.value} {right}"


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A call of a built-in function."""

    func: Func
    args: tuple[Expr, ...]
    depth: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        _set_depth(self, *self.args)

    def _walk_names(self) -> Iterator[str]:
        for arg in self.args:
            yield from arg._walk_names()

    def evaluate(self, env: Mapping[str, float]) -> Number:
        return _FUNCS[self.func](*(a.evaluate(env) for a in self.args))

    def substitute(self, env: Mapping[str, float]) -> Expr:
        args = tuple(a.substitute(env) for a in self.args)
        values = [a.const_value for a in args]
        if all(v is not None for v in values):
            value = _FUNCS[self.func](*values)
            if _representable(value):
                return Num(value)
        return Call(self.func, args)

    def _compile(self) -> Compiled:
        fn = _FUNCS[self.func]
        parts = tuple(a._compile() for a in self.args)
        if len(parts) == 1:
            (only,) = parts
            return lambda env: fn(only(env))
        if len(parts) == 2:
            first, second = parts
            return lambda env: fn(first(env), second(env))
        return lambda env: fn(*(p(env) for p in parts))

    def __str__(self) -> str:
        return f"{self.func.value}({', '.join(str(a) for a in self.args)})"


def _representable(value: Number) -> bool:
    """Whether ``value`` can be a constant: finite and at most 2^53 in magnitude."""
    return _finite(value) and NUMBER.low <= value <= NUMBER.high


def _set_depth(node: Expr, *children: Expr) -> None:
    """Record ``node``'s depth; ExprError when it is deeper than ``limits.EXPR_DEPTH``."""
    depth = 1 + max((c.depth for c in children), default=0)
    if depth > EXPR_DEPTH:
        raise ExprError(
            f"nests more than {EXPR_DEPTH} levels deep (the limit, limits.EXPR_DEPTH)",
            hint="each operator, function call, sign and pair of parentheses is a level; "
            "name a part of the expression with a parameter",
        )
    object.__setattr__(node, "depth", depth)


def _sum_terms(node: Expr, sign: int, out: list[tuple[int, Expr]]) -> None:
    if isinstance(node, BinOp) and node.op in (BinOpKind.ADD, BinOpKind.SUB):
        _sum_terms(node.left, sign, out)
        _sum_terms(node.right, sign if node.op is BinOpKind.ADD else -sign, out)
    else:
        out.append((sign, node))


def _fold_sum(node: BinOp) -> Expr:
    """Gather the integer constants of a chain of + and - into one trailing constant.

    ``32 + stream + 32 + 32 - 2`` becomes ``stream + 94`` (integers only, so exact).
    """
    terms: list[tuple[int, Expr]] = []
    _sum_terms(node, 1, terms)
    ints = [(s, t) for s, t in terms if isinstance(t, Num) and isinstance(t.value, int)]
    if len(ints) < 2:
        return node
    total = sum(s * int(t.value) for s, t in ints if isinstance(t, Num))
    try:
        return _rebuilt_sum(terms, total)
    except ExprError:  # the total is out of range, or the rebuilt chain too deep
        return node


def _rebuilt_sum(terms: list[tuple[int, Expr]], total: int) -> Expr:
    rest = [(s, t) for s, t in terms if not (isinstance(t, Num) and isinstance(t.value, int))]
    if not rest:
        raise ExprError("nothing but constants: their sum is out of range")
    sign, first = rest[0]
    out: Expr = first if sign > 0 else Neg(first)
    for sign, term in rest[1:]:
        out = BinOp(BinOpKind.ADD if sign > 0 else BinOpKind.SUB, out, term)
    if total > 0:
        return BinOp(BinOpKind.ADD, out, Num(total))
    if total < 0:
        return BinOp(BinOpKind.SUB, out, Num(-total))
    return out


def _unknown(name: str, env: Mapping[str, float]) -> ExprError:
    known = ", ".join(sorted(env)) or "none"
    return ExprError(f"unknown name '{name}'", hint=f"known names: {known}")


def parse(text: str) -> Expr:
    """Parse expression source text into a frozen AST (ExprError with the column if malformed)."""
    from covenant_lab.acg.expr_parser import Parser

    return Parser(text).parse()


def as_expr(value: Expr | str | int | float) -> Expr:
    """An Expr from an expression, its source text, or a number."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"expected a number or an expression, got {value!r}")
    return Num(value)
