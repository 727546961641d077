"""Each check accepts only the kind of answer asked for, and says what is wrong otherwise."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from covenant_lab.errors import MappingError
from covenant_lab.exercises import (
    Name,
    NameSet,
    Number,
    Satisfies,
    WholeNumber,
    WholeNumbers,
    describe,
    lazy,
)

LOOPS = ("m", "n", "k")


@pytest.mark.parametrize(("value", "words"), [
    ("n", "the string 'n'"),
    (True, "the bool True"),
    (3, "the whole number 3"),
    (np.int64(7), "the whole number 7"),
    (2.5, "the float 2.5"),
    ({"n", "m"}, "the set {'m', 'n'}"),
    (frozenset({"k"}), "the frozenset {'k'}"),
    (set(), "an empty set"),
    (["n"], "a list ['n']"),
    ((1, 2), "a tuple (1, 2)"),
    ({"a": 1}, "a dict {'a': 1}"),
    (object(), "an object"),
    (Fraction(1, 4), "a Fraction"),
    ("x" * 100, "the string '" + "x" * 56 + "..."),
])
def test_describe(value: object, words: str) -> None:
    assert describe(value) == words


def test_whole_number() -> None:
    check = WholeNumber(240_000, "multiply the extents", asked="a whole number of MACs")
    assert check(240_000) is None
    assert check(np.int64(240_000)) is None
    assert check(239_999) == "multiply the extents"
    assert check(240_000.0) == ("a whole number of MACs is asked for, got the float 240000.0 "
                                "(int(...) makes it one)")
    assert check(2.5) == "a whole number of MACs is asked for, got the float 2.5"
    assert check("240000") == "a whole number of MACs is asked for, got the string '240000'"
    assert check(True) == "a whole number of MACs is asked for, got the bool True"


def test_number_with_tolerance_and_range() -> None:
    check = Number(0.25, "used over all columns", asked="a fraction between 0 and 1",
                   low=0, high=1)
    assert check(8 / 32) is None
    assert check(Fraction(1, 4)) is None
    assert check(np.float32(0.25)) is None
    assert check(0.5) == "used over all columns"
    assert check(8) == "a fraction between 0 and 1 is asked for, got 8, outside 0..1"
    assert check("1/4") == "a fraction between 0 and 1 is asked for, got the string '1/4'"
    assert check(float("nan")) == "a fraction between 0 and 1 is asked for, got the float nan"
    peak = Number(256.0, "rows x cols", asked="a number of MACs per cycle", rel_tol=0.01)
    assert peak(256) is None and peak(257) is None and peak(260) == "rows x cols"


def test_name_among_choices() -> None:
    check = Name("k", "read the log", noun="loop", of="matmul", choices=LOOPS)
    assert check.asked == "a loop name (a string)"
    assert check("k") is None
    assert check("n") == "read the log"
    assert check("K") == "'K' is not a loop of matmul: choose among m, n, k"
    assert check({"k"}) == ("a loop name (a string) is asked for, got the set {'k'} "
                            "(one name, not a collection)")
    assert check(3) == "a loop name (a string) is asked for, got the whole number 3"
    node = Name("mac_array", "h", noun="compute node", of="teaching",
                choices=("mac_array", "vector"))
    assert node("SPAD") == ("'SPAD' is not a compute node of teaching: choose among "
                            "mac_array, vector")


def test_name_set_refuses_a_string_where_a_set_is_asked_for() -> None:
    """Issue 14: 03 ex2 accepted the string 'n' where a set is asked for."""
    check = NameSet(frozenset({"n"}), "indexes b and y, not a", noun="loop", of="matmul",
                    choices=LOOPS)
    assert check.asked == "a set of loop names"
    assert check({"n"}) is None
    assert check(frozenset({"n"})) is None
    assert check("n") == "a set of loop names is asked for, got the string 'n' (a set is " \
                         "written {'n'})"
    assert check(["n"]) == ("a set of loop names is asked for, got a list ['n'] "
                            "(set(...) makes it one)")
    assert check({"n", 1}) == ("a set of loop names is asked for, got the whole number 1 in it "
                               "(names are strings)")
    assert check({"n", "x"}) == "'x' is not a loop of matmul: choose among m, n, k"
    assert check({"n", "k"}) == "indexes b and y, not a"
    assert check(set()) == "indexes b and y, not a"
    assert check(("n",)) == ("a set of loop names is asked for, got a tuple ('n',) "
                             "(set(...) makes it one)")


def test_whole_numbers_pair_with_a_hint_per_entry() -> None:
    calls = []

    def expected() -> tuple[int, int]:
        calls.append(1)
        return 100, 300

    check = WholeNumbers(lazy(expected), hints=("(a) is off", "(b) is off"),
                         asked="a pair of whole numbers of bytes")
    assert check([100, 300]) == ("a pair of whole numbers of bytes is asked for, got a list "
                                 "[100, 300]")
    assert check((100,)) == "a pair of whole numbers of bytes is asked for, got a tuple of 1"
    assert check((100, 3.0)) == ("a pair of whole numbers of bytes is asked for, got the float "
                                 "3.0 in place 2")
    assert calls == [], "the expected values are computed only for an answer of the right type"
    assert check((100, 300)) is None
    assert check((101, 300)) == "(a) is off"
    assert check((100, 299)) == "(b) is off"
    assert calls == [1], "computed once"


def test_satisfies_checks_the_type_then_the_test() -> None:
    seen: list[object] = []

    def test(answer: dict[str, int]) -> str | None:
        seen.append(answer)
        if answer.get("raise"):
            raise MappingError("tile: tile 64 of loop 'm' must lie in 1..32")
        return None if answer.get("ok") else "not fast enough"

    check = Satisfies(dict, "a dict of tiles", test)
    assert check(["ok"]) == "a dict of tiles is asked for, got a list ['ok']"
    assert seen == []
    assert check({"ok": 1}) is None
    assert check({"ok": 0}) == "not fast enough"
    assert check({"raise": 1}) == "MappingError: tile: tile 64 of loop 'm' must lie in 1..32"
