"""How the instructions of a group overlap across resources, tile after tile.

Lowering emits, for every innermost tile, the transfers whose tiles change there (the store
of the tile just left, then the loads) and one invocation of each stage, in the group's
order, and issues them in the order of ``issue_order.py`` (loads running one tile ahead,
the next tile's first stages before a stage that waits on another unit); the simulator runs
each resource's instructions (a compute unit's invocations, an edge's or communication
node's transfers) in program order, each after what it depends on. Per tile, a step starts
when

1. its resource has finished its previous step;
2. the steps that wrote what it reads are ready (their end plus latency);
3. when it writes a slot (an operand's tile at one level): the copy of that slot it is about
   to reuse was last written and read (one copy: in the previous tile; two: the tile before;
   a load running ahead into a tile that stays for several tiles waits for nobody).

The first tile pays each transfer in full; later tiles pay its average share (transfers of a
tile that stays for several innermost tiles are spread over them, and so is their latency:
the move runs ahead of the tiles that read it and pays it once). The others fall in the
tiles of every tile of the slot but one (``Move.step``): the last one's tiles bring in
nothing (its load ran during the tile before), the first one's store nothing, so the last
tile's work after its load is paid in full (HVX's fc: 5 weight tiles of 2 register-file tiles each,
estimated 69,834 cycles when the loads were spread over all 10, simulated 75,233). Such a
tile held in one copy is not spread (a *burst*): its move waits for every read of the copy
it overwrites and the tiles after it wait for the move, so the group is played at two rates:
the innermost tiles between two bursts of the most frequent kind as one step (their own
schedule without the bursts, reading a burst's tile until their last read of it), then that
step and the bursts, each moving its tile in full (a less frequent one its share of each),
as the schedule of those longer tiles; a reload moving on revisits only is played moving
every time and never, weighted by how often it does. A tile's stores leave its deeper levels
first where they hold one copy (lowering flushes a level before storing the one above it,
``lower._evict``); a store of a tile in several copies keeps the list's place.

A program of up to ``STEADY`` tiles is played whole (its last tile issues nothing ahead); a
longer one settles into a period, which may span two tiles (a chain through the two copies
of a double-buffered operand), and adds it for every further tile. The last tile's stores are
played last, each in full: where a tile is split into parts (``parts.py``) they overlap
its last stages, and a store slower than the stage before it queues. Times are ints or
numpy arrays (the search's candidates).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from covenant_lab.compiler.issue_order import Slot, Use, hoist, leading

STEADY = 7  # tiles played; the period is the mean of two tiles before the last (a chain
PERIOD = 2  # through an operand's two copies can alternate 600 and 979 cycles per tile)


@dataclass(frozen=True)
class Step:
    """One instruction of an innermost tile: a stage's invocation or a tile's transfer."""

    resource: str  # compute node, edge "A->B" or the communication node it goes through
    first: Any  # cycles in the first tile
    cycles: Any  # cycles in each later tile
    latency: Any  # after its end, until what it wrote can be read
    reads: tuple[Slot, ...]
    writes: Slot | None
    lag: int = 0  # 1: acts on the previous tile's data (the store of the tile just left)
    load: bool = False  # a tile's load (or reload) into ``writes``
    every: Any = 1  # a move: innermost tiles from one change of its tile to the next
    share: Any = 1  # a move: of those changes, the part it moves on (a reload: revisits)
    early: tuple[Any, ...] = ()  # per slot it reads: how long before its end it last does
    also: tuple[Slot, ...] = ()  # further slots it writes (the tiles between bursts: one step)

    @property
    def each_tile(self) -> Any:
        """Where its tile changes every innermost tile (else it stays longer)."""
        return np.asarray(self.every) <= 1


def compute_span(steps: list[Step], copies: Mapping[Slot, int], invocations: Any) -> Any:
    """Cycles from the first step's start until the last tile's stores have landed, for
    ``invocations`` innermost tiles (``_span``), where a move of a slot with one copy whose
    tile stays for several tiles (a burst) happens in full, at its own rate
    (``_span_with_bursts``)."""
    burst = [_burst(s, copies) for s in steps]
    if all(b is False for b in burst):
        return _span(steps, copies, invocations)
    return _span_with_bursts(steps, burst, copies, invocations)


def _burst(s: Step, copies: Mapping[Slot, int]) -> Any:
    """Where ``s`` moves the tile of a slot with one copy that stays for several innermost
    tiles: nothing else uses that slot while it moves, so it cannot be spread over them."""
    if not (s.load or s.lag):
        return False
    slot = s.writes if s.load else s.reads[0]
    if slot is None or copies.get(slot, 2) != 1:
        return False
    return _exists(_real(s.first), np.asarray(s.every) > 1)


def _span_with_bursts(steps: list[Step], burst: list[Any], copies: Mapping[Slot, int],
                      invocations: Any) -> Any:
    """The span where some moves are bursts: the innermost tiles between two bursts of the
    most frequent kind are played as one step (their own span, ``_span`` without the bursts;
    it reads a burst's slot until its last read of it), and that step and the bursts, each
    moving its tile in full (a less frequent burst its share of the tiles between), are
    played as the schedule of those longer tiles. A burst moving on some changes of its tile
    only (a reload, on revisits) is played moving on all and on none, weighted."""
    n = np.asarray(invocations, dtype=float)
    rate = np.full(n.shape, np.inf)  # of the most frequent burst (moving more than once)
    for s, b in zip(steps, burst, strict=True):
        if b is not False:
            rate = np.where(b & (np.asarray(s.every) < n), np.minimum(rate, s.every), rate)
    has = rate < np.inf
    if not np.any(has):  # the bursts move once: the first tile's, played in full anyway
        return _span(steps, copies, invocations)
    inner = np.maximum(np.rint(np.where(has, rate, 1)), 1)  # innermost tiles in each
    outer = np.maximum(np.rint(n / inner), 1)  # the longer tiles
    rest = [replace(s, first=np.where(b, 0, s.first), cycles=np.where(b, 0, s.cycles))
            if b is not False else s for s, b in zip(steps, burst, strict=True)]
    between, play = _played(rest, copies, inner)
    moves = [k for k, b in enumerate(burst) if b is not False]
    loaded = tuple(dict.fromkeys(w for k in moves if steps[k].load
                                 and (w := steps[k].writes) is not None))
    made = {w for k in moves if steps[k].lag and (w := steps[k].writes) is not None}
    stored = tuple(dict.fromkeys(r for k in moves if steps[k].lag
                                 for r in steps[k].reads if r not in made))
    # the tiles between read a slot loaded in bursts until their last read of it (one copy)
    early = tuple(np.maximum(play.last - play.read_end.get((r, 0), play.last), 0)
                  for r in loaded)

    def longer(revisits: bool) -> list[Step]:
        """The bursts and the tiles between as steps of the longer tiles; a burst moving on
        some changes of its tile only (a reload) moves on all of them, or on none."""
        out = []
        for k in moves:
            s, b = steps[k], burst[k]
            first: Any = s.first
            rest = s.cycles * np.maximum(n - np.maximum(s.every, 1), 1)  # the other moves
            share: Any = np.where(outer > 1, rest / np.maximum(outer - 1, 1), 0)
            if np.any(np.asarray(s.share) < 1):
                first = share = s.first if revisits else 0
            out.append(replace(s, first=np.where(b, first, 0), cycles=np.where(b, share, 0),
                               every=1))
        out.append(Step(BETWEEN, between, between, 0, loaded, stored[0] if stored else None,
                        also=stored[1:], early=early))
        return out

    part = [np.where(burst[k], steps[k].share, 0) for k in moves
            if np.any(np.asarray(steps[k].share) < 1)]
    span = _span(longer(True), copies, outer)
    if part:  # the mean over the tiles that move such a burst and those that do not
        share = functools.reduce(np.maximum, part)
        span = share * span + (1 - share) * _span(longer(False), copies, outer)
    if np.all(has):
        return span
    return np.where(has, span, _span(steps, copies, invocations))


BETWEEN = "(tiles between bursts)"  # the resource of that step: no unit or edge is named so


def _span(steps: list[Step], copies: Mapping[Slot, int], invocations: Any) -> Any:
    """Cycles from the first step's start until the last tile's stores have landed (see
    ``_played``)."""
    return _played(steps, copies, invocations)[0]


def _played(steps: list[Step], copies: Mapping[Slot, int], invocations: Any
            ) -> tuple[Any, _Play]:
    """Cycles from the first step's start until the last tile's stores have landed, for
    ``invocations`` innermost tiles. ``copies``: how many copies each slot rotates through
    (a slot not listed has a fresh copy every tile).

    Steps are issued as lowering issues them (``issue_order.py``): loads that run ahead act
    on the next tile, before the others; hoisted stages of the next tile go just before the
    stage they overtake. A program of up to ``STEADY`` tiles is played in full; a longer one
    adds the period for every further tile. The last tile's stores come last, each moving
    its tile in full, a store into an outer level's slot before the store that reads it on
    (as lowering leaves the tile)."""
    steps = _flushed_first(steps, copies)
    first, body = _issue(steps, copies)
    n = np.minimum(np.asarray(invocations), STEADY)
    fewest, most = int(n.min()), int(n.max())
    # a step of no time is no instruction: it waits for nothing, and nothing waits for it
    real = [[_real(s.first), _real(s.cycles)] for s in steps]
    play = _Play(copies)
    finish: list[Any] = []
    for tile in range(STEADY):
        for k, ahead in first if tile == 0 else body:
            s, t = steps[k], tile + ahead
            later = t > 0 or s.lag > 0
            if t < 0 or t + s.lag >= most:
                continue
            mask = real[k][later]
            if t + s.lag >= fewest:  # the last tiles of some candidates only
                mask = _exists(mask, t + s.lag < n)
            if mask is not False:
                play.step(s, t, s.cycles if later else s.first, mask, ahead,
                          shared=later)
        finish.append(play.last)
    full = STEADY - 2  # the last tile issues nothing ahead: measure before it
    period = (finish[full] - finish[full - PERIOD]) / PERIOD
    for final in sorted({int(v) for v in np.ravel(n)}):  # the last tile's stores
        for k in _drain(steps):
            mask = _exists(real[k][0], n == final)
            if mask is not False:
                play.step(steps[k], final - 1, steps[k].first, mask, 0)
    return play.last + period * np.maximum(np.asarray(invocations) - STEADY, 0), play


class _Play:
    """The state of the schedule as steps are played: when each resource is free, and when
    each copy of a slot was last written (readable) and read."""

    def __init__(self, copies: Mapping[Slot, int]) -> None:
        self.copies = copies
        self.free: dict[str, Any] = {}  # resource -> end of its last step
        self.ready: dict[tuple[Slot, int], Any] = {}  # slot copy -> its last write readable
        self.read_end: dict[tuple[Slot, int], Any] = {}  # slot copy -> end of reads since
        self.last: Any = 0  # the end of the last step (a store: once it has landed)

    def slot(self, name: Slot, tile: int) -> tuple[Slot, int]:
        return (name, tile % self.copies[name]) if name in self.copies else (name, tile)

    def step(self, s: Step, t: int, cycles: Any, mask: Any, ahead: int, *,
             shared: bool = False) -> None:
        """Play step ``s`` of tile ``t`` (``ahead``: its offset from the tile issuing it),
        where ``mask`` holds (True, or per candidate). ``shared``: a move played as its share
        of a tile that stays for several innermost tiles, which pays that share of its
        latency too: the whole move ran ahead of the tiles that read it and paid it once
        (in full where the move is played whole: the first tile, the last tile's stores)."""
        ready, read_end = self.ready, self.read_end
        latency = s.latency / np.maximum(s.every, 1) if shared else s.latency
        start = self.free.get(s.resource, 0)
        for name in s.reads:
            start = np.maximum(start, ready.get(self.slot(name, t), 0))
        owns = [self.slot(w, t) for w in (s.writes, *s.also) if w is not None]
        for own in owns:  # after the copy's last write and the reads since
            free_at = np.maximum(ready.get(own, 0), read_end.get(own, 0))
            if ahead > 0 and s.load:  # a tile that stays for several tiles was last
                free_at = np.where(s.each_tile, free_at, 0)  # read long before
            start = np.maximum(start, free_at)
        end = start + cycles
        self.free[s.resource] = _keep(mask, end, self.free.get(s.resource, 0))
        for i, name in enumerate(s.reads):
            key = self.slot(name, t)
            old = read_end.get(key, 0)
            done = end - s.early[i] if s.early else end
            read_end[key] = _keep(mask, np.maximum(old, done), old)
        for own in owns:
            ready[own] = _keep(mask, end + latency, ready.get(own, 0))
            read_end[own] = _keep(mask, 0, read_end.get(own, 0))
        done = end + latency if s.lag else end  # a store is done once it has landed
        self.last = np.maximum(self.last, _keep(mask, done, 0))


def _flushed_first(steps: list[Step], copies: Mapping[Slot, int]) -> list[Step]:
    """The steps with each store of a slot with one copy preceded by the store that brings
    it its data from a deeper level (listed later: moves are listed level by level, outer
    first), as lowering flushes a tile's deeper levels before storing it (``lower._evict``).
    Such a store moves every tile it is played in (else it is a burst); a store of a slot
    with more copies whose tile stays for several tiles is played as its share of each
    (``Move.step``), and keeps the list's place."""
    out = list(steps)
    j = 0
    while j < len(out):
        reads = [r for r in out[j].reads if copies.get(r) == 1] if out[j].lag else []
        k = next((k for k in range(j + 1, len(out)) if out[k].lag and out[k].writes in reads),
                 None)
        if k is None:
            j += 1
        else:
            out.insert(j, out.pop(k))
    return out


def _drain(steps: list[Step]) -> list[int]:
    """The stores of the last tile in the order lowering leaves them: a store into a slot
    (of an outer level) before the store that reads it on."""
    pending = [k for k, s in enumerate(steps) if s.lag]
    out: list[int] = []
    while pending:
        k = next((k for k in pending if not any(
            steps[j].writes in steps[k].reads for j in pending if j != k)), pending[0])
        out.append(k)
        pending.remove(k)
    return out


def _issue(steps: list[Step], copies: Mapping[Slot, int]) -> tuple[
        list[tuple[int, int]], list[tuple[int, int]]]:
    """The order of the first tile and of every later one: (step, tile offset) pairs."""
    stage_ix = [k for k, s in enumerate(steps) if not s.load and not s.lag]
    uses = [Use(s.resource, s.reads, s.writes) for s in steps]
    written = {w for s in steps if not s.load and (w := s.writes) is not None}
    loads = [k for k, s in enumerate(steps) if s.load]
    ahead = leading([uses[k] for k in loads], written, copies)
    lead = [k for k in loads if steps[k].writes in ahead]
    behind = {w for k in loads if k not in lead and (w := steps[k].writes) is not None}
    stored = {r for s in steps if s.lag for r in s.reads}
    h = hoist([uses[k] for k in stage_ix], copies, behind=behind, stored=stored)
    hoisted = stage_ix[:h.count]
    before = stage_ix[h.before] if h.count else -1
    first: list[tuple[int, int]] = []
    body: list[tuple[int, int]] = [(k, 1) for k in lead]
    for k, s in enumerate(steps):
        if k == before:
            first += [(j, 1) for j in hoisted]
            body += [(j, 1) for j in hoisted]
        if stage_ix and k == stage_ix[0]:
            first += [(j, 1) for j in lead]
        first.append((k, -s.lag))
        if k not in lead and k not in hoisted:
            body.append((k, -s.lag))
    return first, body


def _exists(real: Any, within: Any) -> Any:
    """True where the step is an instruction of the program played, False where it is not
    for any candidate, else the mask."""
    if real is False or within is False:
        return False
    mask = np.logical_and(real, within)
    return True if mask.all() else (False if not mask.any() else mask)


def _real(cycles: Any) -> Any:
    """True where a step takes time (an instruction exists), False where it never does,
    else the mask."""
    mask = np.asarray(cycles) > 0
    return True if mask.all() else (False if not mask.any() else mask)


def _keep(mask: Any, new: Any, old: Any) -> Any:
    """``new`` where the step is real, ``old`` where it is not."""
    return new if mask is True else np.where(mask, new, old)
