"""Bad input never crashes, hangs or loses work (issue #13): architecture numbers and
expressions beyond the interface limits (covenant_lab/limits.py) are refused when a file is
loaded, with the field, its line, the value and the limit; everything within them is safe
for every consumer."""

from __future__ import annotations

import math
import re

import pytest

from covenant_lab import limits
from covenant_lab.acg import loads_arch
from covenant_lab.acg.describe import format_bytes
from covenant_lab.errors import ArchError

from .conftest import MINI

MAC_CYCLES = "cycles: rows + stream + cols - 1"


def _refused(text: str) -> ArchError:
    with pytest.raises(ArchError) as info:
        loads_arch(text, source="bad.yaml")
    return info.value


def _only(err: ArchError, field: str) -> str:
    """The message of the one problem at ``field``; its line must be known."""
    found = [p for p in err.problems if p.field == field]
    assert found, f"{field} not in {err.fields}"
    assert found[0].line is not None
    return found[0].message + (f"\nhint: {found[0].hint}" if found[0].hint else "")


# -- 1. expressions: length and depth -------------------------------------------------------
DEEP = [
    ("parentheses", "(" * 3000 + "1" + ")" * 3000),
    ("parentheses just past the limit", "(" * 65 + "stream" + ")" * 65),
    ("a chain of minus signs", "-" * 5000 + "1"),
    ("minus signs just past the limit", "-" * 66 + "stream"),
    ("a long sum", " + ".join(["stream"] * 2000)),
    ("a sum just past the limit", "+".join(["stream"] * 70)),
    ("a long product", "*".join(["stream"] * 90)),
    ("nested calls", "max(" * 70 + "stream" + ")" * 70),
    ("nested negations", "-(" * 70 + "stream" + ")" * 70),
]


@pytest.mark.parametrize(("what", "text"), DEEP, ids=[w for w, _ in DEEP])
def test_deep_or_long_expressions_are_refused_with_the_limit(what: str, text: str) -> None:
    err = _refused(MINI.replace(MAC_CYCLES, f"cycles: \"{text}\""))
    message = _only(err, "compute.pe.capabilities[0].cycles")
    assert re.search(r"above the limit of 1000|more than 64 levels deep", message), message
    assert len(str(err)) < 800  # the expression is quoted, not echoed


def test_expressions_at_the_limits_load_and_print() -> None:
    text = "(" * 60 + "stream" + ")" * 60 + " + " + "+".join(["1"] * 60)
    arch = loads_arch(MINI.replace(MAC_CYCLES, f"cycles: \"{text}\""))
    cycles = arch.compute("pe").capabilities[0].cycles
    assert str(cycles) == "stream + 60" and cycles.evaluate({"stream": 2}) == 62


# -- 2. huge numbers --------------------------------------------------------------------------
def test_an_integer_python_cannot_read_is_refused_at_its_line() -> None:
    err = _refused(MINI.replace("params: {bus_bytes: 8, kib: 16}",
                                "params: {bus_bytes: 8, kib: " + "9" * 5000 + "}"))
    (problem,) = err.problems
    assert problem.line == 4
    assert "5000 characters" in problem.message and "2^53 = 9007199254740992" in problem.message


@pytest.mark.parametrize(("field", "old", "new", "fragment"), [
    ("storage.L2.capacity_bytes", "capacity_bytes: 4 * kib * 1024",
     "capacity_bytes: \"1" + "0" * 400 + "\"", "above the limit for any architecture number"),
    ("storage.L2.capacity_bytes", "capacity_bytes: 4 * kib * 1024",
     "capacity_bytes: " + " * ".join(["kib"] * 13),
     "above the limit for a capacity, 2^48 = 281474976710656 bytes"),
    ("storage.L2.read_bytes_per_cycle", "read_bytes_per_cycle: 32",
     "read_bytes_per_cycle: 9007199254740992 * 9007199254740992 * 1.5",
     "above the limit for a bandwidth"),
    ("edges[1].bytes_per_cycle", "bytes_per_cycle: 64", "bytes_per_cycle: 1.0e+300",
     "above the limit for a bandwidth"),
    ("params.kib", "kib: 16}", "kib: 1.0e+300}", "above the limit for any architecture number"),
    ("storage.DRAM.read_bytes_per_cycle", "read_bytes_per_cycle: 16,",
     "read_bytes_per_cycle: 1 / 4096,", "below the limit for a bandwidth, 1/1024"),
    ("communication.bus.latency_cycles", "latency_cycles: 10", "latency_cycles: 10 ** 40",
     "expected a number, a name or '(', got '*'"),
    ("communication.bus.latency_cycles", "latency_cycles: 10",
     "latency_cycles: 1000000000000", "above the limit for a latency, 2^24"),
    ("clock_mhz", "name: mini", "name: mini\nclock_mhz: 0.000001",
     "1e-06 MHz is below the limit for a clock, 1 MHz"),
])
def test_out_of_range_numbers_are_refused(field: str, old: str, new: str, fragment: str) -> None:
    assert old in MINI
    err = _refused(MINI.replace(old, new, 1))
    message = _only(err, field)
    assert fragment in message, message


def test_a_zero_rate_capability_is_refused_and_a_tiny_one_is_bounded() -> None:
    """A unit slower than a cycle per 2^53 is refused; one that is merely slow still has a
    positive peak (it used to round to 0 and divide by zero in the bound)."""
    from covenant_lab.analysis import ideal_bound
    from covenant_lab.codelets import library as L

    err = _refused(MINI.replace(MAC_CYCLES, "cycles: stream * 4503599627370496"))
    assert "above the limit for one invocation's timing" in _only(
        err, "compute.pe.capabilities[0].cycles")
    slow = loads_arch(MINI.replace(MAC_CYCLES, "cycles: stream * 1000000000"))
    assert 0 < slow.compute("pe").capabilities[0].peak_ops_per_cycle < 1e-8
    bound = ideal_bound(L.matmul((4, 4), (4, 4)), slow)
    assert isinstance(bound.cycles, int) and bound.cycles >= 8 * 10**9


def test_format_bytes_takes_any_integer() -> None:
    assert format_bytes(10**400) == "about 10^400 B"
    assert format_bytes(1 << 48) == "262144 GiB"


# -- 3. timing expressions ---------------------------------------------------------------------
@pytest.mark.parametrize(("cycles", "fragment"), [
    ("(stream - stream) / (stream - stream)", "at stream=1: division by zero (0 / 0)"),
    ("1 / (stream - 1)", "at stream=1: division by zero"),
    ("stream - 10", "at stream=1: -9 cycles is below the limit"),
    ("log2(stream - 1)", "at stream=1: log2(0) is undefined"),
    ("stream % (used_cols - 1)", "at stream=1, used_cols=1: modulo by zero"),
    ("stream - 2 * used_rows", "at stream=1, used_rows=1: -1 cycles is below the limit"),
    (".nan", "non-finite constant nan"),
    (".inf", "non-finite constant inf"),
    ("-.inf", "must not be negative, got -inf"),
])
def test_bad_timing_is_refused_naming_capability_expression_and_values(
        cycles: str, fragment: str) -> None:
    written = cycles if cycles.lstrip("-").startswith(".") else f"\"{cycles}\""
    err = _refused(MINI.replace(MAC_CYCLES, f"cycles: {written}"))
    message = _only(err, "compute.pe.capabilities[0].cycles")
    assert fragment in message, message


def test_bad_overhead_is_refused() -> None:
    err = _refused(MINI.replace(MAC_CYCLES, MAC_CYCLES + "\n        overhead_cycles: 5 - stream"))
    assert "at stream=6: -1 cycles" in _only(err, "compute.pe.capabilities[0].overhead_cycles")


def test_timing_over_names_it_may_not_use_is_left_to_validation() -> None:
    err = _refused(MINI.replace(MAC_CYCLES, "cycles: stream / bogus"))
    assert "unknown name 'bogus'" in _only(err, "compute.pe.capabilities[0].cycles")


# -- 4. YAML numbers: no base 60, ASCII digits -------------------------------------------------
@pytest.mark.parametrize(("old", "new", "field", "fragment"), [
    ("buffering: 2", "buffering: 1:30", "storage.SPAD.buffering", "base 60"),
    ("latency_cycles: 10", "latency_cycles: 1:30:00", "communication.bus.latency_cycles",
     "unexpected character ':'"),
    ("read_bytes_per_cycle: 32", "read_bytes_per_cycle: 1:30.5", "storage.L2.read_bytes_per_cycle",
     "unexpected character ':'"),
    ("buffering: 2", "buffering: ١٢", "storage.SPAD.buffering", "ASCII digits 0-9"),
    ("buffering: 2", "buffering: \"2 * ٣\"", "storage.SPAD.buffering", "ASCII digits 0-9"),
    ("kib: 16", "kib: ١٦", "params.kib", "expected an integer"),
])
def test_yaml_numbers_are_ascii_and_never_base_60(
        old: str, new: str, field: str, fragment: str) -> None:
    err = _refused(MINI.replace(old, new, 1))
    assert fragment in _only(err, field)


# -- 5. and 8. sizes nobody can simulate or search ----------------------------------------------
@pytest.mark.parametrize(("old", "new", "field", "fragment"), [
    ("buffering: 2", "buffering: 1000", "storage.SPAD.buffering",
     "1000 copies is above the limit for buffering or FIFO entries, 8 copies"),
    ("L2: {capacity_bytes: 4 * kib * 1024,", "L2: {access: fifo, entries: 1000, entry_bytes: 64,",
     "storage.L2.entries", "above the limit for buffering or FIFO entries"),
    ("L2: {capacity_bytes: 4 * kib * 1024,",
     "L2: {access: fifo, entries: 8, entry_bytes: 281474976710656,",
     "storage.L2.entry_bytes", "8 entries x 281474976710656 bytes = 2251799813685248 bytes is"),
    ("capacity_bytes: 4 * kib * 1024", "capacity_bytes: 1125899906842624",
     "storage.L2.capacity_bytes", "above the limit for a capacity"),
    ("dims: {rows: 4, cols: 2}", "dims: {rows: 100000, cols: 2}", "compute.pe.dims.rows",
     "100000 PEs is above the limit for an array dimension, 2^16 = 65536 PEs"),
    ("dims: {rows: 4, cols: 2}", "dims: {rows: 65536, cols: 65536}", "compute.pe.dims",
     "4294967296 PEs is above the limit for the PEs of a compute node, 2^20"),
    ("buffering: 2", "buffering: 2, word_bytes: 1000000",
     "storage.SPAD.word_bytes", "above the limit for a word"),
])
def test_sizes_beyond_the_limits_are_refused(old: str, new: str, field: str, fragment: str) -> None:
    assert old in MINI
    err = _refused(MINI.replace(old, new, 1))
    assert fragment in _only(err, field)


def test_a_private_storage_counts_every_copy() -> None:
    text = MINI.replace("dims: {rows: 4, cols: 2}", "dims: {rows: 1024, cols: 1024}").replace(
        "  L2: {capacity_bytes: 4 * kib * 1024,",
        "  PRIV: {capacity_bytes: 1073741824, private_to: pe, read_bytes_per_cycle: 1,"
        " write_bytes_per_cycle: 1}\n  L2: {capacity_bytes: 4 * kib * 1024,")
    err = _refused(text)
    assert "1073741824 bytes x 1048576 PEs = 1125899906842624 bytes is above the limit" in _only(
        err, "storage.PRIV.capacity_bytes")


def test_edits_meet_the_same_limits(mini: object) -> None:
    from covenant_lab.acg import ACG

    assert isinstance(mini, ACG)
    with pytest.raises(ArchError, match="above the limit for buffering"):
        mini.with_node_attr("SPAD", "buffering", 1000)
    with pytest.raises(ArchError, match=r"with_param\(kib=about 10\^1000\)"):
        mini.with_param("kib", 10**1000)


# -- 6. messages quote, never echo ---------------------------------------------------------------
def test_a_file_that_is_no_architecture_is_quoted_by_its_first_line() -> None:
    text = "\n".join(f"user{i}:x:{i}:{i}:someone:/home/user{i}:/bin/sh" for i in range(500))
    err = _refused(text)
    (problem,) = err.problems
    assert problem.line == 1
    assert problem.message == ("expected a mapping, got "
                               "'user0:x:0:0:someone:/home/user0:/bin/sh user1:x:1:1:someone:…'")
    assert len(str(err)) < 200


def test_every_message_is_bounded() -> None:
    huge = "x" * 100_000
    err = _refused(MINI.replace("description: DRAM, two scratchpads and a MAC unit",
                                f"description: [{huge}]").replace(
        "template: \"MAC", f"template: \"{{{huge}.a}} MAC"))
    assert len(str(err)) < 2_000


def test_limits_explain_themselves() -> None:
    assert limits.CAPACITY_BYTES.problem(1 << 48) is None
    message = limits.CAPACITY_BYTES.problem(10**400)
    assert message is not None and message.startswith("about 10^400 bytes is above the limit")
    assert limits.BYTES_PER_CYCLE.problem(math.inf) is not None
    for limit in (limits.NUMBER, limits.CAPACITY_BYTES, limits.BUFFERING, limits.DIM,
                  limits.PES, limits.CYCLES, limits.CLOCK_MHZ, limits.LATENCY_CYCLES):
        assert limit.low < limit.high and limit.reason
