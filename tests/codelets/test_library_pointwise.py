"""Elementwise, normalization, reduction and data-movement codelets against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.codelets import interpret
from covenant_lab.codelets import library as lib
from covenant_lab.errors import UsageError
from covenant_lab.types import OpKind, Role

from ._onnx import close, rand, run_onnx

BINARY = {OpKind.ADD: "Add", OpKind.SUB: "Sub", OpKind.MUL: "Mul", OpKind.DIV: "Div",
          OpKind.MAX: "Max", OpKind.MIN: "Min"}
BROADCASTS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((4,), (2, 3, 4)),
    ((), (2, 3)),
    ((2, 1, 5), (1, 3, 1)),
]


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize(("a_shape", "b_shape"), BROADCASTS)
def test_binary_elementwise_matches_onnx(op, a_shape, b_shape) -> None:
    rng = np.random.default_rng(10)
    a, b = rand(rng, *a_shape), rand(rng, *b_shape)
    if op is OpKind.DIV:
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)
    (expected,) = run_onnx(BINARY[op], [("a", a), ("b", b)])
    close(interpret(lib.elementwise(op, a_shape, b_shape), {"a": a, "b": b})["y"], expected)


def test_elementwise_weight_operand_and_out_shape() -> None:
    c = lib.elementwise(OpKind.ADD, (3, 1), (1, 4), b_role=Role.WEIGHT, out_shape=(2, 3, 4))
    assert c.operand("b").role is Role.WEIGHT and c.operand("y").shape == (2, 3, 4)
    a, b = np.ones((3, 1), np.float32), np.arange(4, dtype=np.float32).reshape(1, 4)
    np.testing.assert_array_equal(interpret(c, {"a": a, "b": b})["y"],
                                  np.broadcast_to(a + b, (2, 3, 4)))
    with pytest.raises(UsageError, match=r"do not broadcast"):
        lib.elementwise(OpKind.ADD, (3, 2), (4,))
    with pytest.raises(UsageError, match=r"add has arity 2; give a b_shape"):
        lib.elementwise(OpKind.ADD, (3, 2))


UNARY = {OpKind.NEG: "Neg", OpKind.EXP: "Exp", OpKind.ERF: "Erf", OpKind.TANH: "Tanh",
         OpKind.SIGMOID: "Sigmoid", OpKind.SQRT: "Sqrt", OpKind.RECIP: "Reciprocal",
         OpKind.RELU: "Relu", OpKind.COPY: "Identity"}


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("shape", [(7,), (2, 3, 5), ()])
def test_unary_elementwise_matches_onnx(op, shape) -> None:
    x = rand(np.random.default_rng(11), *shape)
    if op in (OpKind.SQRT, OpKind.RECIP):
        x = (np.abs(x) + 0.5).astype(np.float32)
    (expected,) = run_onnx(UNARY[op], [("x", x)])
    close(interpret(lib.elementwise(op, shape), {"x": x})["y"], expected)


def test_rsqrt_is_one_over_sqrt() -> None:
    x = np.linspace(0.5, 4.0, 9, dtype=np.float32)
    close(interpret(lib.elementwise(OpKind.RSQRT, (9,)), {"x": x})["y"], 1 / np.sqrt(x))


ACTIVATIONS = [
    (lib.relu, "Relu", {}, {}),
    (lib.sigmoid, "Sigmoid", {}, {}),
    (lib.tanh, "Tanh", {}, {}),
    (lib.erf, "Erf", {}, {}),
    (lib.exp, "Exp", {}, {}),
    (lib.gelu, "Gelu", {}, {}),
    (lib.gelu, "Gelu", {"approximate": "tanh"}, {"approximate": "tanh"}),
    (lib.leaky_relu, "LeakyRelu", {}, {}),
    (lib.leaky_relu, "LeakyRelu", {"alpha": 0.2}, {"alpha": 0.2}),
    (lib.leaky_relu, "LeakyRelu", {"alpha": 1.5}, {"alpha": 1.5}),
]


@pytest.mark.parametrize(("fn", "op_type", "kw", "attrs"), ACTIVATIONS)
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_activations_match_onnx(fn, op_type, kw, attrs, shape) -> None:
    x = (3 * rand(np.random.default_rng(12), *shape)).astype(np.float32)
    (expected,) = run_onnx(op_type, [("x", x)], **attrs)
    close(interpret(fn(shape, **kw), {"x": x})["y"], expected)


def test_sqrt_and_sigmoid_extremes() -> None:
    x = np.array([0.0, 1e-8, 4.0, 1e4], np.float32)
    close(interpret(lib.sqrt((4,)), {"x": x})["y"], np.sqrt(x))
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], np.float32)
    expected = 0.5 * (1 + np.tanh(big.astype(np.float64) / 2))  # onnx.reference warns here
    close(interpret(lib.sigmoid((5,)), {"x": big})["y"], expected)


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 6.0), (-0.5, None), (None, 0.25), (None, None)])
def test_clip_matches_onnx(lo, hi) -> None:
    x = rand(np.random.default_rng(13), 3, 4)
    bounds = [("min", None if lo is None else np.float32(lo)),
              ("max", None if hi is None else np.float32(hi))]
    (expected,) = run_onnx("Clip", [("x", x), *bounds])
    close(interpret(lib.clip((3, 4), min=lo, max=hi), {"x": x})["y"], expected)


def test_gelu_rejects_unknown_approximation() -> None:
    with pytest.raises(UsageError, match=r"argument 'approximate' to gelu"):
        lib.gelu((3,), approximate="fast")


@pytest.mark.parametrize(("shape", "axis"),
                         [((2, 5), -1), ((3, 4, 5), 1), ((6,), 0), ((2, 3, 4), 0)])
def test_softmax_matches_onnx(shape, axis) -> None:
    x = (20 * rand(np.random.default_rng(14), *shape)).astype(np.float32)
    (expected,) = run_onnx("Softmax", [("x", x)], axis=axis)
    close(interpret(lib.softmax(shape, axis), {"x": x})["y"], expected)


@pytest.mark.parametrize(
    ("shape", "kw"),
    [((2, 5), {}), ((2, 3, 4), {"axis": 1}), ((4, 6), {"bias": False}),
     ((3, 8), {"scale": False, "epsilon": 1e-3}), ((2, 3, 4), {"axis": -2, "bias": False})],
)
def test_layernorm_matches_onnx(shape, kw) -> None:
    rng = np.random.default_rng(15)
    axis = kw.get("axis", -1) % len(shape)
    x, scale, bias = rand(rng, *shape), rand(rng, *shape[axis:]), rand(rng, *shape[axis:])
    c = lib.layernorm(shape, **kw)
    inputs = {"x": x}
    inputs |= {"scale": scale} if kw.get("scale", True) else {}
    inputs |= {"bias": bias} if kw.get("bias", True) else {}
    onnx_scale = scale if kw.get("scale", True) else np.ones_like(scale)
    (expected, *_) = run_onnx(
        "LayerNormalization",
        [("x", x), ("scale", onnx_scale), ("bias", bias if kw.get("bias", True) else None)],
        axis=axis, epsilon=kw.get("epsilon", 1e-5))
    close(interpret(c, inputs)["y"], expected)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3), (1, 4, 3)])
def test_batchnorm_matches_onnx(shape) -> None:
    rng = np.random.default_rng(16)
    ch = shape[1]
    ins = {"x": rand(rng, *shape), "scale": rand(rng, ch), "bias": rand(rng, ch),
           "mean": rand(rng, ch), "var": (np.abs(rand(rng, ch)) + 0.1).astype(np.float32)}
    (expected,) = run_onnx("BatchNormalization", list(ins.items()), epsilon=1e-3)
    close(interpret(lib.batchnorm(shape, epsilon=1e-3), ins)["y"], expected)


REDUCE = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "min": "ReduceMin"}


@pytest.mark.parametrize("kind", list(REDUCE))
@pytest.mark.parametrize("axes", [(1,), (0, 2), (-1,), None])
@pytest.mark.parametrize("keepdims", [True, False])
def test_reduce_matches_onnx(kind, axes, keepdims) -> None:
    x = rand(np.random.default_rng(17), 3, 4, 5)
    axes_input = None if axes is None else np.array(axes, np.int64)
    (expected,) = run_onnx(REDUCE[kind], [("x", x), ("axes", axes_input)], keepdims=int(keepdims))
    close(interpret(lib.reduce(kind, x.shape, axes, keepdims), {"x": x})["y"], expected)


@pytest.mark.parametrize(("shape", "perm"), [((2, 3, 4), (2, 0, 1)), ((2, 3), None),
                                             ((1, 2, 3, 4), (0, 2, 3, 1)), ((5,), (0,))])
def test_transpose_matches_onnx(shape, perm) -> None:
    x = rand(np.random.default_rng(18), *shape)
    (expected,) = run_onnx("Transpose", [("x", x)], **({"perm": list(perm)} if perm else {}))
    close(interpret(lib.transpose(shape, perm), {"x": x})["y"], expected)


@pytest.mark.parametrize(("in_shape", "out_shape"), [((2, 3, 4), (6, 4)), ((2, 3, 4), (2, -1)),
                                                     ((2, 3, 4), (0, 12)), ((6,), (1, 2, 3))])
def test_reshape_is_a_flat_copy(in_shape, out_shape) -> None:
    x = rand(np.random.default_rng(19), *in_shape)
    (expected,) = run_onnx("Reshape", [("x", x), ("shape", np.array(out_shape, np.int64))])
    c = lib.reshape(in_shape, out_shape)
    flat = lib.flat_operands(c)
    assert flat == {"x": in_shape, "y": expected.shape}
    assert c.operand("x").shape == (x.size,)
    y = interpret(c, {"x": x.reshape(-1)})["y"].reshape(flat["y"])
    close(y, expected)
    with pytest.raises(UsageError, match=r"cannot reshape \(2, 3, 4\)"):
        lib.reshape((2, 3, 4), (5, -1))


@pytest.mark.parametrize(("shapes", "axis"), [([(2, 3), (2, 4)], 1),
                                              ([(1, 2, 3), (2, 2, 3), (3, 2, 3)], 0),
                                              ([(2, 2, 1), (2, 2, 2)], -1), ([(4,)], 0)])
def test_concat_matches_onnx(shapes, axis) -> None:
    rng = np.random.default_rng(20)
    xs = {f"x{k}": rand(rng, *s) for k, s in enumerate(shapes)}
    (expected,) = run_onnx("Concat", list(xs.items()), axis=axis)
    close(interpret(lib.concat(shapes, axis), xs)["y"], expected)


@pytest.mark.parametrize(("shape", "axis", "splits"), [((6, 4), 0, (2, 4)), ((2, 7), 1, 3),
                                                       ((2, 3, 4), -1, (1, 1, 2)), ((4,), 0, 1)])
def test_split_matches_onnx(shape, axis, splits) -> None:
    x = rand(np.random.default_rng(21), *shape)
    if isinstance(splits, int):
        expected = run_onnx("Split", [("x", x)], n_outputs=splits, axis=axis, num_outputs=splits)
    else:
        expected = run_onnx("Split", [("x", x), ("split", np.array(splits, np.int64))],
                            n_outputs=len(splits), axis=axis)
    out = interpret(lib.split(shape, axis, splits), {"x": x})
    assert list(out) == [f"y{k}" for k in range(len(expected))]
    for k, e in enumerate(expected):
        close(out[f"y{k}"], e)
