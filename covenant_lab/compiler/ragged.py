"""Ragged tiles: a tile that does not divide its loop leaves a smaller block at the end.

Lowering clips the last block of a loop to the extent (a loop of 7 in tiles of 4 runs blocks
of 4 and 3), and the simulator times each invocation on its own block. The cost model counts
the same way (one rule, here): per tiled loop, the innermost block sizes that occur and how
often (:func:`blocks`); an invocation's cycles summed over every combination of the loops'
sizes (:func:`total_cycles`); and the mean block per level (:func:`mean_sizes`), whose tile
has the mean bytes of the boxes a move carries (a box's extent along an axis is affine in
the blocks, so the mean box is the box of the mean blocks).

Example: a loop of 7 tiled 4 at the only level has blocks ``[(4, 1), (3, 1)]``; a stream of
``stream + 2`` cycles per invocation then costs ``6 + 5 = 11``, not ``2 * 6 = 12``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

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
