"""Moves of a tile held in one copy (compiler/overlap.py): a tile that stays for several
innermost tiles moves in full when it changes, after every read of the copy it overwrites
(a burst), and a tile's stores leave its deeper levels first; derived by hand, then the
estimate against the simulator on Eyeriss, whose every buffer holds one copy."""

from __future__ import annotations

import functools

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.compiler import CompileResult, Constraints, compile
from covenant_lab.compiler.overlap import Step, compute_span
from covenant_lab.compiler.passes.block import BlockWindows
from covenant_lab.sim import Simulator
from covenant_lab.suite import load_suite_layer


def _load_x(every: int, each: float, times: int, tiles: int, **kw: object) -> Step:
    # a load of x as Move.step makes it: the first tile pays one move in full, and the
    # others fall in the tiles of every tile of x but the last
    return Step("dma", each, (times - 1) * each / (tiles - every), 0, (), "x", load=True,
                every=every, **kw)  # type: ignore[arg-type]


def test_a_burst_waits_for_every_read_of_its_one_copy() -> None:
    # x moves every 4 of 8 tiles (8 cycles); each tile's pe step reads it for 3 cycles.
    # One copy: load [0,8), 4 x pe [8,20); the second load waits for the last read, [20,28);
    # 4 x pe [28,40)
    steps = [_load_x(4, 8, 2, 8), Step("pe", 3, 3, 0, ("x",), "y")]
    assert compute_span(steps, {"x": 1}, 8) == 40
    # two copies: the second load overlaps the reads of the first (spread over the tiles:
    # 8 + 3 for the first tile, then 3 per tile, the dma's 8 / 4 per tile under it)
    assert compute_span(steps, {"x": 2}, 8) == 11 + 7 * 3


def test_a_bursts_store_and_load_share_an_in_order_port() -> None:
    # y stored (lag 1) and x loaded every 4 of 8 tiles on one dma, 8 cycles each, listed
    # store first: load x0 [0,8), pe [8,20); store y0 after the last write [20,28), load x1
    # behind it [28,36), pe [36,48) (its copy of y was read by 28); the last store [48,56)
    steps = [Step("dma", 8, 8 / 4, 0, ("y",), None, lag=1, every=4), _load_x(4, 8, 2, 8),
             Step("pe", 3, 3, 0, ("x",), "y")]
    assert compute_span(steps, {"x": 1, "y": 1}, 8) == 56


def test_a_reload_on_revisits_only_is_the_mean_of_moving_and_not() -> None:
    # partial sums y stored and reloaded every 2 of 8 tiles (6 cycles each), the reload on
    # the second visit only (share 1/2), the pe accumulating 5 cycles per tile. In order:
    # pe [0,10), store [10,16), pe [16,26), store [26,32), reload [32,38), pe [38,48),
    # store [48,54), reload [54,60), pe [60,70), store [70,76): 76, the mean of reloading
    # at every change (4 x (10 + 6 + 6) = 88) and at none (4 x (10 + 6) = 64)
    steps = [Step("dma", 6, 18 / 6, 0, ("y",), None, lag=1, every=2),
             Step("dma", 6, 6 / 6, 0, (), "y", load=True, every=2, share=0.5),
             Step("pe", 5, 5, 0, ("y",), "y")]
    assert compute_span(steps, {"y": 1}, 8) == 76


def test_a_tile_in_one_copy_leaves_its_deeper_level_first() -> None:
    # partial sums in registers (y@2) and a buffer (y@1), one copy each, stored and reloaded
    # at both levels every tile; listed as the cost model lists them, outer level first.
    # Lowering flushes y@2 into y@1 before storing y@1, then reloads y@1 and y@2: per tile
    # reload 6, fill 2, unit 10, spill 2, store 6, one after another: 26 a tile
    steps = [Step("bus", 6, 6, 0, ("y@1",), None, lag=1),
             Step("bus", 6, 6, 0, (), "y@1", load=True),
             Step("spill", 2, 2, 0, ("y@2",), "y@1", lag=1),
             Step("fill", 2, 2, 0, ("y@1",), "y@2", load=True),
             Step("unit", 10, 10, 0, ("y@2",), "y@2")]
    for tiles in (1, 2, 8):
        assert compute_span(steps, {"y@1": 1, "y@2": 1}, tiles) == 26 * tiles


_EYERISS = load_arch("eyeriss_v1")
_BLOCKED_ROWS = {"rows": ("g_win", "kh_win", "kw_win")}
# the blocked form with whole rows of blocks in the GLB (the tiling derived by hand below)
_BLOCKED = Constraints.of(spatial=_BLOCKED_ROWS,
                          tiles={"g_blk": [2, 1], "oh_blk": [28, 28], "ow_blk": [28, 1]})
_WRITTEN = Constraints.of(spatial={"rows": ("kh", "kw")})
_FORMS = {"blocked": _BLOCKED, "written": _WRITTEN, "search": None,
          "blocked, tiles searched": Constraints.of(spatial=_BLOCKED_ROWS)}


@functools.cache
def _depthwise(form: str) -> tuple[CompileResult, int]:
    """MobileNetV2's depthwise conv on Eyeriss in ``form``, and its simulated cycles."""
    (layer,) = load_suite_layer("mobilenetv2_dw")
    result = compile(layer, _EYERISS, _FORMS[form])
    return result, Simulator(result.program, result.arch).run().total_cycles


@pytest.mark.parametrize("form", ["blocked", "written"])
def test_eyeriss_depthwise_cycles_by_hand(form: str) -> None:
    """MobileNetV2 features.3.conv.1 (144 channels, 56 x 56, 3 x 3, int16) on Eyeriss: every
    buffer holds one copy, and the 2.4 B/cycle DRAM link carries everything off chip.

    Blocked (3 channels x 2 x 2 outputs): per block of 3 channels (48 of them) the link
    moves x (3 x 56 x 56 x 2 = 18,816 B: 7,840 cycles), stores y (7,840) and loads the band
    (1,152 B: 480), none of it under the array's work, which waits for x and leaves y's one
    copy to the store: 28 tiles of a GLB -> ifmap spad load (1,344 B at 8 B/cycle: 168)
    then the MACs (112), 280 each, 7,840. 48 x (3 x 7,840 + 480) = 1,152,000 cycles.

    As written (one channel, 14 x 8 outputs a tile): the link is busy all the time, and per
    channel moves x clipped to the map (rows 15 + 16 + 16 + 15, columns 9 + 5 x 10 + 9:
    8,432 B, in 28 tiles), y (6,272 B in 28) and w (18 B): 6,135 cycles plus half a cycle a
    transfer rounded up, 6,163; 144 x 6,163 = 887,472 cycles, the lower of the two."""
    result, simulated = _depthwise(form)
    assert isinstance(result.passes[0], BlockWindows) == (form == "blocked")
    hand = 1_152_000 if form == "blocked" else 887_472
    assert simulated == pytest.approx(hand, rel=0.02)
    assert result.estimate.cycles == pytest.approx(simulated, rel=0.03)


def test_eyeriss_blocked_depthwise_with_its_own_tiles_follows_the_simulator() -> None:
    # the search's tiles for the blocked form (970,404 cycles: rows of 14 blocks) are
    # estimated as the simulator counts them
    result, simulated = _depthwise("blocked, tiles searched")
    assert isinstance(result.passes[0], BlockWindows)
    assert result.estimate.cycles == pytest.approx(simulated, rel=0.03)


def test_eyeriss_depthwise_moves_no_padding() -> None:
    # as written: per channel x clipped to the map, 8,432 B (above), and its bias, 2 B
    result, _ = _depthwise("written")
    moved = Simulator(result.program, result.arch).run().bytes_moved()
    assert {str(e): n for e, n in moved.items()}["DRAM->GLB"] == 144 * (8_432 + 2)
    assert dict(result.estimate.traffic)["DRAM->GLB"] == pytest.approx(144 * (8_432 + 2))


def test_eyeriss_search_ranks_the_depthwise_forms_as_the_simulator_does() -> None:
    # the search keeps the conv as written (887,472 cycles above against 970,404 blocked)
    (chosen, chosen_cycles) = _depthwise("search")
    (blocked, blocked_cycles) = _depthwise("blocked, tiles searched")
    assert not isinstance(chosen.passes[0], BlockWindows)
    assert chosen_cycles < blocked_cycles
    assert chosen.estimate.cycles < blocked.estimate.cycles
