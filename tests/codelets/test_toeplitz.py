"""Blocking a window-only conv's outputs, the weights made a band (codelets/toeplitz.py)."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.library.constants import derived, derived_sources
from covenant_lab.codelets.printer import to_text
from covenant_lab.codelets.toeplitz import Window, blocked, windows


def _depthwise(strides: tuple[int, int] = (1, 1), bias: bool = True) -> L.Codelet:
    return L.conv2d((1, 6, 8, 8), (6, 1, 3, 3), bias=bias, strides=strides,
                    pads=(1, 1, 1, 1), group=6)


def _shape(c: L.Codelet, **sizes: int) -> tuple[tuple[Window, int], ...]:
    return tuple((w, sizes[w.out]) for w in windows(c, 0) if w.out in sizes)


def test_a_depthwise_conv_has_two_windows_and_a_diagonal_an_ordinary_conv_none() -> None:
    assert windows(_depthwise(), 0) == (Window("g", None, 1, 1), Window("oh", "kh", 1, 2),
                                        Window("ow", "kw", 1, 3))
    assert windows(_depthwise((2, 2)), 0)[1:] == (Window("oh", "kh", 2, 2),
                                                  Window("ow", "kw", 2, 3))
    # the channel reduction already fills an array's rows: nothing to block
    assert windows(L.conv2d((1, 6, 8, 8), (4, 6, 3, 3)), 0) == ()
    assert windows(L.matmul((6, 4), (4, 5)), 0) == ()
    # one input channel: the window is the whole reduction (no channel indexes all three)
    assert len(windows(L.conv2d((1, 1, 8, 8), (4, 1, 3, 3)), 0)) == 2


@pytest.mark.parametrize(("strides", "blocks"), [
    ((1, 1), (2, 4)), ((1, 1), (4, 1)), ((1, 1), (1, 8)), ((2, 2), (2, 4)), ((2, 2), (4, 1))])
def test_the_blocked_conv_computes_the_conv(strides: tuple[int, int],
                                            blocks: tuple[int, int]) -> None:
    c = _depthwise(strides)
    b = blocked(c, 0, _shape(c, oh=blocks[0], ow=blocks[1]))
    rng = np.random.default_rng(3)
    values = {o.name: rng.standard_normal(o.shape) for o in c.inputs}
    assert derived_sources(b) == {"w"}
    np.testing.assert_allclose(interpret(b, values)["y"], interpret(c, values)["y"], rtol=1e-12)


def test_the_band_by_hand() -> None:
    """4 x 8 outputs read a 6 x 10 window; band[g, y, x, i, j] = w[g, y - i, x - j] inside
    the 3 x 3 kernel, else 0."""
    c = _depthwise()
    b = blocked(c, 0, _shape(c, oh=4, ow=8))
    extents = {d.name: d.extent for d in b.dims}
    assert extents == {"n": 1, "g": 6, "oh_blk": 2, "oh_pos": 4, "kh_win": 6, "ow_blk": 1,
                       "ow_pos": 8, "kw_win": 10}
    assert b.operand("w_band").shape == (6, 6, 10, 4, 8)
    assert "w" not in {o.name for o in b.operands}
    w = np.arange(6 * 9, dtype=float).reshape(6, 1, 3, 3) + 1
    band = derived(b, {"w": w})["w_band"]
    assert band[2, 3, 5, 1, 4] == w[2, 0, 2, 1]  # y - i = 2, x - j = 1
    assert band[2, 0, 0, 0, 0] == w[2, 0, 0, 0]
    assert band[2, 4, 5, 1, 4] == 0  # y - i = 3: below the kernel
    assert band[2, 3, 3, 1, 4] == 0  # x - j = -1: left of it
    assert np.count_nonzero(band) == 6 * 4 * 8 * 9  # each output's 9 taps, nothing more
    text = to_text(b)
    assert ("w_band[g, kh_win, kw_win, oh_pos, ow_pos] = "
            "w[g, 0, kh_win - oh_pos, kw_win - ow_pos] (pad 0.0)") in text
    assert ("y[n, g, 4*oh_blk + oh_pos, 8*ow_blk + ow_pos] += "
            "x[n, g, 4*oh_blk + kh_win - 1, 8*ow_blk + kw_win - 1] (pad 0.0) * "
            "w_band[g, kh_win, kw_win, oh_pos, ow_pos]") in text


def test_a_stride_widens_the_window() -> None:
    """Stride 2, 2 x 2 outputs: a window of 2 * (2 - 1) + 3 = 5 inputs per axis."""
    c = _depthwise((2, 2))
    b = blocked(c, 0, _shape(c, oh=2, ow=2))
    assert b.operand("w_band").shape == (6, 5, 5, 2, 2)
    stmt = b.stages[0].stmt
    assert str(stmt.srcs[0]) == "x[n, g, kh_win + 4*oh_blk - 1, kw_win + 4*ow_blk - 1]"


def test_a_diagonal_block_of_channels_reads_each_channel_alone() -> None:
    """2 channels x 2 x 2 outputs: the input window holds both channels (2 x 4 x 4), and
    band[g_blk, g_win, y, x, g_pos, i, j] = w[2 * g_blk + g_pos, 0, y - i, x - j] only where
    g_win == g_pos: each output's 9 taps, nothing from the other channel."""
    c = _depthwise()
    b = blocked(c, 0, _shape(c, g=2, oh=2, ow=2))
    assert b.operand("w_band").shape == (3, 2, 4, 4, 2, 2, 2)
    w = np.arange(6 * 9, dtype=float).reshape(6, 1, 3, 3) + 1
    band = derived(b, {"w": w})["w_band"]
    assert band[1, 1, 2, 3, 1, 1, 1] == w[3, 0, 1, 2]
    assert band[1, 0, 2, 3, 1, 1, 1] == 0  # the other channel of the block
    assert np.count_nonzero(band) == 3 * 2 * 2 * 2 * 9
    assert "where g_win == g_pos" in to_text(b)
    rng = np.random.default_rng(4)
    values = {o.name: rng.standard_normal(o.shape) for o in c.inputs}
    np.testing.assert_allclose(interpret(b, values)["y"], interpret(c, values)["y"], rtol=1e-12)
