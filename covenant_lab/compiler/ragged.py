"""Ragged tiles: a tile that does not divide its loop leaves a smaller block at the end.

Lowering clips the last block of a loop to the extent (a loop of 7 in tiles of 4 runs blocks
of 4 and 3), and the simulator times each invocation on its own block. The cost model counts
the same way (one rule, here): per tiled loop, the innermost block sizes that occur and how
often (:func:`blocks`); an invocation's cycles summed over every combination of the loops'
sizes (:func:`total_cycles`); and the mean block per level (:func:`mean_sizes`), whose tile
has the mean bytes of the boxes a move carries (a box's extent along an axis is affine in
the blocks, so the mean box is the box of the mean blocks, less the mean part of it outside
the tensor: :func:`moved_elements`).

Example: a loop of 7 tiled 4 at the only level has blocks ``[(4, 1), (3, 1)]``; a stream of
``stream + 2`` cycles per invocation then costs ``6 + 5 = 11``, not ``2 * 6 = 12``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from covenant_lab.compiler.footprint import Axes, bounding_elements

Blocks = list[tuple[Any, Any]]  # (block size, how many blocks of it), arrays per candidate


def blocks(extent: int, tiles: Sequence[Any]) -> Blocks:
    """The innermost block sizes of a loop of ``extent`` tiled ``tiles`` (outermost level
    first; ints or arrays of candidates) and their counts; the full tile's blocks first.
    Entries whose count is 0 for every candidate are left out."""
    level: Blocks = [(extent, 1)]
    for t in tiles:
        nxt: Blocks = []
        for size, count in level:
            nxt.append((t, count * (size // t)))
            rest = size % t
            nxt.append((np.maximum(rest, 1), count * (rest > 0)))
        level = nxt
    inner = tiles[-1] if len(tiles) else extent
    full = sum((c for s, c in level if s is inner), start=0 * np.asarray(extent))
    rest = [(s, c) for s, c in level if s is not inner and np.any(c)]
    return [(inner, full), *rest]


def total_cycles(
    loops: Sequence[str], per_loop: Sequence[Blocks], sizes: dict[str, Any],
    cycles: Callable[[dict[str, Any]], Any],
) -> Any:
    """``cycles`` (one invocation on loop blocks ``sizes``) summed over every invocation:
    over each combination of the ragged loops' block sizes, times how many there are."""
    ragged = [k for k, b in enumerate(per_loop) if len(b) > 1]
    base = 1
    for k, b in enumerate(per_loop):
        if k not in ragged:
            base = base * b[0][1]
    total: Any = 0
    for combo in itertools.product(*(per_loop[k] for k in ragged)):
        at = dict(sizes)
        count: Any = base
        for k, (size, n) in zip(ragged, combo, strict=True):
            at[loops[k]] = size
            count = count * n
        total = total + np.where(np.asarray(count) > 0, count * cycles(at), 0)
    return total


def mean_sizes(extent: np.ndarray, trips: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per level, the mean block of each loop (extent over the blocks down to that level),
    as floats: the tile whose bytes are the mean of the boxes moved at that level."""
    out, blocks_so_far = [], np.ones_like(trips[0]) if trips else None
    for t in trips:
        blocks_so_far = blocks_so_far * t
        out.append(extent[None, :] / blocks_so_far)
    return out


def moved_elements(axes: Axes | None, shape: tuple[int, ...], sizes: dict[str, Any],
                   extents: dict[str, int]) -> Any:
    """Elements of the mean box a tile's moves carry, for mean blocks ``sizes`` of loops of
    ``extents``. Lowering clips every box to the tensor (a window's padding is never moved),
    and only the blocks at either end of an axis reach outside it: per axis indexed by one
    expression, the box of the mean blocks less what those blocks leave out, over all the
    blocks. Example: rows ``oh + kh - 1`` of a 56-row map in blocks of 14 output rows (3
    taps): 16 rows a box, the first and the last box one row fewer, 15.5 on average."""
    if axes is None:
        return 0
    n: Any = 1
    for exprs, dim in zip(axes, shape, strict=True):
        if len(exprs) != 1:
            n = n * bounding_elements([exprs], (dim,), sizes)
            continue
        ((const, terms),) = exprs
        span: Any = 0
        low: Any = const  # the lowest and highest index any block reaches
        high: Any = const
        count: Any = 1  # the blocks along the axis
        step: Any = np.inf  # from one block to the next, along the loop moving it least
        for v, c in terms:
            size, extent = sizes.get(v, 1), extents.get(v, 1)
            span = span + abs(c) * (size - 1)
            low, high = low + min(c * (extent - 1), 0), high + max(c * (extent - 1), 0)
            k = extent / np.asarray(size, dtype=float)
            count = count * k
            step = np.where(k > 1, np.minimum(step, abs(c) * np.asarray(size)), step)
        outside = _reach(np.maximum(-low, 0), step, count) + _reach(
            np.maximum(high - (dim - 1), 0), step, count)
        n = n * np.minimum(span + 1 - outside / count, dim)
    return n


def _reach(beyond: Any, step: Any, count: Any) -> Any:
    """Elements outside the tensor summed over the blocks at one end of an axis: the end
    block reaches ``beyond`` past it, each next one ``step`` less, ``count`` blocks in all."""
    step = np.where(np.isinf(step), beyond + 1, step)
    m = np.minimum(np.ceil(beyond / step), np.maximum(count, 1))
    return m * beyond - step * m * (m - 1) / 2
