"""The ArchEditor's state as pure logic: the last valid ACG and every field's pending text.

Rule: what the user typed stays in its field, with the error beside it, until they change it
— across edits of other fields, node switches and recompiles. :class:`EditorState` keeps the
last valid ACG (what the graph and the estimate show) and, per field (keyed by node and
field, :class:`~covenant_lab.widgets.editor_fields.FieldKey`), the text of a refused edit
with its error. After each accepted edit the pending fields are tried again on the new ACG:
one that has become valid is applied (its text is still what was typed).

Every edit goes through the ACG's own pure edits (``with_param``, ``with_node_attr``), so it is
validated exactly like a file, and never raises: a :class:`~covenant_lab.errors.CovenantError`
becomes the message beside the field, anything else an "internal error" message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.save import save_arch
from covenant_lab.errors import CovenantError, UsageError
from covenant_lab.widgets.editor_fields import (
    FieldKey,
    as_text,
    field_text,
    node_fields,
    read_attr,
    read_param,
)
from covenant_lab.widgets.editor_messages import edit_error, internal_error

__all__ = [
    "EditOutcome",
    "EditorState",
    "Pending",
    "estimate_cycles",
    "save_as",
    "try_edit",
    "try_node_attr",
    "try_param",
]


@dataclass(frozen=True)
class EditOutcome:
    """The ACG after an edit (the previous one when it failed) and the error text ("" = ok);
    ``internal`` when the error is an unexpected exception, not a refused value."""

    arch: ACG
    error: str = ""
    internal: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Pending:
    """A refused edit: the text exactly as typed and why it was refused."""

    text: str
    error: str
    internal: bool = False


def _missing(acg: ACG, key: FieldKey) -> str:
    """Why ``key`` is not a field of ``acg`` ("" when it is)."""
    if field_text(acg, key) is not None:
        return ""
    if key.node is None:
        return f"{key.field}: {acg.name} has no parameter {key.field!r}"
    if key.node not in {n.name for n in acg.nodes}:
        return f"{key.field}: {acg.name} has no node {key.node!r}"
    return f"{key.field}: node {key.node!r} has no editable field {key.field!r}"


def try_edit(acg: ACG, key: FieldKey, text: str) -> EditOutcome:
    """Set field ``key`` of ``acg`` from the text typed into it; never raises."""
    try:
        missing = _missing(acg, key)
        if missing:
            return EditOutcome(acg, missing)
        if key.node is None:
            return EditOutcome(acg.with_param(key.field, read_param(text)))
        return EditOutcome(acg.with_node_attr(key.node, key.field, read_attr(acg, text)))
    except CovenantError as exc:
        error = exc
    except Exception as exc:  # a bug somewhere below: say so beside the field, keep going
        why = internal_error("checking this value", exc, "It was not applied")
        return EditOutcome(acg, f"{key.field}: {why}", internal=True)
    try:
        return EditOutcome(acg, edit_error(acg, key, text, error))
    except Exception:  # phrasing failed: the plain message still says why
        return EditOutcome(acg, f"{key.field}: {error}")


def try_param(acg: ACG, name: str, value: int | str) -> EditOutcome:
    """``acg.with_param(name, value)`` (value an int or the text typed), or ``acg`` and the
    message when it is invalid."""
    return try_edit(acg, FieldKey(None, name), as_text(value))


def try_node_attr(acg: ACG, node: str, attr: str, text: str) -> EditOutcome:
    """``acg.with_node_attr(node, attr, <the value of text>)``, or ``acg`` and the message."""
    return try_edit(acg, FieldKey(node, attr), as_text(text))


class EditorState:
    """The editor's state: ``arch`` (the last valid ACG), ``original``, and ``pending``
    (FieldKey -> Pending, in the order refused)."""

    def __init__(self, arch: ACG) -> None:
        self.original = arch
        self.arch = arch
        self.pending: dict[FieldKey, Pending] = {}
        self._texts: dict[str | None, dict[str, str]] = {}  # of _texts_of, per node
        self._texts_of = arch

    def valid_texts(self, node: str | None) -> dict[str, str]:
        """Field -> text in ``arch`` of the parameters (``node`` None) or of one node, in form
        order (read once per ACG: reading the file's spec is not free)."""
        if self._texts_of is not self.arch:
            self._texts, self._texts_of = {}, self.arch
        if node not in self._texts:
            self._texts[node] = (
                {name: str(value) for name, value in self.arch.params} if node is None
                else dict(node_fields(self.arch, node)))
        return self._texts[node]

    def fields(self, node: str | None) -> list[FieldKey]:
        """The fields of the parameters (``node`` None) or of one node, in form order."""
        return [FieldKey(node, name) for name in self.valid_texts(node)]

    def _known(self, key: FieldKey) -> bool:
        if key.node is not None and key.node not in {n.name for n in self.arch.nodes}:
            return False
        return key.field in self.valid_texts(key.node)

    def text(self, key: FieldKey) -> str:
        """What field ``key`` shows: its pending text, else its value in ``arch``."""
        pending = self.pending.get(key)
        if pending is not None:
            return pending.text
        return self.valid_texts(key.node).get(key.field, "")

    def error(self, key: FieldKey) -> str:
        """The error beside field ``key`` ("" when it shows the valid value)."""
        pending = self.pending.get(key)
        return pending.error if pending is not None else ""

    def edit(self, key: FieldKey, text: str) -> EditOutcome:
        """The user typed ``text`` into field ``key``: apply it, or keep it pending with its
        error. An accepted edit tries the pending fields again on the new ACG."""
        text = as_text(text)
        out = try_edit(self.arch, key, text)
        if out.ok:
            self.pending.pop(key, None)
            self.arch = out.arch
            self._retry()
        elif self._known(key):  # a field of the form: keep what was typed
            self.pending[key] = Pending(text, out.error, out.internal)
        return out

    def _retry(self) -> None:
        progress = True
        while progress and self.pending:
            progress = False
            for key, old in list(self.pending.items()):
                out = try_edit(self.arch, key, old.text)
                if out.ok:
                    self.arch = out.arch
                    del self.pending[key]
                    progress = True
                else:
                    self.pending[key] = Pending(old.text, out.error, out.internal)

    def discard(self) -> None:
        """Drop every pending text: the fields show the last valid architecture again."""
        self.pending.clear()

    def notice(self) -> str:
        """One line naming the fields not applied ("" when there are none)."""
        if not self.pending:
            return ""
        n = len(self.pending)
        names = ", ".join(key.label for key in self.pending)
        return (f"{n} field{'s' if n != 1 else ''} not applied ({names}): the graph and the "
                "estimate show the last valid architecture")

    def internal_errors(self) -> list[str]:
        """The pending fields' internal-error messages (bugs, not refused values)."""
        return [p.error for p in self.pending.values() if p.internal]


def save_as(acg: ACG, path: str, *, overwrite: bool = False) -> tuple[Path | None, str]:
    """``save_arch(acg, path, overwrite=...)``: (the path written, "") or (None, the message);
    never raises."""
    try:
        if not path.strip():
            raise UsageError("save as: enter a file path (for example my_arch.yaml)")
        if "\x00" in path:
            raise UsageError(f"save as: the path {path!r} contains a NUL character")
        return save_arch(acg, Path(path.strip()).expanduser(), overwrite=overwrite), ""
    except CovenantError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"save as: cannot write {path!r}: {exc.strerror or exc}"
    except Exception as exc:
        return None, internal_error(f"saving to {path[:80]!r}", exc, "Nothing was written")


def estimate_cycles(target: Any, acg: ACG) -> tuple[float | None, str]:
    """The compiler's estimated cycles of ``target`` on ``acg``, or (None, why not); never
    raises."""
    from covenant_lab.compiler.api import compile as compile_layer

    try:
        return float(compile_layer(target, acg).estimate.cycles), ""
    except CovenantError as exc:
        return None, str(exc)
    except Exception as exc:
        return None, internal_error("estimating the cycles", exc)
