"""``covenant simulate --energy``: the per-layer, per-component table and its JSON, by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper

from covenant_lab.cli import main
from covenant_lab.compiler import compile_model
from covenant_lab.frontends.onnx import load
from covenant_lab.models import BUILDERS
from covenant_lab.sim.compiled import simulate_model
from tests.frontends.onnx._build import make_model

# One 4x4 @ 4x4 MatMul on teaching, worked out by hand in tests/sim/test_energy.py
# (archs/teaching.yaml: DRAM 250 pJ/B, SPAD 2 pJ/B and 1 pJ/cycle leakage, bus 1 pJ/B, MAC
# 0.3 pJ, PE-to-PE 0.04 pJ/B, the array 2 pJ/cycle busy and 0.5 idle), per table column:
HAND = {
    "DRAM": (16 + 16) * 250 + 64 * 250,  # a, w read; y written
    "SPAD": 96 * 2 + 96 * 2,  # written by the loads and the MAC, read by the MAC and the store
    "mac_array": 64 * 0.3 + 240 * 0.04,  # 64 MACs, 240 bytes forwarded PE to PE
    "moves": 96 * 1,  # 96 bytes over the bus (the edges themselves cost nothing)
    "static": 14 * 2 + 12 * 0.5 + 26 * 1,  # busy 14 cycles, idle 12, SPAD leakage 26
}
LAYER_PJ = 24568.8  # the sum of HAND


@pytest.fixture(scope="module")
def two_fc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """x[4,4] @ w1 @ w2: two MatMul layers, each the hand-derived program."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("energy") / "two_fc.onnx"
    onnx.save(make_model(
        [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
         helper.make_node("MatMul", ["h", "w2"], ["y"], name="fc2")],
        {"x": (4, 4)}, ["y"],
        {"w1": rng.standard_normal((4, 4)).astype(np.float32),
         "w2": rng.standard_normal((4, 4)).astype(np.float32)},
    ), path)
    return path


def _table(out: str) -> dict[str, list[str]]:
    lines = out[out.index("energy (") :].splitlines()
    return {line.split()[0]: line.split()[1:] for line in lines}


def test_hand_numbers_in_the_table_and_the_json(
    two_fc: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert math.fsum(HAND.values()) == pytest.approx(LAYER_PJ, rel=1e-12)
    out = tmp_path / "s.json"
    assert main(["simulate", str(two_fc), "--arch", "teaching", "--energy",
                 "--json", str(out)]) == 0
    table = _table(capsys.readouterr().out)
    # one unit for the table (the median layer, 24.57 nJ, reads in nJ); columns in order
    assert table["energy"] == ["(nJ)", "DRAM", "SPAD", "mac_array", "moves", "static",
                               "total", "pJ/op"]
    row = ["24.00", "0.38", "0.03", "0.10", "0.06", "24.57", f"{LAYER_PJ / 64:.1f}"]
    assert table["fc1"] == table["fc2"] == row
    assert table["total"] == ["48.00", "0.77", "0.06", "0.19", "0.12", "49.14", "383.9"]
    doc = json.loads(out.read_text())
    for la in doc["layers"]:
        energy = la["energy"]
        assert energy["columns"] == {k: pytest.approx(v, rel=1e-12) for k, v in HAND.items()}
        assert la["energy_pj"] == energy["total_pj"] == pytest.approx(LAYER_PJ, rel=1e-12)
        assert energy["operations"] == 64
        assert energy["pj_per_op"] == pytest.approx(LAYER_PJ / 64)
        assert energy["components"]["bus"] == 96
        assert energy["actions"]["leakage"] == 26
    assert doc["total_energy_pj"] == pytest.approx(2 * LAYER_PJ, rel=1e-12)


def test_rows_sum_to_their_totals_and_the_total_to_the_layers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.json"
    assert main(["simulate", "lenet", "--arch", "teaching", "--energy", "--json", str(out)]) == 0
    table = _table(capsys.readouterr().out)
    doc = json.loads(out.read_text())
    names = [la["layer"] for la in doc["layers"]]
    assert list(table)[1:] == [*names, "total"]
    for name in [*names, "total"]:
        cells = [float(x.replace(",", "").replace("<", "")) for x in table[name][:-2]
                 if x != "-"]  # "<0.01" counts as 0.01, within the tolerance
        # each printed cell is rounded to 0.005 of the unit
        assert math.fsum(cells) == pytest.approx(float(table[name][-2].replace(",", "")),
                                                 abs=0.005 * (len(cells) + 1))
    rows = simulate_model(compile_model(load(BUILDERS["lenet"]()), "teaching"))
    for la, r in zip(doc["layers"], rows, strict=True):
        assert math.fsum(la["energy"]["columns"].values()) == pytest.approx(r.energy_pj,
                                                                            rel=1e-12)
        assert la["energy_pj"] == r.energy_pj
    assert doc["total_energy_pj"] == math.fsum(r.energy_pj for r in rows)


def test_layers_without_energy_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pool1's program (42 instructions) is over the budget: it is not compiled
    out = tmp_path / "s.json"
    assert main(["simulate", "lenet", "--arch", "teaching", "--layer", "pool1", "--layer",
                 "fc2", "--energy", "--max-instructions", "20", "--json", str(out)]) == 1
    text = capsys.readouterr().out
    table = _table(text)
    assert list(table) == ["energy", "fc2", "no"]
    pool1, fc2 = json.loads(out.read_text())["layers"]
    assert pool1["energy_pj"] is None
    assert table["energy"][0] == "(nJ)" and table["fc2"][-2] == f"{fc2['energy_pj'] / 1e3:.2f}"
    assert text.rstrip().endswith("no energy (not compiled or not simulated): pool1")
