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


SHIPPED_WARNINGS = {
    "genesys": ["storage.IMM: no capability uses 'IMM'"],  # written by instructions only
    "hvx": [],
    "teaching": [],
}

TYPO = """\
name: typo
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  SPAD: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  vec:
    dims: {lanes: 2}
    capabilities:
      - {op: relu, operands: {a: SPAD, out: SPAD}, dtypes: {a: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 1,
         template: "RELU {out_adr} {a_addr}"}
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: 8}
  - {from: SPAD, to: DRAM, bytes_per_cycle: 8}
  - {from: SPAD, to: vec, bytes_per_cycle: 16}
  - {from: vec, to: SPAD, bytes_per_cycle: 16}
"""


@pytest.mark.parametrize("name", sorted(SHIPPED_WARNINGS))
def test_check_shipped_probes_and_warnings(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "check", name]) == 0
    out = capsys.readouterr().out
    probes = [line for line in out.splitlines() if line.startswith("probes")]
    assert probes[0].startswith("probes (") and "conv -> " in probes[0]
    assert "fails" not in probes[0]
    assert probes[1].startswith("probes: ") and probes[1].endswith(" capabilities compile")
    good, _, total = probes[1].removeprefix("probes: ").partition(" of ")
    assert good == total.split()[0]
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(SHIPPED_WARNINGS[name])
    for line, expected in zip(warnings, SHIPPED_WARNINGS[name], strict=True):
        assert expected in line and f"{name}.yaml:" in line


def test_check_prints_warnings_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO, encoding="utf-8")
    assert main(["arch", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"warning: {path}:11: compute.vec.capabilities[0].template: unknown field {{out_adr}}: "
        "the assembler does not fill it and would print <out_adr?>\n"
        "    hint: did you mean 'out_addr'?"
    ) in out
    assert out.rstrip().endswith(f"ok: {path} is a valid architecture (1 warning)")


def test_check_strict_makes_warnings_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO, encoding="utf-8")
    assert main(["arch", "check", str(path), "--strict", "--no-probes"]) == 1
    captured = capsys.readouterr()
    assert "warning: " in captured.out and "ok: " not in captured.out
    assert captured.err == f"error: {path}: 1 warning (--strict)\n"
    assert main(["arch", "check", "teaching", "--strict"]) == 0


def test_check_no_probes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "check", "genesys", "--no-probes"]) == 0
    out = capsys.readouterr().out
    assert "probes: skipped (--no-probes)" in out
    assert "storage.IMM: no capability uses 'IMM'" in out  # static checks still run


@pytest.mark.parametrize("value", ["rows=١٢", "rows=" + "9" * 5000, "rows=1_0", "=3", "rows"])
def test_a_bad_param_is_refused_quoting_a_short_line(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["arch", "check", "genesys", "--no-probes", "-p", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --param ")
    assert len(err) < 300  # the 5000-digit value is quoted, not echoed
