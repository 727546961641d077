"""viz.dot: the static drawing shows the architecture features (tests/acg/test_dot.py: the rest)."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG
from covenant_lab.viz.dot import to_dot
from tests._featured_archs import row_stationary, tpu_like


@pytest.fixture(scope="module")
def tpu_lines() -> list[str]:
    return to_dot(tpu_like()).splitlines()


def _node(lines: list[str], name: str) -> str:
    return next(line for line in lines if line.startswith(f'  "{name}" ['))


def test_the_title_carries_the_reference_clock(tpu_lines: list[str], teaching: ACG) -> None:
    assert tpu_lines[1] == (
        '  graph [rankdir=TB, fontname=Helvetica, nodesep=0.4, ranksep=0.5, '
        'label="tpu_like @ 700 MHz", labelloc=t];'
    )
    assert 'label="teaching", labelloc=t];' in to_dot(teaching).splitlines()[1]


def test_homes_fifo_and_fractional_bandwidths(tpu_lines: list[str]) -> None:
    assert _node(tpu_lines, "WDRAM") == (
        '  "WDRAM" [shape="cylinder", style="filled", fillcolor="#fdf1d6", '
        'label="WDRAM\\noff-chip\\nR/W 48.57 B/cyc\\nhome of weights"];'
    )
    assert _node(tpu_lines, "HOST").endswith('\\nhome of activations"];')
    assert _node(tpu_lines, "WFIFO") == (
        '  "WFIFO" [shape="box", label="WFIFO\\nFIFO 4 x 64 KiB\\nR 256 / W 48.57 B/cyc"];'
    )
    assert _node(tpu_lines, "pcie") == (
        '  "pcie" [shape="ellipse", style="filled,dashed", fillcolor="#f3f3f3", '
        'label="pcie\\n21.47 B/cyc"];'
    )
    assert '  "HOST" -> "UB" [label="21.47 B/cyc\\nvia pcie", style="dashed"];' in tpu_lines
    assert not [line for line in tpu_lines if "0000" in line]  # 21.474836... printed 21.47


def test_fallback_unit_with_its_own_clock(tpu_lines: list[str]) -> None:
    assert _node(tpu_lines, "host") == (
        '  "host" [shape="box", style="rounded,filled,dashed", fillcolor="#dbe9f6", '
        'label="host\\nfallback unit\\nlanes=8\\n2300 MHz, 3.29x\\nadd, exp, mac"];'
    )
    assert _node(tpu_lines, "mmu") == (
        '  "mmu" [shape="box", style="rounded,filled", fillcolor="#dbe9f6", '
        'label="mmu\\nrows=256 x cols=256\\nmac"];'
    )


def test_converting_edge(tpu_lines: list[str]) -> None:
    assert '  "ACC" -> "UB" [label="256 B/cyc\\n-> int8"];' in tpu_lines
    assert '  "act" -> "UB" [label="256 B/cyc"];' in tpu_lines


def test_private_storage_and_a_dimension_with_two_entries() -> None:
    lines = to_dot(row_stationary()).splitlines()
    assert _node(lines, "WEIGHTS_SPAD") == (
        '  "WEIGHTS_SPAD" [shape="box3d", label="WEIGHTS_SPAD\\n448 B per PE x 168\\n'
        'private to pe_array\\nR/W 2 B/cyc"];'
    )
    assert _node(lines, "pe_array").endswith(
        'label="pe_array\\nrows=12 x cols=14\\nmac (cols: 2 entries)"];')
    assert _node(lines, "DRAM").endswith('label="DRAM\\noff-chip\\nR/W 64 B/cyc"];')
