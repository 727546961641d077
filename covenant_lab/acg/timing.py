"""Timing expressions checked when a file is loaded: finite, never negative, within limits.

A capability's ``cycles`` (and ``overhead_cycles``) is evaluated later, by the search for every
candidate tiling and by the lowering for every invocation. An expression that gives NaN, an
infinity, a negative count or an error there would surface far from its cause (as "no tiling
fits", or a simulation that ends at cycle NaN); so each one is evaluated here, at load time,
over representative invocations, and the first bad value is reported with the expression and
the values of its variables::

    compute.pe.capabilities[0].cycles: stream - 10 gives -9 cycles at stream=1; ...

The representative invocations: ``stream`` at every value from 1 (the least an invocation
streams) to 16, then a few larger ones up to 2^21 (where ``Capability.peak_ops_per_cycle``
measures the slope), and each ``used_<dim>`` at 1 and at the dimension's size (every dimension
at once when the node has more than three), with ``elems = stream * prod(used)``; about 6 ms
per file. The limits are ``limits.CYCLES``. A sample is no proof: an expression bad only at
``stream = 17`` passes here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping

from covenant_lab.acg.expr import Expr, ExprError
from covenant_lab.limits import CYCLES

__all__ = ["STREAMS", "timing_problem"]

STREAMS = (*range(1, 17), 31, 64, 100, 1000, 4097, 1 << 20, 1 << 21)
_MAX_CORNERS = 3  # dimensions whose corners are all tried (2^3 combinations at most)


def _points(dims: Mapping[str, int], overhead: bool) -> Iterator[dict[str, int]]:
    """The invocation variables at each representative invocation."""
    if overhead:  # overhead_cycles sees stream only
        for stream in STREAMS:
            yield {"stream": stream}
        return
    names = list(dims)
    if len(names) <= _MAX_CORNERS:
        corners = list(itertools.product(*[sorted({1, dims[d]}) for d in names]))
    else:
        corners = [tuple(1 for _ in names), tuple(dims[d] for d in names)]
    for stream in STREAMS:
        for used in corners:
            env = {f"used_{d}": u for d, u in zip(names, used, strict=True)}
            yield {"stream": stream, "elems": stream * math.prod(used), **env}


def timing_problem(expr: Expr, dims: Mapping[str, int], *, overhead: bool = False) -> str | None:
    """Why ``expr`` (params and dims substituted) is no usable timing, or None.

    ``dims`` are the node's dimensions and sizes. An expression naming a variable it may not
    use is left to ``acg.validate``, which names it."""
    allowed = {"stream"} if overhead else {"stream", "elems", *(f"used_{d}" for d in dims)}
    if not expr.names <= allowed:
        return None
    run = expr.compile()
    for env in _points(dims, overhead):
        at = ", ".join(f"{k}={v}" for k, v in env.items() if k in expr.names) or "any invocation"
        try:
            value = run(env)
        except ExprError as exc:
            return f"{expr} cannot be evaluated at {at}: {exc.detail}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{expr} gives {value} cycles at {at}; timing must be a finite number"
        problem = CYCLES.problem(value)
        if problem:
            return f"{expr} at {at}: {problem}"
    return None
