"""What ``check_answer`` shows: a verdict, coloured HTML in JupyterLab, plain text elsewhere."""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import Enum

__all__ = ["Feedback", "Status"]


class Status(Enum):
    """The verdict on one answer."""

    CORRECT = "correct"
    WRONG = "wrong"
    UNANSWERED = "unanswered"


# (symbol, words, text colour, background, border) per verdict: colour never carries the meaning
# alone (the symbol and the words say it too)
_LOOK = {
    Status.CORRECT: ("✓", "correct", "#0b5d1e", "#e6f4ea", "#34a853"),
    Status.WRONG: ("✗", "not yet", "#8a1c12", "#fce8e6", "#d93025"),
    Status.UNANSWERED: ("…", "not answered yet", "#444444", "#f1f3f4", "#9aa0a6"),
}


@dataclass(frozen=True, slots=True)
class Feedback:
    """The verdict on the answer to exercise ``question``, with what is wrong (``detail``).

    A notebook shows it as a coloured box (``_repr_html_``: green correct, red wrong, grey not
    answered); ``str`` / ``repr`` give the plain text, e.g. ``exercise 2: not yet: a set of
    loop names is asked for, got the string 'n'``.
    """

    question: str
    status: Status
    detail: str = ""

    @property
    def correct(self) -> bool:
        return self.status is Status.CORRECT

    def text(self) -> str:
        """The plain-text verdict (what a terminal or a text-only front end shows)."""
        words = _LOOK[self.status][1]
        return f"exercise {self.question}: {words}" + (f": {self.detail}" if self.detail else "")

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        symbol, words, colour, background, border = _LOOK[self.status]
        detail = f": {html.escape(self.detail)}" if self.detail else ""
        return (
            f'<div class="covenant-feedback" data-status="{self.status.value}" '
            f'data-question="{html.escape(self.question, quote=True)}" '
            f'style="color:{colour};background:{background};border-left:4px solid {border};'
            'padding:4px 10px;margin:2px 0;border-radius:3px;font-size:13px;'
            'white-space:pre-wrap;overflow-wrap:anywhere">'
            f"<b>{symbol} exercise {html.escape(self.question)}: {words}</b>{detail}</div>"
        )
