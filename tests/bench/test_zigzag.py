"""The ZigZag side-by-side: our side always (machine, layers, hand-derived timing), ZigZag itself
only with an interpreter that has zigzag-dse (``make oracles``)."""

from __future__ import annotations

import math

import pytest

from covenant_lab.acg.load import loads_arch
from covenant_lab.bench import zigzag as zz
from covenant_lab.bench.zigzag_layers import LAYERS, shared_layer
from covenant_lab.bench.zigzag_machine import SHARED_32X32, shared_machine, write_zigzag_inputs
from covenant_lab.compiler import Compute, compile
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator

# shared notes, side_by_side.md: ideal cycles, and ZigZag 3.9.1's cycles measured by hand
NOTES_IDEAL = {"conv3x3": 112_896, "gemm256": 16_384, "conv1x1": 50_176, "stem7x7s2": 115_248,
               "conv3x3s2": 112_896, "fc2048": 128_000, "bert_qkv": 221_184, "dw3x3": 25_088}
NOTES_ZIGZAG = {"conv3x3": 129_572, "gemm256": 20_559, "conv1x1": 59_772, "stem7x7s2": 132_306,
                "conv3x3s2": 141_899, "fc2048": 127_103, "bert_qkv": 226_638, "dw3x3": 113_877}
SKEW = 32 + 32 - 2  # the skew (rows + cols - 2) on 32 x 32; fill and drain are transfers


def test_the_machine_file_loads_with_both_timings():
    acg = loads_arch(SHARED_32X32, source="<shared_32x32>")
    assert acg.name == "shared_32x32"
    assert acg.param_values["skew_once"] == 0 and acg.param_values["sram_buffering"] == 2
    cycles = {s: str(shared_machine(s).compute("array").capabilities[0].cycles) for s in (0, 1)}
    assert cycles[0].replace(" ", "") == f"stream+{SKEW}"
    assert cycles[1].replace(" ", "") in ("stream", "stream+0")  # constants folded at load
    with pytest.raises(UsageError, match="skew_once must be 0 or 1"):
        shared_machine(2)


def test_the_layers_are_the_notes_layers():
    assert {x.name: x.ideal_cycles for x in LAYERS} == NOTES_IDEAL
    assert shared_layer("dw3x3").bound == "memory" and shared_layer("conv3x3").bound == "compute"
    with pytest.raises(UsageError, match="no shared layer"):
        shared_layer("conv5x5")


def test_zigzag_inputs_are_written(tmp_path):
    import yaml

    accelerator, mapping = write_zigzag_inputs(tmp_path)
    acc = yaml.safe_load(accelerator.read_text())
    assert acc["operational_array"]["sizes"] == [32, 32]
    sizes = {name: m["size"] for name, m in acc["memories"].items() if name != "dram"}
    assert sizes == {"w_reg": 8, "o_reg": 16, "ifmap_sram": 64 * 1024 * 8,
                     "filter_sram": 64 * 1024 * 8, "ofmap_sram": 64 * 1024 * 8}
    assert {p["bandwidth_max"] for p in acc["memories"]["dram"]["ports"]} == {128}
    assert yaml.safe_load(mapping.read_text())[0]["name"] == "default"


@pytest.fixture(scope="module")
def compiled():
    """Every layer compiled on both timings: {(layer, skew_once): (program, cycles)}."""
    machines = {s: shared_machine(s) for s in (0, 1)}
    out = {}
    for layer in LAYERS:
        front = layer.layer()
        for s, acg in machines.items():
            result = compile(front, acg)
            out[layer.name, s] = (result.program, Simulator(result.program, acg).total_cycles)
    return out


@pytest.mark.slow  # the eight full-size layers, 2-20 s each to compile
@pytest.mark.parametrize("skew_once", [0, 1])
@pytest.mark.parametrize("layer", LAYERS, ids=lambda x: x.name)
def test_each_layer_compiles_and_simulates(compiled, layer, skew_once):
    program, cycles = compiled[layer.name, skew_once]
    computes = [i for i in program.instrs if isinstance(i, Compute)]
    assert computes and sum(c.operations for c in computes) == program.codelet.operations
    # the layer's MACs; a depthwise conv blocked for the array (compiler/passes/block.py)
    # multiplies its band's zeros too: 60 MACs an output where the layer has 9
    blocked = program.codelet.operations != layer.macs
    assert program.codelet.operations == (layer.macs * 60 // 9 if blocked else layer.macs)
    for c in computes:  # every invocation: passes x folds x (stream, or os_g's port bound,
        p = dict(c.params)  # + the skew when ours)
        stream = p["stream"]
        if c.capability == "os_g":
            stream = max(stream, stream * p["used_rows"] * p["used_cols"] / 32)
        per_fold = stream + (0 if skew_once else SKEW)
        assert c.cycles == math.ceil(p["passes"] * p["folds_rows"] * p["folds_cols"] * per_fold)
    assert cycles >= max(layer.ideal_cycles, sum(c.cycles for c in computes))


def test_without_zigzag_the_table_shows_ours_and_says_it_skipped(monkeypatch):
    monkeypatch.delenv(zz.ORACLES_PYTHON_ENV, raising=False)
    monkeypatch.setattr(zz, "oracles_python", lambda: None)
    lines: list[str] = []
    rows = zz.run_zigzag_comparison(lines.append, layers=LAYERS[:2])
    assert any("ZigZag is not installed" in line for line in lines)
    assert [r["layer"] for r in rows] == ["conv3x3", "gemm256"]
    assert all(r["zigzag"] is None and r["ratio"] is None and r["ours"] > 0 for r in rows)
    assert all(r["ours_zigzag_timing"] <= r["ours"] for r in rows)
    table = "\n".join(lines)
    assert "ours (ZZ timing)" in table and "geomean" in table


def test_a_missing_interpreter_is_a_note_not_an_error(monkeypatch):
    monkeypatch.setenv(zz.ORACLES_PYTHON_ENV, "/nonexistent/python")
    assert zz.oracles_python() is None
    assert zz.run_zigzag(LAYERS[:1]).note == "not installed"


def test_none_in_the_environment_skips_zigzag(monkeypatch):
    monkeypatch.setenv(zz.ORACLES_PYTHON_ENV, "none")
    assert zz.oracles_python() is None
    assert zz.run_zigzag(LAYERS[:1]).note == zz.DISABLED
    lines: list[str] = []
    rows = zz.run_zigzag_comparison(lines.append, layers=LAYERS[1:2])
    assert f"ZigZag {zz.DISABLED}; showing ours only" in lines
    assert rows[0]["zigzag"] is None and rows[0]["zigzag_note"] == zz.DISABLED


# -- ZigZag itself: `make oracles` (a venv with the `oracles` extra); deselected from `make test`


@pytest.fixture(scope="module")
def zigzag_run():
    python = zz.oracles_python()
    if python is None:
        pytest.skip("no interpreter with zigzag-dse: run `make oracles` "
                    f"(or set {zz.ORACLES_PYTHON_ENV})")
    run = zz.run_zigzag(python=python)
    assert not run.note, run.note
    return run


@pytest.mark.oracle
@pytest.mark.parametrize("layer", LAYERS, ids=lambda x: x.name)
def test_zigzag_returns_cycles_for_each_layer(zigzag_run, layer):
    rec = zigzag_run.layers[layer.name]
    assert "error" not in rec, rec.get("error")
    assert rec["cycles"] >= math.ceil(layer.macs / 1024) > 0  # never beats its own array
    assert rec["search_s"] > 0 and rec["energy_pj"] > 0


@pytest.mark.oracle
def test_zigzag_matches_the_hand_measured_cycles(zigzag_run):
    # the notes' figures came from hand-written ZigZag files for the same machine (3.9.1)
    assert {k: r["cycles"] for k, r in zigzag_run.layers.items()} == NOTES_ZIGZAG


@pytest.mark.oracle
def test_zigzag_reports_its_accesses_per_level_and_they_add_up_to_its_energy():
    python = zz.oracles_python()
    if python is None:
        pytest.skip("no interpreter with zigzag-dse: run `make oracles`")
    gemm = next(x for x in LAYERS if x.name == "gemm256")  # 256 x 256 x 256, int8
    run = zz.run_zigzag([gemm], python=python, energy=True)
    assert not run.note, run.note
    for rec in (run.layers["gemm256"], run.energy_optimal["gemm256"]):
        levels = rec["levels"]
        spent = sum(sum(lv["energy_pj"].values()) for lv in levels) + rec["mac_energy_pj"]
        assert spent == pytest.approx(rec["energy_pj"], rel=1e-9)
        assert rec["mac_energy_pj"] == pytest.approx(256**3 * 0.04)  # unit_energy per MAC
        dram = {lv["operand"]: lv["elements"] for lv in levels if lv["memory"] == "dram"}
        # each input read from DRAM at least once, each output written exactly once
        assert dram["I"]["rd_out_to_low"] >= 256 * 256
        assert dram["W"]["rd_out_to_low"] >= 256 * 256
        assert dram["O"]["wr_in_by_low"] == 256 * 256
    assert run.energy_optimal["gemm256"]["energy_pj"] <= run.layers["gemm256"]["energy_pj"]
