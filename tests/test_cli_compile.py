"""``covenant compile`` and ``covenant simulate``: tables, JSON fields, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from covenant_lab.cli import main
from covenant_lab.sim import compiled


def test_compile_writes_the_layer_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, asm = tmp_path / "c.json", tmp_path / "c.s"
    assert (
        main(["compile", "lenet", "--arch", "teaching", "--json", str(out), "--asm", str(asm)]) == 0
    )
    doc = json.loads(out.read_text())
    layers = doc["layers"]
    assert [la["layer"] for la in layers][:2] == ["conv1+relu1", "pool1"]
    for la in layers:
        assert {
            "layer",
            "op",
            "capability",
            "compute_node",
            "estimated_cycles",
            "compile_s",
        } <= set(la)
        assert la["estimated_cycles"] > 0
    assert layers[0]["compute_node"] == "mac_array"
    assert asm.read_text().startswith("; conv2d_relu on teaching")
    assert "7 layers on teaching" in capsys.readouterr().out


def test_compile_one_layer_without_fusion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", "lenet", "--arch", "teaching", "--layer", "fc2", "--no-fuse"]) == 0
    assert "1 layers on teaching" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compile", "lenet", "--arch", "nosuch"], "nosuch"),
        (["compile", "missing.onnx", "--arch", "teaching"], "missing.onnx"),
        (["compile", "lenet", "--arch", "teaching", "--layer", "conv9"], "conv9"),
        (["simulate", "lenet", "--arch", "teaching", "-p", "rows"], "NAME=VALUE"),
        (
            ["compile", "lenet", "--arch", "teaching", "--json", "/no/such/dir/x.json"],
            "/no/such/dir",
        ),
    ],
)
def test_bad_input_exits_2_with_the_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_simulate_checks_every_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, trace = tmp_path / "s.json", tmp_path / "t.json"
    assert (
        main(
            [
                "simulate",
                "lenet",
                "--arch",
                "teaching",
                "--check",
                "--json",
                str(out),
                "--trace",
                str(trace),
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())
    assert doc["total_cycles"] == sum(la["cycles"] for la in doc["layers"])
    for la in doc["layers"]:
        assert la["check"] == "pass"
        assert la["efficiency"] == pytest.approx(la["ideal_cycles"] / la["cycles"], rel=1e-3)
    events = json.loads(trace.read_text())["traceEvents"]
    assert any(e.get("ph") == "X" for e in events)


def test_simulate_without_check_skips_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "s.json"
    assert (
        main(["simulate", "lenet", "--arch", "teaching", "--layer", "pool1", "--json", str(out)])
        == 0
    )
    assert [la["check"] for la in json.loads(out.read_text())["layers"]] == ["skipped"]


def test_a_failed_check_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = compiled.simulate_layer

    def wrong(*args, **kwargs):
        row = real(*args, **kwargs)
        return compiled.LayerSim(
            row.layer,
            row.op,
            row.cycles,
            row.ideal_cycles,
            row.instructions,
            row.utilisation,
            "fail",
            "sim: layer 'x': mismatch",
            row.sim_s,
        )

    monkeypatch.setattr(compiled, "simulate_layer", wrong)
    assert main(["simulate", "lenet", "--arch", "teaching", "--layer", "fc2", "--check"]) == 1
    assert "FAILED" in capsys.readouterr().out
