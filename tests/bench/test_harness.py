"""The benchmark harness on a tiny suite (LeNet layers) on the teaching machine."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.analysis import ideal_bound
from covenant_lab.analysis.report import TITLES, write_report
from covenant_lab.bench import BenchConfig, arch_info, load_variant, prepare_out_dir, run_bench
from covenant_lab.bench.search_quality import compare, search_codelet
from covenant_lab.bench.summary import geomean
from covenant_lab.errors import UsageError
from covenant_lab.suite import load_suite_layer, small_suite

TINY = tuple(e.name for e in small_suite())
SUMMARY_KEYS = {"geomean_efficiency", "min_efficiency", "median_compile_s", "checks_failed"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """One harness run: 4 LeNet layers on teaching (in process), two search-quality layers and
    the LeNet model end to end; returns (results directory, document, printed text)."""
    out = tmp_path_factory.mktemp("bench")
    config = BenchConfig(archs=("teaching",), layers=TINY, workers=1,
                         search_layers=("lenet_fc1", "small_matmul"), models=("lenet",),
                         model_archs=("teaching",))
    text = io.StringIO()
    doc = run_bench(config, out, stream=text, err=io.StringIO())
    return out, doc, text.getvalue()


def test_every_layer_has_consistent_numbers(bench):
    _, doc, _ = bench
    assert [r["layer"] for r in doc["layers"]] == list(TINY)
    for r in doc["layers"]:
        assert r["status"] == "ok", r["error"]
        assert r["check"] in ("pass", "fail", "skipped")
        assert r["efficiency"] == pytest.approx(r["ideal_cycles"] / r["cycles"], rel=1e-12)
        assert 0 < r["efficiency"] <= 1.0 + 1e-9
        assert 0 <= r["utilisation"] <= 1
        assert r["offchip_bytes"] >= r["compulsory_bytes"] > 0
        assert r["traffic_ratio"] == pytest.approx(r["offchip_bytes"] / r["compulsory_bytes"])
        assert r["events"] == 2 * r["instructions"]
        assert r["table"]  # the mapping table text


def test_checks_pass_in_full_mode(bench):
    _, doc, _ = bench
    assert [r["check"] for r in doc["layers"]] == ["pass"] * len(TINY)
    assert all(r["sim_functional_s"] is not None for r in doc["layers"])


def test_ideal_cycles_are_the_bound_of_the_layer():
    _, doc_layer = "lenet_fc1", load_suite_layer("lenet_fc1")[0]
    acg = load_arch("teaching")
    from covenant_lab.dse import Options, evaluate

    rec = evaluate(acg, "lenet_fc1", Options())
    bound = ideal_bound(doc_layer.codelet, acg)
    assert rec["ideal_cycles"] == bound.cycles
    assert rec["compulsory_bytes"] == bound.compulsory_bytes
    assert rec["check"] == "skipped" and rec["check_note"] == "timing only"


def test_summary_has_the_headline_figures(bench):
    out, doc, _ = bench
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(json.dumps(doc["summary"]))
    teaching = summary["archs"]["teaching"]
    assert set(teaching) >= SUMMARY_KEYS
    effs = [r["efficiency"] for r in doc["layers"]]
    assert teaching["geomean_efficiency"] == pytest.approx(geomean(effs))
    assert teaching["min_efficiency"] == min(effs)
    assert teaching["checks_failed"] == 0
    assert summary["mode"] == "full"
    speed = summary["sim_speed"]
    assert speed["instructions_per_s"] > 0 and speed["functional_instructions_per_s"] > 0
    timed = [r for r in doc["layers"] if r.get("sim_functional_s")]
    assert speed["functional_overhead"] == pytest.approx(
        sum(r["sim_functional_s"] for r in timed) / sum(r["sim_timing_s"] for r in timed))
    assert summary["models"]["lenet on teaching"]["status"] == "ok"


def test_files_are_written(bench):
    out, doc, _ = bench
    assert {p.name for p in out.iterdir()} >= {"results.json", "summary.json", "layers.csv",
                                               "search.csv", "models.csv"}
    rows = list(csv.DictReader(io.StringIO((out / "layers.csv").read_text())))
    assert [r["layer"] for r in rows] == list(TINY)
    assert "table" not in rows[0]
    assert float(rows[0]["efficiency"]) == pytest.approx(doc["layers"][0]["efficiency"])
    full = json.loads((out / "results.json").read_text())
    assert full["archs"]["teaching"]["peak_ops_per_cycle"] > 0
    assert len(full["search"]) == 2


def test_search_vs_exhaustive_records(bench):
    _, doc, text = bench
    for r in doc["search"]:
        assert r["status"] == "ok", r["error"]
        assert r["ratio"] == pytest.approx(r["cycles_search"] / r["cycles_exhaustive"])
        assert r["est_ratio"] == pytest.approx(r["est_search"] / r["est_exhaustive"])
    assert "search vs exhaustive" in text


def test_whole_model_record(bench):
    _, doc, _ = bench
    (m,) = doc["models"]
    assert m["model"] == "lenet" and m["status"] == "ok", m["error"]
    assert m["cycles"] > 0 and m["layers"] > 0 and m["peak_rss_mb"] > 0
    assert m["efficiency"] == pytest.approx(m["ideal_cycles"] / m["cycles"])
    assert 0 < m["efficiency"] <= 1
    assert m["estimate_ratio"] == pytest.approx(m["estimated_cycles"] / m["cycles"])
    # the layers with a structural gap and the rest add up to the model
    assert m["gap_cycles"] + m["rest_cycles"] == m["cycles"]
    assert m["gap_ideal_cycles"] + m["rest_ideal_cycles"] == pytest.approx(m["ideal_cycles"])
    assert m["gap_layers"] >= 1  # LeNet's first conv: 1 input channel on the array's rows
    assert m["gap_structural_cycles"] > m["gap_ideal_cycles"]


def test_printed_table(bench):
    _, doc, text = bench
    (m,) = doc["models"]
    assert f"lenet on teaching: {m['gap_layers']} of {m['layers']} layers have a structural " \
           "gap" in text
    assert "== layers (full mode)" in text
    assert "geomean eff" in text
    for name in TINY:
        assert name in text


def test_report_html(bench, tmp_path):
    out, _, _ = bench
    page = write_report(out, tmp_path / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    for title in (TITLES["efficiency"], TITLES["roofline"], TITLES["compile"], TITLES["sim"]):
        assert title in page
    assert "cdn.bokeh.org" not in page  # INLINE resources: no network needed
    assert "lenet_conv2_relu" in page


def test_quick_mode_skips_large_checks_and_says_so(tmp_path):
    config = BenchConfig(archs=("teaching",), layers=("lenet_pool1", "lenet_fc1"), quick=True,
                         workers=1, search_layers=(), models=(), check_limit=50)
    text = io.StringIO()
    doc = run_bench(config, tmp_path, stream=text, err=io.StringIO())
    by = {r["layer"]: r for r in doc["layers"]}
    assert by["lenet_pool1"]["instructions"] <= 50 and by["lenet_pool1"]["check"] == "pass"
    assert by["lenet_fc1"]["instructions"] > 50 and by["lenet_fc1"]["check"] == "skipped"
    assert "quick mode" in by["lenet_fc1"]["check_note"]
    assert doc["summary"]["archs"]["teaching"]["checks_skipped"] == 1
    assert ("functional checks skipped for programs over 50 instructions (verdict 'skipped'; "
            "1 of 2 layers skipped)") in text.getvalue()


def test_compare_search_with_exhaustive_directly():
    rec = compare(search_codelet("small_matmul"), load_arch("teaching"))
    assert rec["cycles_search"] > 0 and rec["cycles_exhaustive"] > 0
    assert rec["est_ratio"] >= 1.0 - 1e-9


def test_variants():
    label, acg = load_variant("genesys16")
    assert label == "genesys16" and acg.param("rows") == 16 and acg.param("cols") == 16
    info = arch_info(label, acg)
    assert info["main_capability"] == "pe_array.mac"
    assert math.isclose(info["peak_ops_per_cycle"], 256, rel_tol=1e-3)
    with pytest.raises(UsageError, match="no architecture variant named 'nope'"):
        load_variant("nope")


def test_bad_config_is_refused_before_running(tmp_path):
    with pytest.raises(UsageError, match="no suite layer named"):
        run_bench(BenchConfig(archs=("teaching",), layers=("lenet_fc9",)), tmp_path)
    with pytest.raises(UsageError, match="no built-in model named vgg"):
        BenchConfig(models=("vgg",)).validate()
    assert not list(tmp_path.iterdir())


def test_out_dir_is_created_anywhere_the_user_says(tmp_path):
    # one rule for every output (covenant_lab/fileio.py): the user's path, wherever it is
    assert prepare_out_dir(tmp_path / "a" / "b").is_dir()
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="exists and is not a directory"):
        prepare_out_dir(tmp_path / "f")
