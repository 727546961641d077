"""``covenant dse``: the front it prints and writes is the API's, and every bad argument is a
typed error naming the option and the value (exit status 2, nothing written)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from covenant_lab.acg.load import resolve_arch
from covenant_lab.cli import main
from covenant_lab.dse.grid import pareto_sweep
from covenant_lab.viz.pareto import SOURCE

SWEEP = ["--arch", "teaching", "--param", "rows=2,4", "--param", "spad_kib=8,16",
         "--layer", "lenet_fc1", "--layer", "lenet_pool1", "-j", "1"]


@pytest.fixture(scope="module")
def api() -> object:
    with ThreadPoolExecutor(max_workers=1) as ex:
        return pareto_sweep("teaching", {"rows": [2, 4], "spad_kib": [8, 16]},
                            ["lenet_fc1", "lenet_pool1"], executor=ex)


def _flags(points: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(p["arch"], p["layer"], p["cycles"], p["energy_pj"], p["area_mm2"], p["optimal"])
            for p in points]


def test_the_front_printed_and_written_is_the_apis(
    api: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, page = tmp_path / "front.json", tmp_path / "front.html"
    assert main(["dse", *SWEEP, "--json", str(out), "--html", str(page)]) == 0
    printed = capsys.readouterr()
    doc = json.loads(out.read_text())
    want = [(p.arch, p.layer, p.cycles, p.energy_pj, p.area_mm2, p.optimal)
            for p in api.totals]  # type: ignore[attr-defined]
    assert _flags(doc["totals"]) == want
    assert _flags(doc["points"]) == [(p.arch, p.layer, p.cycles, p.energy_pj, p.area_mm2,
                                      p.optimal) for p in api.points]  # type: ignore[attr-defined]
    assert [t["arch"] for t in doc["totals"]] == ["rows=2 spad_kib=8", "rows=2 spad_kib=16",
                                                  "rows=4 spad_kib=8", "rows=4 spad_kib=16"]
    assert doc["totals"][0]["params"] == {"rows": 2, "spad_kib": 8}
    assert doc["grid"] == {"rows": [2, 4], "spad_kib": [8, 16]}
    assert len(doc["records"]) == 8 and all(r["status"] == "ok" for r in doc["records"])
    # the table: the API's own, under one line saying what the stars mean
    assert api.table() in printed.out  # type: ignore[attr-defined]
    optimal = sum(p.optimal for p in api.totals)  # type: ignore[attr-defined]
    assert f"4 architectures, {optimal} Pareto-optimal" in printed.out
    # teaching's SPAD costs are given per byte and per cycle: a larger one is only larger
    for t in doc["totals"]:
        if t["params"]["spad_kib"] == 16:
            small = next(u for u in doc["totals"]
                         if u["params"] == {**t["params"], "spad_kib": 8})
            assert (t["cycles"], t["energy_pj"]) == (small["cycles"], small["energy_pj"])
            assert t["area_mm2"] > small["area_mm2"] and not t["optimal"]
    # progress: one stderr line per design point, numbered
    lines = [x for x in printed.err.splitlines() if x.startswith("[")]
    assert len(lines) == 8 and lines[-1].startswith("[8/8 ")
    assert "4 architectures x 2 layers = 8 design points on this process" in printed.err
    html = page.read_text()
    assert SOURCE in html and "rows=4 spad_kib=8" in html


BAD = [
    (["--param", "rows=2,x"], "--param 'rows=2,x': 'x' is not an integer"),
    (["--param", "rows=2.5"], "--param 'rows=2.5': '2.5' is not an integer"),
    (["--param", "row=2"], "--param 'row=2': teaching has no parameter 'row'"),
    (["--param", "rows="], "--param 'rows=': no values for 'rows'"),
    (["--param", "rows"], "--param 'rows': expected NAME=V1,V2,..."),
    (["--param", "rows=2,2"], "--param 'rows=2,2': 2 is given twice"),
    (["--param", "rows=2", "--param", "rows=4"], "--param 'rows=4': 'rows' is swept twice"),
    ([], "nothing to sweep: give at least one --param"),
    (["--param", "rows=0"], "--param rows=0: teaching refuses it: "),
    (["--param", "rows=1,2,3,4,5", "--param", "cols=1,2,3", "--max-points", "14"],
     "15 combinations x 1 layer(s) = 15 design points, over --max-points 14"),
    (["--max-points", "0"], "--max-points 0: must be at least 1"),
    (["-j", "0"], "-j 0: at least 1 worker"),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_arguments_name_the_option_and_the_value(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "front.json"
    base = ["--arch", "teaching", "--layer", "lenet_fc1", "--json", str(out)]
    if "--param" not in extra and message.startswith(("--max", "-j")):
        base += ["--param", "rows=2"]
    assert main(["dse", *base, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: dse: {message}")
    assert "Traceback" not in err
    assert "hint:" in err or message.startswith(("--max", "-j"))  # what to do instead
    assert not out.exists()


def test_bad_layers_and_arch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = ["--param", "rows=2"]
    assert main(["dse", "--arch", "teaching", *sweep, "--layer", "lenet_fcc"]) == 2
    err = capsys.readouterr().err
    assert "error: dse: --layer 'lenet_fcc': no suite layer named 'lenet_fcc'" in err
    assert "lenet_fc1" in err  # the closest names
    assert main(["dse", "--arch", "teaching", *sweep]) == 2
    assert "dse: no layer: give at least one --layer NAME" in capsys.readouterr().err
    assert main(["dse", "--arch", "nope", *sweep, "--layer", "lenet_fc1"]) == 2
    assert "error: dse: --arch: no shipped architecture named 'nope'" in capsys.readouterr().err
    missing = tmp_path / "gone.yaml"
    assert main(["dse", "--arch", str(missing), *sweep, "--layer", "lenet_fc1"]) == 2
    assert f"error: dse: --arch: architecture file '{missing}' not found" in (
        capsys.readouterr().err)
    # an output that is the architecture file itself is refused before any work
    arch = tmp_path / "t.yaml"
    arch.write_text(resolve_arch("teaching").read_text())
    assert main(["dse", "--arch", str(arch), *sweep, "--layer", "lenet_fc1",
                 "--json", str(arch)]) == 2
    assert "is the same file as --arch" in capsys.readouterr().err


def test_dask_at_a_scheduler_address_gives_the_same_front(
    api: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "front.json"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster:
        address = cluster.scheduler_address
        assert main(["dse", *SWEEP[:-2], "--dask", address, "--json", str(out)]) == 0
    assert f"8 design points on Dask ({address})" in capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert _flags(doc["totals"]) == [(p.arch, p.layer, p.cycles, p.energy_pj, p.area_mm2,
                                      p.optimal) for p in api.totals]  # type: ignore[attr-defined]
