"""``covenant bench`` and ``covenant report``: exit codes, refusals, files."""

from __future__ import annotations

import json

from covenant_lab.cli import main

TINY = ["--arch", "teaching", "--layers", "lenet_pool1", "lenet_fc1", "--no-search",
        "--no-models", "-j", "1"]


def test_bad_arch_exits_2(tmp_path, capsys):
    assert main(["bench", "--arch", "nope", "--out", str(tmp_path / "r")]) == 2
    assert "no architecture variant named 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_bad_layer_exits_2(tmp_path, capsys):
    assert main(["bench", "--layers", "resnet_stem", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "no suite layer named 'resnet_stem'" in err and "resnet50_stem" in err


def test_bench_then_report(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["bench", *TINY, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "== per architecture" in text and "lenet_fc1" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["archs"]["teaching"]["checks_failed"] == 0
    html = out / "report.html"
    assert main(["report", str(out), "--html", str(html)]) == 0
    assert f"report: {html.resolve()}" in capsys.readouterr().out
    assert "Roofline" in html.read_text()


def test_report_without_results_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--html", str(tmp_path / "r.html")]) == 2
    assert "no results.json" in capsys.readouterr().err
