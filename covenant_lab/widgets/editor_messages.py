"""Why an ArchEditor edit was refused, in terms of the field the user edited.

Validation reports problems by the path of the value that broke (``storage.SPAD.
capacity_bytes``); a user who typed ``-5`` into ``spad_kib`` reads first about ``spad_kib``
and the nearest value it accepts (found by trying values between what was typed and the
valid one: validation only, a few dozen milliseconds each), then, as detail, which derived
value it breaks, named by node::

    spad_kib: -5 is not accepted: spad_kib must be at least 1
      because SPAD.capacity_bytes (= spad_kib * 1024) must be positive; -5 makes it -5120

Messages are short: each line clipped, at most a few detail lines.
"""

from __future__ import annotations

import re
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.save import spec_of
from covenant_lab.errors import ArchError, ArchProblem, CovenantError
from covenant_lab.widgets.editor_fields import FieldKey, field_path, field_text, shown

__all__ = ["clip", "edit_error", "internal_error", "nearest_accepted"]

MAX_LINE = 300
MAX_DETAILS = 5
MAX_PROBES = 24  # validations spent looking for the nearest accepted value
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_EDGE = re.compile(r"edges\[(\d+)\]\.(.+)")
_GOT = re.compile(r", got (\S+)$")
_INT = re.compile(r"[+-]?\d{1,18}")
_SECTIONS = ("storage", "compute", "communication")
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


def _where(acg: ACG, path: str) -> str:
    """A problem's path in the user's terms: ``SPAD.capacity_bytes`` (no file section), an
    edge by its ends (``edge DRAM->SPAD bytes_per_cycle``)."""
    m = _EDGE.match(path)
    if m is not None and int(m.group(1)) < len(acg.edges):
        e = acg.edges[int(m.group(1))]
        return f"edge {e.src}->{e.dst} {m.group(2)}"
    section, _, rest = path.partition(".")
    return rest if section in _SECTIONS and rest else path


def _derived(acg: ACG, problem: ArchProblem, typed: str) -> str:
    """A problem of another field, as detail: ``because NODE.FIELD (= EXPR) MESSAGE``, the
    value it got said as what the typed text makes of it."""
    try:
        written = _spec_value(spec_of(acg), problem.field)
    except Exception:  # a detail is never worth an error of its own
        written = None
    expr = f" (= {written})" if isinstance(written, str) else ""
    message = problem.message
    got = _GOT.search(message)
    if got is not None and expr:
        message = f"{message[: got.start()]}; {typed} makes it {got.group(1)}"
    sep = " " if message.startswith(_VERBS) else ": "
    where = _where(acg, problem.field)
    return clip(f"  because {where}{expr}{sep}{_hinted(message, problem.hint)}")


def _accepts(acg: ACG, key: FieldKey, value: int) -> bool:
    try:
        if key.node is None:
            acg.with_param(key.field, value)
        else:
            acg.with_node_attr(key.node, key.field, value)
    except CovenantError:
        return False
    return True


def nearest_accepted(acg: ACG, key: FieldKey, typed: int) -> tuple[str, int] | None:
    """``("at least", 1)`` / ``("at most", 65536)``: the accepted value nearest to ``typed``,
    between it and the field's current (valid) value, found by bisection (at most
    MAX_PROBES validations); None when the field's value is not a whole number or the
    search does not settle."""
    current = _current_int(acg, key)
    if current is None or current == typed:
        return None
    bad, good = typed, current  # invariant: bad refused, good accepted
    for _ in range(MAX_PROBES):
        if abs(good - bad) <= 1:
            return ("at least", good) if good > bad else ("at most", good)
        mid = (bad + good) // 2
        if _accepts(acg, key, mid):
            good = mid
        else:
            bad = mid
    return None


def _current_int(acg: ACG, key: FieldKey) -> int | None:
    if key.node is None:
        return next((v for n, v in acg.params if n == key.field), None)
    text = field_text(acg, key)
    return int(text) if text is not None and _INT.fullmatch(text) else None


def edit_error(acg: ACG, key: FieldKey, text: str, exc: CovenantError) -> str:
    """The message beside field ``key`` when setting it to ``text`` on ``acg`` raised ``exc``:
    first line about the field itself, derived fields it breaks only as detail lines."""
    field = key.field
    if not (isinstance(exc, ArchError) and exc.problems):
        return clip(f"{field}: {_hinted(exc.message, exc.hint)}")
    typed = shown(text.strip())
    bound = nearest_accepted(acg, key, int(text)) if _INT.fullmatch(text.strip()) else None
    must = f"{field} must be {bound[0]} {bound[1]}" if bound is not None else ""
    own_path = field_path(acg, key)
    own = [p for p in exc.problems if p.field == own_path]
    other = [p for p in exc.problems if p.field != own_path]
    lines = [clip(f"{field}: {_hinted(p.message, p.hint)}") for p in own]
    if must and own:
        lines.append(clip(f"  {must}"))
    if other and not own:
        lines.append(clip(f"{field}: {typed} is not accepted" + (f": {must}" if must else "")))
    lines += [_derived(acg, p, typed) for p in other[:MAX_DETAILS]]
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
