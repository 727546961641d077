"""Exercises: a sheet of checks; None is not answered yet; unknown questions are refused."""

from __future__ import annotations

import pytest

from covenant_lab.errors import UsageError
from covenant_lab.exercises import Exercises, NameSet, Status, WholeNumber


def _sheet() -> Exercises:
    return Exercises({
        "1": WholeNumber(42, "count again", asked="a whole number of MACs"),
        "2": NameSet(frozenset({"n"}), "hint", noun="loop", of="matmul",
                     choices=("m", "n", "k")),
    })


def test_verdicts_and_results() -> None:
    sheet = _sheet()
    assert str(sheet.check("1", None)) == ("exercise 1: not answered yet: give a whole number "
                                           "of MACs in answer_1, run that cell, then this one")
    assert sheet.results == {"1": Status.UNANSWERED}
    assert str(sheet.check(1, 41)) == "exercise 1: not yet: count again"
    assert str(sheet.check("2", "n")) == ("exercise 2: not yet: a set of loop names is asked "
                                          "for, got the string 'n' (a set is written {'n'})")
    assert sheet.check("1", 42).correct
    assert sheet.results == {"1": Status.CORRECT, "2": Status.WRONG}


def test_unknown_question_and_duplicate_check_are_usage_errors() -> None:
    sheet = _sheet()
    with pytest.raises(UsageError, match=r"check_answer: argument 1: no exercise '7' in this "
                                         r"notebook \(its exercises: 1, 2\)"):
        sheet.check("7", 1)
    with pytest.raises(UsageError, match=r"Exercises.add: exercise '2' already has a check"):
        sheet.add("2", WholeNumber(1, "h"))
    sheet.add("3", WholeNumber(1, "h"))
    assert list(sheet.checks) == ["1", "2", "3"]
