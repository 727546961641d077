"""ArchEditor: what the user typed stays in its field with its error (issue 13), handlers
never raise, notices and labels (issue 14). Each finding with its input, driven as typing
does: setting the field's value."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from covenant_lab.acg import ACG
from covenant_lab.codelets.ir import Codelet
from covenant_lab.widgets import ArchEditor
from covenant_lab.widgets.editor_state import EditorState
from tests.widgets.test_editor_state import BAD_TEXTS


def _node(editor: ArchEditor, name: str) -> dict:
    return next(n for n in editor.view.graph["nodes"] if n["name"] == name)


def _box(editor: ArchEditor, key: str) -> str:
    return html.unescape(editor._error_boxes[key].value)


def _shows(editor: ArchEditor, key: str, text: str, error: str) -> None:
    """The field ``key`` shows ``text`` and, beside it, an error containing ``error``."""
    kind, *rest = key.split(":")
    field = (editor.param_inputs[rest[0]] if kind == "param" else editor.attr_inputs[rest[1]])
    assert field.value == text
    assert error in _box(editor, key)


# -- finding 1 -----------------------------------------------------------------------------------
def test_invalid_text_survives_a_valid_edit_of_another_field(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.node_picker.value = "SPAD"
    e.attr_inputs["capacity_bytes"].value = "nope * 2"
    e.attr_inputs["buffering"].value = "1"
    assert e.arch.storage("SPAD").buffering == 1
    _shows(e, "node:SPAD:capacity_bytes", "nope * 2", "no parameter named 'nope'")
    assert _node(e, "SPAD")["lines"][1] == "16 KiB"  # the graph: the last valid capacity


# -- finding 2 -----------------------------------------------------------------------------------
def test_a_rejected_parameter_does_not_revert(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.param_inputs["spad_kib"].value = "-5"
    e.param_inputs["rows"].value = "8"
    assert e.arch.param("rows") == 8 and e.arch.param("spad_kib") == 16
    _shows(e, "param:spad_kib", "-5", "spad_kib: -5 is not accepted")
    assert e.param_inputs["rows"].value == "8" and _box(e, "param:rows") == ""


# -- finding 3 -----------------------------------------------------------------------------------
def test_switching_node_and_back_keeps_the_typed_text(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.node_picker.value = "SPAD"
    e.attr_inputs["capacity_bytes"].value = "abc"
    e.node_picker.value = "bus"
    e.attr_inputs["bytes_per_cycle"].value = "0"
    e.attr_inputs["latency_cycles"].value = "1"  # a valid edit while both are pending
    e.node_picker.value = "mac_array"
    e.node_picker.value = "SPAD"
    _shows(e, "node:SPAD:capacity_bytes", "abc", "'abc' is not a number or an expression")
    e.node_picker.value = "bus"
    _shows(e, "node:bus:bytes_per_cycle", "0", "bytes_per_cycle: must be positive")
    assert e.attr_inputs["latency_cycles"].value == "1" and e.arch.comm("bus").latency_cycles == 1


def test_recompiles_keep_the_typed_text(teaching: ACG, layer: Codelet) -> None:
    e = ArchEditor(teaching, layer)
    e.param_inputs["spad_kib"].value = "0"
    before = e.cycles.value
    e.param_inputs["bus_bytes"].value = "16"  # valid: recompiles
    assert e.result is not None and e.cycles.value != before and "now" in e.cycles.value
    _shows(e, "param:spad_kib", "0", "must be positive; 0 makes it 0")
    assert "spad_kib" in e.pending_notice.value


# -- finding 4: nothing escapes an event handler -----------------------------------------------
@pytest.mark.parametrize("field", ["param:lanes", "node:SPAD:capacity_bytes",
                                   "node:SPAD:write_bytes_per_cycle", "node:mac_array:dims.cols"])
def test_bad_values_typed_in_the_widget_never_escape(teaching: ACG, layer: Codelet,
                                                     field: str) -> None:
    e = ArchEditor(teaching, layer)
    kind, *rest = field.split(":")
    if kind == "node":
        e.node_picker.value = rest[0]
    widget = e.param_inputs[rest[0]] if kind == "param" else e.attr_inputs[rest[1]]
    for text in BAD_TEXTS:
        widget.value = text  # would raise here if a handler let an exception escape
        if field in e.errors:
            assert widget.value == text and e.errors[field] in html.unescape(
                e._error_boxes[field].value)


def test_an_unexpected_exception_becomes_a_visible_notice(
        teaching: ACG, layer: Codelet, monkeypatch: pytest.MonkeyPatch) -> None:
    e = ArchEditor(teaching, layer)
    assert e.internal_notice.value == ""

    def broken_edit(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(EditorState, "edit", broken_edit)
    e.param_inputs["rows"].value = "8"
    assert "internal error while editing rows: RuntimeError: boom" in e.internal_notice.value
    assert "covenant-internal-error" in e.internal_notice._dom_classes
    monkeypatch.undo()
    e.param_inputs["rows"].value = "2"  # the next event works again and clears the notice
    assert e.arch.param("rows") == 2 and e.internal_notice.value == ""


def test_a_compiler_or_view_crash_is_a_notice(teaching: ACG, layer: Codelet,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import covenant_lab.compiler.api as api

    e = ArchEditor(teaching, layer)

    def crash(*args: object, **kwargs: object) -> None:
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(api, "compile", crash)
    assert e.set_param("rows", 8)  # the edit is valid and applied
    assert "compiling the layer: OverflowError" in e.internal_notice.value
    assert "The estimate is not updated" in _box(e, "compile")
    monkeypatch.setattr(e.view, "update", crash)
    assert e.set_param("rows", 2)
    assert "drawing the graph: OverflowError" in e.internal_notice.value


def test_a_save_path_with_a_nul_byte_is_refused(teaching: ACG, tmp_path: Path) -> None:
    e = ArchEditor(teaching)
    e.path.value = str(tmp_path / "a\x00b.yaml")
    e.save_button.click()
    assert "contains a NUL character" in _box(e, "save")
    assert e.internal_notice.value == "" and list(tmp_path.iterdir()) == []


# -- finding 5: notice, messages, labels --------------------------------------------------------
def test_the_pending_notice_names_the_fields_until_they_are_fixed(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    assert e.pending_notice.value == "" and e.pending_row.layout.display == "none"
    e.param_inputs["spad_kib"].value = "-5"
    e.node_picker.value = "SPAD"
    e.attr_inputs["banks"].value = "abc"
    text = html.unescape(e.pending_notice.value)
    assert "2 fields not applied (spad_kib, SPAD.banks)" in text
    assert "the graph and the estimate show the last valid architecture" in text
    assert e.pending_row.layout.display == "flex"
    e.param_inputs["spad_kib"].value = "16"
    e.attr_inputs["banks"].value = "4"
    assert e.pending_notice.value == "" and e.pending_row.layout.display == "none"


def test_hiding_the_notice_hides_nothing_else(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.node_picker.value = "SPAD"
    e.param_inputs["spad_kib"].value = "-5"
    e.param_inputs["spad_kib"].value = "16"  # the notice hides again
    assert e.pending_row.layout.display == "none"
    rows = [*e.children[1].children, *e.node_box.children]
    widgets = [w for row in rows for w in (row, *row.children)]
    assert all(w.layout.display != "none" and w.layout is not e.pending_row.layout
               for w in widgets)


def test_discard_shows_the_valid_values(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.param_inputs["spad_kib"].value = "-5"
    e.discard_button.click()
    _shows(e, "param:spad_kib", "16", "")
    assert e.errors == {} and e.pending_notice.value == ""


def test_errors_speak_of_the_edited_field(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.param_inputs["spad_kib"].value = "-5"
    first, detail = _box(e, "param:spad_kib").split("\n")[:2]
    assert first.endswith("spad_kib: -5 is not accepted: spad_kib must be at least 1")
    assert "capacity_bytes" not in first and "SPAD.capacity_bytes" in detail
    e.node_picker.value = "SPAD"
    e.attr_inputs["capacity_bytes"].value = "abc"
    assert "capacity_bytes: 'abc' is not a number or an expression of the parameters" in \
        _box(e, "node:SPAD:capacity_bytes")
    assert "unknown parameter" not in _box(e, "node:SPAD:capacity_bytes")


def test_labels_show_the_whole_field_name(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.node_picker.value = "SPAD"
    width = int(e._label_width.removesuffix("ch"))
    names = []
    for row in [*e.children[1].children, *e.node_box.children]:
        label = row.children[0]
        title = re.search(r'title="([^"]*)"', label.value)
        visible = html.unescape(re.sub(r"<[^>]+>", "", label.value))
        assert title and visible == html.unescape(title.group(1))  # never cut
        assert label.layout.width == e._label_width
        assert row.children[1].tooltip == visible
        names.append(visible)
    assert "write_bytes_per_cycle" in names
    assert width >= max(len(n) for n in names)  # the column fits the longest name
