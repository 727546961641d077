"""2-D convolution (ONNX Conv, NCHW), with groups, bias, strides, pads and dilations."""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.ir import Affine, Codelet
from covenant_lab.codelets.library._common import (
    check_ints,
    check_shape,
    window_out,
    window_pads,
)
from covenant_lab.errors import UsageError
from covenant_lab.types import DType

__all__ = ["conv2d"]


def conv2d(
    x_shape: Sequence[int], w_shape: Sequence[int], *, bias: bool = False,
    strides: Sequence[int] = (1, 1), pads: Sequence[int] = (0, 0, 0, 0),
    dilations: Sequence[int] = (1, 1), group: int = 1, name: str = "conv2d",
    dtype: DType = DType.FLOAT32,
) -> Codelet:
    """``y = conv(x, w) (+ b)``, one MAC stage; pads in ONNX order (top, left, bottom, right).

    group == 1::

        y[n, oc, oh, ow] += x[n, ic, sh*oh + dh*kh - pt, sw*ow + dw*kw - pl] (pad 0.0)
                            * w[oc, ic, kh, kw]                       # init b[oc] or 0.0

    group > 1 (depthwise included) adds a dim ``g``; ``oc``, ``ic`` count channels per group::

        y[n, OCg*g + oc, oh, ow] += x[n, ICg*g + ic, ...] (pad 0.0) * w[OCg*g + oc, ic, kh, kw]
    """
    fn = "conv2d"
    n_, c_, h_, w_ = check_shape(fn, "x_shape", x_shape, rank=4)
    oc_, icg_, kh_, kw_ = check_shape(fn, "w_shape", w_shape, rank=4)
    sh, sw = check_ints(fn, "strides", strides, 2, minimum=1)
    pt, pl, pb, pr = check_ints(fn, "pads", pads, 4, minimum=0)
    dh, dw = check_ints(fn, "dilations", dilations, 2, minimum=1)
    if group < 1 or c_ != icg_ * group or oc_ % group:
        raise UsageError(f"{fn}: group {group} does not fit x channels {c_}, "
                         f"w shape {tuple(w_shape)}",
                         hint="need x channels == w_shape[1] * group and group dividing w_shape[0]")
    oh_ = window_out(h_, kh_, sh, pt, pb, dh, ceil_mode=False)
    ow_ = window_out(w_, kw_, sw, pl, pr, dw, ceil_mode=False)
    if oh_ < 1 or ow_ < 1:
        raise UsageError(f"{fn}: the kernel {(kh_, kw_)} does not fit the padded input {(h_, w_)}")
    ocg = oc_ // group

    cb = CodeletBuilder(name, dtype=dtype)
    loops: tuple[Affine, ...]
    if group == 1:
        n, oc, oh, ow, ic, kh, kw = cb.dims(n=n_, oc=oc_, oh=oh_, ow=ow_, ic=icg_, kh=kh_, kw=kw_)
        loops = (n, oc, oh, ow, ic, kh, kw)
        out_ch, in_ch = oc, ic
    else:  # a channel count of one per group gets no loop: depthwise indexes y[n, g, ...]
        sizes = {"n": n_, "g": group, "oc": ocg, "oh": oh_, "ow": ow_, "ic": icg_,
                 "kh": kh_, "kw": kw_}
        keep = {k: v for k, v in sizes.items() if v > 1 or k not in ("oc", "ic")}
        named = dict(zip(keep, cb.dims(**keep), strict=True))
        n, g, oh, ow, kh, kw = (named[k] for k in ("n", "g", "oh", "ow", "kh", "kw"))
        loops = tuple(named.values())
        out_ch = ocg * g + named["oc"] if "oc" in named else g
        in_ch = icg_ * g + named["ic"] if "ic" in named else g
        ic = named.get("ic", Affine.of(0))
    x = cb.input("x", (n_, c_, h_, w_))
    w = cb.weight("w", (oc_, icg_, kh_, kw_))
    b = cb.weight("b", (oc_,)) if bias else None
    y = cb.output("y", (n_, oc_, oh_, ow_))
    rows, cols = sh * oh + dh * kh - pt, sw * ow + dw * kw - pl
    read = x[n, in_ch, rows, cols]
    if window_pads(h_, oh_, kh_, sh, dh, pt) or window_pads(w_, ow_, kw_, sw, dw, pl):
        read = read.pad(0.0)
    cb.mac(y[n, out_ch, oh, ow], read, w[out_ch, ic, kh, kw], loops=loops,
           init=b[out_ch] if b is not None else 0.0)
    cb.attr("strides", (sh, sw))
    cb.attr("pads", (pt, pl, pb, pr))
    cb.attr("dilations", (dh, dw))
    cb.attr("group", group)
    return cb.build()
