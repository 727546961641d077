"""A notebook's exercise sheet: its checks by exercise name, and the verdicts so far."""

from __future__ import annotations

from collections.abc import Mapping

from covenant_lab.errors import UsageError
from covenant_lab.exercises.checks import Check
from covenant_lab.exercises.feedback import Feedback, Status

__all__ = ["Exercises"]


class Exercises:
    """``Exercises({"1": check, ...})``; ``check(question, answer)`` returns a Feedback.

    ``None`` is the answer of an exercise not answered yet (the handouts' answer cells say
    ``answer_1 = None``): the verdict is "not answered yet", with what is asked. ``results``
    keeps the last verdict of each exercise. In a notebook, ``check_answer = sheet.check``.
    """

    def __init__(self, checks: Mapping[str, Check]) -> None:
        self.checks: dict[str, Check] = {}
        self.results: dict[str, Status] = {}
        for question, check in checks.items():
            self.add(question, check)

    def add(self, question: str, check: Check) -> None:
        """A check for exercise ``question`` (a notebook may add one after more sections)."""
        if question in self.checks:
            raise UsageError(f"Exercises.add: exercise {question!r} already has a check")
        self.checks[question] = check

    def check(self, question: str | int, answer: object) -> Feedback:
        """The verdict on ``answer`` to exercise ``question`` ("1" or 1)."""
        key = str(question)
        check = self.checks.get(key)
        if check is None:
            known = ", ".join(self.checks) or "none"
            raise UsageError(f"check_answer: argument 1: no exercise {key!r} in this notebook "
                             f"(its exercises: {known})")
        if answer is None:
            feedback = Feedback(key, Status.UNANSWERED,
                                f"give {check.asked} in answer_{key}, run that cell, then this "
                                "one")
        else:
            problem = check(answer)
            feedback = (Feedback(key, Status.CORRECT) if problem is None
                        else Feedback(key, Status.WRONG, problem))
        self.results[key] = feedback.status
        return feedback
