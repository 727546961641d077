"""Convolution, matrix products and pooling against onnx.reference (one-node models)."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.codelets import interpret
from covenant_lab.codelets import library as lib
from covenant_lab.errors import UsageError
from covenant_lab.types import Role

from ._onnx import close, rand, run_onnx

CONV_CASES = [
    ((1, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 3, 9, 8), (5, 3, 3, 3), {"strides": (2, 2), "pads": (1, 1, 1, 1)}),
    ((1, 2, 6, 7), (3, 2, 3, 2), {"strides": (2, 1), "pads": (1, 0, 2, 1)}),
    ((1, 2, 9, 9), (3, 2, 3, 3), {"dilations": (2, 2), "pads": (2, 2, 2, 2)}),
    ((1, 2, 10, 9), (3, 2, 2, 3), {"dilations": (3, 2), "strides": (2, 3), "pads": (0, 1, 3, 0)}),
    ((1, 4, 6, 6), (6, 2, 3, 3), {"group": 2, "bias": True}),
    ((2, 6, 7, 5), (6, 1, 3, 3), {"group": 6, "pads": (1, 1, 1, 1), "strides": (2, 2)}),
    ((1, 3, 5, 5), (6, 1, 3, 3), {"group": 3, "bias": True, "pads": (1, 1, 1, 1)}),
    ((1, 8, 4, 4), (16, 8, 1, 1), {"bias": True}),
    ((1, 3, 15, 15), (4, 3, 7, 7), {"strides": (2, 2), "pads": (3, 3, 3, 3), "bias": True}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "kw"), CONV_CASES)
def test_conv2d_matches_onnx(x_shape, w_shape, kw) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rand(rng, *x_shape), rand(rng, *w_shape), rand(rng, w_shape[0])
    c = lib.conv2d(x_shape, w_shape, **kw)
    inputs = {"x": x, "w": w} | ({"b": b} if kw.get("bias") else {})
    attrs = {k: list(v) for k, v in kw.items() if k in ("strides", "pads", "dilations")}
    (expected,) = run_onnx("Conv", [("x", x), ("w", w), ("b", b if kw.get("bias") else None)],
                           kernel_shape=list(w_shape[2:]), group=kw.get("group", 1), **attrs)
    close(interpret(c, inputs)["y"], expected)


def test_conv2d_counts_macs_of_resnet50_stem() -> None:
    c = lib.conv2d((1, 3, 224, 224), (64, 3, 7, 7), strides=(2, 2), pads=(3, 3, 3, 3))
    assert c.operations == 118_013_952
    assert c.operand("y").shape == (1, 64, 112, 112)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (((1, 4, 6, 6), (6, 3, 3, 3), {"group": 2}), "group 2 does not fit"),
        (((1, 3, 6), (6, 3, 3, 3), {}), "argument 'x_shape' to conv2d: expected 4 dims"),
        (((1, 3, 2, 2), (6, 3, 3, 3), {}), "does not fit the padded input"),
        (((1, 3, 6, 6), (6, 3, 3, 3), {"strides": (0, 1)}), "argument 'strides'"),
    ],
)
def test_conv2d_rejects_bad_arguments(args, message) -> None:
    x_shape, w_shape, kw = args
    with pytest.raises(UsageError, match=message):
        lib.conv2d(x_shape, w_shape, **kw)


GEMM_CASES = [
    ((3, 4), (4, 5), None, {}),
    ((3, 4), (4, 5), (5,), {}),
    ((4, 3), (5, 4), (3, 5), {"trans_a": True, "trans_b": True}),
    ((3, 4), (5, 4), (3, 1), {"trans_b": True, "alpha": 0.5, "beta": 2.0}),
    ((3, 4), (4, 5), (1, 5), {"beta": 0.0}),
    ((3, 4), (4, 5), (1,), {"alpha": 1.0, "beta": -1.5}),
    ((4, 3), (4, 5), None, {"trans_a": True, "alpha": 2.0}),
]


@pytest.mark.parametrize(("a_shape", "b_shape", "c_shape", "kw"), GEMM_CASES)
def test_gemm_matches_onnx(a_shape, b_shape, c_shape, kw) -> None:
    rng = np.random.default_rng(1)
    a, b = rand(rng, *a_shape), rand(rng, *b_shape)
    c_val = rand(rng, *c_shape) if c_shape is not None else None
    cd = lib.gemm(a_shape, b_shape, c_shape=c_shape, **kw)
    inputs = {"a": a, "b": b} | ({"c": c_val} if c_val is not None else {})
    attrs = {"transA": int(kw.get("trans_a", False)), "transB": int(kw.get("trans_b", False)),
             "alpha": kw.get("alpha", 1.0), "beta": kw.get("beta", 1.0)}
    (expected,) = run_onnx("Gemm", [("a", a), ("b", b), ("c", c_val)], **attrs)
    close(interpret(cd, inputs)["y"], expected)


def test_gemm_folds_bias_into_init_only_for_unit_scales() -> None:
    assert len(lib.gemm((3, 4), (4, 5), c_shape=(5,)).stages) == 1
    assert len(lib.gemm((3, 4), (4, 5), c_shape=(5,), beta=2.0).stages) == 3


MATMUL_CASES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 6)),
    ((3, 4), (2, 4, 5)),
    ((1, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize(("a_shape", "b_shape"), MATMUL_CASES)
@pytest.mark.parametrize("b_is_weight", [True, False])
def test_matmul_matches_onnx(a_shape, b_shape, b_is_weight) -> None:
    rng = np.random.default_rng(2)
    a, b = rand(rng, *a_shape), rand(rng, *b_shape)
    c = lib.matmul(a_shape, b_shape, b_is_weight=b_is_weight)
    assert c.operand("b").role is (Role.WEIGHT if b_is_weight else Role.INPUT)
    (expected,) = run_onnx("MatMul", [("a", a), ("b", b)])
    close(interpret(c, {"a": a, "b": b})["y"], expected)


def test_matmul_rejects_mismatched_inner_sizes() -> None:
    with pytest.raises(UsageError, match=r"matmul: inner sizes differ"):
        lib.matmul((3, 4), (5, 6))
    with pytest.raises(UsageError, match=r"do not broadcast"):
        lib.matmul((2, 3, 4), (3, 4, 5))


MAXPOOL_CASES = [
    ((1, 2, 6, 6), {"kernel": (2, 2), "strides": (2, 2)}),
    ((2, 3, 7, 7), {"kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1)}),
    ((1, 2, 7, 6), {"kernel": (3, 2), "strides": (2, 1), "pads": (1, 0, 1, 1)}),
    ((1, 1, 8, 8), {"kernel": (2, 2), "dilations": (2, 2)}),
    ((1, 1, 9, 9),
     {"kernel": (2, 3), "strides": (2, 2), "dilations": (2, 1), "pads": (1, 1, 0, 0)}),
    ((1, 2, 8, 8), {"kernel": (3, 3), "strides": (2, 2), "ceil_mode": True}),
    ((1, 1, 6, 6), {"kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1), "ceil_mode": True}),
    ((1, 4, 12, 12), {"kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1)}),
]


@pytest.mark.parametrize(("x_shape", "kw"), MAXPOOL_CASES)
def test_maxpool2d_matches_onnx(x_shape, kw) -> None:
    x = rand(np.random.default_rng(3), *x_shape)
    c = lib.maxpool2d(x_shape, **kw)
    attrs = {"kernel_shape": list(kw["kernel"]), "ceil_mode": int(kw.get("ceil_mode", False))}
    attrs |= {k: list(v) for k, v in kw.items() if k in ("strides", "pads", "dilations")}
    (expected,) = run_onnx("MaxPool", [("x", x)], **attrs)
    close(interpret(c, {"x": x})["y"], expected)


AVGPOOL_CASES = [
    ((1, 2, 6, 6), {"kernel": (2, 2), "strides": (2, 2)}),
    ((1, 2, 5, 5), {"kernel": (3, 3), "pads": (1, 1, 1, 1)}),
    ((2, 2, 7, 6), {"kernel": (3, 2), "strides": (2, 2), "pads": (1, 0, 1, 1)}),
    ((1, 1, 8, 8), {"kernel": (3, 3), "strides": (2, 2), "ceil_mode": True}),
    ((1, 1, 6, 6), {"kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1), "ceil_mode": True}),
    ((1, 3, 7, 7), {"kernel": (7, 7)}),
]


@pytest.mark.parametrize(("x_shape", "kw"), AVGPOOL_CASES)
@pytest.mark.parametrize("count_include_pad", [False, True])
def test_avgpool2d_matches_onnx(x_shape, kw, count_include_pad) -> None:
    x = rand(np.random.default_rng(4), *x_shape)
    c = lib.avgpool2d(x_shape, count_include_pad=count_include_pad, **kw)
    attrs = {"kernel_shape": list(kw["kernel"]), "ceil_mode": int(kw.get("ceil_mode", False)),
             "count_include_pad": int(count_include_pad)}
    attrs |= {k: list(v) for k, v in kw.items() if k in ("strides", "pads")}
    (expected,) = run_onnx("AveragePool", [("x", x)], **attrs)
    close(interpret(c, {"x": x})["y"], expected)


def test_avgpool2d_divisor_is_a_generated_weight_only_when_it_varies() -> None:
    uniform = lib.avgpool2d((1, 2, 5, 5), kernel=(3, 3), pads=(1, 1, 1, 1), count_include_pad=True)
    assert lib.constants(uniform) == {}
    varying = lib.avgpool2d((1, 2, 5, 5), kernel=(3, 3), pads=(1, 1, 1, 1))
    inv = lib.constants(varying)["inv_count"]
    assert varying.operand("inv_count").role is Role.WEIGHT
    assert inv.dtype == np.float32 and inv.shape == (5, 5)
    np.testing.assert_allclose(inv[0, 0], 1 / 4)
    np.testing.assert_allclose(inv[0, 2], 1 / 6)
    np.testing.assert_allclose(inv[2, 2], 1 / 9)


def test_pool_rejects_windows_of_padding_only() -> None:
    with pytest.raises(UsageError, match=r"maxpool2d: with pads \(2, 2, 2, 2\), window 0 along "
                       r"axis 2 reads padding only"):
        lib.maxpool2d((1, 1, 5, 5), kernel=(2, 2), pads=(2, 2, 2, 2))
    with pytest.raises(UsageError, match=r"window 0 along axis 2 reads padding only"):
        lib.maxpool2d((1, 1, 1, 1), kernel=(2, 1), dilations=(2, 1), pads=(1, 0, 1, 0))


@pytest.mark.parametrize("x_shape", [(2, 3, 5, 4), (1, 4, 1, 1), (1, 2, 3, 4, 5)])
def test_global_avgpool_matches_onnx(x_shape) -> None:
    x = rand(np.random.default_rng(5), *x_shape)
    (expected,) = run_onnx("GlobalAveragePool", [("x", x)])
    close(interpret(lib.global_avgpool(x_shape), {"x": x})["y"], expected)
