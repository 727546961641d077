"""Property tests: hypothesis draws small shapes; interpret must agree with onnx.reference."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from covenant_lab.codelets import interpret
from covenant_lab.codelets import library as lib
from covenant_lab.codelets.library._common import window_out
from covenant_lab.codelets.library.constants import window_counts
from covenant_lab.types import OpKind

from ._onnx import close, run_onnx

SETTINGS = settings(max_examples=25, deadline=None)
small = st.integers(1, 3)


def values(data: st.DataObject, shape: tuple[int, ...], *, positive: bool = False) -> np.ndarray:
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return (np.abs(x) + 0.5).astype(np.float32) if positive else x


@SETTINGS
@given(data=st.data())
def test_conv2d_agrees_with_onnx(data: st.DataObject) -> None:
    group, icg, ocg = data.draw(small, "group"), data.draw(small, "icg"), data.draw(small, "ocg")
    kh, kw, sh, sw = (data.draw(small, name) for name in ("kh", "kw", "sh", "sw"))
    dh, dw = data.draw(st.integers(1, 2), "dh"), data.draw(st.integers(1, 2), "dw")
    pads = tuple(data.draw(st.integers(0, 2), f"pad{k}") for k in range(4))
    h = data.draw(st.integers(max(1, dh * (kh - 1) + 1 - pads[0] - pads[2]), 8), "h")
    w = data.draw(st.integers(max(1, dw * (kw - 1) + 1 - pads[1] - pads[3]), 8), "w")
    bias = data.draw(st.booleans(), "bias")
    x_shape = (data.draw(st.integers(1, 2), "n"), group * icg, h, w)
    w_shape = (group * ocg, icg, kh, kw)
    c = lib.conv2d(x_shape, w_shape, bias=bias, strides=(sh, sw), pads=pads, dilations=(dh, dw),
                   group=group)
    x, wt, b = values(data, x_shape), values(data, w_shape), values(data, (w_shape[0],))
    (expected,) = run_onnx("Conv", [("x", x), ("w", wt), ("b", b if bias else None)],
                           kernel_shape=[kh, kw], strides=[sh, sw], pads=list(pads),
                           dilations=[dh, dw], group=group)
    close(interpret(c, {"x": x, "w": wt} | ({"b": b} if bias else {}))["y"], expected)


def _batched(data: st.DataObject, batch: tuple[int, ...], label: str) -> tuple[int, ...]:
    """A batch shape that broadcasts to ``batch``: leading axes dropped, some sizes 1."""
    drop = data.draw(st.integers(0, len(batch)), f"{label}_drop")
    return tuple(1 if data.draw(st.booleans(), f"{label}_one{k}") else s
                 for k, s in enumerate(batch[drop:]))


@SETTINGS
@given(data=st.data())
def test_matmul_agrees_with_onnx(data: st.DataObject) -> None:
    batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), "batch"))
    m, n, k = data.draw(small, "m"), data.draw(small, "n"), data.draw(st.integers(1, 4), "k")
    a_vec, b_vec = data.draw(st.booleans(), "a_vec"), data.draw(st.booleans(), "b_vec")
    a_shape = (k,) if a_vec else (*_batched(data, batch, "a"), m, k)
    b_shape = (k,) if b_vec else (*_batched(data, batch, "b"), k, n)
    a, b = values(data, a_shape), values(data, b_shape)
    (expected,) = run_onnx("MatMul", [("a", a), ("b", b)])
    close(interpret(lib.matmul(a_shape, b_shape), {"a": a, "b": b})["y"], expected)


@SETTINGS
@given(data=st.data())
def test_pooling_agrees_with_onnx(data: st.DataObject) -> None:
    is_max = data.draw(st.booleans(), "max")
    kernel = (data.draw(small, "kh"), data.draw(small, "kw"))
    strides = (data.draw(small, "sh"), data.draw(small, "sw"))
    dil = (1, 1)
    if is_max:
        dil = (data.draw(st.integers(1, 2), "dh"), data.draw(st.integers(1, 2), "dw"))
    pads = tuple(data.draw(st.integers(0, kernel[k % 2] - 1), f"pad{k}") for k in range(4))
    ceil_mode = data.draw(st.booleans(), "ceil")
    hw = tuple(
        data.draw(st.integers(max(1, dil[k] * (kernel[k] - 1) + 1 - pads[k] - pads[k + 2]), 7),
                  f"size{k}")
        for k in range(2)
    )
    for k in range(2):  # a window of padding only has no value (the library refuses it)
        out = window_out(hw[k], kernel[k], strides[k], pads[k], pads[k + 2], dil[k], ceil_mode)
        counts = window_counts(hw[k], out, kernel[k], strides[k], dil[k], pads[k], pads[k + 2],
                               include_pad=False)
        assume(counts.all())
    x_shape = (data.draw(st.integers(1, 2), "n"), data.draw(small, "c"), *hw)
    c_kw = {"kernel": kernel, "strides": strides, "pads": pads, "ceil_mode": ceil_mode}
    attrs = {"kernel_shape": list(kernel), "strides": list(strides), "pads": list(pads),
             "ceil_mode": int(ceil_mode)}
    if is_max:
        # onnx.reference's MaxPool with unit strides and dilations reads 4 pads as
        # (top, bottom, left, right); stay where both readings agree
        assume(strides != (1, 1) or dil != (1, 1) or pads[1] == pads[2])
        # ... and, on that path, gives one more output row/column with ceil_mode and pads
        # (H=3, kernel 2, pad 1: 4 rows where the definition gives ceil(2/1 + 1) = 3)
        assume(strides != (1, 1) or dil != (1, 1) or not ceil_mode or not any(pads))
        c = lib.maxpool2d(x_shape, dilations=dil, **c_kw)
        attrs["dilations"] = list(dil)
    else:
        include = data.draw(st.booleans(), "count_include_pad")
        c = lib.avgpool2d(x_shape, count_include_pad=include, **c_kw)
        attrs["count_include_pad"] = int(include)
        # onnx.reference shifts windows when ceil_mode needs 2+ extra padded cells (a known
        # quirk of its pooling helper); stay where it follows the ONNX definition
        out = c.operand("y").shape[2:]
        for k in range(2):
            assume((out[k] - 1) * strides[k] + kernel[k] - hw[k] - pads[k] - pads[k + 2] <= 1)
    x = values(data, x_shape)
    (expected,) = run_onnx("MaxPool" if is_max else "AveragePool", [("x", x)], **attrs)
    close(interpret(c, {"x": x})["y"], expected)


BINARY = {OpKind.ADD: "Add", OpKind.SUB: "Sub", OpKind.MUL: "Mul", OpKind.DIV: "Div",
          OpKind.MAX: "Max", OpKind.MIN: "Min"}
UNARY = {OpKind.NEG: "Neg", OpKind.EXP: "Exp", OpKind.ERF: "Erf", OpKind.TANH: "Tanh",
         OpKind.SIGMOID: "Sigmoid", OpKind.SQRT: "Sqrt", OpKind.RECIP: "Reciprocal",
         OpKind.RELU: "Relu"}


@SETTINGS
@given(data=st.data())
def test_elementwise_agrees_with_onnx(data: st.DataObject) -> None:
    out = tuple(data.draw(st.lists(st.integers(1, 4), max_size=3), "out"))
    op = data.draw(st.sampled_from([*BINARY, *UNARY]), "op")
    a_shape = _batched(data, out, "a")
    positive = op in (OpKind.DIV, OpKind.SQRT, OpKind.RECIP)
    if op in UNARY:
        x = values(data, a_shape, positive=positive)
        (expected,) = run_onnx(UNARY[op], [("x", x)])
        close(interpret(lib.elementwise(op, a_shape), {"x": x})["y"], expected)
        return
    b_shape = _batched(data, out, "b")
    a, b = values(data, a_shape), values(data, b_shape, positive=positive)
    (expected,) = run_onnx(BINARY[op], [("a", a), ("b", b)])
    close(interpret(lib.elementwise(op, a_shape, b_shape), {"a": a, "b": b})["y"], expected)
