"""Ragged tiles (``compiler/ragged.py``): a tile that does not divide its loop leaves a
smaller last block; the cost model counts each block at its own size, as lowering emits and
the simulator times it, and the search offers such tiles for streamed loops."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from covenant_lab.acg.load import loads_arch
from covenant_lab.codelets.library.conv import conv2d
from covenant_lab.codelets.library.gemm import matmul
from covenant_lab.compiler.api import compile
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.ragged import blocks, mean_sizes, moved_elements, total_cycles
from covenant_lab.sim.simulator import Simulator

# ragged pricing matters where an invocation has a fixed cost: HVX as it was before its vrmpy
# was modelled software-pipelined (archs/hvx.yaml), `stream + 2` cycles per invocation and
# the accumulators in one copy
_SHIPPED = (Path(__file__).parents[2] / "archs" / "hvx.yaml").read_text(encoding="utf-8")
_PIPELINED = re.search(r"cycles: max\(stream, 3\) *#[^\n]*\n\s*latency_cycles: 2[^\n]*", _SHIPPED)
assert _PIPELINED is not None
HVX = loads_arch(_SHIPPED.replace(_PIPELINED.group(0), "cycles: stream + 2")
                 .replace("buffering: 2, description: \"32 vector", "description: \"32 vector"),
                 "hvx_plus2.yaml")


def _sizes(b: list[tuple[object, object]]) -> list[tuple[int, int]]:
    return [(int(np.asarray(s)), int(np.asarray(c))) for s, c in b]


def test_blocks_of_a_ragged_loop() -> None:
    assert _sizes(blocks(7, [4])) == [(4, 1), (3, 1)]
    assert _sizes(blocks(8, [4])) == [(4, 2)]  # divides: one size
    # two levels: 10 in 6 then 4 -> blocks 4, 2 (of the first 6) and 4 (the last 4)
    assert _sizes(blocks(10, [6, 4])) == [(4, 2), (2, 1)]
    # per candidate (arrays): the full tile's count, then each remainder's
    got = blocks(7, [np.array([7, 4, 2])])
    assert [list(np.asarray(c)) for _, c in got] == [[1, 1, 3], [0, 1, 1]]


def test_total_cycles_sums_each_block_at_its_size() -> None:
    per_loop = [blocks(7, [4]), blocks(32, [32])]
    total = total_cycles(("m", "n"), per_loop, {"m": 4, "n": 32},
                         lambda at: at["m"] + 2)  # a stream of m rows, 2 cycles to start
    assert int(total) == (4 + 2) + (3 + 2)  # not 2 x 6


def test_mean_sizes_are_the_mean_block_per_level() -> None:
    trips = [np.array([[2, 1]]), np.array([[2, 1]])]  # 7 in 4 (2 blocks), then 4 in 2
    got = mean_sizes(np.array([7, 32]), trips)
    assert got[0].tolist() == [[3.5, 32.0]] and got[1].tolist() == [[1.75, 32.0]]


def test_a_moved_box_leaves_out_the_padding() -> None:
    # rows oh + kh - 1 of a 56-row map (3 taps, padding 1): blocks of 14 output rows read
    # 16 rows, but the first and the last box start or end in the padding, which is never
    # moved: (15 + 16 + 16 + 15) / 4 = 15.5 rows on average; the whole map in one block, 56
    rows = [{(-1, (("oh", 1), ("kh", 1)))}]
    extents = {"oh": 56, "kh": 3}
    got = moved_elements(rows, (56,), {"oh": np.array([14.0, 56.0, 1.0]), "kh": 3}, extents)
    # one row a block: 56 boxes of 3 rows, the two at the ends 2: (54 x 3 + 2 x 2) / 56
    assert got.tolist() == [15.5, 56.0, pytest.approx((54 * 3 + 2 * 2) / 56)]
    # ResNet's stem, rows 2 oh + kh - 3 of 224 (7 taps, stride 2): one output row a block
    # reads 7 rows; the first two blocks reach 3 and 1 rows above the map, the last 2 below
    stem = [{(-3, (("oh", 2), ("kh", 1)))}]
    got = moved_elements(stem, (224,), {"oh": 1.0, "kh": 7}, {"oh": 112, "kh": 7})
    assert got == pytest.approx(7 - (3 + 1 + 2) / 112)


def test_a_ragged_stream_costs_what_the_simulator_counts() -> None:
    # 7 rows streamed in tiles of 4 (4 + 3) through 32 lanes, 256 = 64 folds of 4:
    # each fold costs stream + 2, so 64 x 6 + 64 x 5 = 704 cycles (as if full: 768)
    c = matmul((7, 256), (256, 32))
    r = compile(c, HVX, Constraints.of(tiles={"m": [7, 4]},
                                       spatial={"lanes": "n", "group": "k"}))
    assert dict(r.estimate.compute)["hvx"] == 64 * 6 + 64 * 5
    assert dict(r.estimate.traffic)["VRF->VTCM"] == (4 + 3) * 32 * 4  # y, int32: not 2 x 4 rows
    sim = Simulator(r.program, HVX)
    busy = sim.schedule.busy_cycles()
    assert busy["hvx"] == 704
    assert sim.total_cycles == r.estimate.cycles


def test_the_search_streams_rows_of_a_7x7_map_in_a_ragged_tile() -> None:
    # 1x1 conv, 320 -> 128 channels on 7x7 (MobileNetV2's last layers): 32 accumulator
    # registers hold a stream of at most 32 (x 32 lanes x 4 B); 7 has no divisor between 1
    # and 7, so without ragged tiles the stream is one row of 7 (+2 per fold: 9/7 of ideal)
    c = conv2d((1, 320, 7, 7), (128, 320, 1, 1))
    r = compile(c, HVX)
    g = r.mapping.groups[0]
    oh, ow = g.tile(2, "oh"), g.tile(2, "ow")
    assert oh * ow > 7 and (7 % oh or 7 % ow)  # rows or columns of 4 + 3
    sim = Simulator(r.program, HVX)
    assert abs(r.estimate.cycles / sim.total_cycles - 1) < 0.03
