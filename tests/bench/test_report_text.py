"""The bench's layer table shows each layer's simulated energy and its estimate/simulated
ratio (issue #15), like the cycles."""

from __future__ import annotations

from covenant_lab.bench.report_text import layer_table


def test_the_layer_table_has_energy_and_the_energy_estimate_ratio() -> None:
    row = {"arch": "teaching", "layer": "conv", "status": "ok", "cycles": 1000,
           "ideal_cycles": 900.0, "efficiency": 0.9, "utilisation": 0.8, "traffic_ratio": 1.0,
           "energy_pj": 24_568_800.0, "energy_ratio": 1.0125, "instructions": 12,
           "compile_s": 0.01, "sim_timing_s": 0.002, "sim_functional_s": None, "check": "pass",
           "structural_efficiency": 0.9, "structural_reason": ""}
    old = {k: v for k, v in row.items() if not k.startswith("energy")} | {"layer": "old"}
    lines = layer_table([row, old]).splitlines()
    uj, ratio = (lines[0].index(name) + len(name) for name in (" uJ", "E est/sim"))
    assert lines[2][:uj].endswith(" 24.6") and lines[2][:ratio].endswith(" 1.012")
    assert lines[3][:uj].endswith(" -") and lines[3][:ratio].endswith(" -")  # from before energy


def test_the_layer_table_has_the_cycle_estimate_over_the_simulated_cycles() -> None:
    row = {"arch": "hvx", "layer": "pw", "status": "ok", "cycles": 1000,
           "estimated_cycles": 968.0, "ideal_cycles": 900.0, "efficiency": 0.9,
           "utilisation": 0.8, "traffic_ratio": 1.0, "instructions": 12, "compile_s": 0.01,
           "sim_timing_s": 0.002, "sim_functional_s": None, "check": "pass",
           "structural_efficiency": 0.9, "structural_reason": ""}
    lines = layer_table([row]).splitlines()
    end = lines[0].index(" est/sim") + len(" est/sim")  # the first one: cycles
    assert lines[2][:end].endswith(" 0.968")
