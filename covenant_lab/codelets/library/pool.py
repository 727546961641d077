"""2-D pooling (ONNX MaxPool, AveragePool, GlobalAveragePool), NCHW."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.chain import CONSTANTS_ATTR
from covenant_lab.codelets.ir import Access, Affine, Codelet
from covenant_lab.codelets.library._common import (
    check_ints,
    check_shape,
    window_out,
    window_pads,
)
from covenant_lab.codelets.library.constants import pool_inv_count, window_counts
from covenant_lab.codelets.library.reduce import reduce
from covenant_lab.errors import UsageError
from covenant_lab.types import DType, OpKind

__all__ = ["avgpool2d", "global_avgpool", "maxpool2d"]


@dataclass(frozen=True, slots=True)
class _Window:
    """Checked geometry of a 2-D pooling window."""

    x_shape: tuple[int, int, int, int]
    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    dilations: tuple[int, int]
    out: tuple[int, int]

    @staticmethod
    def of(fn: str, x_shape: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
           pads: Sequence[int], dilations: Sequence[int], ceil_mode: bool) -> _Window:
        n, c, h, w = check_shape(fn, "x_shape", x_shape, rank=4)
        k = check_ints(fn, "kernel", kernel, 2, minimum=1)
        s = check_ints(fn, "strides", strides, 2, minimum=1)
        p = check_ints(fn, "pads", pads, 4, minimum=0)
        d = check_ints(fn, "dilations", dilations, 2, minimum=1)
        out = (window_out(h, k[0], s[0], p[0], p[2], d[0], ceil_mode),
               window_out(w, k[1], s[1], p[1], p[3], d[1], ceil_mode))
        if min(out) < 1:
            raise UsageError(f"{fn}: the window {k} does not fit the padded input {(h, w)}")
        for axis, size in enumerate((h, w)):
            counts = window_counts(size, out[axis], k[axis], s[axis], d[axis], p[axis],
                                   p[axis + 2], include_pad=False)
            if not counts.all():
                raise UsageError(
                    f"{fn}: with pads {p}, window {int(np.argmin(counts))} along axis "
                    f"{axis + 2} reads padding only", hint="use smaller pads")
        return _Window((n, c, h, w), (k[0], k[1]), (s[0], s[1]), (p[0], p[1], p[2], p[3]),
                       (d[0], d[1]), out)

    @property
    def pads_reads(self) -> bool:
        _, _, h, w = self.x_shape
        return window_pads(h, self.out[0], self.kernel[0], self.strides[0], self.dilations[0],
                           self.pads[0]) or window_pads(w, self.out[1], self.kernel[1],
                                                        self.strides[1], self.dilations[1],
                                                        self.pads[1])

    def build(self, cb: CodeletBuilder, fill: float) -> tuple[Access, Access, tuple[Affine, ...]]:
        """Declare dims and operands; return the destination, the window read and the loops."""
        n_, c_, _, _ = self.x_shape
        n, c, oh, ow, kh, kw = cb.dims(n=n_, c=c_, oh=self.out[0], ow=self.out[1],
                                       kh=self.kernel[0], kw=self.kernel[1])
        x = cb.input("x", self.x_shape)
        y = cb.output("y", (n_, c_, *self.out))
        (sh, sw), (dh, dw), (pt, pl, _, _) = self.strides, self.dilations, self.pads
        read = x[n, c, sh * oh + dh * kh - pt, sw * ow + dw * kw - pl]
        cb.attr("kernel", self.kernel)
        cb.attr("strides", self.strides)
        cb.attr("pads", self.pads)
        cb.attr("dilations", self.dilations)
        return y[n, c, oh, ow], read.pad(fill) if self.pads_reads else read, (n, c, oh, ow, kh, kw)


def maxpool2d(
    x_shape: Sequence[int], *, kernel: Sequence[int], strides: Sequence[int] = (1, 1),
    pads: Sequence[int] = (0, 0, 0, 0), dilations: Sequence[int] = (1, 1),
    ceil_mode: bool = False, name: str = "maxpool2d", dtype: DType = DType.FLOAT32,
) -> Codelet:
    """``y[n, c, oh, ow] = max(y, x[n, c, sh*oh + dh*kh - pt, sw*ow + dw*kw - pl] (pad -inf))``."""
    win = _Window.of("maxpool2d", x_shape, kernel, strides, pads, dilations, ceil_mode)
    cb = CodeletBuilder(name, dtype=dtype)
    dst, read, loops = win.build(cb, -np.inf)
    cb.reduce(OpKind.REDUCE_MAX, dst, read, loops=loops, init=-np.inf)
    cb.attr("ceil_mode", bool(ceil_mode))
    return cb.build()


def avgpool2d(
    x_shape: Sequence[int], *, kernel: Sequence[int], strides: Sequence[int] = (1, 1),
    pads: Sequence[int] = (0, 0, 0, 0), count_include_pad: bool = False,
    ceil_mode: bool = False, name: str = "avgpool2d", dtype: DType = DType.FLOAT32,
) -> Codelet:
    """Window sum, then a multiply by ``1 / count`` of each output position.

    The divisor counts the window taps inside the input (``count_include_pad=False``) or
    inside the padded input (``True``; taps past the padding added by ``ceil_mode`` never
    count). When it is the same everywhere it is a constant; otherwise it is the weight
    ``inv_count[oh, ow]``, generated by :func:`~covenant_lab.codelets.library.constants`::

        y[n, c, oh, ow] += x[n, c, 2*oh + kh - 1, 2*ow + kw - 1] (pad 0.0)   # init 0.0
        y[n, c, oh, ow] = y[n, c, oh, ow] * inv_count[oh, ow]
    """
    win = _Window.of("avgpool2d", x_shape, kernel, strides, pads, (1, 1), ceil_mode)
    cb = CodeletBuilder(name, dtype=dtype)
    dst, read, loops = win.build(cb, 0.0)
    cb.attr("count_include_pad", bool(count_include_pad))
    cb.attr("ceil_mode", bool(ceil_mode))
    params = (win.x_shape[2:], win.out, win.kernel, win.strides, win.dilations, win.pads,
              bool(count_include_pad))
    inv = pool_inv_count(*params)
    cb.reduce(OpKind.REDUCE_ADD, dst, read, loops=loops, init=0.0, label="sum")
    oh, ow = loops[2:4]
    if np.all(inv == inv.flat[0]):
        cb.binary(OpKind.MUL, dst, dst, float(inv.flat[0]), loops=loops[:4], label="mean")
    else:
        inv_count = cb.weight("inv_count", win.out)
        cb.binary(OpKind.MUL, dst, dst, inv_count[oh, ow], loops=loops[:4], label="mean")
        cb.attr(CONSTANTS_ATTR, (("inv_count", ("pool_inv_count", params)),))
    return cb.build()


def global_avgpool(x_shape: Sequence[int], *, name: str = "global_avgpool",
                   dtype: DType = DType.FLOAT32) -> Codelet:
    """Mean over every axis after the first two, keeping them as size 1 (ONNX)."""
    shape = check_shape("global_avgpool", "x_shape", x_shape, min_rank=3)
    return reduce("mean", shape, tuple(range(2, len(shape))), keepdims=True, name=name,
                  dtype=dtype)
