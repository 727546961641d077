"""The numpy interpreter: op semantics, statement semantics, binding, and speed on big layers."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from covenant_lab.codelets import CodeletBuilder, apply_op, interpret
from covenant_lab.codelets import library as lib
from covenant_lab.errors import UsageError
from covenant_lab.types import OpKind

V = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
W = np.array([1.0, 2.0, -1.0, 4.0, 0.25])

ELEMENTWISE = [
    (OpKind.ADD, (V, W), V + W),
    (OpKind.SUB, (V, W), V - W),
    (OpKind.MUL, (V, W), V * W),
    (OpKind.DIV, (V, W), V / W),
    (OpKind.MAX, (V, W), np.maximum(V, W)),
    (OpKind.MIN, (V, W), np.minimum(V, W)),
    (OpKind.COPY, (V,), V),
    (OpKind.NEG, (V,), -V),
    (OpKind.EXP, (V,), np.exp(V)),
    (OpKind.ERF, (V,), np.array([math.erf(v) for v in V])),
    (OpKind.TANH, (V,), np.tanh(V)),
    (OpKind.SIGMOID, (V,), 1 / (1 + np.exp(-V))),
    (OpKind.SQRT, (W[W > 0],), np.sqrt(W[W > 0])),
    (OpKind.RSQRT, (W[W > 0],), 1 / np.sqrt(W[W > 0])),
    (OpKind.RECIP, (W,), 1 / W),
    (OpKind.RELU, (V,), np.maximum(V, 0)),
    (OpKind.MAC, (V, W, W), V + W * W),
    (OpKind.REDUCE_ADD, (V, W), V + W),
    (OpKind.REDUCE_MAX, (V, W), np.maximum(V, W)),
    (OpKind.REDUCE_MIN, (V, W), np.minimum(V, W)),
]


def test_apply_op_covers_every_op() -> None:
    assert {op for op, _, _ in ELEMENTWISE} == set(OpKind)


@pytest.mark.parametrize(("op", "args", "expected"), ELEMENTWISE)
def test_apply_op_semantics(op, args, expected) -> None:
    out = apply_op(op, *args)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)


def test_apply_op_checks_arity_and_gives_ieee_results_quietly() -> None:
    with pytest.raises(UsageError, match=r"apply_op: mac takes 3 arrays, got 2"):
        apply_op(OpKind.MAC, V, W)
    assert apply_op(OpKind.RECIP, 0.0) == np.inf
    assert apply_op(OpKind.EXP, 1e6) == np.inf
    assert np.isnan(apply_op(OpKind.SQRT, -1.0))
    assert apply_op(OpKind.SIGMOID, -1e6) == 0.0


def _mac(init) -> tuple:
    cb = CodeletBuilder("t")
    i, j, k = cb.dims(i=2, j=3, k=4)
    a, b, bias = cb.input("a", (2, 4)), cb.weight("b", (4,)), cb.weight("bias", (2,))
    y = cb.output("y", (2, 3))
    cb.mac(y[i, j], a[i, k], b[k], loops=(i, j, k), init=bias[i] if init == "bias" else init)
    return cb


def test_mac_broadcasts_over_destination_loops_no_source_uses() -> None:
    rng = np.random.default_rng(0)
    a, b, bias = rng.random((2, 4)), rng.random(4), rng.random(2)
    out = interpret(_mac("bias").build(), {"a": a, "b": b, "bias": bias})["y"]
    np.testing.assert_allclose(out, np.repeat((a @ b + bias)[:, None], 3, axis=1), rtol=1e-6)
    out = interpret(_mac(2.5).build(), {"a": a, "b": b, "bias": bias})["y"]
    np.testing.assert_allclose(out, np.repeat((a @ b + 2.5)[:, None], 3, axis=1), rtol=1e-6)


def test_reduction_loops_no_source_uses_repeat_the_term() -> None:
    cb = CodeletBuilder("t")
    i, k = cb.dims(i=3, k=5)
    x, y, z = cb.input("x", (3,)), cb.output("y", (3,)), cb.output("z", (3,))
    cb.mac(y[i], x[i], 2.0, loops=(i, k))
    cb.reduce(OpKind.REDUCE_ADD, z[i], x[i], loops=(i, k))
    out = interpret(cb.build(), {"x": np.array([1.0, 2.0, 3.0])})
    np.testing.assert_allclose(out["y"], [10.0, 20.0, 30.0])
    np.testing.assert_allclose(out["z"], [5.0, 10.0, 15.0])


def test_init_none_keeps_the_destination_and_keep_temps_returns_temps() -> None:
    cb = CodeletBuilder("t")
    i, k = cb.dims(i=2, k=3)
    x, t, y = cb.input("x", (2, 3)), cb.temp("t0", (2,)), cb.output("y", (2,))
    cb.reduce(OpKind.REDUCE_MAX, t[i], x[i, k])
    cb.copy(y[i], t[i])
    cb.reduce(OpKind.REDUCE_ADD, y[i], x[i, k], init=None)
    x_val = np.array([[1.0, 5.0, 2.0], [0.0, -1.0, 4.0]])
    out = interpret(cb.build(), {"x": x_val}, keep_temps=True)
    assert set(out) == {"t0", "y"}
    np.testing.assert_allclose(out["t0"], [5.0, 4.0])
    np.testing.assert_allclose(out["y"], [13.0, 7.0])
    assert set(interpret(cb.build(), {"x": x_val})) == {"y"}


def test_fills_negative_strides_and_repeated_variables() -> None:
    cb = CodeletBuilder("t")
    i, = cb.dims(i=4)
    x, m = cb.input("x", (3,)), cb.input("m", (4, 4))
    rev, diag = cb.output("rev", (4,)), cb.output("diag", (4,))
    cb.copy(rev[i], x[2 - i].pad(7.0))
    cb.copy(diag[i], m[i, i])
    ins = {"x": np.array([1.0, 2.0, 3.0]), "m": np.arange(16.0).reshape(4, 4)}
    out = interpret(cb.build(), ins)
    np.testing.assert_array_equal(out["rev"], [3.0, 2.0, 1.0, 7.0])
    np.testing.assert_array_equal(out["diag"], [0.0, 5.0, 10.0, 15.0])


def test_binding_errors() -> None:
    c = lib.gemm((2, 3), (3, 4))
    a, b = np.ones((2, 3)), np.ones((3, 4))
    with pytest.raises(UsageError, match=r"gemm: missing weight 'b' \(float32\[3, 4\]\)"):
        interpret(c, {"a": a})
    with pytest.raises(UsageError, match=r"input 'a' has shape \(3, 2\), expected \(2, 3\)"):
        interpret(c, {"a": a.T, "b": b})
    with pytest.raises(UsageError, match=r"gemm has no input or weight named q"):
        interpret(c, {"a": a, "b": b, "q": b})


def test_generated_constants_are_filled_in_unless_given() -> None:
    c = lib.avgpool2d((1, 1, 3, 3), kernel=(3, 3), pads=(1, 1, 1, 1))
    x = np.ones((1, 1, 3, 3), np.float32)
    np.testing.assert_allclose(interpret(c, {"x": x})["y"], np.ones((1, 1, 3, 3)), rtol=1e-6)
    doubled = interpret(c, {"x": x, "inv_count": 2 * lib.constants(c)["inv_count"]})["y"]
    np.testing.assert_allclose(doubled, 2 * np.ones((1, 1, 3, 3)), rtol=1e-6)


def _timed(c, inputs):
    start = time.perf_counter()
    out = interpret(c, inputs)
    return out, time.perf_counter() - start


def test_resnet50_stem_conv_is_fast_and_right() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    w = rng.standard_normal((64, 3, 7, 7)).astype(np.float32)
    c = lib.conv2d(x.shape, w.shape, strides=(2, 2), pads=(3, 3, 3, 3))
    out, seconds = _timed(c, {"x": x, "w": w})
    windows = sliding_window_view(np.pad(x.astype(np.float64), ((0, 0), (0, 0), (3, 3), (3, 3))),
                                  (7, 7), axis=(2, 3))[:, :, ::2, ::2]
    expected = np.einsum("nchwkl,ockl->nohw", windows, w.astype(np.float64))
    np.testing.assert_allclose(out["y"], expected, rtol=1e-4, atol=1e-4)
    assert seconds < 3.0


def test_bert_ffn_gemm_is_fast_and_right() -> None:
    rng = np.random.default_rng(2)
    a = rng.standard_normal((128, 768)).astype(np.float32)
    b = rng.standard_normal((768, 3072)).astype(np.float32)
    c = lib.gemm(a.shape, b.shape, c_shape=(3072,))
    bias = rng.standard_normal(3072).astype(np.float32)
    out, seconds = _timed(c, {"a": a, "b": b, "c": bias})
    expected = a.astype(np.float64) @ b.astype(np.float64) + bias
    np.testing.assert_allclose(out["y"], expected, rtol=1e-4, atol=1e-3)
    assert seconds < 3.0
