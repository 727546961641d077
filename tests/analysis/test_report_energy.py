"""The report's energy section: the bench records each layer's energy, the bars are the
simulator's energy per class, and results without energy render with a note."""

from __future__ import annotations

import json
import math

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.acg.energy import energy_model
from covenant_lab.analysis.report import load_results, write_report
from covenant_lab.analysis.report_energy import (
    ENERGY_TITLES,
    energy_bars_data,
    energy_figures,
    energy_note,
    energy_scatter_data,
)
from covenant_lab.bench import load_variant
from covenant_lab.compiler import compile
from covenant_lab.sim import Simulator
from covenant_lab.sim.energy_classes import EnergyClass, by_class
from covenant_lab.suite import load_suite_layer, suite_layer

from .bench_doc import ARCHS, LAYERS, tiny_bench, without_energy


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    tiny_bench(out)
    return out, load_results(out)  # as the report reads it: through results.json


def _simulated(layer: str, arch: str):
    acg = load_arch(arch)
    (one,) = load_suite_layer(suite_layer(layer))
    return acg, Simulator(compile(one, acg).program, acg).energy()


def test_bench_records_each_layers_energy(bench):
    _, doc = bench
    assert [(r["arch"], r["layer"]) for r in doc["layers"]] == [
        (a, la) for a in ARCHS for la in LAYERS]
    for r in doc["layers"]:
        assert r["status"] == "ok", r["error"]
        assert r["energy_pj"] > 0
        classes = [r[c.field] for c in EnergyClass]
        assert math.fsum(classes) == pytest.approx(r["energy_pj"], rel=1e-12)
        assert math.fsum(r["energy_by_component"].values()) == pytest.approx(r["energy_pj"],
                                                                             rel=1e-12)
    acg, report = _simulated("lenet_fc1", "teaching")
    (rec,) = [r for r in doc["layers"] if (r["arch"], r["layer"]) == ("teaching", "lenet_fc1")]
    assert rec["energy_pj"] == report.total_pj  # exact, through JSON
    assert rec["area_mm2"] == energy_model(acg).area_mm2 > 0


def test_summary_sums_energy_per_architecture(bench):
    _, doc = bench
    for arch in ARCHS:
        mine = [r for r in doc["layers"] if r["arch"] == arch]
        summary = doc["summary"]["archs"][arch]
        assert summary["total_energy_pj"] == math.fsum(r["energy_pj"] for r in mine)
        assert summary["area_mm2"] == energy_model(load_variant(arch)[1]).area_mm2
    assert doc["summary"]["archs"]["genesys16"]["area_mm2"] > doc["summary"]["archs"][
        "teaching"]["area_mm2"]


def test_bar_heights_are_the_simulators_energy_per_class(bench):
    _, doc = bench
    data = energy_bars_data(doc)
    assert data["x"] == [(la, a) for a in ARCHS for la in LAYERS]
    i = data["x"].index(("lenet_fc1", "teaching"))
    acg, report = _simulated("lenet_fc1", "teaching")
    want = by_class(report.parts, acg)
    for c in EnergyClass:
        assert data[c.name][i] == pytest.approx(want[c] * 1e-6, rel=1e-12, abs=0), c
    assert data["total"][i] == pytest.approx(report.total_pj * 1e-6, rel=1e-12)
    assert want[EnergyClass.DRAM] > 0 and want[EnergyClass.COMPUTE] > 0
    for j, total in enumerate(data["total"]):  # the stack of every bar is the layer's total
        assert math.fsum(data[c.name][j] for c in EnergyClass) == pytest.approx(total, rel=1e-9)
    shares = energy_bars_data(doc, shares=True)
    for j in range(len(shares["x"])):
        assert math.fsum(shares[c.name][j] for c in EnergyClass) == pytest.approx(1.0)
    assert shares[EnergyClass.DRAM.name][i] == pytest.approx(
        want[EnergyClass.DRAM] / report.total_pj)


def test_scatter_is_energy_against_cycles(bench):
    _, doc = bench
    pts = energy_scatter_data(doc, "genesys16")
    mine = [r for r in doc["layers"] if r["arch"] == "genesys16"]
    assert pts["layer"] == list(LAYERS)
    assert pts["cycles"] == [r["cycles"] for r in mine]
    assert pts["energy_uj"] == [r["energy_pj"] * 1e-6 for r in mine]


def test_report_page_has_the_energy_section(bench, tmp_path):
    out, doc = bench
    assert energy_note(doc) == ""
    assert len(energy_figures(doc, {}, width=800)) == 3
    page = write_report(out, tmp_path / "report.html").read_text()
    for title in ENERGY_TITLES.values():
        assert json.dumps(title)[1:-1] in page  # inside the Bokeh document (JSON)
    assert "covenant-energy-bars" in page and "covenant-energy-scatter-teaching" in page
    assert "No energy" not in page


def test_old_results_without_energy_render_with_a_note(bench, tmp_path):
    out, _ = bench
    old = without_energy(out, tmp_path / "old")
    note = energy_note(old)
    assert "any of the 8 mapped layers" in note and "covenant bench --out DIR" in note
    assert energy_figures(old, {}, width=800) == []
    assert energy_bars_data(old)["x"] == []
    page = write_report(tmp_path / "old", tmp_path / "old.html").read_text()
    assert "No energy recorded for any of the 8 mapped layers" in page
    assert ENERGY_TITLES["bars"] not in page
    # some layers with energy and some without: the ones with it are drawn, the rest counted
    mixed = load_results(out)
    for key in [k for k in mixed["layers"][0] if k.startswith("energy_")]:
        del mixed["layers"][0][key]
    note = energy_note(mixed)
    assert note.startswith(f"No energy recorded for 1 of the {len(mixed['layers'])} ")
    assert len(energy_bars_data(mixed)["x"]) == len(mixed["layers"]) - 1
    assert len(energy_figures(mixed, {}, width=800)) == 3
