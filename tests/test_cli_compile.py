"""``covenant compile`` and ``covenant simulate``: tables, JSON fields, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest

from covenant_lab.cli import main
from covenant_lab.sim import compiled
from covenant_lab.types import OpKind
from tests.compiler._hosted import hosted_model, hosted_yaml


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


def test_objective_energy_never_costs_more_energy(tmp_path: Path) -> None:
    found = {}
    for objective in ("cycles", "energy"):
        out = tmp_path / f"{objective}.json"
        assert main(["simulate", "lenet", "--arch", "teaching", "--layer", "conv2",
                     "--objective", objective, "--json", str(out)]) == 0
        (layer,) = json.loads(out.read_text())["layers"]
        found[objective] = layer["energy_pj"]
    assert 0 < found["energy"] <= found["cycles"]


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


@pytest.fixture
def hosted_files(tmp_path: Path) -> tuple[str, str]:
    """An .onnx model and an architecture on which its Sigmoid layer has no unit."""
    arch, model = tmp_path / "hosted.yaml", tmp_path / "mlp.onnx"
    arch.write_text(hosted_yaml(without=[OpKind.SIGMOID]))
    onnx.save(hosted_model().proto, model)
    return str(model), str(arch)


def test_compile_marks_fallback_layers_and_exits_1_on_a_failed_one(
    hosted_files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, arch = hosted_files
    out = tmp_path / "c.json"
    assert main(["compile", model, "--arch", arch, "--json", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    (fc1,) = [ln for ln in lines if ln.startswith("fc1 ")]
    assert " accel.mac,host.add " in fc1  # the MAC on the array, its bias add on the host
    assert fc1.endswith("fallback: host — no other unit performs 'add'")
    (act,) = [ln for ln in lines if ln.startswith("act ")]
    assert "Sigmoid" in act and "FAILED: no legal mapping of sigmoid onto hosted" in act
    assert "3 layers on hosted" in captured.out and "1 FAILED, 2 on a fallback unit" in captured.out
    assert "  act (Sigmoid): no legal mapping" in captured.out
    assert "hint: add a capability with this op to the architecture file" in captured.out
    rows = {r["layer"]: r for r in json.loads(out.read_text())["layers"]}
    assert [r["status"] for r in rows.values()] == ["compiled", "failed", "compiled"]
    assert rows["act"]["missing"] == ["sigmoid"]
    assert rows["fc1"]["fallback"] == [
        {
            "stage": 1,
            "op": "add",
            "node": "host",
            "reason": "no other unit performs 'add'",
            "preferred": [],
        }
    ]


def test_simulate_checks_the_other_layers_and_exits_1_on_a_failed_one(
    hosted_files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, arch = hosted_files
    out = tmp_path / "s.json"
    assert main(["simulate", model, "--arch", arch, "--check", "--json", str(out)]) == 1
    text = capsys.readouterr().out
    (act,) = [ln for ln in text.splitlines() if ln.startswith("act ")]
    assert "FAILED: no legal mapping of sigmoid" in act
    (fc2,) = [ln for ln in text.splitlines() if ln.startswith("fc2+out ")]
    assert " pass " in fc2 and fc2.endswith("fallback: host — no other unit performs 'relu'")
    doc = json.loads(out.read_text())
    assert [(r["layer"], r["check"]) for r in doc["layers"]] == [
        ("fc1", "pass"),
        ("act", "not compiled"),
        ("fc2+out", "pass"),
    ]
    assert doc["total_cycles"] == sum(r["cycles"] or 0 for r in doc["layers"])
