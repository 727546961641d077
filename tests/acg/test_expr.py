"""The expression language: parsing, printing, evaluation, substitution, compilation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from covenant_lab.errors import CovenantError


def test_parse_builds_frozen_ast_with_precedence() -> None:
    e = parse("a + b * 2")
    assert e == BinOp(BinOpKind.ADD, Name("a"), BinOp(BinOpKind.MUL, Name("b"), Num(2)))
    assert parse("(a + b) * 2") == BinOp(
        BinOpKind.MUL, BinOp(BinOpKind.ADD, Name("a"), Name("b")), Num(2)
    )
    assert parse("a - b - c") == BinOp(
        BinOpKind.SUB, BinOp(BinOpKind.SUB, Name("a"), Name("b")), Name("c")
    )
    with pytest.raises(AttributeError):
        e.op = BinOpKind.SUB  # type: ignore[misc]
    assert hash(e) == hash(parse("a + b * 2"))


def test_unary_minus_and_literals() -> None:
    assert parse("-3") == Num(-3)
    assert parse("-x") == Neg(Name("x"))
    assert parse("--x") == Neg(Neg(Name("x")))
    assert parse("+x") == Name("x")
    assert parse("1.5e3") == Num(1500.0)
    assert parse(".5").evaluate({}) == 0.5
    assert parse("-3 // 2").evaluate({}) == -2  # (-3) // 2, as in Python


def test_functions() -> None:
    env = {"a": 7, "b": 3}
    assert parse("min(a, b, 5)").evaluate(env) == 3
    assert parse("max(a, b)").evaluate(env) == 7
    assert parse("ceil(a / b)").evaluate(env) == 3
    assert parse("floor(a / b)").evaluate(env) == 2
    assert parse("log2(64)").evaluate({}) == 6
    assert isinstance(parse("log2(64)").evaluate({}), int)
    assert parse("log2(10)").evaluate({}) == pytest.approx(math.log2(10))
    assert parse("min(a, b)") == Call(Func.MIN, (Name("a"), Name("b")))


def test_exact_division() -> None:
    assert parse("8 / 2").evaluate({}) == 4
    assert isinstance(parse("8 / 2").evaluate({}), int)
    assert parse("7 / 2").evaluate({}) == 3.5
    assert parse("7 // 2").evaluate({}) == 3
    assert parse("7 % 4").evaluate({}) == 3
    assert parse("dram_bits / 8").evaluate({"dram_bits": 512}) == 64


def test_names() -> None:
    assert parse("rows + stream + rows + cols - 2").names == frozenset({"rows", "stream", "cols"})
    assert parse("3 * 4").names == frozenset()


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("a +", 4, "expected a number"),
        ("3 $ 4", 3, "unexpected character '$'"),
        ("(a", 3, "expected ')'"),
        ("a b", 3, "unexpected 'b'"),
        ("min", 1, "must be called"),
        ("ceil(1, 2)", 1, "takes 1 argument"),
        ("", 1, "empty expression"),
        ("max(a,", 7, "expected a number"),
    ],
)
def test_syntax_errors_name_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.column == column
    assert fragment in str(info.value)
    assert f"column {column}" in str(info.value)
    assert isinstance(info.value, CovenantError)


def test_evaluation_errors() -> None:
    with pytest.raises(ExprError, match="unknown name 'depth'") as info:
        parse("rows * depth").evaluate({"rows": 2})
    assert info.value.hint is not None and "rows" in info.value.hint
    with pytest.raises(ExprError, match="division by zero"):
        parse("1 / (a - a)").evaluate({"a": 3})
    with pytest.raises(ExprError, match="modulo by zero"):
        parse("1 % 0").evaluate({})
    with pytest.raises(ExprError, match="log2"):
        parse("log2(0)").evaluate({})
    with pytest.raises(ExprError, match="unknown name 'x'"):
        parse("x + 1").compile()({})


def test_substitute_folds_constants() -> None:
    e = parse("rows + stream + rows + cols - 2").substitute({"rows": 32, "cols": 32})
    assert str(e) == "stream + 94"
    assert e.names == frozenset({"stream"})
    assert parse("rows * cols").substitute({"rows": 4, "cols": 8}) == Num(32)
    assert parse("-x").substitute({"x": 3}) == Num(-3)
    assert parse("max(a, b)").substitute({"a": 1}) == Call(Func.MAX, (Num(1), Name("b")))
    assert parse("2 - x + 3").substitute({}) == BinOp(BinOpKind.ADD, Neg(Name("x")), Num(5))
    assert parse("x - 2 + 2").substitute({}) == Name("x")
    assert parse("a / b").substitute({"b": 2}) == parse("a / 2")
    with pytest.raises(ExprError, match="division by zero"):
        parse("a / b").substitute({"a": 1, "b": 0})


def test_const_value_and_as_expr() -> None:
    assert parse("2 * 8").substitute({}).const_value == 16
    assert parse("x").const_value is None
    assert as_expr("a + 1") == parse("a + 1")
    assert as_expr(3) == Num(3)
    e = parse("a")
    assert as_expr(e) is e
    with pytest.raises(ExprError):
        as_expr(True)  # type: ignore[arg-type]
    with pytest.raises(ExprError, match="non-finite"):
        Num(math.inf)


def test_printing_minimal_parentheses() -> None:
    cases = {
        "a - (b - c)": "a - (b - c)",
        "(a - b) - c": "a - b - c",
        "a * (b + c)": "a * (b + c)",
        "-(a * b)": "-(a * b)",
        "a - -3": "a - -3",
        "min(a,b)+1": "min(a, b) + 1",
        "a / (b * c)": "a / (b * c)",
        "a // b % c": "a // b % c",
        "-(3)": "-(3)",
    }
    for text, printed in cases.items():
        assert str(parse(text)) == printed
        assert parse(str(parse(text))) == parse(text)


def test_compile_matches_evaluate() -> None:
    e = parse("rows + stream + rows + cols - 2").substitute({"rows": 32, "cols": 32})
    fn = e.compile()
    assert fn({"stream": 100}) == 194
    g = parse("ceil(elems / used_lanes) + max(stream, 4) * 2 - log2(8) % 2")
    env = {"elems": 100, "used_lanes": 32, "stream": 3}
    assert g.compile()(env) == g.evaluate(env)


# random expressions for property tests
NAMES = ("a", "b", "rows", "stream")
_leaves = st.one_of(
    st.integers(-50, 50).map(Num),
    st.floats(-100, 100, allow_nan=False, allow_infinity=False).map(Num),
    st.sampled_from(NAMES).map(Name),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(BinOp, st.sampled_from(list(BinOpKind)), children, children),
        st.builds(Neg, children),
        st.builds(lambda a, b: Call(Func.MIN, (a, b)), children, children),
        st.builds(lambda a, b, c: Call(Func.MAX, (a, b, c)), children, children, children),
        st.builds(lambda a: Call(Func.CEIL, (a,)), children),
        st.builds(lambda a: Call(Func.FLOOR, (a,)), children),
    )


exprs = st.recursive(_leaves, _extend, max_leaves=12)
envs = st.fixed_dictionaries({n: st.integers(-20, 20) for n in NAMES})


def _value(e: Expr, env: dict[str, int]) -> float | None:
    try:
        return e.evaluate(env)
    except (ExprError, OverflowError):
        return None


@settings(max_examples=300, deadline=None)
@given(exprs)
def test_str_round_trips(e: Expr) -> None:
    assert parse(str(e)) == e


@settings(max_examples=300, deadline=None)
@given(exprs, envs)
def test_compile_agrees_with_evaluate(e: Expr, env: dict[str, int]) -> None:
    expected = _value(e, env)
    if expected is None:
        return
    got = e.compile()(env)
    assert got == expected or (math.isnan(got) and math.isnan(expected))


@settings(max_examples=300, deadline=None)
@given(exprs, envs, st.sets(st.sampled_from(NAMES)))
def test_substitute_then_evaluate_agrees(e: Expr, env: dict[str, int], known: set[str]) -> None:
    expected = _value(e, env)
    if expected is None or not math.isfinite(expected):
        return
    try:
        partial = e.substitute({k: env[k] for k in known})
    except ExprError:
        return  # a definite error (e.g. 1/0) found early
    assert partial.names <= e.names - known
    got = partial.evaluate(env)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert parse(str(partial)) == partial
