"""CodeletBuilder: readable authoring of frozen codelets."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from covenant_lab.codelets import (
    Access,
    Affine,
    CodeletBuilder,
    Const,
    OperandHandle,
    interpret,
    to_text,
)
from covenant_lab.errors import CodeletError
from covenant_lab.types import DType, OpKind, Role


def conv_example():
    cb = CodeletBuilder("conv2d")
    n, oc, oh, ow, ic, kh, kw = cb.dims(n=1, oc=64, oh=56, ow=56, ic=64, kh=3, kw=3)
    x = cb.input("x", (1, 64, 56, 56))
    w = cb.weight("w", (64, 64, 3, 3))
    y = cb.output("y", (1, 64, 56, 56))
    cb.mac(y[n, oc, oh, ow], x[n, ic, oh + kh - 1, ow + kw - 1].pad(0.0), w[oc, ic, kh, kw],
           loops=(n, oc, oh, ow, ic, kh, kw), init=0.0)
    return cb.build()


def test_the_issue_example_builds_a_frozen_codelet(golden) -> None:
    c = conv_example()
    assert [d.name for d in c.dims] == ["n", "oc", "oh", "ow", "ic", "kh", "kw"]
    assert c.operations == 64 * 56 * 56 * 64 * 9
    stmt = c.stages[0].stmt
    assert stmt.init == Const(0.0)
    assert stmt.srcs[0] == Access("x", (Affine.of("n"), Affine.of("ic"),
                                       Affine.of("oh") + "kh" - 1, Affine.of("ow") + "kw" - 1), 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.name = "other"  # type: ignore[misc]
    golden("builder_conv2d", to_text(c))


def test_handles_index_with_ints_names_and_affines() -> None:
    cb = CodeletBuilder("t")
    i, = cb.dims(i=4)
    x = cb.input("x", (3, 9, 4))
    assert isinstance(x, OperandHandle) and x.role is Role.INPUT and x.dtype is DType.FLOAT32
    acc = x[0, 2 * i + 1, "i"]
    assert acc.index == (Affine((), 0), Affine((("i", 2),), 1), Affine((("i", 1),)))
    assert acc.pad(-1).fill == -1.0 and acc.fill is None
    with pytest.raises(CodeletError, match=r"x\[\.\.\.\]: index 1 is 1.5; expected an int"):
        x[0, 1.5, i]  # type: ignore[index]


def test_default_loops() -> None:
    cb = CodeletBuilder("t")
    i, j, k = cb.dims(i=2, j=3, k=4)
    a, b = cb.input("a", (2, 4)), cb.weight("b", (4, 3))
    t, y = cb.temp("t0", (3, 2)), cb.output("y", (3, 2))
    cb.mac(t[j, i], a[i, k], b[k, j])  # dst vars, then the sources' other vars
    cb.unary(OpKind.RELU, y[j, i], t[j, i])  # the destination's vars in index order
    c = cb.build()
    assert c.stages[0].loops == ("j", "i", "k")
    assert c.stages[1].loops == ("j", "i")
    assert c.stages[0].stmt.init == Const(0.0)


def test_numbers_become_consts_and_init_defaults_to_the_identity() -> None:
    cb = CodeletBuilder("t", dtype=DType.FLOAT16)
    i, k = cb.dims(i=2, k=3)
    x, y = cb.input("x", (2, 3)), cb.output("y", (2,))
    cb.reduce(OpKind.REDUCE_MAX, y[i], x[i, k])
    cb.binary(OpKind.MUL, y[i], y[i], 2)
    c = cb.build()
    assert c.stages[0].stmt.init == Const(-math.inf)
    assert c.stages[1].stmt.srcs[1] == Const(2.0)
    assert c.operand("y").dtype is DType.FLOAT16
    out = interpret(c, {"x": np.array([[1, 5, 2], [-3, -1, -2]], np.float16)})["y"]
    np.testing.assert_array_equal(out, np.array([10, -2], np.float16))


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda cb, i, x, y: cb.dim("i", 3), "codelet 't': dim 'i' is declared twice"),
        (lambda cb, i, x, y: cb.input("x", (2,)), "codelet 't': operand 'x' is declared twice"),
        (lambda cb, i, x, y: cb.unary(OpKind.ADD, y[i], x[i]),
         "unary() takes a unary elementwise op, got add"),
        (lambda cb, i, x, y: cb.binary(OpKind.EXP, y[i], x[i], 1.0),
         "binary() takes a binary elementwise op, got exp"),
        (lambda cb, i, x, y: cb.reduce(OpKind.MAC, y[i], x[i]),
         "reduce() takes reduce_add, reduce_max or reduce_min, got mac"),
        (lambda cb, i, x, y: cb.unary(OpKind.EXP, y[i], x[i], loops=(2 * i,)),
         "loops: 2*i is not a loop variable"),
        (lambda cb, i, x, y: cb.unary(OpKind.EXP, "y", x[i]),
         "destination of exp is 'y'; expected an Access"),
        (lambda cb, i, x, y: cb.unary(OpKind.EXP, y[i], "x"),
         "source 'x': expected an Access, a Const or a number"),
    ],
)
def test_builder_rejects_misuse(action, message) -> None:
    cb = CodeletBuilder("t")
    i, = cb.dims(i=4)
    x, y = cb.input("x", (4,)), cb.output("y", (4,))
    with pytest.raises(CodeletError, match=re.escape(message)):
        action(cb, i, x, y)


def test_build_verifies() -> None:
    cb = CodeletBuilder("t")
    cb.dims(i=4)
    cb.input("x", (4,))
    cb.output("y", (4,))
    with pytest.raises(CodeletError, match=r"codelet 't': has no stages"):
        cb.build()
