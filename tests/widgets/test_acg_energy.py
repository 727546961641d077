"""A layer's energy as heat over the ACG: numbers per node and edge, shares, colours, errors."""

from __future__ import annotations

import math

import pytest

import covenant_lab as cl
from covenant_lab.acg import load_arch
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.codelets.library.conv import conv2d
from covenant_lab.codelets.library.gemm import gemm
from covenant_lab.compiler import CompileResult
from covenant_lab.errors import UsageError
from covenant_lab.sim import Simulator
from covenant_lab.sim.compiled import NOT_SIMULATED, LayerSim
from covenant_lab.widgets.acg_energy import MIN_SHARE, energy_heat, heat_colour, share_text
from covenant_lab.widgets.acg_view import ACGView


@pytest.fixture(scope="module")
def teaching() -> tuple[CompileResult, Simulator]:
    """y[4,4] = a @ b on teaching: 24,568.8 pJ, worked out in tests/sim/test_energy.py."""
    arch = load_arch("teaching")
    r = cl.compile(gemm((4, 4), (4, 4)), arch)
    return r, Simulator(r.program, arch).run()


def test_nodes_and_edges_of_the_hand_derived_gemm(
    teaching: tuple[CompileResult, Simulator],
) -> None:
    r, sim = teaching
    heat = energy_heat(r.arch, sim.energy())
    # DRAM 24,000 (reads 8,000 + writes 16,000); SPAD 384 of accesses + 26 of leakage;
    # mac_array 19.2 ops + 9.6 forwarding + 28 busy + 6 idle; bus 96 bytes x 1 pJ
    assert heat.nodes == {"DRAM": 24000, "SPAD": 410, "mac_array": pytest.approx(62.8),
                          "bus": 96}
    assert heat.hottest == "DRAM"
    assert heat.share("DRAM") == pytest.approx(24000 / 24568.8)
    # the bus's 96 pJ split over its two edges by their bytes (32 loaded, 64 stored)
    assert heat.edges[EdgeId("DRAM", "SPAD")] == 32 and heat.edges[EdgeId("SPAD", "DRAM")] == 64
    assert heat.edge_bytes == {EdgeId("DRAM", "SPAD"): 32, EdgeId("SPAD", "DRAM"): 64}
    assert heat.edges[EdgeId("SPAD", "mac_array")] == 0  # ports are charged to the SPAD's reads
    shares = [heat.share(pj) for pj in [*heat.nodes.values(), *heat.edge_own.values()]]
    assert math.fsum(shares) == pytest.approx(1, rel=1e-12)


def test_state_draws_the_heat_on_nodes_edges_and_legend(
    teaching: tuple[CompileResult, Simulator],
) -> None:
    r, sim = teaching
    g = ACGView(r.arch, r, energy=sim.energy()).graph
    nodes = {n["name"]: n for n in g["nodes"]}
    assert nodes["DRAM"]["heat"]["text"] == "24.0 nJ 97.7%"
    assert {"text": "24.0 nJ 97.7%", "class": "energy", "colour": ""} in nodes["DRAM"]["rows"]
    assert nodes["DRAM"]["heat"]["actions"][:2] == [["write", "16.0 nJ (64 bytes)"],
                                                    ["read", "8.00 nJ (32 bytes)"]]
    assert nodes["mac_array"]["heat"]["text"] == "62.8 pJ 0.26%"
    assert nodes["vector"]["heat"] is None  # it never ran and has no static power
    edges = {(e["src"], e["dst"]): e for e in g["edges"]}
    # DRAM <-> SPAD is one connector: its label carries both ways, 32 + 64 pJ
    assert edges[("DRAM", "SPAD")]["label_lines"] == ["⇄ 8 B/cyc", "96.0 pJ 0.39%"]
    assert edges[("DRAM", "SPAD")]["label_energy"]
    assert edges[("SPAD", "DRAM")]["heat"]["text"] == "64.0 pJ 0.26%"
    assert not edges[("SPAD", "DRAM")]["label_energy"]  # its twin's label is the connector's
    assert edges[("SPAD", "mac_array")]["heat"] is None
    legend = g["energy"]
    assert legend["total"] == "24.6 nJ" and legend["hottest"] == "DRAM"
    assert [i["name"] for i in legend["items"]] == ["DRAM", "SPAD", "bus", "mac_array"]
    assert [t["text"] for t in legend["ticks"]] == ["0.01%", "0.1%", "1%", "10%", "100%"]
    assert [t["t"] for t in legend["ticks"]] == [0, 0.25, 0.5, 0.75, 1]


def test_memory_bound_conv_on_genesys_is_hottest_in_dram() -> None:
    arch = load_arch("genesys")
    r = cl.compile(conv2d((1, 16, 14, 14), (16, 16, 3, 3), bias=True, pads=(1, 1, 1, 1)), arch)
    report = Simulator(r.program, arch).run().energy()
    heat = energy_heat(arch, report)
    assert heat.hottest == "DRAM"
    assert heat.share("DRAM") > 0.5
    assert heat.nodes["pe_array"] > 0 and heat.nodes["WBUF"] > 0
    total = math.fsum([*heat.nodes.values(), *heat.edge_own.values()])
    assert total == pytest.approx(report.total_pj, rel=1e-12)


def test_colours_darken_with_the_share_on_a_log_scale() -> None:
    assert heat_colour(0) is None
    assert heat_colour(MIN_SHARE / 10) == heat_colour(MIN_SHARE) == "#ffffcc"
    assert heat_colour(1.0) == "#e31a1c"
    lum = [sum(int(c[i:i + 2], 16) for i in (1, 3, 5))
           for c in (heat_colour(s) or "" for s in (1e-4, 1e-3, 1e-2, 1e-1, 1))]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == 5
    assert [share_text(s) for s in (0.977, 0.0026, 0.00004)] == ["97.7%", "0.26%", "<0.01%"]


def test_the_overlay_switches_off_and_goes_with_a_new_architecture(
    teaching: tuple[CompileResult, Simulator],
) -> None:
    r, sim = teaching
    view = ACGView(r.arch, r)
    assert view.graph["energy"] is None and view.energy is None
    view.show_energy(sim)  # a Simulator that has run gives its energy()
    assert view.energy is not None and view.graph["energy"]["hottest"] == "DRAM"
    view.show_energy(None)
    assert view.graph["energy"] is None
    assert all(n["heat"] is None for n in view.graph["nodes"])
    view.show_energy(sim.energy())
    view.update("genesys")
    shown = cl.show(r.arch, r, energy=sim)  # cl.show takes it too
    assert shown.energy is not None and shown.energy.hottest == "DRAM"
    # a LayerSim of simulate_model carries its compact report: the same heat
    row = LayerSim("fc", "Gemm", sim.total_cycles, 12.0, 4, 0.5, "skipped", "", 0.0,
                   sim.energy().total_pj, sim.energy().compact())
    shown.show_energy(row)
    assert shown.energy.nodes == pytest.approx(energy_heat(r.arch, sim.energy()).nodes)
    assert view.energy is None and view.graph["energy"] is None


def test_energy_of_another_architecture_or_type_is_refused(
    teaching: tuple[CompileResult, Simulator],
) -> None:
    _, sim = teaching
    with pytest.raises(UsageError, match=r"energy of gemm names DRAM->SPAD, SPAD, SPAD->DRAM, "
                                         r"bus, mac_array, which genesys does not have"):
        ACGView("genesys").show_energy(sim.energy())
    with pytest.raises(UsageError, match=r"'energy' to ACGView.show_energy: expected an "
                                         r"EnergyReport, a Simulator or a LayerSim, got int"):
        ACGView("teaching", energy=3)
    refused = LayerSim("fc", "Gemm", 0, 1.0, 9, 0.0, NOT_SIMULATED, "over the budget", 0.0)
    with pytest.raises(UsageError, match=r"layer 'fc' has no energy: it was not simulated\n"
                                         r"hint: over the budget"):
        ACGView("teaching").show_energy(refused)


@pytest.mark.parametrize("name", ["teaching", "genesys", "hvx", "tpu_v1", "eyeriss_v1",
                                  "gemmini", "nvdla_small"])
def test_every_shipped_architecture_draws_a_small_gemm(name: str) -> None:
    """y[16,16] = a[16,32] @ b[32,16]: 2 MACs per element loaded, memory-bound everywhere."""
    arch = load_arch(name)
    r = cl.compile(gemm((16, 32), (32, 16)), arch)
    report = Simulator(r.program, arch).run().energy()
    heat = energy_heat(arch, report)
    shares = [heat.share(pj) for pj in [*heat.nodes.values(), *heat.edge_own.values()]]
    assert math.fsum(shares) == pytest.approx(1, rel=1e-12)
    assert arch.storage(heat.hottest).off_chip  # DRAM (the host's memory on tpu_v1)
    state = ACGView(arch, r, energy=report).graph
    drawn = {n["name"]: n["heat"]["pj"] for n in state["nodes"] if n["heat"]}
    assert drawn == {n: pj for n, pj in heat.nodes.items() if pj}
