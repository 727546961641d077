"""The options a search scored, made on first use (``compiler/tried.py``): a ``Tried`` reads,
compares, prints and pickles as its tuple, and makes it once."""

from __future__ import annotations

import copy
import pickle

from covenant_lab.compiler.tried import Option, Tried

OPTIONS: tuple[Option, ...] = ((0, 10.0, ("a",)), (0, 12.5, ("b",)))


def test_the_options_are_made_once_when_first_read() -> None:
    made: list[int] = []

    def make() -> tuple[Option, ...]:
        made.append(1)
        return OPTIONS

    tried = Tried(make)
    assert not tried.made and made == []
    assert tried[0] == (0, 10.0, ("a",))
    assert (len(tried), list(tried), tried[:1]) == (2, list(OPTIONS), OPTIONS[:1])
    assert tried.made and made == [1]


def test_it_reads_as_its_tuple() -> None:
    tried = Tried(lambda: OPTIONS)
    assert tried == OPTIONS and tried == Tried(OPTIONS) and tried != OPTIONS[:1]
    assert repr(tried) == repr(OPTIONS) and hash(tried) == hash(OPTIONS)
    assert Tried() == () and not Tried()
    assert tried != "not options"


def test_a_change_is_made_when_the_result_is_first_read() -> None:
    made: list[int] = []
    base = Tried(lambda: made.append(1) or OPTIONS)
    headed = base.then(lambda opts: tuple((w, c, ("head", *p)) for w, c, p in opts))
    assert made == []
    assert headed[1] == (0, 12.5, ("head", "b")) and made == [1]


def test_pickled_and_copied_with_the_options_made() -> None:
    tried = Tried(lambda: OPTIONS)
    again = pickle.loads(pickle.dumps(tried))
    assert again.made and again == OPTIONS
    assert copy.deepcopy(Tried(lambda: OPTIONS)) == OPTIONS
