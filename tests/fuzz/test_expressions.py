"""Fuzz the expression language: text from its grammar (deep nesting, long chains of signs
and operators, huge and non-ASCII numbers, base-60 times, stray characters) and trees built
with the Expr classes. Every case ends in an ExprError or is accepted; an accepted expression
survives every walk (printing and reparsing, names, substitution, evaluation, the compiled
closure, numpy evaluation) and stays within the limits (covenant_lab/limits.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
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
    parse,
)
from covenant_lab.compiler.vexpr import evaluate as vevaluate
from covenant_lab.limits import EXPR_DEPTH, NUMBER
from tests.fuzz.conftest import FUZZ, run_case

NAMES = ("stream", "elems", "used_rows", "rows", "x")
ENV = {"stream": 7, "elems": 28, "used_rows": 4, "rows": 4, "x": 3}
ODD_NUMBERS = ("9" * 5000, "1" + "0" * 400, "9007199254740993", "1e400", "1e300", "1.5e-300",
               "١٢", "１２", "1:30", "1:30.5", "0x10", "1_000", ".5", "5.", "0", "-0.0", "1e")
OPS = ("+", "-", "*", "/", "//", "%")
FUNCS = tuple(f.value for f in Func)

leaf = st.one_of(st.sampled_from(NAMES), st.integers(-10**6, 10**6).map(str),
                 st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
                 st.sampled_from(ODD_NUMBERS))


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPS), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"({e})"),
        st.tuples(st.sampled_from("-+"), inner).map(lambda t: t[0] + t[1]),
        st.tuples(st.sampled_from(FUNCS), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
    )


grammar = st.recursive(leaf, _grow, max_leaves=40)


@st.composite
def deep(draw: st.DrawFn) -> str:
    """One construct repeated around a small core, often past the limits."""
    n = draw(st.sampled_from([EXPR_DEPTH - 1, EXPR_DEPTH, EXPR_DEPTH + 1, 300, 3000]))
    core = draw(grammar)
    kind = draw(st.sampled_from(["parens", "signs", "sum", "product", "calls", "neg"]))
    if kind == "parens":
        return "(" * n + core + ")" * n
    if kind == "signs":
        return draw(st.text("-+", min_size=n, max_size=n)) + core
    if kind == "sum":
        return " + ".join([core] * min(n, 200))
    if kind == "product":
        return "*".join(["stream"] * n)
    if kind == "calls":
        return "max(" * n + core + ")" * n
    return "-(" * n + core + ")" * n


texts = st.one_of(grammar, deep(), st.text(max_size=60),
                  st.tuples(grammar, st.text(max_size=3), grammar).map("".join))


def _walk(expr: Expr) -> None:
    """Every walk of an accepted tree; each may end in ExprError, never in anything else."""
    assert expr.depth <= EXPR_DEPTH
    text = str(expr)
    for node in (expr, expr.substitute(ENV), expr.substitute({"stream": 3})):
        const = node.const_value
        assert const is None or NUMBER.low <= const <= NUMBER.high
    try:
        again = parse(text)  # printing adds spaces: a text near the length limit may not reparse
    except ExprError as exc:
        assert "characters long" in exc.detail, exc
    else:
        assert again.names == expr.names
    try:
        value = expr.evaluate(ENV)
    except ExprError:
        value = None
    try:
        compiled = expr.compile()(ENV)
    except ExprError:
        compiled = None
    assert (value is None) == (compiled is None) and (value is None or value == compiled
                                                       or value != value)
    if expr.names <= set(ENV):  # the compiler binds every name it evaluates
        with np.errstate(all="ignore"):
            vevaluate(expr, {k: np.array([float(v)]) for k, v in ENV.items()})


@FUZZ
@given(texts)
def test_expression_text(text: str) -> None:
    run_case("expressions", lambda: _walk(parse(text)), what=repr(text[:80]))


nodes = st.recursive(
    st.one_of(st.sampled_from(NAMES).map(Name),
              st.integers(-(2**60), 2**60).map(lambda v: ("num", v))),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(list(BinOpKind)), inner, inner).map(lambda t: ("bin", *t)),
        inner.map(lambda e: ("neg", e)),
        st.tuples(st.sampled_from(list(Func)), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: ("call", *t)),
    ),
    max_leaves=30,
)


def _build(plan: object, chain: int) -> Expr:
    """The tree a plan describes, under ``chain`` more negations (past the depth limit or not):
    built bottom up with a stack, as a program building a huge tree would."""
    todo: list[tuple[object, bool]] = [(plan, False)]
    done: list[Expr] = []
    while todo:
        item, ready = todo.pop()
        if isinstance(item, Name):
            done.append(item)
        elif isinstance(item, tuple) and item[0] == "num":
            done.append(Num(item[1]))
        elif isinstance(item, tuple) and not ready:
            todo.append((item, True))
            kids = [item[2], item[3]] if item[0] == "bin" else (
                [item[1]] if item[0] == "neg" else list(item[2]))
            todo.extend((k, False) for k in reversed(kids))
        elif isinstance(item, tuple):
            if item[0] == "bin":
                right, left = done.pop(), done.pop()
                done.append(BinOp(item[1], left, right))
            elif item[0] == "neg":
                done.append(Neg(done.pop()))
            else:
                args = tuple(done[len(done) - len(item[2]):])
                del done[len(done) - len(item[2]):]
                func = item[1] if item[1].variadic or len(args) == 1 else Func.MAX
                done.append(Call(func, args))
    expr = done[0]
    for _ in range(chain):
        expr = Neg(expr)
    return expr


@FUZZ
@given(nodes, st.sampled_from([0, 1, EXPR_DEPTH, 10_000]))
def test_expression_trees_built_in_python(plan: object, chain: int) -> None:
    run_case("expressions", lambda: _walk(_build(plan, chain)), what=repr(plan)[:80])
