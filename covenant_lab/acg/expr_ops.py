"""Vocabulary and semantics of the expression language: operators, functions, errors.

Shared by the AST (``acg.expr``), which re-exports the public names, and its parser.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from enum import Enum

from covenant_lab.errors import CovenantError
from covenant_lab.quote import quote_around, show_number

__all__ = ["BinOpKind", "ExprError", "Func", "Number"]

Number = int | float


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
        where = f"expression {quote_around(text, column)}: " if text is not None else ""
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


# semantics: the operators and functions over Python numbers
Binary = Callable[[Number, Number], Number]


def _guarded(symbol: str, fn: Binary) -> Binary:
    """``fn`` raising ExprError where Python would raise OverflowError (a huge int met a
    float: ``10**400 * 1.5``)."""

    @functools.wraps(fn)
    def apply(a: Number, b: Number) -> Number:
        try:
            return fn(a, b)
        except OverflowError:
            raise ExprError(f"{show_number(a)} {symbol} {show_number(b)} overflows") from None

    return apply


def _div(a: Number, b: Number) -> Number:
    if b == 0:
        raise ExprError(f"division by zero ({show_number(a)} / {show_number(b)})")
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


def _floordiv(a: Number, b: Number) -> Number:
    if b == 0:
        raise ExprError(f"division by zero ({show_number(a)} // {show_number(b)})")
    return a // b


def _mod(a: Number, b: Number) -> Number:
    if b == 0:
        raise ExprError(f"modulo by zero ({show_number(a)} % {show_number(b)})")
    return a % b


def _ceil(x: Number) -> Number:
    try:
        return math.ceil(x)
    except (OverflowError, ValueError):
        raise ExprError(f"ceil({show_number(x)}) is not a finite integer") from None


def _floor(x: Number) -> Number:
    try:
        return math.floor(x)
    except (OverflowError, ValueError):
        raise ExprError(f"floor({show_number(x)}) is not a finite integer") from None


def _log2(x: Number) -> Number:
    if x <= 0:
        raise ExprError(f"log2({show_number(x)}) is undefined (argument must be positive)")
    if isinstance(x, int) and x & (x - 1) == 0:
        return x.bit_length() - 1
    return math.log2(x)


def _min(*xs: Number) -> Number:
    return min(xs)


def _max(*xs: Number) -> Number:
    return max(xs)


_BINARY: dict[BinOpKind, Callable[[Number, Number], Number]] = {
    kind: _guarded(kind.value, fn)
    for kind, fn in (
        (BinOpKind.ADD, operator.add),
        (BinOpKind.SUB, operator.sub),
        (BinOpKind.MUL, operator.mul),
        (BinOpKind.DIV, _div),
        (BinOpKind.FLOORDIV, _floordiv),
        (BinOpKind.MOD, _mod),
    )
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
