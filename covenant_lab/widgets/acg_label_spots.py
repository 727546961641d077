"""Where the ACGView's edge labels go: beside their curve, clear of nodes, labels and curves.

A label is tried at points along its curve, nearest the middle first, and at each point in
four spots, nearest the point first: above the curve and below it (clear of the curve
wherever the label spans, so a sloping curve does not run through the text), and left or
right of it (beside a steep curve). The first spot that covers nothing and is nearer its
own curve than any other (by ``NEARER`` px) wins; else the one that costs the least: a node
or another label under it ``COVER_COST`` and thrice the area covered, a curve ``CURVE_COST``
per sample point under or within ``CURVE_CLEAR`` px of the label, another curve about as near
as its own ``UNCLEAR_COST``.

Labels are placed one after the other (the caller's order: short segments first), then
those still covering something are placed again among all the others, a few rounds, so a
label placed early does not take the only free room of one placed later.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np

from covenant_lab.widgets.acg_geometry import Route

__all__ = ["LABEL_RISE", "place_labels"]

Box = tuple[float, float, float, float]
BoxOf = Callable[[list[float], list[str]], Box]

LABEL_RISE = 2.0  # edge labels keep this far above (or below) their curve
# where on its curve a label may go, nearest the middle first
_CANDIDATES = tuple(sorted((k / 50 for k in range(5, 46)), key=lambda t: (abs(t - 0.5), t)))
_SAMPLE_STEP = 4.0  # px between the sample points of a curve
CURVE_COST = 8.0  # a label over another curve: about a line 4 px long and 2 px wide
CURVE_CLEAR = 2.0  # another curve this near a label counts as over it
NEARER = 8.0  # a label should be this much nearer its own curve than any other ...
UNCLEAR_COST = 2 * CURVE_COST  # ... else whose label is it?
COVER_COST = 1000.0  # a label over a node or another label, plus thrice the area covered
_ROUNDS = 3


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def samples(route: Route) -> np.ndarray:
    """Points along a route, about ``_SAMPLE_STEP`` px apart."""
    n = max(2, int(route.length / _SAMPLE_STEP) + 1)
    return np.array([route.at(k / (n - 1)) for k in range(n)])


def _gaps(box: Box, points: np.ndarray) -> np.ndarray:
    """How far each of ``points`` is from ``box`` (0 inside it)."""
    dx = np.maximum(np.maximum(box[0] - points[:, 0], points[:, 0] - box[2]), 0.0)
    dy = np.maximum(np.maximum(box[1] - points[:, 1], points[:, 1] - box[3]), 0.0)
    return np.hypot(dx, dy)


def _spots(route: Route, own: np.ndarray, probe: Box, t: float, side_room: float
           ) -> list[list[float]]:
    """Above, below, right and left of the curve at ``t``, nearest the point first."""
    x, y = route.at(t)
    under = own[np.abs(own[:, 0] - x) <= probe[2], 1]  # the curve under (over) the label
    top, bottom = min(y, *under), max(y, *under)
    level = y - (probe[1] + probe[3]) / 2  # beside the curve, centred on its point
    side = own[(own[:, 1] >= level + probe[1]) & (own[:, 1] <= level + probe[3]), 0]
    spots = [[x, top - LABEL_RISE - probe[3]], [x, bottom + LABEL_RISE - probe[1]],
             [max(x, *side) + side_room + probe[2], level],
             [min(x, *side) - side_room - probe[2], level]]
    spots.sort(key=lambda a: (a[0] - x) ** 2 + (a[1] - level) ** 2)
    return [[round(float(a), 1), round(float(b), 1)] for a, b in spots]


def _cost(
    box: Box, nodes: Sequence[Box], labels: Sequence[Box], curves: np.ndarray, own: np.ndarray
) -> float:
    covered = [a for a in (overlap(box, b) for b in (*nodes, *labels)) if a > 0]
    cost = sum(COVER_COST + 3 * a for a in covered)
    if len(curves):
        gaps = _gaps(box, curves)
        cost += CURVE_COST * int(np.count_nonzero(gaps < CURVE_CLEAR))
        if gaps.min() < _gaps(box, own).min() + NEARER:
            cost += UNCLEAR_COST
    return float(cost)


def _best(
    route: Route, lines: list[str], box_of: BoxOf, nodes: Sequence[Box], labels: Sequence[Box],
    curves: np.ndarray, side_room: float,
) -> list[float]:
    own = samples(route)
    probe = box_of([0.0, 0.0], lines)  # the box's reach around its anchor
    best: tuple[float, list[float]] | None = None
    for t in _CANDIDATES:
        for xy in _spots(route, own, probe, t, side_room):
            cost = _cost(box_of(xy, lines), nodes, labels, curves, own)
            if best is None or cost < best[0]:
                best = (cost, xy)
            if cost == 0:
                return xy
    assert best is not None
    return best[1]


def place_labels(
    routes: Mapping[Hashable, Route], wanted: Sequence[tuple[int, Hashable, list[str]]],
    nodes: Sequence[Box], box_of: BoxOf, side_room: float,
) -> dict[int, list[float]]:
    """Anchor of each label in ``wanted`` ((key, segment, lines), placed in that order) on its
    segment's route, keyed by ``key``; ``nodes``: the boxes to keep clear of, ``box_of``: the
    box a label covers from its anchor, ``side_room``: room beside a steep curve."""
    points = {seg: samples(r) for seg, r in routes.items()}
    curves = {}
    for _, seg, _ in wanted:
        other = [p for s, p in points.items() if s != seg]
        curves[seg] = np.concatenate(other) if other else np.empty((0, 2))
    where: dict[int, list[float]] = {}
    boxes: dict[int, Box] = {}

    def others(key: int) -> list[Box]:
        return [b for k, b in boxes.items() if k != key]

    for key, seg, lines in wanted:
        where[key] = _best(routes[seg], lines, box_of, nodes, others(key), curves[seg], side_room)
        boxes[key] = box_of(where[key], lines)
    for _ in range(_ROUNDS):  # again, among all the others, those still covering something
        moved = False
        for key, seg, lines in wanted:
            if _cost(boxes[key], nodes, others(key), curves[seg], points[seg]) == 0:
                continue
            xy = _best(routes[seg], lines, box_of, nodes, others(key), curves[seg], side_room)
            moved = moved or xy != where[key]
            where[key], boxes[key] = xy, box_of(xy, lines)
        if not moved:
            break
    return where
