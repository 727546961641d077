"""The box helpers of live tiles: subtracting and meeting boxes (stale parts of a copy)."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from covenant_lab.sim.live import Box, box_minus, meet, meet_volume

span = st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: (min(t), max(t) + 1))


def _volume(box: Box) -> int:
    return math.prod(b - a for a, b in box)


def _points(box: Box) -> set[tuple[int, ...]]:
    return set(itertools.product(*(range(a, b) for a, b in box)))


@given(st.integers(1, 3).flatmap(lambda n: st.tuples(st.tuples(*[span] * n),
                                                     st.tuples(*[span] * n))))
def test_box_minus_covers_exactly_the_points_outside(pair: tuple[Box, Box]) -> None:
    a, b = pair
    parts = box_minus(a, b)
    points = [p for part in parts for p in _points(part)]
    assert len(points) == len(set(points))  # disjoint
    assert set(points) == _points(a) - _points(b)
    inside = meet(a, b)
    assert (inside is None) == (meet_volume(a, b) == 0)
    assert sum(map(_volume, parts)) + (_volume(inside) if inside else 0) == _volume(a)
