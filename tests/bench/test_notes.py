"""Fallback units and layers not compiled in the benchmark's records, tables and report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covenant_lab.analysis.report import unit_notes
from covenant_lab.bench.models import unit_notes as model_notes
from covenant_lab.bench.report_text import fallback_lines, model_table
from covenant_lab.cli import main
from covenant_lab.compiler import compile_model
from covenant_lab.types import OpKind
from tests.compiler._hosted import hosted, hosted_model, hosted_yaml

PORT = "accel.mac has no port for role 'init' (operand 'c')"  # a hand-written record's reason
ADD = "no other unit performs 'add'"  # fc1's bias add, split off the array (no init port)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    """A results document with one suite layer on the host and one partial model."""
    model = {"model": "mlp", "arch": "hosted", "status": "ok", "error": "", "layers": 2,
             "peak_rss_mb": 1.0}
    model.update(model_notes(compile_model(hosted_model(), hosted(without=[OpKind.SIGMOID]))))
    return {
        "layers": [
            {"arch": "hosted", "layer": "fc", "fallback_node": "host", "fallback_reason": PORT},
            {"arch": "hosted", "layer": "mm", "fallback_node": "", "fallback_reason": ""},
        ],
        "models": [model],
    }


def test_a_model_record_names_failed_and_fallback_layers(doc: dict[str, Any]) -> None:
    (rec,) = doc["models"]
    assert rec["status"] == "partial"
    assert (rec["failed_layers"], rec["fallback_layers"]) == (1, 2)
    (failed,) = rec["failed"]
    assert failed["layer"] == "act" and failed["missing"] == ["sigmoid"]
    assert "no compute node of hosted performs 'sigmoid'" in failed["error"]
    assert [(f["layer"], f["node"], f["reason"]) for f in rec["fallback"]] == [
        ("fc1", "host", ADD),
        ("fc2+out", "host", "no other unit performs 'relu'"),
    ]


def test_text_report_lines(doc: dict[str, Any]) -> None:
    assert fallback_lines(doc) == [
        f"  hosted/fc: fallback: host — {PORT}",
        f"  model mlp on hosted, fc1: fallback: host — {ADD}",
        "  model mlp on hosted, fc2+out: fallback: host — no other unit performs 'relu'",
    ]
    header, _, row = model_table(doc["models"]).splitlines()
    assert "failed" in header and "fallback" in header
    assert row.split()[:6] == ["mlp", "hosted", "partial", "2", "1", "2"]


def test_html_report_rows(doc: dict[str, Any]) -> None:
    rows = unit_notes(doc)
    assert rows[0] == ["hosted / fc", "fallback: host", PORT]
    assert rows[-1][:2] == ["hosted / model mlp / act (Sigmoid)", "not compiled"]
    assert "performs 'sigmoid'" in rows[-1][2]


def test_bench_marks_suite_layers_on_a_fallback_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arch, out = tmp_path / "hosted.yaml", tmp_path / "results"
    arch.write_text(hosted_yaml())
    args = ["--arch", str(arch), "--layers", "lenet_fc1", "--no-search", "--no-models", "-j", "1"]
    assert main(["bench", *args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "== fallback units (1)" in text
    assert f"  hosted/lenet_fc1: fallback: host — {ADD}" in text
    html = tmp_path / "report.html"
    assert main(["report", str(out), "--html", str(html)]) == 0
    assert "Fallback units and layers not compiled" in html.read_text()
