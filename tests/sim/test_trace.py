"""Trace events and their Perfetto / row / CSV exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from covenant_lab.sim import events_from_schedule, schedule, to_csv, to_perfetto, to_rows

from ._build import ProgramBuilder, relu_codelet, tiny


def _program():
    """load x0 (slot 0), relu, load x1 into the same slot: it stalls on the relu (WAR)."""
    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    for k in range(2):
        rows = ((4 * k, 4 * k + 4), (0, 4))
        x = pb.load("x", rows, 0, origin="relu/load")
        pb.compute({"i": rows[0], "j": (0, 4)}, {"a": x, "out": pb.tile("y", rows, 512)},
                   cycles=10, capability="relu", origin="relu/stage0")
    return pb.build()


def test_events_with_stalls() -> None:
    prog = _program()
    events = events_from_schedule(prog, schedule(prog, tiny()))
    kinds = [(e.index, e.kind, e.resource, e.start, e.end) for e in events]
    assert kinds == [
        (0, "transfer", "DRAM->SPAD", 0, 8),
        (1, "stall", "pe", 0, 10),  # RAW: waits for the load's data (ready at 10)
        (1, "compute", "pe", 10, 20),
        (2, "stall", "DRAM->SPAD", 8, 20),  # WAR: the slot is read until 20
        (2, "transfer", "DRAM->SPAD", 20, 28),
        (3, "stall", "pe", 20, 30),
        (3, "compute", "pe", 30, 40),
    ]
    load, relu = events[0], events[2]
    assert (load.nbytes, load.operand, load.instr_kind, load.origin) == (64, "x", "load",
                                                                         "relu/load")
    assert (relu.operations, relu.operand, relu.instr_kind, relu.capability) == (16, "y", "relu",
                                                                                 "relu")
    assert relu.box == (("i", 0, 4), ("j", 0, 4))
    assert events[3].duration == 12


def test_perfetto_json() -> None:
    prog = _program()
    doc = to_perfetto(events_from_schedule(prog, schedule(prog, tiny())))
    json.dumps(doc)  # JSON-able
    assert doc["displayTimeUnit"] == "ns"
    assert doc["otherData"]["time_unit"] == "cycles"
    meta = [e for e in doc["traceEvents"] if e["ph"] == "M"]
    names = {e["args"]["name"]: e["tid"] for e in meta if e["name"] == "thread_name"}
    assert names == {"DRAM->SPAD": 1, "pe": 2}
    spans = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert len(spans) == 7
    stall = spans[3]
    assert (stall["cat"], stall["ts"], stall["dur"], stall["tid"]) == ("stall", 8, 12, 1)
    assert spans[2]["args"]["box"] == [["i", 0, 4], ["j", 0, 4]]
    assert all({"name", "cat", "ph", "ts", "dur", "pid", "tid", "args"} <= set(e) for e in spans)


def test_rows_and_csv(tmp_path: Path) -> None:
    prog = _program()
    events = events_from_schedule(prog, schedule(prog, tiny()))
    rows = to_rows(events)
    assert rows[0]["box"] == "0:4 0:4"
    assert rows[2]["box"] == "i:0:4 j:0:4"
    path = to_csv(events, tmp_path / "trace.csv")
    with path.open(encoding="utf-8") as fh:
        read = list(csv.DictReader(fh))
    assert len(read) == 7
    assert read[3]["kind"] == "stall" and read[3]["start"] == "8"
    assert list(read[0]) == ["index", "resource", "kind", "start", "end", "nbytes", "operations",
                             "operand", "box", "instr_kind", "origin", "capability", "energy_pj",
                             "waits_for", "depends_on"]
