"""Cycles of one capability invocation on a block of iterations: the architecture's timing model.

One rule for the lowering (ints) and the search (numpy arrays of candidate block sizes).
Each spatial dimension holds the product of the blocks of the loops on it (over all its
entries); beyond its size the invocation folds (full folds plus one remainder fold), each fold
costing the capability's ``cycles`` with ``used_<dim>`` set. Streaming loops multiply into
``stream``; repeat loops need a separate pass each. ``overhead_cycles`` is paid once per
pass, or once per invocation where the capability says ``overhead_per: invocation`` (its
passes then run back to back like folds). The node's cycles are converted to the
architecture's reference clock (``ComputeNode.period_cycles``) and rounded up.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from covenant_lab.acg.capabilities import Capability, OverheadPer
from covenant_lab.acg.expr import Expr
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.compiler.mapping import Spatial
from covenant_lab.compiler.vexpr import evaluate
from covenant_lab.errors import ScheduleError
from covenant_lab.limits import CYCLES


def _product(sizes: Mapping[str, Any], loops: tuple[str, ...]) -> Any:
    out: Any = 1
    for lp in loops:
        out = out * sizes.get(lp, 1)
    return out


@functools.lru_cache(maxsize=1024)
def _reads_folds(cycles: Expr) -> bool:
    """Whether a timing expression reads what differs between the kinds of fold of one
    invocation (``used_<dim>``, ``elems``), or only ``stream`` and constants."""
    return any(name == "elems" or name.startswith("used_") for name in cycles.names)


def _never(count: Any) -> bool:
    """Whether ``count`` (folds of a kind, per candidate) is 0 for every one of several
    candidates (an int, as lowering gives, is kept: its invocation is judged whole)."""
    return bool(np.ndim(count) and np.size(count) and not np.any(count))


def invocation_cycles(
    node: ComputeNode, cap: Capability, spatial: Spatial, sizes: Mapping[str, Any]
) -> Any:
    """Reference-clock cycles of one invocation over loop blocks ``sizes`` (ints, or arrays of
    candidates, giving an array)."""
    stream = _product(sizes, spatial.stream)
    idle = {f"used_{d}": 1 for d, _ in node.dims if d not in dict(cap.dims)}  # no entry: 1
    combos: list[tuple[Any, dict[str, Any]]] = [(1, {"stream": stream, **idle})]
    for dim, size in cap.dims:
        occ = _product(sizes, spatial.loops_on(dim))
        full, rest = occ // size, occ % size
        combos = [
            (n * k, {**env, f"used_{dim}": used})
            for n, env in combos
            for k, used in ((full, size + 0 * occ), (rest > 0, np.maximum(rest, 1)))
            if not _never(k)  # no candidate has such folds: they add nothing
        ]
    total: Any = 0.0
    per_fold = _reads_folds(cap.cycles)
    value: Any = None
    with np.errstate(all="ignore"):  # a bad value is judged below, not warned about
        for n, env in combos:
            if per_fold or value is None:  # else every kind of fold takes the same cycles
                used = [env[f"used_{dim}"] for dim, _ in cap.dims]
                env["elems"] = stream * (math.prod(used) if used else 1)
                value = evaluate(cap.cycles, env)
            total = total + np.where(n > 0, n * value, 0)  # 0 folds: 0
        passes = _product(sizes, spatial.repeat)
        overhead = (0.0 if cap.overhead_cycles is None
                    else evaluate(cap.overhead_cycles, {"stream": stream}))
        if cap.overhead_per is OverheadPer.INVOCATION:  # the passes pipeline like folds
            total = total * passes + overhead
        else:
            total = (total + overhead) * passes
        total = total * node.period_cycles
    bad = ~np.isfinite(total) | (total < 0) | (total > CYCLES.high)
    if np.ndim(total) == 0:
        if bad:
            raise ScheduleError(
                "invocation",
                f"capability '{cap.label}' on {node.name}: its timing gives {float(total)} "
                f"cycles for {dict(invocation_params(cap, spatial, sizes))}",
                hint="the cycles and overhead_cycles expressions must give a finite number "
                     "of cycles between 0 and 2^53 for every invocation",
            )
        return int(np.ceil(total - 1e-9))
    return np.ceil(np.where(bad, np.inf, total) - 1e-9)  # a bad candidate is never chosen


def invocation_params(
    cap: Capability, spatial: Spatial, extents: Mapping[str, int]
) -> tuple[tuple[str, int], ...]:
    """The timing inputs of an invocation, for instruction text: stream, used and folds per dim."""
    out = [("stream", _product(extents, spatial.stream))]
    for dim, size in cap.dims:
        occ = _product(extents, spatial.loops_on(dim))
        out += [(f"used_{dim}", min(occ, size)), (f"folds_{dim}", -(-occ // size))]
    out.append(("passes", _product(extents, spatial.repeat)))
    return tuple(out)
