"""The small linear program (``analysis/lp.py``) against optima derived by hand."""

from __future__ import annotations

import itertools

import pytest

from covenant_lab.analysis.lp import minimize


def test_one_stage_on_two_units_is_divided_so_both_finish_together() -> None:
    # 3 and 6 cycles for the whole stage: 2/3 on the fast unit, both busy 2 cycles
    value, x = minimize([0, 0, 1], [[3, 0, -1], [0, 6, -1]], [0, 0], [[1, 1, 0]], [1])
    assert value == pytest.approx(2.0)
    assert x == pytest.approx([2 / 3, 1 / 3, 2.0])


def test_a_floor_row_with_a_negative_right_hand_side_binds() -> None:
    # t >= 5 (written -t <= -5) above the units' 2 cycles
    value, _ = minimize([0, 0, 1], [[3, 0, -1], [0, 6, -1], [0, 0, -1]], [0, 0, -5],
                        [[1, 1, 0]], [1])
    assert value == pytest.approx(5.0)


def test_two_stages_sharing_two_units_match_a_fine_search() -> None:
    # stage costs (unit 0, unit 1): stage a (4, 1), stage b (2, 8); makespan over the parts
    # a0 + a1 = 1, b0 + b1 = 1: a is 4x cheaper on unit 1 and b 4x cheaper on unit 0, so a
    # goes to unit 1 and b divides: 2 (1 - b1) = 1 + 8 b1 -> b1 = 0.1, makespan 1.8
    value, _ = minimize([0, 0, 0, 0, 1], [[4, 0, 2, 0, -1], [0, 1, 0, 8, -1]], [0, 0],
                        [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0]], [1, 1])
    assert value == pytest.approx(1.8)
    grid = [i / 100 for i in range(101)]
    best = min(max(4 * a + 2 * b, (1 - a) + 8 * (1 - b)) for a, b in itertools.product(grid, grid))
    assert value <= best + 1e-9


def test_no_solution_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no solution"):
        minimize([1], [[1]], [-1], [], [])
