"""Per-pixel aggregation of timeline bars: busy cycles per bin, merged into runs.

When more bars are visible than a browser draws quickly, each resource row becomes one bar
per run of pixel columns with the same dominant kind and height: the height is the busy
fraction of the bin (in eighths of the row), the colour its dominant kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["busy_per_bin", "row_runs"]


def busy_per_bin(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """Busy cycles of a set of intervals ``[start, end)`` in each bin between ``edges``.

    ``B(t) = sum(clip(t - start, 0, end - start))`` evaluated at every edge from sorted
    starts and ends (``B(t) = n_s(t) t - S(t) - (n_e(t) t - E(t))``); the bins are its
    differences. Intervals may overlap (their busy time adds up).
    """
    if starts.size == 0:
        return np.zeros(max(edges.size - 1, 0))
    s = np.sort(starts.astype(np.float64))
    e = np.sort(ends.astype(np.float64))
    cs = np.concatenate(([0.0], np.cumsum(s)))
    ce = np.concatenate(([0.0], np.cumsum(e)))
    ns = np.searchsorted(s, edges, side="right")
    ne = np.searchsorted(e, edges, side="right")
    total = (ns * edges - cs[ns]) - (ne * edges - ce[ne])
    return np.diff(total)


def row_runs(
    busy: np.ndarray, edges: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> dict[str, Any]:
    """Runs of one row from ``busy`` (kinds x bins busy cycles): ``left``, ``right``,
    ``level`` (eighths of the row), ``kind`` (index of the dominant kind), ``count`` (events
    overlapping the run, from the row's ``starts``/``ends``) and ``busy`` (mean fraction)."""
    width = float(edges[1] - edges[0]) if edges.size > 1 else 1.0
    frac = np.clip(busy.sum(axis=0) / width, 0.0, 1.0)
    level = np.ceil(frac * 8).astype(np.int64)
    key = np.where(frac > 0, busy.argmax(axis=0) * 16 + level, -1)
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    last = np.concatenate((first[1:], [key.size])) - 1
    runs = key[first] >= 0
    first, last = first[runs], last[runs]
    left, right = edges[first], edges[last + 1]
    s, e = np.sort(starts), np.sort(ends)
    count = np.searchsorted(s, right, side="left") - np.searchsorted(e, left, "right")
    sums = np.add.reduceat(frac, first) if first.size else np.zeros(0)
    return {"left": left, "right": right, "level": level[first], "kind": key[first] // 16,
            "count": count, "busy": np.round(sums / (last - first + 1), 4)}
