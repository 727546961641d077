"""Typed answer checks: each accepts only the kind of answer its exercise asks for.

A check is called with a student's answer (never ``None``: the sheet reports that as not
answered) and returns ``None`` when the answer is right, or one sentence saying what is
wrong: the wrong type (``a set of loop names is asked for, got the string 'n'``), a name that
is not among the possible ones, or the exercise's hint. ``asked`` says what the exercise
asks for, in words.

Expected values may be given lazily, as a function of no arguments, when computing them
costs a compile or a simulation: it runs (once) only when an answer is checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from numbers import Integral, Real
from typing import Generic, Protocol, TypeGuard, TypeVar

from covenant_lab.errors import CovenantError

__all__ = [
    "Check",
    "Name",
    "NameSet",
    "Number",
    "Satisfies",
    "WholeNumber",
    "WholeNumbers",
    "describe",
    "lazy",
]

T = TypeVar("T")
SHORT = 60  # characters of an answer's repr quoted back in a message


class Check(Protocol):
    """What a sheet needs of a check."""

    @property
    def asked(self) -> str: ...

    def __call__(self, answer: object) -> str | None: ...


def lazy(compute: Callable[[], T]) -> Callable[[], T]:
    """``compute`` run on first use only, then remembered (an expected value that costs)."""
    return cache(compute)


def _value(expected: T | Callable[[], T]) -> T:
    return expected() if callable(expected) else expected


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 3] + "..."


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def describe(value: object) -> str:
    """A value in words, for a message: ``the string 'n'``, ``the float 2.5``, ``a list [1]``."""
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, str):
        return f"the string {_short(repr(value))}"
    if isinstance(value, Integral):
        return f"the whole number {int(value)}"
    if isinstance(value, float):
        return f"the float {value!r}"
    if isinstance(value, set | frozenset):
        if not value:
            return "an empty set"
        items = ", ".join(sorted(repr(v) for v in value))
        return f"the {type(value).__name__} {_short('{' + items + '}')}"
    if isinstance(value, list | tuple | dict):
        return f"{_article(type(value).__name__)} {type(value).__name__} {_short(repr(value))}"
    name = type(value).__name__
    return f"{_article(name)} {name}"


def asked_for(asked: str, answer: object) -> str:
    """The message for an answer of the wrong type."""
    return f"{asked} is asked for, got {describe(answer)}"


def _is_whole(value: object) -> TypeGuard[Integral]:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: object) -> TypeGuard[Real]:
    return isinstance(value, Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class WholeNumber:
    """A whole number (an int, numpy's too), equal to ``expected``."""

    expected: int | Callable[[], int]
    hint: str
    asked: str = "a whole number"

    def __call__(self, answer: object) -> str | None:
        if not _is_whole(answer):
            more = (" (int(...) makes it one)"
                    if isinstance(answer, float) and answer.is_integer() else "")
            return asked_for(self.asked, answer) + more
        return None if int(answer) == _value(self.expected) else self.hint


@dataclass(frozen=True)
class Number:
    """A real number (int or float) within ``rel_tol`` of ``expected`` and, when given, within
    ``low`` .. ``high``."""

    expected: float | Callable[[], float]
    hint: str
    asked: str = "a number"
    rel_tol: float = 1e-9
    low: float | None = None
    high: float | None = None

    def __call__(self, answer: object) -> str | None:
        if not _is_real(answer) or not math.isfinite(float(answer)):
            return asked_for(self.asked, answer)
        x = float(answer)
        if (self.low is not None and x < self.low) or (self.high is not None and x > self.high):
            return f"{self.asked} is asked for, got {x:g}, outside {self.low:g}..{self.high:g}"
        ok = math.isclose(x, _value(self.expected), rel_tol=self.rel_tol, abs_tol=1e-12)
        return None if ok else self.hint


def _not_a_choice(name: str, noun: str, of: str, choices: tuple[str, ...]) -> str:
    return f"{name!r} is not {_article(noun)} {noun} of {of}: choose among {', '.join(choices)}"


@dataclass(frozen=True)
class Name:
    """One name (a string) among ``choices``, e.g. a loop of a codelet, equal to ``expected``."""

    expected: str
    hint: str
    noun: str  # what the name names: "loop", "compute node"
    of: str  # whose: "matmul", "teaching"
    choices: tuple[str, ...]

    @property
    def asked(self) -> str:
        return f"{_article(self.noun)} {self.noun} name (a string)"

    def __call__(self, answer: object) -> str | None:
        if not isinstance(answer, str):
            more = " (one name, not a collection)" if isinstance(
                answer, set | frozenset | list | tuple) else ""
            return asked_for(self.asked, answer) + more
        if answer not in self.choices:
            return _not_a_choice(answer, self.noun, self.of, self.choices)
        return None if answer == self.expected else self.hint


@dataclass(frozen=True)
class NameSet:
    """A set of names among ``choices``, equal to ``expected``."""

    expected: frozenset[str] | Callable[[], frozenset[str]]
    hint: str
    noun: str
    of: str
    choices: tuple[str, ...]

    @property
    def asked(self) -> str:
        return f"a set of {self.noun} names"

    def __call__(self, answer: object) -> str | None:
        if isinstance(answer, str):
            return f"{asked_for(self.asked, answer)} (a set is written {{{answer!r}}})"
        if isinstance(answer, list | tuple):
            return f"{asked_for(self.asked, answer)} (set(...) makes it one)"
        if not isinstance(answer, set | frozenset):
            return asked_for(self.asked, answer)
        for item in sorted(answer, key=repr):
            if not isinstance(item, str):
                return f"{self.asked} is asked for, got {describe(item)} in it (names are strings)"
            if item not in self.choices:
                return _not_a_choice(item, self.noun, self.of, self.choices)
        return None if frozenset(answer) == _value(self.expected) else self.hint


@dataclass(frozen=True)
class WholeNumbers:
    """A tuple of whole numbers, one per entry of ``hints``, equal to ``expected``; a wrong
    entry gets its own hint."""

    expected: tuple[int, ...] | Callable[[], tuple[int, ...]]
    hints: tuple[str, ...]
    asked: str

    def __call__(self, answer: object) -> str | None:
        n = len(self.hints)
        if not isinstance(answer, tuple):
            return asked_for(self.asked, answer)
        if len(answer) != n:
            return f"{self.asked} is asked for, got a tuple of {len(answer)}"
        for i, x in enumerate(answer):
            if not _is_whole(x):
                return f"{self.asked} is asked for, got {describe(x)} in place {i + 1}"
        expected = _value(self.expected)
        for x, want, hint in zip(answer, expected, self.hints, strict=True):
            if int(x) != want:
                return hint
        return None


@dataclass(frozen=True)
class Satisfies(Generic[T]):
    """An object of type ``kind`` (an ACG, a Constraints) for which ``test`` returns ``None``
    (``test`` returns what is wrong otherwise). An error the library raises while testing it
    (a ``CovenantError``) is the message."""

    kind: type[T]
    asked: str
    test: Callable[[T], str | None]

    def __call__(self, answer: object) -> str | None:
        if not isinstance(answer, self.kind):
            return asked_for(self.asked, answer)
        try:
            return self.test(answer)
        except CovenantError as err:
            return f"{type(err).__name__}: {err}"

