"""The tile sizes the search tries: per loop, divisors of its extent and multiples of the
spatial dimensions it fills, thinned to a bounded grid of candidate tilings."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.errors import ScheduleError

BATCH_LIMIT = 60_000  # tilings scored in one batch
EXHAUSTIVE_LIMIT = 3_000_000  # tilings per level the exhaustive reference may score
RAGGED_STREAMS = 4  # ragged sizes tried at most for a loop on no spatial dimension


def divisors(n: int) -> list[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def candidate_sizes(extent: int, low: int, quanta: Sequence[int], limit: int, *,
                    ragged_stream: bool = True) -> list[int]:
    """Tile sizes worth trying for a loop, in increasing order: at most ``limit``, or the
    sizes always kept when they are more.

    Every size is a divisor of ``extent``, a multiple of a spatial size in ``quanta`` (the
    dimensions the loop fills), for a loop on no dimension a multiple of ``low`` (its last
    block ragged: a stream of 4 + 3 rows where 7 has no divisor between), or the extent.
    Kept first: the quanta, the extent and the smallest size (so 32 in 1..128 on a 32-wide
    dimension is never dropped); then, each spread geometrically over its range: divisors
    below the smallest quantum (a third of the places, for a tight storage); whole folds
    (multiples of a quantum dividing the extent); the other multiples; the other divisors;
    for a loop on no dimension, at most ``RAGGED_STREAMS`` ragged multiples of ``low``, each
    the least that makes its number of blocks (:func:`balanced`; not with ``ragged_stream``
    false, for a loop some stage reduces over: a stream is ragged to fit its accumulators,
    which such a loop does not grow).
    """
    return list(_sizes(extent, low, tuple(quanta), limit, ragged_stream))


@functools.lru_cache(maxsize=4096)
def _sizes(extent: int, low: int, quanta: tuple[int, ...], limit: int, ragged_stream: bool
           ) -> tuple[int, ...]:
    """``candidate_sizes`` (a pure function of its arguments, asked again for every group
    with the same loop)."""
    qs = {q for q in quanta if low <= q < extent}
    divs = {d for d in divisors(extent) if d >= low} | {extent}
    folds = {d for d in divs if any(d % q == 0 for q in qs)}
    below = {d for d in divs if qs and d < min(qs)}
    ragged = {k * q for q in qs for k in range(1, extent // q + 1)} - divs
    # a loop on no dimension: for each count of blocks, the least multiple of the inner
    # block that makes that many (the last one ragged, a few)
    streamed = set() if quanta or not ragged_stream else balanced(extent, low) - divs
    out = {*qs, extent, min(divs)}
    out |= _spread(sorted(below - out), min(limit // 3, limit - len(out)))
    # whole folds first, then the other multiples of a quantum (the last fold ragged, priced
    # at its size: compiler/ragged.py) before the other divisors, which leave lanes idle
    for tier in (folds, ragged, divs):
        out |= _spread(sorted(tier - out), limit - len(out))
    out |= _spread(sorted(streamed - out), min(RAGGED_STREAMS, limit - len(out)))
    return tuple(sorted(out))


def balanced(extent: int, low: int) -> set[int]:
    """For each number of blocks, the least multiple of ``low`` that cuts ``extent`` into
    that many: ``14`` in 2 blocks is 7 + 7, in 3 blocks 5 + 5 + 4. Another size making as
    many blocks (13 + 1) has as many invocations and the same work, but a larger largest
    block (more capacity) and a last block too short to hide the moves of the one before
    (the cost model moves the mean block: ``ragged.py``)."""
    units = -(-extent // low)
    return {low * -(-units // k) for k in range(2, units + 1)}


def _spread(sizes: list[int], room: int) -> set[int]:
    """At most ``room`` of ``sizes``, the nearest (in ratio) to geometrically spaced values
    from the smallest to the largest."""
    if room <= 0 or not sizes:
        return set()
    if len(sizes) <= room:
        return set(sizes)
    logs = np.log(np.asarray(sizes, dtype=float))
    picked: set[int] = set()
    for target in np.linspace(logs[0], logs[-1], room):
        free = [i for i in range(len(sizes)) if sizes[i] not in picked]
        picked.add(sizes[min(free, key=lambda i: abs(logs[i] - target))])
    return picked


def quanta(mapping: Mapping, group: Group, loop: str) -> tuple[int, ...]:
    """The sizes of the spatial dimensions ``loop`` fills alone (whether or not they fold):
    tiles that are multiples of them use the whole dimension in every pass."""
    out: list[int] = []
    for si in group.stages:
        cap = mapping.binding(si).capability
        for dim, size in cap.dims:
            if mapping.spatial[si].loops_on(dim) == (loop,):
                out.append(size)
    return tuple(out)


def fits_whole(mapping: Mapping, group: Group, loop: str) -> bool:
    """Whether ``loop`` shares a spatial dimension that is no reduction (not folded) with
    other loops and all of them fit it whole (a 4 x 8 block of outputs on 32 columns): a
    smaller tile would only leave the dimension idle, so the innermost tile is the extent."""
    for si in group.stages:
        cap = mapping.binding(si).capability
        for spec in cap.spatial:
            on = mapping.spatial[si].loops_on(spec.dim)
            if (not spec.fold and loop in on and len(on) > 1
                    and math.prod(mapping.codelet.extent(lp) for lp in on) <= spec.size):
                return True
    return False


def inside_output_index(mapping: Mapping, group: Group, loop: str) -> bool:
    """Whether ``loop`` is the inner loop of an index some stage writes with another loop
    of a larger step (a blocked conv's ``3 * ow_blk + ow_pos``): a part of its range would
    make a tile that is no box of the output (columns 0, 1, 3, 4, 6, 7 of 9), so its tiles
    are its whole extent."""
    return any(loop in e.vars and e.coef(loop) < max(c for _, c in e.terms)
               for st in mapping.stages_of(group) for e in st.stmt.dst.index)


def grid(lists: Sequence[Sequence[int]]) -> np.ndarray:
    if not lists:
        return np.zeros((1, 0), dtype=np.int64)
    mesh = np.meshgrid(*[np.asarray(v, dtype=np.int64) for v in lists], indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)




def candidate_lists(
    mapping: Mapping,
    group: Group,
    cons: Constraints,
    level: int,
    inner_tiles: list[np.ndarray],
    *,
    exhaustive: bool,
) -> list[list[int]]:
    """Tile sizes to try per loop at ``level`` (a fixed size if constrained), thinned to fit."""
    lists: list[list[int]] = []
    for k, lp in enumerate(group.tile_loops):
        fixed = cons.tile(lp)
        low = int(inner_tiles[0][0, k]) if inner_tiles else 1
        extent = mapping.codelet.extent(lp)
        if fixed is not None and len(fixed) >= level:
            sizes = [fixed[level - 1]]
        elif (level == group.levels and fits_whole(mapping, group, lp)) \
                or inside_output_index(mapping, group, lp):
            sizes = [extent]
        else:
            spatial = quanta(mapping, group, lp)
            limit = 64 if exhaustive else (12 if spatial else 8)
            # ragged streams at the innermost level only: there a stream fills the
            # accumulators
            reduced = any(lp in st.reduction_loops() for st in mapping.stages_of(group))
            sizes = candidate_sizes(extent, low, spatial, limit,
                                    ragged_stream=level == group.levels and not reduced)
        if group.parts > 1 and lp in group.part_loops:  # every level: an outer block
            sizes = _in_parts(sizes, extent, group.parts, lp)  # left ragged has one inside
        lists.append(sizes)
    _thin(lists, EXHAUSTIVE_LIMIT if exhaustive else BATCH_LIMIT)
    return lists


def _in_parts(sizes: list[int], extent: int, parts: int, loop: str) -> list[int]:
    """The sizes that divide ``extent`` and split into ``parts`` equal parts: a loop the
    group tiles and splits its epilogue along (``parts.py``). No ragged last block: the
    cost model moves the mean block (``ragged.py``), and a tile split in parts after a
    larger one was estimated 3-4% off (MobileNetV2's 1x1 convs on GeneSys in blocks of 128
    of 192 or 576 output channels, in 2 parts)."""
    kept = [s for s in sizes if s % parts == 0 and extent % s == 0]
    if not kept:
        raise ScheduleError("tile", f"no tile of {loop} (extent {extent}) splits into {parts} "
                            "equal parts", hint="fewer parts, or a loop with more iterations")
    return kept


def _thin(lists: list[list[int]], limit: int) -> None:
    """Halve the longest list (keeping its last size) until the grid has at most ``limit``."""
    while math.prod(len(v) for v in lists) > limit:
        k = max(range(len(lists)), key=lambda i: len(lists[i]))
        lists[k] = lists[k][::2] + ([lists[k][-1]] if len(lists[k]) % 2 == 0 else [])
