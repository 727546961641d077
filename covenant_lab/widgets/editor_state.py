"""The ArchEditor's logic as pure functions: fields of an ACG, edits that never raise.

Every edit goes through the ACG's own pure edits (``with_param``, ``with_node_attr``), so it is
validated exactly like a file. An edit returns an :class:`EditOutcome`: the new ACG, or the
unchanged one with the error text to show next to the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, StorageNode
from covenant_lab.acg.save import save_arch, spec_of
from covenant_lab.errors import ArchError, CovenantError

__all__ = [
    "EditOutcome",
    "error_text",
    "estimate_cycles",
    "node_fields",
    "param_fields",
    "parse_value",
    "save_as",
    "try_node_attr",
    "try_param",
]

STORAGE_ATTRS = ("capacity_bytes", "read_bytes_per_cycle", "write_bytes_per_cycle",
                 "latency_cycles", "buffering", "banks", "word_bytes")
# a FIFO is sized by its entries (its buffering) and the bytes of one entry
FIFO_ATTRS = ("entries", "entry_bytes", "read_bytes_per_cycle", "write_bytes_per_cycle",
              "latency_cycles", "banks", "word_bytes")
COMM_ATTRS = ("bytes_per_cycle", "latency_cycles")
_DECIMAL = re.compile(r"[+-]?(\d[\d_]*\.\d*|\.\d+)")  # 21.47, 2., .5 (not inf, nan, 1e3)


@dataclass(frozen=True)
class EditOutcome:
    """The ACG after an edit (the previous one when it failed) and the error text ("" = ok)."""

    arch: ACG
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def error_text(exc: CovenantError) -> str:
    """What to show beside a field: an ArchError's problems one per line (field: message),
    without the file prefix repeated on each; other errors as they are."""
    if isinstance(exc, ArchError) and exc.problems:
        return "\n".join(
            f"{p.field}: {p.message}" + (f" (hint: {p.hint})" if p.hint else "")
            for p in exc.problems
        )
    return str(exc)


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
    try:
        return int(s.replace("_", ""))
    except ValueError:
        return s


def try_param(acg: ACG, name: str, value: int) -> EditOutcome:
    """``acg.with_param(name, value)``, or ``acg`` and the message when it is invalid."""
    try:
        return EditOutcome(acg.with_param(name, value))
    except CovenantError as exc:
        return EditOutcome(acg, error_text(exc))


def try_node_attr(acg: ACG, node: str, attr: str, text: str) -> EditOutcome:
    """``acg.with_node_attr(node, attr, parse_value(text))``, or ``acg`` and the message."""
    try:
        return EditOutcome(acg.with_node_attr(node, attr, parse_value(text)))
    except CovenantError as exc:
        return EditOutcome(acg, error_text(exc))


def save_as(acg: ACG, path: str, *, overwrite: bool = False) -> tuple[Path | None, str]:
    """``save_arch(acg, path, overwrite=...)``: (the path written, "") or (None, the message)."""
    if not path.strip():
        return None, "save as: enter a file path (for example my_arch.yaml)"
    try:
        return save_arch(acg, Path(path.strip()).expanduser(), overwrite=overwrite), ""
    except CovenantError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"save as: cannot write {path!r}: {exc.strerror or exc}"


def estimate_cycles(target: Any, acg: ACG) -> tuple[float | None, str]:
    """The compiler's estimated cycles of ``target`` on ``acg``, or (None, why not)."""
    from covenant_lab.compiler.api import compile as compile_layer

    try:
        return float(compile_layer(target, acg).estimate.cycles), ""
    except CovenantError as exc:
        return None, str(exc)
