"""A small linear program: minimise ``c . x`` subject to ``A_ub x <= b_ub``, ``A_eq x = b_eq``
and ``x >= 0``.

A dense two-phase simplex with Bland's rule (it cannot cycle), for the few variables the
structural bound needs (one per stage and unit option, and the makespan): its rows are the
units, the memory bound and one "the parts sum to one" row per stage. Coefficients should be
of order one (the caller scales its cycles). Example, one stage split between two units
taking 3 and 6 cycles for the whole of it, minimising the makespan ``t``::

    minimize([0, 0, 1], [[3, 0, -1], [0, 6, -1]], [0, 0], [[1, 1, 0]], [1])
    # -> (2.0, [2/3, 1/3, 2.0]): two thirds on the fast unit, both busy 2 cycles
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["minimize"]

EPS = 1e-12


def minimize(c: Sequence[float], a_ub: Sequence[Sequence[float]], b_ub: Sequence[float],
             a_eq: Sequence[Sequence[float]], b_eq: Sequence[float]
             ) -> tuple[float, list[float]]:
    """The least ``c . x`` and an ``x`` reaching it; ValueError when no ``x`` satisfies the
    rows or the objective has no lower bound."""
    n, n_ub = len(c), len(a_ub)
    m = n_ub + len(a_eq)
    width = n + n_ub + m  # variables, slacks, artificials
    table = np.zeros((m, width + 1))
    for i, (row, rhs) in enumerate([*zip(a_ub, b_ub, strict=True),
                                    *zip(a_eq, b_eq, strict=True)]):
        table[i, :n] = row
        if i < n_ub:
            table[i, n + i] = 1.0
        table[i, -1] = rhs
        if rhs < 0:
            table[i, :-1] *= -1.0
            table[i, -1] = -rhs
        table[i, n + n_ub + i] = 1.0
    basis = list(range(n + n_ub, width))
    real = n + n_ub
    phase1 = np.concatenate([np.zeros(real), np.ones(m)])
    _run(table, basis, phase1, width)
    if _objective(table, basis, phase1) > 1e-9:
        raise ValueError("minimize: the constraints have no solution")
    for i, b in enumerate(basis):  # drive artificials still basic (at zero) out
        if b >= real:
            j = next((j for j in range(real) if abs(table[i, j]) > 1e-9), None)
            if j is not None:
                _pivot(table, basis, i, j)
    cost = np.concatenate([np.asarray(c, dtype=float), np.zeros(width - n)])
    _run(table, basis, cost, real)
    x = [0.0] * n
    for i, b in enumerate(basis):
        if b < n:
            x[b] = float(table[i, -1])
    return float(np.dot(c, x)), x


def _objective(table: np.ndarray, basis: list[int], cost: np.ndarray) -> float:
    return float(sum(cost[b] * table[i, -1] for i, b in enumerate(basis)))


def _pivot(table: np.ndarray, basis: list[int], row: int, col: int) -> None:
    table[row] /= table[row, col]
    for i in range(len(table)):
        if i != row and table[i, col] != 0.0:
            table[i] -= table[i, col] * table[row]
    basis[row] = col


def _run(table: np.ndarray, basis: list[int], cost: np.ndarray, allowed: int) -> None:
    """Simplex iterations (Bland's rule) over the columns below ``allowed``."""
    while True:
        reduced = cost[:allowed] - cost[basis] @ table[:, :allowed]
        entering = next((j for j in range(allowed) if reduced[j] < -EPS), None)
        if entering is None:
            return
        column = table[:, entering]
        rows = [i for i in range(len(table)) if column[i] > EPS]
        if not rows:
            raise ValueError("minimize: the objective has no lower bound")
        leaving = min(rows, key=lambda i: (table[i, -1] / column[i], basis[i]))
        _pivot(table, basis, leaving, entering)
