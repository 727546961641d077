"""Energy per event: hand-derived totals on teaching, exact sums of events, Eyeriss's ratios."""

from __future__ import annotations

import json
import math

import pytest

import covenant_lab as cl
from covenant_lab.acg import load_arch
from covenant_lab.acg.load import loads_arch, resolve_arch
from covenant_lab.codelets.library.conv import conv2d
from covenant_lab.codelets.library.gemm import gemm
from covenant_lab.compiler.program import Compute, Transfer
from covenant_lab.sim import Action, Simulator, to_perfetto, to_rows


@pytest.fixture(scope="module")
def teaching_gemm() -> Simulator:
    """y[4,4] = a[4,4] @ b[4,4] on teaching: everything fits the SPAD, one invocation."""
    arch = load_arch("teaching")
    return Simulator(cl.compile(gemm((4, 4), (4, 4)), arch).program, arch).run()


def test_the_program_the_hand_derivation_assumes(teaching_gemm: Simulator) -> None:
    instrs = teaching_gemm.program.instrs
    assert [type(i).__name__ for i in instrs] == ["Transfer", "Transfer", "Compute", "Transfer"]
    load_a, load_b, mac, store = instrs
    assert isinstance(load_a, Transfer) and isinstance(store, Transfer)
    assert isinstance(mac, Compute)
    assert (load_a.nbytes, load_b.nbytes, store.nbytes) == (16, 16, 64)  # int8, int8, int32
    assert mac.operations == 64 and mac.init
    assert dict(mac.params)["used_rows"] == 4 and dict(mac.params)["used_cols"] == 4
    assert teaching_gemm.total_cycles == 26


def test_total_energy_by_hand_on_teaching(teaching_gemm: Simulator) -> None:
    # archs/teaching.yaml: DRAM 250 pJ/B, SPAD 2 pJ/B + 1 pJ/cycle leakage, bus 1 pJ/B,
    # MAC 0.3 pJ, PE-to-PE hop 0.04 pJ/B, array 2 pJ/cycle busy and 0.5 idle.
    # Schedule: load a [0,2), load b [2,4) (16 B at 8 B/cycle), MAC [4,18) (4 + 4 + 4 + 4 - 2
    # cycles), store y [18,26) (64 B); 26 cycles.
    load = 16 * 250 + 16 * 1 + 16 * 2  # DRAM read + bus + SPAD write = 4048
    store = 64 * 2 + 64 * 1 + 64 * 250  # SPAD read + bus + DRAM write = 16192
    ops = 64 * 0.3  # 19.2
    ports = 16 * 2 + 16 * 2 + 64 * 2  # a and b read once per element, y written (init: no read)
    # a crosses the 4 columns (3 hops of 1 B per use), partial sums go down the 4 rows (3 hops
    # of 4 B): 64 * 3/4 * 1 + 64 * 3/4 * 4 = 240 bytes
    forward = 240 * 0.04  # 9.6
    busy = 14 * 2  # 28
    idle = (4 + 8) * 0.5  # array idle [0,4) and [18,26): 6
    leakage = 26 * 1  # the SPAD over the run
    hand = 2 * load + store + ops + ports + forward + busy + idle + leakage
    assert hand == pytest.approx(24568.8)
    report = teaching_gemm.energy()
    assert report.total_pj == pytest.approx(hand, rel=1e-12)
    bd = report.breakdown
    assert bd[("DRAM", Action.READ)] == (32, 8000)
    assert bd[("DRAM", Action.WRITE)] == (64, 16000)
    assert bd[("SPAD", Action.READ)] == (96, 192)  # a, b by the MAC; y by the store
    assert bd[("SPAD", Action.WRITE)] == (96, 192)  # a, b by the loads; y by the MAC
    assert bd[("bus", Action.MOVE)] == (96, 96)
    assert bd[("mac_array", Action.OP)] == (64, pytest.approx(19.2))
    assert bd[("mac_array", Action.FORWARD)] == (240, pytest.approx(9.6))
    assert bd[("mac_array", Action.BUSY)] == (14, 28)
    assert bd[("mac_array", Action.IDLE)] == (12, 6)
    assert bd[("SPAD", Action.LEAKAGE)] == (26, 26)


def test_event_energies_sum_to_the_totals_exactly(teaching_gemm: Simulator) -> None:
    events = teaching_gemm.trace(idle=True)
    report = teaching_gemm.energy()
    assert math.fsum(ev.energy_pj for ev in events) == report.total_pj
    per_event = [(ev.kind, ev.resource, ev.energy_pj) for ev in events if ev.energy_pj]
    assert per_event == [
        ("transfer", "DRAM->SPAD", 4048.0),
        ("transfer", "DRAM->SPAD", 4048.0),
        ("compute", "mac_array", pytest.approx(248.8)),  # 19.2 + 192 + 9.6 + 28
        ("transfer", "SPAD->DRAM", 16192.0),
        ("idle", "mac_array", 2.0),
        ("idle", "mac_array", 4.0),
        ("idle", "SPAD", 26.0),
    ]
    assert all(ev.energy_pj == 0 for ev in events if ev.kind == "stall")
    # the groupings are the same parts summed another way
    for grouping in (report.by_component, report.by_operand, report.by_action):
        assert math.fsum(grouping.values()) == pytest.approx(report.total_pj, rel=1e-15)
    assert report.by_operand["y"] == pytest.approx(16192 + 19.2 + 128 + 64 * 3 / 4 * 4 * 0.04)
    assert report.by_layer == {"gemm": report.total_pj}
    # without idle events the trace carries the instructions' energy only
    busy = math.fsum(ev.energy_pj for ev in teaching_gemm.trace())
    assert busy == pytest.approx(report.total_pj - 2 - 4 - 26)


def test_perfetto_and_rows_carry_energy(teaching_gemm: Simulator) -> None:
    events = teaching_gemm.trace(idle=True)
    doc = json.loads(json.dumps(to_perfetto(events)))
    spans = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert [s["args"]["energy_pj"] for s in spans] == [ev.energy_pj for ev in events]
    leak = [s for s in spans if s["cat"] == "idle" and s["name"] == "leakage"]
    assert len(leak) == 1 and (leak[0]["ts"], leak[0]["dur"]) == (0, 26)
    rows = to_rows(events)
    assert [r["energy_pj"] for r in rows] == [ev.energy_pj for ev in events]
    assert "SPAD" in teaching_gemm.energy().table()


def test_eyeriss_relative_costs_in_the_per_access_breakdown() -> None:
    """archs/eyeriss_v1.yaml is written with Eyeriss's costs per 16-bit access relative to one
    MAC (RF 1x, PE-to-PE 2x, GLB 6x, DRAM 200x, ISCA 2016): the breakdown gives them back."""
    arch = load_arch("eyeriss_v1")
    layer = conv2d((1, 4, 8, 8), (8, 4, 3, 3), pads=(1, 1, 1, 1))
    program = cl.compile(layer, arch).program
    report = Simulator(program, arch).run().energy()
    bd = report.breakdown
    macs, mac_pj = bd[("pe_array", Action.OP)]
    assert macs == 8 * 4 * 8 * 8 * 9
    word = 2  # bytes per 16-bit access

    def relative(component: str, action: Action) -> float:
        nbytes, pj = bd[(component, action)]
        assert nbytes > 0
        return pj / (nbytes / word) / (mac_pj / macs)

    for spad in ("IFMAP_SPAD", "WEIGHTS_SPAD", "PSUM_SPAD"):
        assert relative(spad, Action.READ) == pytest.approx(1.0)
        assert relative(spad, Action.WRITE) == pytest.approx(1.0)
    assert relative("pe_array", Action.FORWARD) == pytest.approx(2.0)
    assert relative("GLB", Action.READ) == pytest.approx(6.0)
    assert relative("GLB", Action.WRITE) == pytest.approx(6.0)
    assert relative("DRAM", Action.READ) == pytest.approx(200.0)
    assert relative("DRAM", Action.WRITE) == pytest.approx(200.0)
    # a register file in every PE is read once per MAC per operand (Eyeriss's model)
    assert bd[("IFMAP_SPAD", Action.READ)][0] == word * macs
    # partial sums move down the rows (the only dimension excluding acc): ops * (1 - 1/rows)
    hops = sum(i.operations * (1 - 1 / dict(i.params)["used_rows"]) for i in program.computes)
    assert bd[("pe_array", Action.FORWARD)][0] == pytest.approx(word * hops)


def test_the_timeline_draws_a_trace_with_idle_events(teaching_gemm: Simulator) -> None:
    from covenant_lab.viz.timeline import Timeline

    with_idle = Timeline(teaching_gemm.trace(idle=True))
    plain = Timeline(teaching_gemm.trace())
    assert with_idle.rows == plain.rows and len(with_idle.events) == len(plain.events) == 6


def test_leakage_over_a_layer_is_capacity_times_rate_times_cycles() -> None:
    """genesys opted into the CACTI 7 leakage extension: its IBUF (rows x ibuf_depth = 32 x
    4096 bytes) leaks 27.912161 mW per 16 KiB at 45 nm, per 1 ns cycle (no clock_mhz)."""
    text = resolve_arch("genesys").read_text(encoding="utf-8")
    arch = loads_arch(text.replace("energy: {table:", "energy: {leakage: cacti7_hp_45nm, table:"),
                      source="genesys_leaky.yaml")
    sim = Simulator(cl.compile(gemm((64, 64), (64, 64)), arch).program, arch).run()
    rate = 27.912161 / 16384  # pJ per cycle per byte: mW x ns = pJ
    capacity = 32 * 4096
    assert rate * capacity == pytest.approx(223.297288)
    bd = sim.energy().breakdown
    cycles = sim.total_cycles
    assert bd[("IBUF", Action.LEAKAGE)] == (cycles, pytest.approx(capacity * rate * cycles))
    for s in arch.storage_nodes:  # every on-chip storage alike; DRAM (off chip) does not leak
        if not s.off_chip:
            assert s.capacity_bytes is not None
            assert bd[(s.name, Action.LEAKAGE)][1] == pytest.approx(
                s.capacity_bytes * rate * cycles)
    assert ("DRAM", Action.LEAKAGE) not in bd
