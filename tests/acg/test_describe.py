"""acg.describe: the phrases every view of an architecture uses for its features."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.acg.describe import (
    arch_title,
    bandwidth_text,
    buffering_text,
    clock_text,
    dtype_text,
    format_bytes,
    home_text,
    number,
    private_text,
    rate_text,
    spatial_note,
    spatial_text,
    storage_size,
)
from tests._featured_archs import ROW_STATIONARY, row_stationary, tpu_like


@pytest.fixture(scope="module")
def tpu() -> ACG:
    return tpu_like()


@pytest.fixture(scope="module")
def rs() -> ACG:
    return row_stationary()


@pytest.mark.parametrize(("value", "text"), [
    (256, "256"), (256.0, "256"), (21.47, "21.47"), (21.470000001, "21.47"),
    (14 * 1073741824 / 700000000, "21.47"), (0.1 * 3, "0.3"), (2.4, "2.4"),
    (2300.0000000000005, "2300"), (1 / 3, "0.333"), (0.5, "0.5"), (3.2857142857, "3.29"),
    (121.43, "121.43"),
])
def test_numbers_print_without_float_noise(value: float, text: str) -> None:
    assert number(value) == text


def test_bandwidths(tpu: ACG) -> None:
    assert rate_text(tpu.comm("pcie").bytes_per_cycle) == "21.47 B/cyc"
    assert bandwidth_text(tpu.storage("WFIFO")) == "R 256 / W 48.57 B/cyc"
    assert bandwidth_text(tpu.storage("HOST")) == "R/W 72.86 B/cyc"  # the same both ways


def test_storage_sizes(tpu: ACG, rs: ACG) -> None:
    assert storage_size(tpu.storage("WFIFO")) == "FIFO 4 x 64 KiB"
    assert buffering_text(tpu.storage("WFIFO")) == ""  # its entries are its buffering
    assert storage_size(tpu.storage("ACC")) == "4 MiB"
    assert buffering_text(tpu.storage("ACC")) == "x2"
    assert storage_size(tpu.storage("HOST")) == "off-chip"
    spad = rs.storage("WEIGHTS_SPAD")
    assert storage_size(spad) == "448 B per PE x 168"
    assert private_text(spad) == "private to pe_array"
    assert private_text(rs.storage("GLB")) == ""
    assert format_bytes(24 * 1024 * 1024) == "24 MiB"


def test_homes_on_the_off_chip_memories(tpu: ACG, rs: ACG) -> None:
    assert home_text(tpu, tpu.storage("WDRAM")) == "home of weights"
    assert home_text(tpu, tpu.storage("HOST")) == "home of activations"
    assert home_text(tpu, tpu.storage("HOST"), always=True) == (
        "home of activations, model inputs, model outputs")
    assert home_text(tpu, tpu.storage("UB")) == ""
    # one off-chip memory holds everything: nothing to say, unless asked
    assert home_text(rs, rs.storage("DRAM")) == ""
    assert home_text(rs, rs.storage("DRAM"), always=True) == (
        "home of weights, activations, model inputs, model outputs")


def test_model_inputs_elsewhere_are_named() -> None:
    yaml = ROW_STATIONARY.replace(
        "storage:\n",
        "homes: {weights: DRAM, activations: DRAM, model_inputs: IN}\nstorage:\n"
        "  IN: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}\n",
    ).replace("edges:\n", "edges:\n  - {from: IN, to: GLB, bytes_per_cycle: 8}\n")
    acg = loads_arch(yaml, source="in.yaml")
    assert home_text(acg, acg.storage("IN")) == "home of model inputs"
    assert home_text(acg, acg.storage("DRAM")) == "home of weights, activations"


def test_clocks(tpu: ACG, rs: ACG) -> None:
    assert arch_title(tpu) == "tpu_like @ 700 MHz"
    assert clock_text(tpu, tpu.compute("host")) == "2300 MHz, 3.29x"
    assert clock_text(tpu, tpu.compute("mmu")) == ""  # on the reference clock
    slow = tpu.with_node_attr("host", "clock_mhz", 350)
    assert clock_text(slow, slow.compute("host")) == "350 MHz, 0.5x"
    assert arch_title(rs) == "row_stationary @ 200 MHz"


def test_arch_without_a_clock_is_titled_by_its_name(teaching: ACG) -> None:
    assert arch_title(teaching) == "teaching"


def test_converting_edges(tpu: ACG) -> None:
    edge = tpu.edge("ACC", "UB")
    assert edge is not None and dtype_text(edge) == "-> int8"
    plain = tpu.edge("act", "UB")
    assert plain is not None and dtype_text(plain) == ""


def test_spatial_dimensions_with_several_entries(tpu: ACG, rs: ACG) -> None:
    (mac,) = rs.compute("pe_array").capabilities
    assert spatial_note(mac) == "cols: 2 entries"
    assert spatial_text(mac) == (
        "rows=12 needs {a,b} not {acc} fold; "
        "cols=14 (2 entries) needs {a,acc} not {b} | needs {acc,b} not {a}"
    )
    (ws,) = tpu.compute("mmu").capabilities
    assert spatial_note(ws) == ""
    assert spatial_text(ws) == "rows=256 needs {a,b} not {acc} fold; cols=256 needs {acc,b} not {a}"
