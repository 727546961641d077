"""compile(..., objective=): cycles, energy or EDP from one cost model (compiler/objective.py)."""

from __future__ import annotations

import pytest

import covenant_lab as cl
from covenant_lab.codelets.library.gemm import gemm
from covenant_lab.compiler.model import fused
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator
from covenant_lab.suite import SUITE, load_suite_layer


def test_the_estimate_prices_energy_like_the_simulator() -> None:
    # the hand-derived layer of tests/sim/test_energy.py: 24568.8 pJ in 26 cycles
    result = cl.compile(gemm((4, 4), (4, 4)), "teaching")
    assert result.estimate.energy_pj == pytest.approx(24568.8)
    sim = Simulator(result.program, result.arch).run()
    assert sim.energy().total_pj == pytest.approx(result.estimate.energy_pj)


def test_an_unknown_objective_names_the_choices() -> None:
    with pytest.raises(UsageError, match=r"'objective' to compile: expected one of 'cycles', "
                                         r"'energy', 'edp', got 'power'"):
        cl.compile(gemm((4, 4), (4, 4)), "teaching", objective="power")


@pytest.mark.parametrize("arch", ["teaching", "genesys"])
def test_the_energy_objective_never_costs_more_energy(arch: str) -> None:
    """On every suite layer, the cost model's energy of the mapping found for "energy" is at
    most that of the mapping found for "cycles"."""
    worse = []
    for entry in SUITE:
        layer = load_suite_layer(entry.name)[0]
        fast = cl.compile(layer, arch, objective="cycles").estimate
        frugal = cl.compile(layer, arch, objective="energy").estimate
        if frugal.energy_pj > fast.energy_pj * (1 + 1e-9):
            worse.append((entry.name, frugal.energy_pj, fast.energy_pj))
    assert worse == []


def test_edp_trades_between_the_two() -> None:
    layer = load_suite_layer("resnet50_3x3")[0]
    est = {obj: cl.compile(layer, "teaching", objective=obj).estimate
           for obj in ("cycles", "energy", "edp")}
    edp = {obj: e.energy_pj * e.cycles for obj, e in est.items()}
    assert edp["edp"] <= min(edp["cycles"], edp["energy"]) * 1.01
    assert est["energy"].energy_pj <= est["edp"].energy_pj <= est["cycles"].energy_pj


@pytest.mark.parametrize(("arch", "layer"), [
    ("gemmini", "resnet50_1x1"),  # outputs leave ACC -> DRAM narrowed to int8 on the edge
    ("nvdla_small", "bert_softmax"),  # temps one group stores as int32 and the SDP's int8
    # DMA loads back: read at the width they were stored with
    ("tpu_v1", "resnet50_1x1"),  # the activation's epilogue in parts reads its part of ACC
])
def test_the_energy_estimate_reads_each_source_at_its_own_width(arch: str, layer: str
                                                                ) -> None:
    layers = load_suite_layer(layer)
    result = cl.compile((fused(list(layers)) if len(layers) > 1 else None) or layers[0], arch)
    sim = Simulator(result.program, result.arch).run()
    assert result.estimate.energy_pj == pytest.approx(sim.energy().total_pj, rel=1e-3)
