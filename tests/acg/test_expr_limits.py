"""The expression language's limits (covenant_lab/limits.py): every tree, parsed or built
with the Expr classes, is at most EXPR_DEPTH levels deep and every constant at most 2^53, so
every walk of a tree (printing, substituting, evaluating, compiling, numpy) is safe."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.acg.expr import (
    BinOp,
    BinOpKind,
    Call,
    Expr,
    ExprError,
    Func,
    Name,
    Neg,
    Num,
    as_expr,
    parse,
)
from covenant_lab.compiler.vexpr import evaluate as vevaluate
from covenant_lab.limits import EXPR_CHARS, EXPR_DEPTH


def _chain(depth: int) -> Expr:
    """``stream + (1 + (1 + ...))``: a right-nested tree ``depth`` levels deep."""
    node: Expr = Name("stream")
    for k in range(depth - 1):
        node = BinOp(BinOpKind.ADD, Num(1), node) if k % 3 else Neg(node)
    return node


def test_a_tree_at_the_depth_limit_survives_every_walk() -> None:
    tree = _chain(EXPR_DEPTH)
    assert tree.depth == EXPR_DEPTH
    env = {"stream": 5}
    value = tree.evaluate(env)
    assert tree.compile()(env) == value
    assert float(vevaluate(tree, {"stream": np.array([5.0])})[0]) == value
    assert tree.names == frozenset({"stream"})
    assert tree.substitute(env) == Num(value)
    assert parse(str(tree)).evaluate(env) == value
    assert tree == _chain(EXPR_DEPTH) and hash(tree) == hash(_chain(EXPR_DEPTH))
    assert "BinOp" in repr(tree)


@pytest.mark.parametrize("build", [
    lambda deep: BinOp(BinOpKind.MUL, deep, Num(2)),
    lambda deep: Neg(deep),
    lambda deep: Call(Func.MAX, (Num(1), deep)),
], ids=["binop", "neg", "call"])
def test_building_a_deeper_tree_is_a_typed_error(build: object) -> None:
    deep = _chain(EXPR_DEPTH)
    with pytest.raises(ExprError, match=f"more than {EXPR_DEPTH} levels deep"):
        build(deep)  # type: ignore[operator]


def test_the_parser_names_the_limits_and_the_column() -> None:
    with pytest.raises(ExprError, match=f"above the limit of {EXPR_CHARS}") as info:
        parse("1" + " " * EXPR_CHARS)
    assert len(str(info.value)) < 300
    with pytest.raises(ExprError, match="levels deep") as deep:
        parse("(" * 100 + "1" + ")" * 100)
    assert deep.value.column == EXPR_DEPTH + 1
    assert parse("+" * 900 + "1") == Num(1)  # signs that negate nothing build nothing


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53 + 1, -(2**60), 1e300])
def test_constants_are_finite_and_at_most_2_to_the_53(value: float) -> None:
    with pytest.raises(ExprError):
        Num(value)
    with pytest.raises(ExprError):
        as_expr(value)


def test_arithmetic_that_overflows_is_a_typed_error() -> None:
    huge = {"x": 10**400}
    for text in ("x * 1.5", "x / 3", "1.5 + x", "x // 0.5"):
        with pytest.raises(ExprError, match="overflows"):
            parse(text).evaluate(huge)
        with pytest.raises(ExprError, match="overflows"):
            parse(text).compile()(huge)


def test_folding_never_makes_a_constant_out_of_range() -> None:
    big = 2**53
    product = parse("a * a").substitute({"a": big})
    assert product.evaluate({}) == big * big and product.const_value is None
    total = parse(f"{big} + {big} + x").substitute({})
    assert total.evaluate({"x": 1}) == 2 * big + 1
    assert parse(f"{big} + {big} + {big}").substitute({}).evaluate({}) == 3 * big
    assert str(parse("x").substitute({"x": 10**400})) == "x"  # a value no constant can hold


def test_numbers_are_ascii_digits() -> None:
    with pytest.raises(ExprError, match="unexpected character") as info:
        parse("١٢ + 1")
    assert info.value.hint == "numbers are written with the ASCII digits 0-9"
    with pytest.raises(ExprError, match="base 60"):
        parse("1:30")
