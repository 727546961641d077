"""Feedback: coloured HTML (green / red / grey) with the same words as its plain text."""

from __future__ import annotations

import re

import pytest

from covenant_lab.exercises import Feedback, Status


@pytest.mark.parametrize(("status", "text", "colour", "background", "symbol"), [
    (Status.CORRECT, "exercise 2: correct", "#0b5d1e", "#e6f4ea", "✓"),
    (Status.WRONG, "exercise 2: not yet: a set of loop names is asked for, got the string 'n'",
     "#8a1c12", "#fce8e6", "✗"),
    (Status.UNANSWERED, "exercise 2: not answered yet: give a set of loop names in answer_2, "
                        "run that cell, then this one", "#444444", "#f1f3f4", "…"),
])
def test_text_and_html(status: Status, text: str, colour: str, background: str,
                       symbol: str) -> None:
    detail = text.split(": ", 2)[2] if text.count(": ") >= 2 else ""
    feedback = Feedback("2", status, detail)
    assert str(feedback) == repr(feedback) == feedback.text() == text
    assert feedback.correct is (status is Status.CORRECT)
    html = feedback._repr_html_()
    assert html.startswith(f'<div class="covenant-feedback" data-status="{status.value}" '
                           'data-question="2" ')
    assert f"color:{colour};background:{background}" in html
    plain = re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'")
    assert plain == f"{symbol} {text}"


def test_html_escapes_the_detail() -> None:
    html = Feedback("1", Status.WRONG, "got the string '<b>'")._repr_html_()
    assert "&lt;b&gt;" in html and "<b>'" not in html
