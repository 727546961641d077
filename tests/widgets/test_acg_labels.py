"""widgets.acg_labels: what the ACGView writes in nodes, edges and the attributes panel."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.widgets.acg_labels import (
    capabilities,
    edge_attrs,
    edge_label,
    label_lines,
    node_attrs,
    node_lines,
)
from tests._featured_archs import TPU_LIKE, row_stationary, tpu_like


@pytest.fixture(scope="module")
def tpu() -> ACG:
    return tpu_like()


@pytest.fixture(scope="module")
def rs() -> ACG:
    return row_stationary()


def test_fifo_node(tpu: ACG) -> None:
    assert node_lines(tpu, tpu.storage("WFIFO")) == [
        "WFIFO", "FIFO 4 x 64 KiB", "R 256 / W 48.57 B/cyc"]
    attrs = dict(map(tuple, node_attrs(tpu, tpu.storage("WFIFO"))))
    assert attrs["capacity"] == "FIFO 4 x 64 KiB (262144 B in all)"
    assert attrs["access"] == "FIFO (filled and drained in order)"
    assert (attrs["entries"], attrs["entry"]) == ("4", "64 KiB")
    assert "buffering" not in attrs  # a FIFO's buffering is its entries


def test_homes_on_the_off_chip_memories(tpu: ACG) -> None:
    assert node_lines(tpu, tpu.storage("WDRAM")) == [
        "WDRAM", "off-chip", "R/W 48.57 B/cyc", "home of weights"]
    assert node_lines(tpu, tpu.storage("HOST")) == [
        "HOST", "off-chip", "R/W 72.86 B/cyc", "home of activations"]
    attrs = dict(map(tuple, node_attrs(tpu, tpu.storage("HOST"))))
    assert attrs["home of"] == "activations, model inputs, model outputs"
    assert "home of" not in dict(map(tuple, node_attrs(tpu, tpu.storage("UB"))))


def test_one_off_chip_memory_is_not_labelled_a_home(rs: ACG) -> None:
    assert node_lines(rs, rs.storage("DRAM")) == ["DRAM", "off-chip", "R/W 64 B/cyc"]
    attrs = dict(map(tuple, node_attrs(rs, rs.storage("DRAM"))))
    assert attrs["home of"] == "weights, activations, model inputs, model outputs"


def test_fallback_unit_with_its_own_clock(tpu: ACG) -> None:
    assert node_lines(tpu, tpu.compute("host")) == [
        "host", "fallback unit", "lanes=8", "2300 MHz, 3.29x", "add, exp, mac"]
    attrs = dict(map(tuple, node_attrs(tpu, tpu.compute("host"))))
    assert attrs["clock"] == "2300 MHz, 3.29x the reference clock"
    assert attrs["fallback"] == "yes: a general-purpose unit, used when no other can run"
    mmu = dict(map(tuple, node_attrs(tpu, tpu.compute("mmu"))))
    assert mmu["clock"] == "700 MHz (the reference clock)"
    assert "fallback" not in mmu
    assert node_lines(tpu, tpu.compute("mmu")) == ["mmu", "rows=256 x cols=256", "mac"]


def test_no_clock_no_clock_line(teaching: ACG) -> None:
    attrs = dict(map(tuple, node_attrs(teaching, teaching.compute("mac_array"))))
    assert "clock" not in attrs


def test_converting_edge_and_fractional_bandwidth(tpu: ACG) -> None:
    acc_ub = tpu.edge("ACC", "UB")
    assert acc_ub is not None
    assert edge_label(acc_ub) == "256 B/cyc, -> int8"
    assert label_lines(edge_label(acc_ub)) == ["256 B/cyc", "-> int8"]
    assert ["converts to", "int8 (data on the memory side of the edge)"] in edge_attrs(acc_ub)
    pcie = tpu.edge("HOST", "UB")
    assert pcie is not None
    assert pcie.bytes_per_cycle != 21.47  # 14 GiB/s at 700 MHz: 21.474836...
    assert edge_label(pcie) == "21.47 B/cyc"
    assert edge_attrs(pcie)[:1] == [["bandwidth", "21.47 B/cyc"]]
    assert node_lines(tpu, tpu.comm("pcie")) == ["pcie", "21.47 B/cyc"]
    assert node_attrs(tpu, tpu.comm("pcie"))[0] == ["bandwidth", "21.47 B/cyc"]


def test_latency_and_conversion_have_lines_of_their_own() -> None:
    edge = "{from: ACC, to: UB, bytes_per_cycle: dim, dtype: int8}"
    assert edge in TPU_LIKE
    slow = loads_arch(TPU_LIKE.replace(edge, edge[:-1] + ", latency_cycles: 3}"))
    e = slow.edge("ACC", "UB")
    assert e is not None and edge_label(e) == "256 B/cyc, lat 3, -> int8"
    assert label_lines(edge_label(e)) == ["256 B/cyc", "lat 3", "-> int8"]


def test_private_storage(rs: ACG) -> None:
    assert node_lines(rs, rs.storage("WEIGHTS_SPAD")) == [
        "WEIGHTS_SPAD", "448 B per PE x 168", "private to pe_array", "R/W 2 B/cyc"]
    attrs = dict(map(tuple, node_attrs(rs, rs.storage("WEIGHTS_SPAD"))))
    assert attrs["capacity"] == "448 B per PE x 168 (75264 B in all)"
    assert attrs["private to"] == "pe_array (one copy per PE, 168 PEs)"


def test_a_dimension_with_two_entries(rs: ACG) -> None:
    assert node_lines(rs, rs.compute("pe_array")) == [
        "pe_array", "rows=12 x cols=14", "mac (cols: 2 entries)"]
    (mac,) = capabilities(rs.compute("pe_array"))
    assert mac["spatial"] == (
        "rows=12 needs {a,b} not {acc} fold; "
        "cols=14 (2 entries) needs {a,acc} not {b} | needs {acc,b} not {a}"
    )


def test_capability_lists_fit_the_node() -> None:
    from covenant_lab.widgets.acg_labels import MAX_CHARS, _capability_line

    assert _capability_line(["reduce_max", "reduce_min", "reduce_add"]) == "reduce_max +2"
    assert _capability_line(["add", "sub", "mul", *"abcdefgh"]) == "add, sub, mul +8"
    assert _capability_line(["mac (cols: 2 entries)"]) == "mac (cols: 2 entries)"
    long = _capability_line(["a_very_long_capability_name_indeed", "b"])
    assert long == "a_very_long_capabili… +1" and len(long) == MAX_CHARS
