"""ArchEditor, issue 14: refused edits marked as not applied (field, graph, info box), compile
failures beside the edited field, the comparison offered after each recompile."""

from __future__ import annotations

from covenant_lab.acg import ACG
from covenant_lab.codelets import library as L
from covenant_lab.widgets import ArchEditor
from covenant_lab.widgets.editor_fields import FieldKey
from covenant_lab.widgets.editor_marks import NOT_APPLIED, mark_not_applied

CONV = L.conv2d((1, 6, 14, 14), (16, 6, 5, 5), bias=True)


def test_mark_not_applied_is_pure() -> None:
    graph = {"params": [["spad_kib", "16"], ["rows", "4"]],
             "nodes": [{"name": "SPAD", "attrs": [["capacity", "16 KiB"]]}],
             "notes": [{"node": "host", "text": "fallback: host — x"}]}
    typed = {FieldKey(None, "spad_kib"): "-5", FieldKey("SPAD", "capacity_bytes"): "abc"}
    valid = {FieldKey(None, "spad_kib"): "16", FieldKey("SPAD", "capacity_bytes"): "x * 1024"}
    out = mark_not_applied(graph, typed, valid)
    assert out["params"] == [
        ["spad_kib", "16 (not applied: -5 was refused; showing the last valid value)"],
        ["rows", "4"]]
    assert out["nodes"][0]["attrs"][0] == [
        "not applied", "capacity_bytes = 'abc' refused; showing the last valid values"]
    assert [n["text"] for n in out["notes"]] == [
        "fallback: host — x",
        "not applied: spad_kib = -5 (refused); the graph shows the last valid value, 16",
        "not applied: SPAD.capacity_bytes = 'abc' (refused); the graph shows the last valid "
        "value, x * 1024"]
    assert graph["params"][0] == ["spad_kib", "16"]  # the input is left alone
    assert mark_not_applied(out, {}, {})["notes"] == out["notes"]
    again = mark_not_applied(out, typed, valid)  # marking twice does not add notes twice
    assert len(again["notes"]) == 3


def test_a_refused_field_is_marked_everywhere(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    assert not e.set_param("spad_kib", -5)
    box = e._error_boxes["param:spad_kib"].value
    assert "spad_kib: -5 is not accepted: spad_kib must be at least 1" in box
    assert f"{NOT_APPLIED} (16)" in box
    assert "covenant-not-applied" in e.param_inputs["spad_kib"]._dom_classes
    params = dict(map(tuple, e.view.graph["params"]))
    assert params["spad_kib"].startswith("16 (not applied: -5 was refused")
    assert any(n["text"].startswith("not applied: spad_kib = -5") for n in e.view.graph["notes"])
    e.set_param("spad_kib", 8)  # a valid value: every mark goes
    assert "covenant-not-applied" not in e.param_inputs["spad_kib"]._dom_classes
    assert dict(map(tuple, e.view.graph["params"]))["spad_kib"] == 8
    assert e.view.graph["notes"] == [] and e._error_boxes["param:spad_kib"].value == ""


def test_a_node_field_refused_is_marked_in_its_info_box(teaching: ACG) -> None:
    e = ArchEditor(teaching)
    assert not e.set_node_attr("SPAD", "capacity_bytes", "abc")
    (spad,) = [n for n in e.view.graph["nodes"] if n["name"] == "SPAD"]
    assert spad["attrs"][0][0] == "not applied"
    e.discard()
    (spad,) = [n for n in e.view.graph["nodes"] if n["name"] == "SPAD"]
    assert spad["attrs"][0][0] != "not applied"


def test_a_compile_failure_sits_beside_the_edited_field(teaching: ACG) -> None:
    e = ArchEditor(teaching, CONV)
    e.node_picker.value = "SPAD"
    e.attr_inputs["capacity_bytes"].value = "16"  # valid, but no tile fits
    box = e._error_boxes["node:SPAD:capacity_bytes"].value
    assert "capacity_bytes: 16 is applied, but conv2d no longer compiles on it" in box
    assert "holds 16 B" in box and e.result is None
    assert e.arch.storage("SPAD").capacity_bytes == 16
    assert e.set_node_attr("SPAD", "capacity_bytes", "16384")
    assert e._error_boxes["node:SPAD:capacity_bytes"].value == ""


def test_each_recompile_offers_the_comparison(teaching: ACG) -> None:
    e = ArchEditor(teaching, CONV)
    assert e.compare_button.layout.display == "none"
    assert e.set_param("cols", 8)
    assert e.compare_button.layout.display == ""
    assert e.compare()
    c = e.compare_view.comparison
    assert (c.before.label, c.after.label) == ("previous", "now")
    assert c.before.estimate == e.base_cycles
    assert c.after.estimate == e.result.estimate.cycles < e.base_cycles
    assert c.cycles.delta < 0
    assert e.set_param("rows", 8)  # the next edit compares with the run before it
    assert e.compare_box.children == ()
    assert e.compare()
    assert e.compare_view.comparison.before.estimate == c.after.estimate
