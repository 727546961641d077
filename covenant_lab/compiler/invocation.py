"""Cycles of one capability invocation on a box of iterations (the architecture's timing model)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache

from covenant_lab.acg.capabilities import Capability
from covenant_lab.compiler.mapping import Spatial


@lru_cache(maxsize=256)
def _compiled(cap: Capability) -> Callable[[Mapping[str, float]], float]:
    return cap.cycles.compile()


def invocation_cycles(cap: Capability, spatial: Spatial, extents: Mapping[str, int]) -> int:
    """Cycles the node is busy for one invocation over blocks of ``extents`` per loop.

    Each spatial dimension holds the product of its loops' extents; beyond its size the
    invocation folds (full folds plus one remainder fold). Streaming loops multiply into
    ``stream``; repeat loops need a separate pass each.
    """
    fn = _compiled(cap)
    stream = 1
    for lp in spatial.stream:
        stream *= extents.get(lp, 1)
    passes = 1
    for lp in spatial.repeat:
        passes *= extents.get(lp, 1)
    # per dimension: list of (number of folds, occupancy)
    per_dim: list[tuple[str, list[tuple[int, int]]]] = []
    for spec in cap.spatial:
        occ = 1
        for lp in spatial.loops_on(spec.dim):
            occ *= extents.get(lp, 1)
        full, rest = divmod(occ, spec.size)
        folds = [(full, spec.size)] if full else []
        if rest:
            folds.append((1, rest))
        per_dim.append((spec.dim, folds))
    total = 0.0
    combos: list[tuple[int, dict[str, float]]] = [(1, {"stream": stream})]
    for dim, folds in per_dim:
        combos = [(n * k, {**env, f"used_{dim}": used}) for n, env in combos for k, used in folds]
    for n, env in combos:
        env["elems"] = stream * math.prod(v for k, v in env.items() if k.startswith("used_"))
        total += n * fn(env)
    if cap.overhead_cycles is not None:
        total += _compiled_overhead(cap)({"stream": stream})
    return math.ceil(total * passes)


@lru_cache(maxsize=256)
def _compiled_overhead(cap: Capability) -> Callable[[Mapping[str, float]], float]:
    assert cap.overhead_cycles is not None
    return cap.overhead_cycles.compile()


def invocation_params(
    cap: Capability, spatial: Spatial, extents: Mapping[str, int]
) -> tuple[tuple[str, int], ...]:
    """The timing inputs of an invocation, for instruction text: stream, used and folds per dim."""
    stream = math.prod(extents.get(lp, 1) for lp in spatial.stream)
    out = [("stream", stream)]
    for spec in cap.spatial:
        occ = math.prod(extents.get(lp, 1) for lp in spatial.loops_on(spec.dim))
        out += [
            (f"used_{spec.dim}", min(occ, spec.size)),
            (f"folds_{spec.dim}", -(-occ // spec.size)),
        ]
    out.append(("passes", math.prod(extents.get(lp, 1) for lp in spatial.repeat)))
    return tuple(out)
