"""The ArchEditor's fields: which ones an ACG has, their text, and reading what a user typed.

A field is named by a :class:`FieldKey`: ``(None, "spad_kib")`` for a parameter,
``("SPAD", "capacity_bytes")`` for a node attribute (``("mac_array", "dims.rows")`` for a
compute node's dim). Reading text never evaluates it: a parameter is a whole number, a node
attribute a number or an expression of the parameters (``acg/expr.py``, never ``eval``).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from covenant_lab.acg.expr import ExprError, parse
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, StorageNode
from covenant_lab.acg.save import spec_of
from covenant_lab.errors import UsageError
from covenant_lab.limits import EXPR_CHARS

__all__ = [
    "COMM_ATTRS",
    "FIFO_ATTRS",
    "MAX_TEXT",
    "STORAGE_ATTRS",
    "FieldKey",
    "as_text",
    "field_path",
    "field_text",
    "node_fields",
    "param_fields",
    "parse_value",
    "read_attr",
    "read_param",
    "shown",
]

STORAGE_ATTRS = ("capacity_bytes", "read_bytes_per_cycle", "write_bytes_per_cycle",
                 "latency_cycles", "buffering", "banks", "word_bytes")
# a FIFO is sized by its entries (its buffering) and the bytes of one entry
FIFO_ATTRS = ("entries", "entry_bytes", "read_bytes_per_cycle", "write_bytes_per_cycle",
              "latency_cycles", "banks", "word_bytes")
COMM_ATTRS = ("bytes_per_cycle", "latency_cycles")
MAX_TEXT = EXPR_CHARS  # characters in one field, as in a file; longer text is refused unread
_DECIMAL = re.compile(r"[+-]?(\d[\d_]*\.\d*|\.\d+)")  # 21.47, 2., .5 (not inf, nan, 1e3)
_WHOLE = re.compile(r"[+-]?\d[\d_]*")
_PLAIN = re.compile(r"[+-]?[\d_.]+")


class FieldKey(NamedTuple):
    """One editable field: ``node`` None for a parameter, else the node's name."""

    node: str | None
    field: str

    @property
    def label(self) -> str:
        """How notices name the field: ``spad_kib``, ``SPAD.capacity_bytes``."""
        return self.field if self.node is None else f"{self.node}.{self.field}"

    @property
    def key(self) -> str:
        """A flat key: ``param:spad_kib``, ``node:SPAD:capacity_bytes``."""
        return f"param:{self.field}" if self.node is None else f"node:{self.node}:{self.field}"


def param_fields(acg: ACG) -> list[tuple[str, int]]:
    """(name, value) of every parameter, in file order."""
    return list(acg.params)


def _section(node: StorageNode | ComputeNode | CommNode) -> str:
    return {"storage": "storage", "compute": "compute", "comm": "communication"}[node.kind]


def node_fields(acg: ACG, name: str) -> list[tuple[str, str]]:
    """(attribute, text as written in the file) of the editable attributes of node ``name``;
    "" for an attribute the file leaves out.

    A compute node: its dims, and its own ``clock_mhz`` when the architecture has a reference
    clock; a FIFO: ``entries`` and ``entry_bytes`` instead of a capacity and buffering; a
    per-PE private storage: ``capacity_bytes`` of one PE's copy."""
    node = acg.node(name)
    entry = (spec_of(acg).get(_section(node)) or {}).get(name) or {}
    if isinstance(node, ComputeNode):
        dims = entry.get("dims") or {}
        fields = [(f"dims.{d}", str(dims.get(d, size))) for d, size in node.dims]
        if acg.clock_mhz is not None:
            fields.append(("clock_mhz", _text(entry.get("clock_mhz"))))
        return fields
    attrs: tuple[str, ...]
    if isinstance(node, StorageNode):
        attrs = FIFO_ATTRS if node.access is Access.FIFO else STORAGE_ATTRS
    else:
        attrs = COMM_ATTRS
    return [(a, _text(entry.get(a))) for a in attrs]


def _text(value: Any) -> str:
    """A file value as field text: "" when absent; a float rounded to 9 decimals (``2300``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 9)).removesuffix(".0")
    return str(value)


def field_text(acg: ACG, key: FieldKey) -> str | None:
    """The field's text for ``acg`` (as the file writes it), or None when there is no such
    field (an unknown parameter, node or attribute)."""
    if key.node is None:
        return next((str(v) for n, v in acg.params if n == key.field), None)
    if key.node not in {n.name for n in acg.nodes}:
        return None
    return dict(node_fields(acg, key.node)).get(key.field)


def field_path(acg: ACG, key: FieldKey) -> str:
    """The field's path as validation reports it: ``params.spad_kib``,
    ``storage.SPAD.capacity_bytes``, ``compute.mac_array.dims.rows``."""
    if key.node is None:
        return f"params.{key.field}"
    return f"{_section(acg.node(key.node))}.{key.node}.{key.field}"


def shown(text: str, limit: int = 40) -> str:
    """Typed text for a message: a short number as it is (``-5``), anything else quoted with
    control characters escaped; long text shortened."""
    if len(text) <= limit and _PLAIN.fullmatch(text):
        return text
    body = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(body)


def as_text(value: object) -> str:
    """A value given by code (``set_param("rows", 8)``) as the text a user would type; an int
    too long to print becomes ``10**N`` (refused like any text that is not a whole number)."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:
        digits = int(value.bit_length() * 0.30103) if isinstance(value, int) else 0
        return f"10**{digits}"


def parse_value(text: str) -> int | float | bool | str | None:
    """Field text to an edit value: an int, a decimal number (``21.47``: a fractional
    bandwidth, a clock), a bool, None (empty: remove), else an expression."""
    s = text.strip()
    if not s:
        return None
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    if _DECIMAL.fullmatch(s):
        return float(s.replace("_", ""))
    if _WHOLE.fullmatch(s):
        return int(s.replace("_", ""))
    return s


def _check_length(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise UsageError(f"{shown(text)} is too long ({len(text)} characters; "
                         f"a field takes at most {MAX_TEXT})")


def read_param(text: str) -> int:
    """A parameter's text as its whole number; UsageError saying why not."""
    _check_length(text)
    s = text.strip()
    if not s:
        raise UsageError("enter a whole number (parameters cannot be removed)")
    if not _WHOLE.fullmatch(s):
        raise UsageError(f"{shown(s)} is not a whole number (a parameter is an integer "
                         "such as 16; expressions go in the node attributes)")
    return int(s.replace("_", ""))


def read_attr(acg: ACG, text: str) -> int | float | bool | str | None:
    """A node attribute's text as an edit value (``parse_value``); an expression must parse
    and name only parameters of ``acg``. UsageError saying why not."""
    _check_length(text)
    value = parse_value(text)
    if not isinstance(value, str):
        return value
    what = f"{shown(value)} is not a number or an expression of the parameters"
    try:
        names = parse(value).names
    except ExprError as exc:
        at = f" at column {exc.column}" if exc.column is not None else ""
        raise UsageError(f"{what}: {exc.detail}{at}", hint=exc.hint) from exc
    known = [n for n, _ in acg.params]
    unknown = sorted(names - set(known))
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise UsageError(f"{what}: no parameter named {listed}",
                         hint=f"parameters: {', '.join(known) or 'none'}")
    return value
