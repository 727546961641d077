"""``covenant arch check|show|list``."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from covenant_lab.cli import main

BAD = Path(__file__).parent / "acg" / "bad"
HAVE_GRAPHVIZ = (
    shutil.which("dot") is not None or importlib.util.find_spec("pygraphviz") is not None
)


@pytest.mark.parametrize("name", ["genesys", "hvx", "teaching"])
def test_check_shipped(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "check", name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: ")
    assert "storage:" in out and "compute:" in out and "edges:" in out
    assert "ok: " in out


def test_check_by_path_with_param_override(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).parents[1] / "archs" / "genesys.yaml"
    assert main(["arch", "check", str(path), "-p", "rows=16", "--param", "cols=16"]) == 0
    assert "rows=16 x cols=16" in capsys.readouterr().out


def test_check_malformed(capsys: pytest.CaptureFixture[str]) -> None:
    path = BAD / "dangling_edge.yaml"
    assert main(["arch", "check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"error: {path}: 1 problem in architecture" in captured.err
    assert "edges[3].to: unknown node 'vector'" in captured.err


def test_check_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "check", "tpu"]) == 2
    err = capsys.readouterr().err
    assert "no shipped architecture named 'tpu'" in err and "hint:" in err


def test_bad_param_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "check", "teaching", "-p", "rows"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
    assert main(["arch", "check", "teaching", "-p", "rows=four"]) == 2
    assert "must be an integer" in capsys.readouterr().err


def test_show_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "show", "teaching", "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('digraph "teaching" {')
    assert main(["arch", "show", "teaching"]) == 0  # dot is the default
    assert capsys.readouterr().out == out


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "show", "hvx", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "hvx"
    assert {n["kind"] for n in data["nodes"]} == {"storage", "compute", "comm"}
    hvx = next(n for n in data["nodes"] if n["name"] == "hvx")
    assert hvx["capabilities"][0]["op"] == "mac"
    assert any(e["src"] == "DDR" and e["via"] == "dma" for e in data["edges"])


def test_show_svg(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["arch", "show", "teaching", "--format", "svg"])
    captured = capsys.readouterr()
    if HAVE_GRAPHVIZ:
        assert code == 0 and "<svg" in captured.out
    else:
        assert code == 2
        assert "Graphviz is not available" in captured.err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "list"]) == 0
    names = capsys.readouterr().out.split()
    assert {"genesys", "hvx", "teaching"} <= set(names)
    assert names == sorted(names)
