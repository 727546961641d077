"""ArchEditor and editor_state: valid edits, inline errors, recompile, save as."""

from __future__ import annotations

from pathlib import Path

from covenant_lab.acg import ACG, load_arch
from covenant_lab.acg.load import shipped_dirs
from covenant_lab.codelets.ir import Codelet
from covenant_lab.widgets import ArchEditor
from covenant_lab.widgets.editor_state import (
    estimate_cycles,
    node_fields,
    param_fields,
    parse_value,
    save_as,
    try_node_attr,
    try_param,
)


def _node(editor: ArchEditor, name: str) -> dict:
    return next(n for n in editor.view.graph["nodes"] if n["name"] == name)


def test_fields_show_the_file_as_written(teaching: ACG) -> None:
    assert param_fields(teaching) == list(teaching.params)
    fields = dict(node_fields(teaching, "SPAD"))
    assert fields["capacity_bytes"] == "spad_kib * 1024"
    assert fields["buffering"] == "2"
    assert dict(node_fields(teaching, "mac_array")) == {"dims.rows": "rows", "dims.cols": "cols"}
    assert dict(node_fields(teaching, "bus"))["bytes_per_cycle"] == "bus_bytes"


def test_parse_value() -> None:
    assert parse_value(" 42 ") == 42
    assert parse_value("1_024") == 1024
    assert parse_value("true") is True
    assert parse_value("") is None
    assert parse_value("rows * 2") == "rows * 2"


def test_pure_edits_never_raise(teaching: ACG) -> None:
    ok = try_param(teaching, "spad_kib", 32)
    assert ok.ok and ok.arch.storage("SPAD").capacity_bytes == 32 * 1024
    bad = try_param(teaching, "spad_kib", 0)
    assert not bad.ok and bad.arch is teaching and "must be positive" in bad.error
    unknown = try_param(teaching, "nope", 1)
    assert not unknown.ok and "no parameter 'nope'" in unknown.error
    expr = try_node_attr(teaching, "SPAD", "buffering", "1")
    assert expr.ok and expr.arch.storage("SPAD").buffering == 1
    wrong = try_node_attr(teaching, "SPAD", "capacity_bytes", "nope * 2")
    assert not wrong.ok and "unknown parameter 'nope'" in wrong.error


def test_a_valid_edit_updates_the_arch_and_the_view(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    assert "covenant-editor" in e._dom_classes
    e.param_inputs["spad_kib"].value = 32  # what typing in the field does
    assert e.arch.param("spad_kib") == 32
    assert _node(e, "SPAD")["lines"][1] == "32 KiB x2"
    assert e.errors == {}
    e.node_picker.value = "SPAD"
    assert e.attr_inputs["capacity_bytes"].value == "spad_kib * 1024"
    e.attr_inputs["buffering"].value = "1"
    assert e.arch.storage("SPAD").buffering == 1
    assert _node(e, "SPAD")["lines"][1] == "32 KiB"


def test_an_invalid_edit_is_shown_inline_and_keeps_the_last_valid_arch(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    e.param_inputs["spad_kib"].value = 0
    assert e.arch is teaching
    assert "must be positive" in e.errors["param:spad_kib"]
    box = e._error_boxes["param:spad_kib"]
    assert "covenant-error" in box._dom_classes and "must be positive" in box.value
    e.node_picker.value = "SPAD"
    e.attr_inputs["capacity_bytes"].value = "nope * 2"
    assert e.arch is teaching
    assert "unknown parameter" in e._error_boxes["node:SPAD:capacity_bytes"].value
    # the next valid edit clears the errors and shows the valid values again
    assert e.set_param("bus_bytes", 16)
    assert e.errors == {}
    assert e.param_inputs["spad_kib"].value == 16
    assert e.attr_inputs["capacity_bytes"].value == "spad_kib * 1024"
    assert e._error_boxes["param:spad_kib"].value == ""


def test_recompile_shows_old_and_new_cycles(teaching: ACG, layer: Codelet) -> None:
    e = ArchEditor(teaching, layer)
    old, why = estimate_cycles(layer, teaching)
    assert why == "" and e.base_cycles == old
    assert f"{old:,.0f}" in e.cycles.value
    assert e.set_param("bus_bytes", 16)
    new, _ = estimate_cycles(layer, e.arch)
    assert e.result is not None and e.result.estimate.cycles == new
    assert f"now {new:,.0f}" in e.cycles.value
    assert e.view.graph["mapping"] == layer.name


def test_save_as_refuses_shipped_and_existing_files(teaching: ACG, tmp_path: Path) -> None:
    shipped = shipped_dirs()[0]
    existing = shipped / "teaching.yaml"
    before = existing.read_text()
    written, error = save_as(teaching, str(existing))
    assert written is None and "already exists" in error
    fresh = shipped / "teaching_copy_for_test.yaml"
    written, error = save_as(teaching, str(fresh))
    assert written is None and "shipped architectures directory" in error
    assert not fresh.exists() and existing.read_text() == before
    target = tmp_path / "mine.yaml"
    assert save_as(teaching, str(target)) == (target, "")
    assert load_arch(target) == teaching
    assert save_as(teaching, str(target))[0] is None
    assert save_as(teaching, "")[1].startswith("save as: enter a file path")


def test_editor_save_button(teaching: ACG, tmp_path: Path) -> None:
    e = ArchEditor(teaching)
    e.set_param("spad_kib", 8)
    e.path.value = str(shipped_dirs()[0] / "teaching.yaml")
    e.save_button.click()
    assert "already exists" in e._error_boxes["save"].value
    e.path.value = str(tmp_path / "small.yaml")
    e.save_button.click()
    assert e._error_boxes["save"].value == "" and "saved" in e.save_status.value
    assert load_arch(tmp_path / "small.yaml").param("spad_kib") == 8
    e.set_param("spad_kib", 4)
    e.save_button.click()
    assert "already exists" in e._error_boxes["save"].value
    e.overwrite.value = True
    e.save_button.click()
    assert load_arch(tmp_path / "small.yaml").param("spad_kib") == 4
