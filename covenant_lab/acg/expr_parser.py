"""Tokenizer and recursive-descent parser of the expression language (see ``acg.expr``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from covenant_lab.acg.expr import BinOp, BinOpKind, Call, Expr, ExprError, Func, Name, Neg, Num

__all__ = ["Parser"]

Number = int | float
_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>//|[-+*/%(),])"
)
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
        if text[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise ExprError(f"unexpected character {text[pos]!r}", text=text, column=pos + 1)
        tokens.append(_Token(match.lastgroup, match.group(), pos + 1))
        pos = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.pos]

    def fail(self, message: str, tok: _Token | None = None) -> ExprError:
        at = tok or self.tok
        return ExprError(message, text=self.text, column=at.column)

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
            op = _BINOPS[self.tok.text]
            self.pos += 1
            node = BinOp(op, node, self.term())
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "//", "%"):
            op = _BINOPS[self.tok.text]
            self.pos += 1
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.take("+"):
            return self.unary()
        if self.take("-"):
            if self.tok.kind == "num":
                return Num(-self.number())
            return Neg(self.unary())
        return self.atom()

    def number(self) -> Number:
        tok = self.tok
        self.pos += 1
        if any(c in tok.text for c in ".eE"):
            value = float(tok.text)
            if not math.isfinite(value):
                raise self.fail(f"number {tok.text} is too large", tok)
            return value
        return int(tok.text)

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
            node = self.expr()
            if not self.take(")"):
                raise self.fail("expected ')'")
            return node
        what = "end of expression" if tok.kind == "end" else repr(tok.text)
        raise self.fail(f"expected a number, a name or '(', got {what}")

    def call(self, func: Func, name_tok: _Token) -> Expr:
        if not self.take("("):
            raise self.fail(f"function '{func.value}' must be called: {func.value}(...)", name_tok)
        args = [self.expr()]
        while self.take(","):
            args.append(self.expr())
        if not self.take(")"):
            raise self.fail("expected ',' or ')'")
        if not func.variadic and len(args) != 1:
            raise self.fail(f"{func.value}() takes 1 argument, got {len(args)}", name_tok)
        return Call(func, tuple(args))
