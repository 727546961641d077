"""Why an ArchEditor edit was refused, in terms of the field the user edited.

Validation reports problems by the path of the value that broke (``storage.SPAD.
capacity_bytes``); a user who typed ``-5`` into ``spad_kib`` reads first about ``spad_kib``,
then, as detail, which derived value it breaks::

    spad_kib: -5 is not accepted
      because storage.SPAD.capacity_bytes (= spad_kib * 1024) must be positive, got -5120

Messages are short: each line clipped, at most a few detail lines.
"""

from __future__ import annotations

import re
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.save import spec_of
from covenant_lab.errors import ArchError, ArchProblem, CovenantError
from covenant_lab.widgets.editor_fields import FieldKey, field_path, shown

__all__ = ["clip", "edit_error", "internal_error"]

MAX_LINE = 300
MAX_DETAILS = 5
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_VERBS = ("must ", "is ", "has ", "cannot ", "should ")


def clip(line: str, limit: int = MAX_LINE) -> str:
    """``line`` shortened to ``limit`` characters (a value of thousands of digits stays out)."""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _hinted(message: str, hint: str | None) -> str:
    return message + (f" (hint: {hint})" if hint else "")


def _spec_value(spec: Any, path: str) -> Any:
    """The value at ``storage.SPAD.capacity_bytes`` / ``edges[0].bytes_per_cycle``, or None."""
    node = spec
    for name, index in _STEP.findall(path):
        if name and isinstance(node, dict):
            node = node.get(name)
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return None
    return node


def _derived(acg: ACG, problem: ArchProblem) -> str:
    """A problem of another field, as detail: ``because PATH (= EXPR) MESSAGE``."""
    try:
        written = _spec_value(spec_of(acg), problem.field)
    except Exception:  # a detail is never worth an error of its own
        written = None
    expr = f" (= {written})" if isinstance(written, str) else ""
    sep = " " if problem.message.startswith(_VERBS) else ": "
    return clip(f"  because {problem.field}{expr}{sep}{_hinted(problem.message, problem.hint)}")


def edit_error(acg: ACG, key: FieldKey, text: str, exc: CovenantError) -> str:
    """The message beside field ``key`` when setting it to ``text`` on ``acg`` raised ``exc``:
    first line about the field itself, derived fields it breaks only as detail lines."""
    field = key.field
    if not (isinstance(exc, ArchError) and exc.problems):
        return clip(f"{field}: {_hinted(exc.message, exc.hint)}")
    own_path = field_path(acg, key)
    own = [p for p in exc.problems if p.field == own_path]
    other = [p for p in exc.problems if p.field != own_path]
    lines = [clip(f"{field}: {_hinted(p.message, p.hint)}") for p in own]
    if other and not own:
        lines.append(clip(f"{field}: {shown(text.strip())} is not accepted"))
    lines += [_derived(acg, p) for p in other[:MAX_DETAILS]]
    if len(other) > MAX_DETAILS:
        lines.append(f"  … and {len(other) - MAX_DETAILS} more")
    return "\n".join(lines)


def internal_error(what: str, exc: BaseException, then: str = "") -> str:
    """An unexpected exception as a notice (never a traceback): what was being done, the
    exception's type and first line, ``then`` (what it means for the user)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    then = f" {then.rstrip('.')}." if then else ""
    return clip(f"internal error while {what}: {type(exc).__name__}: {clip(first, 160)}."
                f"{then} Please report this.", 400)
