"""chain(): codelet-level fusion through a temp."""

from __future__ import annotations

import re

import numpy as np
import pytest

from covenant_lab.codelets import chain, interpret
from covenant_lab.codelets import library as lib
from covenant_lab.errors import CodeletError
from covenant_lab.types import OpKind, Role

from ._onnx import rand


def _conv_inputs(rng, x_shape=(1, 3, 6, 6), w_shape=(4, 3, 3, 3)):
    return {"x": rand(rng, *x_shape), "w": rand(rng, *w_shape), "b": rand(rng, w_shape[0])}


def test_conv_relu_equals_relu_of_conv() -> None:
    rng = np.random.default_rng(0)
    conv = lib.conv2d((1, 3, 6, 6), (4, 3, 3, 3), bias=True, pads=(1, 1, 1, 1), strides=(2, 2))
    relu = lib.relu(conv.operand("y").shape)
    fused = chain(conv, relu, via=("y", "x"))
    ins = _conv_inputs(rng)
    expected = interpret(relu, {"x": interpret(conv, ins)["y"]})["y"]
    np.testing.assert_array_equal(interpret(fused, ins)["y"], expected)
    assert fused.name == "conv2d_relu"
    assert fused.operand("t0").role is Role.TEMP
    assert [o.name for o in fused.outputs] == ["y"]
    assert fused.stages[1].loops == ("n", "oc", "oh", "ow")  # relu's d0..d3 renamed to conv's
    assert [d.name for d in fused.dims] == [d.name for d in conv.dims]
    assert fused.operations == conv.operations + relu.operations


def test_add_relu_and_names_of_both_sides() -> None:
    add = lib.elementwise(OpKind.ADD, (2, 3), (3,), b_role=Role.WEIGHT)
    fused = chain(add, lib.relu((2, 3)), via=("y", "x"), name="add_relu")
    assert fused.attr("first_names") == (("a", "a"), ("b", "b"), ("y", "t0"))
    assert fused.attr("second_names") == (("x", "t0"), ("y", "y"))
    a, b = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]), np.array([0.5, 0.5, 0.5])
    np.testing.assert_allclose(interpret(fused, {"a": a, "b": b})["y"], np.maximum(a + b, 0))


def test_colliding_operands_get_the_second_codelets_prefix() -> None:
    rng = np.random.default_rng(1)
    conv = lib.conv2d((1, 3, 5, 5), (4, 3, 3, 3), bias=True, pads=(1, 1, 1, 1))
    add = lib.elementwise(OpKind.ADD, (1, 4, 5, 5), (1, 4, 5, 5), name="residual")
    fused = chain(conv, add, via=("y", "a"))
    assert dict(fused.attr("second_names")) == {"a": "t0", "b": "residual_b", "y": "y"}
    ins = _conv_inputs(rng, (1, 3, 5, 5))
    skip = rand(rng, 1, 4, 5, 5)
    out = interpret(fused, ins | {"residual_b": skip})["y"]
    np.testing.assert_allclose(out, interpret(conv, ins)["y"] + skip, rtol=1e-6)


def test_colliding_dims_are_prefixed_when_they_cannot_be_shared() -> None:
    rng = np.random.default_rng(2)
    first = lib.transpose((2, 3), None)
    second = lib.softmax((3, 2), axis=1)  # reads x at two indices: no shared loop names
    fused = chain(first, second, via=("y", "x"))
    assert [d.name for d in fused.dims] == ["d0", "d1", "softmax_d0", "softmax_d1", "r1"]
    x = rand(rng, 2, 3)
    expected = interpret(second, {"x": interpret(first, {"x": x})["y"]})["y"]
    np.testing.assert_allclose(interpret(fused, {"x": x})["y"], expected, rtol=1e-6)


def test_temps_are_renumbered_and_constants_follow_their_operands() -> None:
    rng = np.random.default_rng(3)
    pool = lib.avgpool2d((1, 2, 5, 5), kernel=(3, 3), pads=(1, 1, 1, 1))
    gelu = lib.gelu((1, 2, 5, 5))
    fused = chain(pool, gelu, via=("y", "x"))
    assert [(o.name, o.role) for o in fused.operands_with(Role.TEMP)] == [
        ("t0", Role.TEMP), ("t1", Role.TEMP)]
    assert set(lib.constants(fused)) == {"inv_count"}
    x = rand(rng, 1, 2, 5, 5)
    expected = interpret(gelu, {"x": interpret(pool, {"x": x})["y"]})["y"]
    np.testing.assert_allclose(interpret(fused, {"x": x})["y"], expected, rtol=1e-6)


def test_chains_compose() -> None:
    rng = np.random.default_rng(4)
    conv = lib.conv2d((1, 2, 4, 4), (3, 2, 1, 1))
    bn = lib.batchnorm((1, 3, 4, 4))
    fused = chain(chain(conv, bn, via=("y", "x")), lib.relu((1, 3, 4, 4)), via=("y", "x"))
    params = {k: (np.abs(rand(rng, 3)) + 0.5) for k in ("scale", "bias", "mean", "var")}
    ins = {"x": rand(rng, 1, 2, 4, 4), "w": rand(rng, 3, 2, 1, 1)}
    conv_y = interpret(conv, ins)["y"]
    expected = np.maximum(interpret(bn, {"x": conv_y} | params)["y"], 0)
    np.testing.assert_allclose(interpret(fused, ins | params)["y"], expected, rtol=1e-5)
    assert sorted(o.name for o in fused.operands_with(Role.TEMP)) == ["t0", "t1", "t2"]


@pytest.mark.parametrize(
    ("first", "second", "via", "message"),
    [
        (lib.relu((2, 3)), lib.reshape((2, 3), (6,)), ("y", "x"),
         "chain relu -> reshape: 'y' is float32[2, 3] but 'x' is float32[6]"),
        (lib.relu((2, 3)), lib.relu((2, 3)), ("z", "x"), "no operand 'z'"),
        (lib.relu((2, 3)), lib.relu((2, 3)), ("x", "x"),
         "via must link an output of the first ('x' is input)"),
        (lib.relu((2, 3)), lib.relu((2, 3)), ("y", "y"),
         "to an input of the second ('y' is output)"),
    ],
)
def test_chain_rejects_bad_links(first, second, via, message) -> None:
    with pytest.raises(CodeletError, match=re.escape(message)):
        chain(first, second, via=via)
