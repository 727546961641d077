"""Tokenizer and recursive-descent parser of the expression language (see ``acg.expr``).

The parser enforces the expression limits of ``covenant_lab.limits``: at most
``EXPR_CHARS`` characters, parentheses and calls nested at most ``EXPR_DEPTH`` deep (the only
recursion here: a chain of signs or operators is a loop), and literals at most 2^53 in
magnitude; the tree it builds is at most ``EXPR_DEPTH`` levels deep (``acg.expr``). Numbers
are ASCII digits only (``\\d`` would take ``١٢`` for 12).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from covenant_lab.acg.expr import BinOp, BinOpKind, Call, Expr, ExprError, Func, Name, Neg, Num
from covenant_lab.limits import EXPR_CHARS, EXPR_DEPTH, NUMBER

__all__ = ["Parser"]

Number = int | float
_TOKEN = re.compile(
    r"(?P<num>(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>//|[-+*/%(),])"
)
_SPACE = " \t\r\n\f\v"
_HINTS = {":": "YAML 1.1's base 60 (1:30 for 90) is not read: write the number"}
_FUNC_NAMES = {f.value: f for f in Func}
_BINOPS = {k.value: k for k in BinOpKind}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "name", "op" or "end"
    text: str
    column: int  # 1-based


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos] in _SPACE:
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            char = text[pos]
            hint = _HINTS.get(char, "numbers are written with the ASCII digits 0-9"
                              if char.isdigit() else None)
            raise ExprError(f"unexpected character {char!r}", text=text, column=pos + 1,
                            hint=hint)
        tokens.append(_Token(match.lastgroup, match.group(), pos + 1))
        pos = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        if len(text) > EXPR_CHARS:
            raise ExprError(
                f"is {len(text)} characters long, above the limit of {EXPR_CHARS} "
                "(limits.EXPR_CHARS)", text=text,
                hint="name parts of it with parameters",
            )
        self.tokens = _tokenize(text)
        self.pos = 0
        self.level = 0  # parentheses and calls open at this point

    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def fail(self, message: str, tok: _Token | None = None, hint: str | None = None) -> ExprError:
        at = tok or self.tok
        return ExprError(message, text=self.text, column=at.column, hint=hint)

    def make(self, tok: _Token, build: Callable[..., Expr], *args: object) -> Expr:
        """``build(*args)``, its ExprError (a tree too deep) given the text and column."""
        try:
            return build(*args)
        except ExprError as exc:
            raise self.fail(exc.detail, tok, exc.hint) from None

    def nested(self, parse: Callable[[], Expr], tok: _Token) -> Expr:
        """``parse()`` one level of parentheses or call arguments deeper."""
        if self.level >= EXPR_DEPTH:
            raise self.fail(
                f"nests more than {EXPR_DEPTH} levels deep (the limit, limits.EXPR_DEPTH)", tok,
                "name a part of the expression with a parameter",
            )
        self.level += 1
        try:
            return parse()
        finally:
            self.level -= 1

    def take(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.pos += 1
            return True
        return False

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self.fail("empty expression")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.fail(f"unexpected {self.tok.text!r}")
        return node

    def expr(self) -> Expr:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok, op = self.tok, _BINOPS[self.tok.text]
            self.pos += 1
            node = self.make(tok, BinOp, op, node, self.term())
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "//", "%"):
            tok, op = self.tok, _BINOPS[self.tok.text]
            self.pos += 1
            node = self.make(tok, BinOp, op, node, self.unary())
        return node

    def unary(self) -> Expr:
        """Signs, then an atom; a minus directly before a number is part of the literal."""
        signs: list[_Token] = []  # the minus signs that negate
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.tok
            self.pos += 1
            if tok.text == "-" and self.tok.kind == "num":
                node: Expr = self.make(tok, Num, -self.number())
                break
            if tok.text == "-":
                signs.append(tok)
        else:
            node = self.atom()
        for tok in reversed(signs):
            node = self.make(tok, Neg, node)
        return node

    def number(self) -> Number:
        tok = self.tok
        self.pos += 1
        value: Number = float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(f"number {tok.text[:24]} is not finite", tok)
        problem = NUMBER.problem(value)
        if problem:
            raise self.fail(problem, tok)
        return value

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "num":
            return Num(self.number())
        if tok.kind == "name":
            self.pos += 1
            func = _FUNC_NAMES.get(tok.text)
            if func is not None:
                return self.call(func, tok)
            return Name(tok.text)
        if self.take("("):
            node = self.nested(self.expr, tok)
            if not self.take(")"):
                raise self.fail("expected ')'")
            return node
        what = "end of expression" if tok.kind == "end" else repr(tok.text)
        raise self.fail(f"expected a number, a name or '(', got {what}")

    def call(self, func: Func, name_tok: _Token) -> Expr:
        if not self.take("("):
            raise self.fail(f"function '{func.value}' must be called: {func.value}(...)", name_tok)
        args = [self.nested(self.expr, name_tok)]
        while self.take(","):
            args.append(self.nested(self.expr, name_tok))
        if not self.take(")"):
            raise self.fail("expected ',' or ')'")
        if not func.variadic and len(args) != 1:
            raise self.fail(f"{func.value}() takes 1 argument, got {len(args)}", name_tok)
        return self.make(name_tok, Call, func, tuple(args))
