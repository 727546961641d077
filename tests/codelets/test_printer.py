"""Golden text of every codelet family, and the one-line notation of each operation."""

from __future__ import annotations

import pytest

from covenant_lab.codelets import Access, Affine, Const, Stmt, stmt_text, to_text
from covenant_lab.codelets import library as lib
from covenant_lab.types import OpKind, Role

FAMILIES = {
    "conv2d": lambda: lib.conv2d((1, 3, 9, 9), (8, 3, 3, 3), strides=(2, 2), pads=(1, 1, 1, 1)),
    "conv2d_grouped_bias": lambda: lib.conv2d((1, 4, 6, 6), (6, 2, 3, 3), group=2, bias=True,
                                              dilations=(2, 1)),
    "conv2d_depthwise": lambda: lib.conv2d((1, 8, 5, 5), (8, 1, 3, 3), group=8,
                                           pads=(1, 1, 1, 1)),
    "gemm": lambda: lib.gemm((4, 8), (8, 6), c_shape=(6,)),
    "gemm_scaled": lambda: lib.gemm((8, 4), (6, 8), c_shape=(4, 1), trans_a=True, trans_b=True,
                                    alpha=0.5, beta=2.0),
    "matmul_batched": lambda: lib.matmul((2, 1, 3, 4), (5, 4, 6), b_is_weight=False),
    "matmul_vector": lambda: lib.matmul((4,), (2, 4, 3)),
    "add_broadcast": lambda: lib.elementwise(OpKind.ADD, (2, 3, 4), (3, 1), b_role=Role.WEIGHT),
    "relu": lambda: lib.relu((2, 3)),
    "leaky_relu": lambda: lib.leaky_relu((2, 3), 0.1),
    "clip": lambda: lib.clip((4,), min=0.0, max=6.0),
    "gelu": lambda: lib.gelu((2, 3)),
    "gelu_tanh": lambda: lib.gelu((2, 3), approximate="tanh"),
    "maxpool2d": lambda: lib.maxpool2d((1, 2, 8, 8), kernel=(3, 3), strides=(2, 2),
                                       pads=(1, 1, 1, 1), ceil_mode=True),
    "avgpool2d": lambda: lib.avgpool2d((1, 2, 5, 5), kernel=(3, 3), pads=(1, 1, 1, 1)),
    "avgpool2d_uniform": lambda: lib.avgpool2d((1, 2, 6, 6), kernel=(2, 2), strides=(2, 2)),
    "global_avgpool": lambda: lib.global_avgpool((1, 4, 3, 3)),
    "softmax": lambda: lib.softmax((2, 3, 5), axis=1),
    "layernorm": lambda: lib.layernorm((2, 4, 8)),
    "batchnorm": lambda: lib.batchnorm((1, 3, 4, 4)),
    "reduce_mean": lambda: lib.reduce("mean", (2, 3, 4), (1,), keepdims=False),
    "reduce_max": lambda: lib.reduce("max", (2, 3), None),
    "transpose": lambda: lib.transpose((2, 3, 4), (2, 0, 1)),
    "reshape": lambda: lib.reshape((2, 3, 4), (6, -1)),
    "concat": lambda: lib.concat([(2, 3), (2, 1), (2, 2)], 1),
    "split": lambda: lib.split((5, 4), 0, (2, 3)),
    "chain_conv_relu": lambda: lib.chain(lib.conv2d((1, 2, 4, 4), (3, 2, 3, 3), bias=True),
                                         lib.relu((1, 3, 2, 2)), via=("y", "x")),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_golden_text(family, golden) -> None:
    golden(family, to_text(FAMILIES[family]()))


def test_text_is_deterministic() -> None:
    assert to_text(FAMILIES["softmax"]()) == to_text(FAMILIES["softmax"]())


VI, VK = Affine.of("i"), Affine.of("k")
X, Y, W = Access("x", (VI, VK)), Access("y", (VI,)), Access("w", (VK,))


@pytest.mark.parametrize(
    ("stmt", "text"),
    [
        (Stmt(OpKind.MAC, Y, (X, W), Const(0.0)), "y[i] += x[i, k] * w[k]   # init 0.0"),
        (Stmt(OpKind.MAC, Y, (X, W), Access("b", (VI,))), "y[i] += x[i, k] * w[k]   # init b[i]"),
        (Stmt(OpKind.MAC, Y, (X, W)), "y[i] += x[i, k] * w[k]"),
        (Stmt(OpKind.REDUCE_ADD, Y, (X,), Const(0.0)), "y[i] += x[i, k]   # init 0.0"),
        (Stmt(OpKind.REDUCE_MAX, Y, (X.pad(float("-inf")),), Const(float("-inf"))),
         "y[i] = max(y[i], x[i, k] (pad -inf))   # init -inf"),
        (Stmt(OpKind.REDUCE_MIN, Y, (X,), Const(float("inf"))),
         "y[i] = min(y[i], x[i, k])   # init inf"),
        (Stmt(OpKind.ADD, Y, (Y, Const(1.0))), "y[i] = y[i] + 1.0"),
        (Stmt(OpKind.SUB, Y, (Y, W)), "y[i] = y[i] - w[k]"),
        (Stmt(OpKind.MUL, Y, (Y, Const(0.5))), "y[i] = y[i] * 0.5"),
        (Stmt(OpKind.DIV, Y, (Y, W)), "y[i] = y[i] / w[k]"),
        (Stmt(OpKind.MAX, Y, (Y, Const(0.0))), "y[i] = max(y[i], 0.0)"),
        (Stmt(OpKind.MIN, Y, (Y, Const(6.0))), "y[i] = min(y[i], 6.0)"),
        (Stmt(OpKind.COPY, Y, (W,)), "y[i] = w[k]"),
        (Stmt(OpKind.NEG, Y, (W,)), "y[i] = -w[k]"),
        (Stmt(OpKind.EXP, Y, (W,)), "y[i] = exp(w[k])"),
        (Stmt(OpKind.ERF, Y, (W,)), "y[i] = erf(w[k])"),
        (Stmt(OpKind.TANH, Y, (W,)), "y[i] = tanh(w[k])"),
        (Stmt(OpKind.SIGMOID, Y, (W,)), "y[i] = sigmoid(w[k])"),
        (Stmt(OpKind.SQRT, Y, (W,)), "y[i] = sqrt(w[k])"),
        (Stmt(OpKind.RSQRT, Y, (W,)), "y[i] = rsqrt(w[k])"),
        (Stmt(OpKind.RECIP, Y, (W,)), "y[i] = recip(w[k])"),
        (Stmt(OpKind.RELU, Y, (W,)), "y[i] = relu(w[k])"),
    ],
)
def test_stmt_text_notation(stmt, text) -> None:
    assert stmt_text(stmt) == text


def test_stmt_text_orders_index_terms_by_loops() -> None:
    stmt = Stmt(OpKind.COPY, Y, (Access("x", (2 * Affine.of("oh") + "kh" - 3, VK)),))
    assert stmt_text(stmt) == "y[i] = x[kh + 2*oh - 3, k]"
    assert stmt_text(stmt, ("i", "oh", "kh", "k")) == "y[i] = x[2*oh + kh - 3, k]"
