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
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum

from covenant_lab.errors import CovenantError

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

Number = int | float
Compiled = Callable[[Mapping[str, float]], float]


class ExprError(CovenantError):
    """A malformed expression, or one that cannot be evaluated (unknown name, division by 0)."""

    def __init__(
        self,
        message: str,
        *,
        text: str | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.text = text
        self.column = column
        self.detail = message
        where = f"expression {text!r}: " if text is not None else ""
        at = f" at column {column}" if column is not None else ""
        super().__init__(f"{where}{message}{at}", hint=hint)


class BinOpKind(Enum):
    """Binary operators; the value is the source spelling."""

    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    FLOORDIV = "//"
    MOD = "%"

    @property
    def precedence(self) -> int:
        return 1 if self in (BinOpKind.ADD, BinOpKind.SUB) else 2


class Func(Enum):
    """Built-in functions; the value is the source spelling."""

    MIN = "min"
    MAX = "max"
    CEIL = "ceil"
    FLOOR = "floor"
    LOG2 = "log2"

    @property
    def variadic(self) -> bool:
        return self in (Func.MIN, Func.MAX)


_UNARY_PREC = 3
_ATOM_PREC = 4


# semantics (shared helpers)
def _div(a: Number, b: Number) -> Number:
    if b == 0:
        raise ExprError(f"division by zero ({a} / {b})")
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    try:
        return a / b
    except OverflowError:
        raise ExprError(f"{a} / {b} overflows") from None


def _floordiv(a: Number, b: Number) -> Number:
    if b == 0:
        raise ExprError(f"division by zero ({a} // {b})")
    return a // b


def _mod(a: Number, b: Number) -> Number:
    if b == 0:
        raise ExprError(f"modulo by zero ({a} % {b})")
    return a % b


def _ceil(x: Number) -> Number:
    try:
        return math.ceil(x)
    except (OverflowError, ValueError):
        raise ExprError(f"ceil({x}) is not a finite integer") from None


def _floor(x: Number) -> Number:
    try:
        return math.floor(x)
    except (OverflowError, ValueError):
        raise ExprError(f"floor({x}) is not a finite integer") from None


def _log2(x: Number) -> Number:
    if x <= 0:
        raise ExprError(f"log2({x}) is undefined (argument must be positive)")
    if isinstance(x, int) and x & (x - 1) == 0:
        return x.bit_length() - 1
    return math.log2(x)


def _min(*xs: Number) -> Number:
    return min(xs)


def _max(*xs: Number) -> Number:
    return max(xs)


_BINARY: dict[BinOpKind, Callable[[Number, Number], Number]] = {
    BinOpKind.ADD: operator.add,
    BinOpKind.SUB: operator.sub,
    BinOpKind.MUL: operator.mul,
    BinOpKind.DIV: _div,
    BinOpKind.FLOORDIV: _floordiv,
    BinOpKind.MOD: _mod,
}
_FUNCS: dict[Func, Callable[..., Number]] = {
    Func.MIN: _min,
    Func.MAX: _max,
    Func.CEIL: _ceil,
    Func.FLOOR: _floor,
    Func.LOG2: _log2,
}


def _finite(value: Number) -> bool:
    return isinstance(value, int) or math.isfinite(value)


# AST
class Expr:
    """Base of the expression AST. Subclasses are frozen, slotted dataclasses."""

    __slots__ = ()

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
        raise NotImplementedError

    @property
    def const_value(self) -> Number | None:
        """The value if the expression is a constant, else None."""
        return None


@dataclass(frozen=True, slots=True)
class Num(Expr):
    """A finite int or float literal."""

    value: Number

    def __post_init__(self) -> None:
        if not _finite(self.value):
            raise ExprError(f"non-finite constant {self.value}")

    @property
    def precedence(self) -> int:
        return _UNARY_PREC if self.value < 0 or str(self.value).startswith("-") else _ATOM_PREC

    def evaluate(self, env: Mapping[str, float]) -> Number:
        return self.value

    def substitute(self, env: Mapping[str, float]) -> Expr:
        return self

    def compile(self) -> Compiled:
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
        if value is None or not _finite(value):
            return self
        return Num(value)

    def compile(self) -> Compiled:
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

    def compile(self) -> Compiled:
        inner = self.operand.compile()
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
            if _finite(value):
                return Num(value)
        node = BinOp(self.op, left, right)
        return _fold_sum(node) if self.op in (BinOpKind.ADD, BinOpKind.SUB) else node

    def compile(self) -> Compiled:
        lf, rf = self.left.compile(), self.right.compile()
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
            if _finite(value):
                return Num(value)
        return Call(self.func, args)

    def compile(self) -> Compiled:
        fn = _FUNCS[self.func]
        parts = tuple(a.compile() for a in self.args)
        if len(parts) == 1:
            (only,) = parts
            return lambda env: fn(only(env))
        if len(parts) == 2:
            first, second = parts
            return lambda env: fn(first(env), second(env))
        return lambda env: fn(*(p(env) for p in parts))

    def __str__(self) -> str:
        return f"{self.func.value}({', '.join(str(a) for a in self.args)})"


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
    rest = [(s, t) for s, t in terms if not (isinstance(t, Num) and isinstance(t.value, int))]
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


# parser
_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>//|[-+*/%(),])"
)
_FUNC_NAMES = {f.value: f for f in Func}
_BINOPS = {k.value: k for k in BinOpKind}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "name", "op" or "end"
    text: str
    column: int  # 1-based


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise ExprError(f"unexpected character {text[pos]!r}", text=text, column=pos + 1)
        tokens.append(_Token(match.lastgroup, match.group(), pos + 1))
        pos = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def fail(self, message: str, tok: _Token | None = None) -> ExprError:
        at = tok or self.tok
        return ExprError(message, text=self.text, column=at.column)

    def take(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.pos += 1
            return True
        return False

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self.fail("empty expression")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.fail(f"unexpected {self.tok.text!r}")
        return node

    def expr(self) -> Expr:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = _BINOPS[self.tok.text]
            self.pos += 1
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "//", "%"):
            op = _BINOPS[self.tok.text]
            self.pos += 1
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.take("+"):
            return self.unary()
        if self.take("-"):
            if self.tok.kind == "num":
                return Num(-self.number())
            return Neg(self.unary())
        return self.atom()

    def number(self) -> Number:
        tok = self.tok
        self.pos += 1
        if any(c in tok.text for c in ".eE"):
            value = float(tok.text)
            if not math.isfinite(value):
                raise self.fail(f"number {tok.text} is too large", tok)
            return value
        return int(tok.text)

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "num":
            return Num(self.number())
        if tok.kind == "name":
            self.pos += 1
            func = _FUNC_NAMES.get(tok.text)
            if func is not None:
                return self.call(func, tok)
            return Name(tok.text)
        if self.take("("):
            node = self.expr()
            if not self.take(")"):
                raise self.fail("expected ')'")
            return node
        what = "end of expression" if tok.kind == "end" else repr(tok.text)
        raise self.fail(f"expected a number, a name or '(', got {what}")

    def call(self, func: Func, name_tok: _Token) -> Expr:
        if not self.take("("):
            raise self.fail(f"function '{func.value}' must be called: {func.value}(...)", name_tok)
        args = [self.expr()]
        while self.take(","):
            args.append(self.expr())
        if not self.take(")"):
            raise self.fail("expected ',' or ')'")
        if not func.variadic and len(args) != 1:
            raise self.fail(f"{func.value}() takes 1 argument, got {len(args)}", name_tok)
        return Call(func, tuple(args))


def parse(text: str) -> Expr:
    """Parse expression source text into a frozen AST (ExprError with the column if malformed)."""
    return _Parser(text).parse()


def as_expr(value: Expr | str | int | float) -> Expr:
    """An Expr from an expression, its source text, or a number."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"expected a number or an expression, got {value!r}")
    return Num(value)
