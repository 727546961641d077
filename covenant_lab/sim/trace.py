"""Trace events of a scheduled program, and their export (Perfetto/Chrome JSON, rows, CSV).

One event per instruction on its primary resource (a compute node, or the edge
``"SRC->DST"`` of a transfer), plus a ``"stall"`` event on the same row for every instruction
that waited on a dependency: from when its resources were free to when it started; and, when
asked (``Simulator.trace(idle=True)``), an ``"idle"`` event for static energy outside
invocations (a compute node's gaps, a storage's leakage over the run; ``sim/energy.py``).
Times are in cycles; ``energy_pj`` is the energy the event spent (0 for a stall).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.sim.deps import Wait
from covenant_lab.sim.energy import IdleSpan
from covenant_lab.sim.schedule import Schedule

__all__ = ["TraceEvent", "events_from_schedule", "idle_events", "to_csv", "to_perfetto",
           "to_rows"]

EventKind = Literal["compute", "transfer", "stall", "idle"]

_FIELDS = ("index", "resource", "kind", "start", "end", "nbytes", "operations", "operand", "box",
           "instr_kind", "origin", "capability", "energy_pj", "waits_for", "depends_on")


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One busy (or stalled) interval of a resource, ``[start, end)`` in cycles."""

    index: int  # instruction index in the program
    resource: str
    kind: EventKind
    start: int
    end: int
    nbytes: int  # bytes moved (transfers)
    operations: int  # statement executions (computes)
    operand: str
    box: tuple[tuple[int, int], ...] | tuple[tuple[str, int, int], ...]
    instr_kind: str  # "load" / "store" for transfers, the op (e.g. "mac") for computes
    origin: str
    capability: str  # capability label (computes), "" for transfers
    energy_pj: float = 0.0  # what the event spent (sim/energy.py); 0 for a stall
    waits_for: str = ""  # a stall: what it waited for (Wait.text)
    depends_on: int = -1  # a stall: the instruction it waited for

    @property
    def duration(self) -> int:
        return self.end - self.start


def _instr_event(program: Program, i: int, ins: Transfer | Compute, sched: Schedule,
                 energy: float) -> TraceEvent:
    resource = sched.resource(i)
    start, end = sched.start[i], sched.end[i]
    if isinstance(ins, Transfer):
        return TraceEvent(i, resource, "transfer", start, end, sched.nbytes[i], 0,
                          ins.dst.operand, ins.dst.box, ins.kind, ins.origin, "", energy)
    dst = ins.destination
    op = program.codelet.stages[ins.stage].stmt.op.value
    return TraceEvent(i, resource, "compute", start, end, 0, ins.operations,
                      dst.operand if dst is not None else "", ins.box, op, ins.origin,
                      ins.capability, energy)


def events_from_schedule(program: Program, schedule: Schedule,
                         energies: Sequence[float] | None = None, *,
                         wait: Callable[[int], Wait | None] | None = None
                         ) -> tuple[TraceEvent, ...]:
    """Every instruction's event, preceded by its stall event when it waited; program order.
    ``energies`` (pJ per instruction) fills ``energy_pj``; ``wait`` (e.g. ``Dataflow.wait``)
    says what a stalled instruction waited for."""
    out: list[TraceEvent] = []
    for i, ins in enumerate(program.instrs):
        ev = _instr_event(program, i, ins, schedule, energies[i] if energies else 0.0)
        if schedule.stall(i) > 0:
            why = wait(i) if wait is not None else None
            out.append(TraceEvent(i, ev.resource, "stall", schedule.free[i], ev.start, 0, 0,
                                  ev.operand, ev.box, ev.instr_kind, ev.origin, ev.capability,
                                  waits_for=why.text if why else "",
                                  depends_on=schedule.stall_on[i]))
        out.append(ev)
    return tuple(out)


def idle_events(spans: Sequence[IdleSpan]) -> tuple[TraceEvent, ...]:
    """One ``"idle"`` event per span of static energy (index -1: no instruction); its
    ``instr_kind`` is the action, ``"idle"`` or ``"leakage"``."""
    return tuple(TraceEvent(-1, s.resource, "idle", s.start, s.end, 0, 0, "", (),
                            s.part.action.value, "", "", s.part.pj) for s in spans)


def _label(ev: TraceEvent) -> str:
    if ev.kind == "stall":
        return f"stall #{ev.index}" + (f" on #{ev.depends_on}" if ev.depends_on >= 0 else "")
    if ev.kind == "idle":
        return ev.instr_kind
    if ev.kind == "transfer":
        return f"{ev.instr_kind} {ev.operand}"
    return f"{ev.capability or ev.instr_kind} {ev.operand}"


def to_perfetto(events: Sequence[TraceEvent], *, process: str = "covenant_lab") -> dict[str, Any]:
    """Chrome trace-event JSON (open in ui.perfetto.dev): one thread per resource.

    ``ts`` and ``dur`` are cycles, not microseconds; ``otherData.time_unit`` says so.
    """
    tids: dict[str, int] = {}
    for ev in events:
        tids.setdefault(ev.resource, len(tids) + 1)
    meta: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": process}}
    ]
    for name, tid in tids.items():
        meta.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid,
                     "args": {"name": name}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": 1, "tid": tid,
                     "args": {"sort_index": tid}})
    spans = [
        {
            "name": _label(ev),
            "cat": ev.kind,
            "ph": "X",
            "ts": ev.start,
            "dur": ev.duration,
            "pid": 1,
            "tid": tids[ev.resource],
            "args": {"index": ev.index, "nbytes": ev.nbytes, "operations": ev.operations,
                     "operand": ev.operand, "box": [list(b) for b in ev.box],
                     "instr_kind": ev.instr_kind, "origin": ev.origin,
                     "capability": ev.capability, "energy_pj": ev.energy_pj,
                     "waits_for": ev.waits_for},
        }
        for ev in events
    ]
    return {
        "traceEvents": meta + spans,
        "displayTimeUnit": "ns",
        "otherData": {"time_unit": "cycles", "note": "ts and dur are clock cycles"},
    }


def to_rows(events: Sequence[TraceEvent]) -> list[dict[str, Any]]:
    """One plain dict per event (JSON-able; ``box`` as a string)."""
    rows = []
    for ev in events:
        row = {f: getattr(ev, f) for f in _FIELDS}
        row["box"] = " ".join(":".join(str(x) for x in b) for b in ev.box)
        rows.append(row)
    return rows


def to_csv(events: Sequence[TraceEvent], path: str | Path) -> Path:
    """Write the events as CSV (header: the TraceEvent fields) and return the path."""
    out = Path(path)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=_FIELDS)
        writer.writeheader()
        writer.writerows(to_rows(events))
    return out
