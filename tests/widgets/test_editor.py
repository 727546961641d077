"""ArchEditor and editor_state: valid edits, inline errors, recompile, save as."""

from __future__ import annotations

from pathlib import Path

from covenant_lab.acg import ACG, load_arch
from covenant_lab.acg.load import shipped_dirs
from covenant_lab.codelets.ir import Codelet
from covenant_lab.widgets import ArchEditor
from covenant_lab.widgets.editor_fields import node_fields, param_fields, parse_value
from covenant_lab.widgets.editor_state import (
    estimate_cycles,
    save_as,
    try_node_attr,
    try_param,
)
from tests._featured_archs import row_stationary, tpu_like


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
    assert not wrong.ok and "no parameter named 'nope'" in wrong.error


def test_a_valid_edit_updates_the_arch_and_the_view(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    assert "covenant-editor" in e._dom_classes
    e.param_inputs["spad_kib"].value = "32"  # what typing in the field does
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
    e.param_inputs["spad_kib"].value = "0"
    assert e.arch is teaching
    assert "must be positive" in e.errors["param:spad_kib"]
    box = e._error_boxes["param:spad_kib"]
    assert "covenant-error" in box._dom_classes and "must be positive" in box.value
    e.node_picker.value = "SPAD"
    e.attr_inputs["capacity_bytes"].value = "nope * 2"
    assert e.arch is teaching
    assert "no parameter named" in e._error_boxes["node:SPAD:capacity_bytes"].value
    # a valid edit elsewhere keeps both refused texts and their errors (issue 13)
    assert e.set_param("bus_bytes", 16)
    assert e.arch.param("bus_bytes") == 16
    assert e.param_inputs["spad_kib"].value == "0"
    assert e.attr_inputs["capacity_bytes"].value == "nope * 2"
    assert set(e.errors) == {"param:spad_kib", "node:SPAD:capacity_bytes"}
    # changing the field to a valid value clears its error
    e.param_inputs["spad_kib"].value = "8"
    assert e.arch.param("spad_kib") == 8 and "param:spad_kib" not in e.errors
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


# -- the new numeric fields: a node's clock, a FIFO's entries, fractional bandwidths --------
def test_fields_of_the_new_features() -> None:
    tpu = tpu_like()
    assert node_fields(tpu, "host") == [("dims.lanes", "8"), ("clock_mhz", "2300")]
    assert node_fields(tpu, "mmu") == [("dims.rows", "dim"), ("dims.cols", "dim"),
                                       ("clock_mhz", "")]  # runs on the reference clock
    assert dict(node_fields(tpu, "WFIFO")) == {
        "entries": "fifo_tiles", "entry_bytes": "tile_kib * 1024",
        "read_bytes_per_cycle": "dim", "write_bytes_per_cycle": "48.57",
        "latency_cycles": "", "banks": "", "word_bytes": ""}
    assert dict(node_fields(tpu, "HOST"))["read_bytes_per_cycle"] == "72.86"
    assert dict(node_fields(tpu, "pcie"))["bytes_per_cycle"] == "14 * 1073741824 / 700000000"
    rs = row_stationary()
    assert dict(node_fields(rs, "WEIGHTS_SPAD"))["capacity_bytes"] == "224 * word"  # per PE


def test_parse_value_reads_decimal_numbers() -> None:
    assert parse_value("21.47") == 21.47
    assert parse_value(" .5 ") == 0.5
    assert parse_value("-2.5") == -2.5
    assert parse_value("1_000.25") == 1000.25
    assert parse_value("inf") == "inf" and parse_value("nan") == "nan"  # names, not numbers
    assert parse_value("1e3") == "1e3"


def test_editing_the_new_numeric_fields() -> None:
    tpu = tpu_like()
    clock = try_node_attr(tpu, "host", "clock_mhz", "1150")
    assert clock.ok and clock.arch.compute("host").period_cycles == 700 / 1150
    fifo = try_node_attr(tpu, "WFIFO", "entries", "8")
    assert fifo.ok and fifo.arch.storage("WFIFO").capacity_bytes == 8 * 64 * 1024
    wide = try_node_attr(tpu, "pcie", "bytes_per_cycle", "10.5")
    assert wide.ok and wide.arch.comm("pcie").bytes_per_cycle == 10.5
    assert dict(node_fields(wide.arch, "pcie"))["bytes_per_cycle"] == "10.5"
    read = try_node_attr(tpu, "HOST", "read_bytes_per_cycle", "36.43")
    assert read.ok and read.arch.storage("HOST").read_bytes_per_cycle == 36.43


def test_bad_values_of_the_new_fields_say_why() -> None:
    tpu = tpu_like()
    for node, attr, text, why in (
        ("host", "clock_mhz", "0", "clock_mhz: must be positive, got 0"),
        ("host", "clock_mhz", "fast", "clock_mhz: 'fast' is not a number or an expression of "
                                      "the parameters: no parameter named 'fast'"),
        ("WFIFO", "entries", "0", "entries: must be positive, got 0"),
        ("WFIFO", "entries", "2.5", "entries: must be a whole number, got 2.5"),
        ("WFIFO", "entry_bytes", "-1", "entry_bytes: must be positive, got -1"),
        ("pcie", "bytes_per_cycle", "-0.5", "bytes_per_cycle: must be positive, got -0.5"),
    ):
        out = try_node_attr(tpu, node, attr, text)
        assert not out.ok and out.arch is tpu
        assert out.error.startswith(why), out.error


def test_the_editor_edits_a_clock_and_a_fifo_and_shows_errors_inline() -> None:
    e = ArchEditor(tpu_like())
    e.node_picker.value = "host"
    assert list(e.attr_inputs) == ["dims.lanes", "clock_mhz"]
    e.attr_inputs["clock_mhz"].value = "1150"  # what typing in the field does
    assert e.arch.compute("host").period_cycles == 700 / 1150
    assert _node(e, "host")["lines"][3] == "1150 MHz, 1.64x"
    e.attr_inputs["clock_mhz"].value = "0"
    assert "must be positive" in e._error_boxes["node:host:clock_mhz"].value
    assert e.arch.compute("host").period_cycles == 700 / 1150  # the last valid one
    e.node_picker.value = "WFIFO"
    assert list(e.attr_inputs)[:2] == ["entries", "entry_bytes"]
    e.attr_inputs["entries"].value = "2.5"
    assert "whole number" in e._error_boxes["node:WFIFO:entries"].value
    e.attr_inputs["entries"].value = "2"
    assert set(e.errors) == {"node:host:clock_mhz"}  # the host's refused clock stays pending
    assert _node(e, "WFIFO")["lines"][1] == "FIFO 2 x 64 KiB"
    e.node_picker.value = "pcie"
    e.attr_inputs["bytes_per_cycle"].value = "10.75"
    assert _node(e, "pcie")["lines"][1] == "10.75 B/cyc"
