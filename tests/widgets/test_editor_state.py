"""EditorState and the editor's field reading and messages, without a widget or a browser.

Issue 13 ("never lost user text") and issue 14's editor findings, each with its input.
"""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG
from covenant_lab.errors import UsageError
from covenant_lab.widgets.editor_fields import (
    MAX_TEXT,
    FieldKey,
    as_text,
    field_path,
    field_text,
    read_attr,
    read_param,
    shown,
)
from covenant_lab.widgets.editor_messages import clip, internal_error
from covenant_lab.widgets.editor_state import EditorState, try_edit
from tests._featured_archs import tpu_like

SPAD_KIB = FieldKey(None, "spad_kib")
ROWS = FieldKey(None, "rows")
BUS = FieldKey(None, "bus_bytes")
CAPACITY = FieldKey("SPAD", "capacity_bytes")
BUFFERING = FieldKey("SPAD", "buffering")
BUS_WIDTH = FieldKey("bus", "bytes_per_cycle")


# -- finding 1: invalid text in one field survives a valid edit of another -------------------
def test_invalid_text_stays_when_another_field_is_edited(teaching: ACG) -> None:
    s = EditorState(teaching)
    assert not s.edit(CAPACITY, "nope * 2").ok
    assert s.edit(BUFFERING, "1").ok
    assert s.arch.storage("SPAD").buffering == 1
    assert s.text(CAPACITY) == "nope * 2"
    assert "no parameter named 'nope'" in s.error(CAPACITY)
    assert s.arch.storage("SPAD").capacity_bytes == 16 * 1024  # the last valid value


# -- finding 2: a rejected parameter does not revert when another is edited ------------------
def test_a_rejected_parameter_stays_when_another_is_edited(teaching: ACG) -> None:
    s = EditorState(teaching)
    assert not s.edit(SPAD_KIB, "-5").ok
    assert s.edit(ROWS, "8").ok
    assert s.arch.param("rows") == 8 and s.arch.param("spad_kib") == 16
    assert s.text(SPAD_KIB) == "-5" and s.error(SPAD_KIB).startswith("spad_kib: -5")
    assert s.text(ROWS) == "8" and s.error(ROWS) == ""


# -- finding 3: the pending text is kept per node and field, whatever node is shown ----------
def test_pending_text_is_kept_per_node_and_field(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(CAPACITY, "abc")
    s.edit(BUS_WIDTH, "0")
    assert [k.field for k in s.fields("bus")] == ["bytes_per_cycle", "latency_cycles"]
    assert s.text(BUS_WIDTH) == "0" and s.text(CAPACITY) == "abc"
    assert s.text(FieldKey("bus", "latency_cycles")) == "0"  # its valid value, untouched
    assert list(s.pending) == [CAPACITY, BUS_WIDTH]


def test_retyping_a_valid_value_clears_the_pending_text(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(CAPACITY, "0")
    assert s.edit(CAPACITY, "spad_kib * 1024").ok
    assert s.pending == {} and s.error(CAPACITY) == ""
    assert s.text(CAPACITY) == "spad_kib * 1024"


def test_a_pending_field_that_becomes_valid_is_applied_and_keeps_its_text(teaching: ACG) -> None:
    s = EditorState(teaching)
    assert not s.edit(SPAD_KIB, "-5").ok  # the capacity spad_kib * 1024 would be negative
    assert s.edit(CAPACITY, "4096").ok  # the capacity no longer depends on spad_kib
    assert s.pending == {}
    assert s.arch.param("spad_kib") == -5 and s.text(SPAD_KIB) == "-5"


def test_discard_shows_the_valid_values_again(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(SPAD_KIB, "x")
    s.discard()
    assert s.pending == {} and s.text(SPAD_KIB) == "16" and s.notice() == ""


def test_an_unknown_field_is_refused_and_not_kept(teaching: ACG) -> None:
    s = EditorState(teaching)
    out = s.edit(FieldKey(None, "nope"), "1")
    assert not out.ok and "teaching has no parameter 'nope'" in out.error
    assert "has no node 'NOPE'" in s.edit(FieldKey("NOPE", "banks"), "1").error
    assert "no editable field 'colour'" in s.edit(FieldKey("SPAD", "colour"), "1").error
    assert s.pending == {}


# -- finding 4: bad values never raise ---------------------------------------------------------
BAD_TEXTS = [
    "9" * 5000,                      # more digits than int() reads
    "10**5000",                      # not in the expression language
    "1e308 * 10 - 1e308 * 10",       # nan
    "1e308 * 10",                    # inf
    "0 / 0",
    "(" * 240 + "1" + ")" * 240,     # deep parentheses, under the length limit
    "(" * 5000 + "1" + ")" * 5000,   # deep parentheses, over it
    "1\x00",
    "\x00",
    "abc",
    "1 +",
    "true",
    "",
]


@pytest.mark.parametrize("key", [SPAD_KIB, CAPACITY, FieldKey("SPAD", "read_bytes_per_cycle"),
                                 FieldKey("mac_array", "dims.rows"), BUS_WIDTH])
def test_bad_values_never_raise_and_keep_their_text(teaching: ACG, key: FieldKey) -> None:
    s = EditorState(teaching)
    for text in BAD_TEXTS:
        out = s.edit(key, text)
        if not out.ok:
            assert s.text(key) == text and s.error(key)
            assert len(s.error(key).splitlines()[0]) <= 300  # no 5000-digit line
        assert s.edit(BUFFERING, "2").ok  # the editor still works after each one


def test_a_huge_int_from_code_is_refused_not_raised(teaching: ACG) -> None:
    assert as_text(10**5000).startswith("10**")
    s = EditorState(teaching)
    assert not s.edit(SPAD_KIB, as_text(10**5000)).ok
    assert "not a whole number" in s.error(SPAD_KIB)


def test_an_unexpected_exception_is_an_internal_error(teaching: ACG,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> ACG:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(ACG, "with_node_attr", broken)
    s = EditorState(teaching)
    out = s.edit(CAPACITY, "2048")
    assert not out.ok and out.internal
    assert s.text(CAPACITY) == "2048"
    assert s.error(CAPACITY).startswith("capacity_bytes: internal error while checking")
    assert "ZeroDivisionError: float division by zero" in s.error(CAPACITY)
    assert s.internal_errors() == [s.error(CAPACITY)]
    assert try_edit(teaching, CAPACITY, "1").internal


# -- finding 5: messages about the field the user edited ---------------------------------------
def test_a_parameter_error_speaks_of_the_parameter_first(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(SPAD_KIB, "-5")
    first, *detail = s.error(SPAD_KIB).splitlines()
    # issue 14: in the user's terms, with the smallest value accepted (found by bisection)
    assert first == "spad_kib: -5 is not accepted: spad_kib must be at least 1"
    assert detail == ["  because SPAD.capacity_bytes (= spad_kib * 1024) must be "
                      "positive; -5 makes it -5120"]
    assert try_edit(teaching, SPAD_KIB, "1").ok and not try_edit(teaching, SPAD_KIB, "0").ok


def test_a_word_in_a_field_says_it_is_not_a_number_or_expression(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(CAPACITY, "abc")
    assert s.error(CAPACITY).startswith(
        "capacity_bytes: 'abc' is not a number or an expression of the parameters: "
        "no parameter named 'abc'")
    assert "parameters: rows, cols, lanes, spad_kib, bus_bytes" in s.error(CAPACITY)
    s.edit(SPAD_KIB, "abc")
    assert s.error(SPAD_KIB).startswith("spad_kib: 'abc' is not a whole number")


def test_an_own_field_problem_is_named_by_the_field(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(CAPACITY, "0")
    assert s.error(CAPACITY) == "capacity_bytes: must be positive, got 0"


def test_many_derived_problems_are_listed_briefly(teaching: ACG) -> None:
    s = EditorState(teaching)
    s.edit(BUS, "0")
    lines = s.error(BUS).splitlines()
    assert lines[0] == "bus_bytes: 0 is not accepted: bus_bytes must be at least 1"
    assert "  because bus.bytes_per_cycle (= bus_bytes) must be a positive " \
           "number; 0 makes it 0" in lines
    assert "  because edge DRAM->SPAD bytes_per_cycle (= bus_bytes) must be a positive " \
           "number; 0 makes it 0" in lines
    assert len(lines) <= 7


def test_the_notice_names_the_pending_fields(teaching: ACG) -> None:
    s = EditorState(teaching)
    assert s.notice() == ""
    s.edit(SPAD_KIB, "-5")
    s.edit(CAPACITY, "abc")
    assert s.notice() == ("2 fields not applied (spad_kib, SPAD.capacity_bytes): the graph "
                          "and the estimate show the last valid architecture")


# -- reading field text --------------------------------------------------------------------------
def test_read_param() -> None:
    assert read_param(" 32 ") == 32 and read_param("1_024") == 1024 and read_param("-5") == -5
    for text, why in (("", "enter a whole number"), ("2.5", "2.5 is not a whole number"),
                      ("rows * 2", "is not a whole number"),
                      ("9" * (MAX_TEXT + 1), f"a field takes at most {MAX_TEXT}")):
        with pytest.raises(UsageError, match=why):
            read_param(text)


def test_read_attr(teaching: ACG) -> None:
    assert read_attr(teaching, "spad_kib * 1024") == "spad_kib * 1024"
    assert read_attr(teaching, "21.5") == 21.5 and read_attr(teaching, "") is None
    with pytest.raises(UsageError, match="unexpected character '\\\\x00' at column 2"):
        read_attr(teaching, "1\x00")
    with pytest.raises(UsageError, match="no parameter named 'inf', 'nan'"):
        read_attr(teaching, "inf - nan")


def test_field_paths_and_texts() -> None:
    tpu = tpu_like()
    assert field_path(tpu, FieldKey(None, "dim")) == "params.dim"
    assert field_path(tpu, FieldKey("WFIFO", "entries")) == "storage.WFIFO.entries"
    assert field_path(tpu, FieldKey("mmu", "dims.rows")) == "compute.mmu.dims.rows"
    assert field_path(tpu, FieldKey("pcie", "bytes_per_cycle")) == \
        "communication.pcie.bytes_per_cycle"
    assert field_text(tpu, FieldKey("WFIFO", "entries")) == "fifo_tiles"
    assert field_text(tpu, FieldKey("WFIFO", "capacity_bytes")) is None  # a FIFO has entries


def test_shown_clip_and_internal_error() -> None:
    assert shown("-5") == "-5" and shown("abc") == "'abc'" and shown("1\x00") == "'1\\x00'"
    assert len(shown("9" * 1000)) < 50
    assert clip("x" * 1000).endswith("…") and len(clip("x" * 1000)) == 300
    text = internal_error("saving", ValueError("embedded null byte\nmore"), "Nothing was written")
    assert text == ("internal error while saving: ValueError: embedded null byte. "
                    "Nothing was written. Please report this.")
