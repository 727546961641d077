"""Two runs side by side: cycles, bytes per edge and utilisation per unit, before and after an
edit or a constraint.

A :class:`RunSummary` is what the simulator measured for one compiled program (timing only:
no values are needed); :func:`compare` pairs two of them row by row::

    before = summarise(old_result, "before")
    after = summarise(new_result, "after")
    print(compare(before, after).text())

    metric            before   after    change
    cycles            17,033   9,105    -7,928 (-46.5%)
    DRAM->SPAD bytes   7,168   7,168         0
    ...

Pure data: the widgets (``widgets/compare_view.py``) draw it, with the two timelines on one
cycle axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from covenant_lab.acg.nodes import EdgeId
from covenant_lab.errors import UsageError

__all__ = ["Comparison", "Row", "RunSummary", "change_text", "compare", "points", "summarise"]


@dataclass(frozen=True)
class RunSummary:
    """One simulated run: total cycles, bytes per edge ``"SRC->DST"``, busy fraction per
    resource (compute units first), and the trace events (for the timeline)."""

    label: str
    cycles: int
    traffic: tuple[tuple[str, int], ...]
    utilisation: tuple[tuple[str, float], ...]
    units: tuple[str, ...] = ()  # the compute units among the resources
    events: tuple[Any, ...] = field(default=(), repr=False)
    estimate: float | None = None  # the compiler's estimated cycles, when known


@dataclass(frozen=True)
class Row:
    """One metric of both runs (0 where a run does not have it)."""

    name: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def change(self) -> float | None:
        """Relative change (``-0.465`` for 46.5% less); None when ``before`` is 0."""
        return self.delta / self.before if self.before else None


@dataclass(frozen=True)
class Comparison:
    """Two runs compared: ``cycles``, ``traffic`` (one row per edge either run uses) and
    ``utilisation`` (one row per resource, compute units first)."""

    before: RunSummary
    after: RunSummary
    cycles: Row
    traffic: tuple[Row, ...]
    utilisation: tuple[Row, ...]

    @property
    def axis_end(self) -> int:
        """The end of the shared cycle axis: the longer run."""
        return max(self.before.cycles, self.after.cycles, 1)

    def text(self) -> str:
        """The comparison as a plain-text table."""
        rows = [("metric", self.before.label, self.after.label, "change")]
        rows.append(("cycles", *_counts(self.cycles)))
        rows += [(f"{r.name} bytes", *_counts(r)) for r in self.traffic]
        rows += [(f"{r.name} busy", f"{r.before:.0%}", f"{r.after:.0%}", points(r))
                 for r in self.utilisation]
        widths = [max(len(row[k]) for row in rows) for k in range(4)]
        return "\n".join(
            "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                      for k, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows)


def _counts(r: Row) -> tuple[str, str, str]:
    return f"{r.before:,.0f}", f"{r.after:,.0f}", change_text(r)


def change_text(r: Row) -> str:
    """``-7,817 (-45.9%)``; ``0`` when nothing changed."""
    if not round(r.delta):
        return "0"
    change = f" ({r.change:+.1%})" if r.change is not None else ""
    return f"{r.delta:+,.0f}{change}"


def points(r: Row) -> str:
    """A change of a fraction in percentage points: ``+5 points``; ``0`` when below one."""
    pts = round(100 * r.delta)
    return f"{pts:+d} points" if pts else "0"


def summarise(result: Any, label: str) -> RunSummary:
    """Simulate ``result`` (a CompileResult) timing-only and summarise the run."""
    from covenant_lab.sim import Simulator

    program = getattr(result, "program", None)
    if program is None:
        raise UsageError(f"summarise: expected a CompileResult, got {type(result).__name__}",
                         hint="pass the result of compile(...)")
    sim = Simulator(program, result.arch)
    units = tuple(n.name for n in result.arch.compute_nodes)
    return RunSummary(label, int(sim.total_cycles), _sorted(sim.bytes_moved()),
                      _units_first(sim.utilisation(), units), units, sim.trace(),
                      float(result.estimate.cycles))


def _sorted(values: Mapping[EdgeId, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(values.items()))


def _units_first(values: Mapping[str, float], units: Sequence[str]
                 ) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(values.items(), key=lambda kv: (kv[0] not in units, kv[0])))


def _rows(before: Sequence[tuple[str, float]], after: Sequence[tuple[str, float]]
          ) -> tuple[Row, ...]:
    a, b = dict(before), dict(after)
    names = list(dict.fromkeys([*a, *b]))
    return tuple(Row(n, float(a.get(n, 0)), float(b.get(n, 0))) for n in names)


def compare(before: RunSummary, after: RunSummary) -> Comparison:
    """``before`` and ``after`` row by row (edges and resources of either run)."""
    units = tuple(dict.fromkeys([*before.units, *after.units]))
    util = _rows(before.utilisation, after.utilisation)
    util = tuple(sorted(util, key=lambda r: (r.name not in units, r.name)))
    return Comparison(before, after, Row("cycles", before.cycles, after.cycles),
                      tuple(sorted(_rows(before.traffic, after.traffic), key=lambda r: r.name)),
                      util)
