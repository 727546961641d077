"""Evaluate an architecture timing expression on numpy arrays (many candidates at once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from covenant_lab.acg.expr import BinOp, BinOpKind, Call, Expr, Func, Name, Neg, Num

_BIN: dict[BinOpKind, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    BinOpKind.ADD: np.add,
    BinOpKind.SUB: np.subtract,
    BinOpKind.MUL: np.multiply,
    BinOpKind.DIV: np.true_divide,
    BinOpKind.FLOORDIV: np.floor_divide,
    BinOpKind.MOD: np.mod,
}
_ONE: dict[Func, Callable[[np.ndarray], np.ndarray]] = {
    Func.CEIL: np.ceil,
    Func.FLOOR: np.floor,
    Func.LOG2: np.log2,
}
_REDUCE: dict[Func, Callable[[Sequence[np.ndarray]], np.ndarray]] = {
    Func.MIN: np.minimum.reduce,
    Func.MAX: np.maximum.reduce,
}


def evaluate(expr: Expr, env: Mapping[str, np.ndarray | float]) -> np.ndarray:
    """``expr`` with every name bound to an array (broadcast) or a number."""
    if isinstance(expr, Num):
        return np.asarray(float(expr.value))
    if isinstance(expr, Name):
        return np.asarray(env[expr.name], dtype=float)
    if isinstance(expr, Neg):
        return -evaluate(expr.operand, env)
    if isinstance(expr, BinOp):
        return _BIN[expr.op](evaluate(expr.left, env), evaluate(expr.right, env))
    if isinstance(expr, Call):
        args = [evaluate(a, env) for a in expr.args]
        if expr.func in _REDUCE:
            return _REDUCE[expr.func](np.broadcast_arrays(*args))
        return _ONE[expr.func](args[0])
    raise TypeError(f"unknown expression node {type(expr).__name__}")
