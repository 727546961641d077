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


def test_a_depthwise_conv_has_two_windows_an_ordinary_conv_none() -> None:
    assert windows(_depthwise(), 0) == (Window("oh", "kh", 1, 2), Window("ow", "kw", 1, 3))
    assert windows(_depthwise((2, 2)), 0) == (Window("oh", "kh", 2, 2), Window("ow", "kw", 2, 3))
    # the channel reduction already fills an array's rows: nothing to block
    assert windows(L.conv2d((1, 6, 8, 8), (4, 6, 3, 3)), 0) == ()
    assert windows(L.matmul((6, 4), (4, 5)), 0) == ()
    # one input channel: the window is the whole reduction
    assert len(windows(L.conv2d((1, 1, 8, 8), (4, 1, 3, 3)), 0)) == 2


@pytest.mark.parametrize(("strides", "blocks"), [
    ((1, 1), (2, 4)), ((1, 1), (4, 1)), ((1, 1), (1, 8)), ((2, 2), (2, 4)), ((2, 2), (4, 1))])
def test_the_blocked_conv_computes_the_conv(strides: tuple[int, int],
                                            blocks: tuple[int, int]) -> None:
    c = _depthwise(strides)
    b = blocked(c, 0, tuple(zip(windows(c, 0), blocks, strict=True)))
    rng = np.random.default_rng(3)
    values = {o.name: rng.standard_normal(o.shape) for o in c.inputs}
    assert derived_sources(b) == {"w"}
    np.testing.assert_allclose(interpret(b, values)["y"], interpret(c, values)["y"], rtol=1e-12)


def test_the_band_by_hand() -> None:
    """4 x 8 outputs read a 6 x 10 window; band[g, y, x, i, j] = w[g, y - i, x - j] inside
    the 3 x 3 kernel, else 0."""
    c = _depthwise()
    b = blocked(c, 0, tuple(zip(windows(c, 0), (4, 8), strict=True)))
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
    b = blocked(c, 0, tuple(zip(windows(c, 0), (2, 2), strict=True)))
    assert b.operand("w_band").shape == (6, 5, 5, 2, 2)
    stmt = b.stages[0].stmt
    assert str(stmt.srcs[0]) == "x[n, g, kh_win + 4*oh_blk - 1, kw_win + 4*ow_blk - 1]"
