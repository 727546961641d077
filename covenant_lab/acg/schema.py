"""The JSON Schema (Draft 2020-12) of architecture files, and its errors as ArchProblems.

The schema checks structure and literal values only. Expressions are written as strings and
checked later, once they are evaluated; so are cross-references (edges, ports) and the
rules that need the whole graph (``acg.validate``). ``acg.schema_check`` applies it (not
jsonschema, whose import costs seconds); tests/acg/test_schema_check.py checks that both
agree and that ``SCHEMA`` is a valid Draft 2020-12 schema.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from covenant_lab.acg.capabilities import OverheadPer
from covenant_lab.acg.energy_table import LEAKAGE_TABLES, TABLES
from covenant_lab.acg.homes import TensorHome
from covenant_lab.acg.nodes import Access
from covenant_lab.acg.schema_check import SchemaError, schema_errors
from covenant_lab.quote import quote_value
from covenant_lab.types import DType, OpKind

__all__ = ["SCHEMA", "SchemaIssue", "schema_issues"]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_NAME = {"type": "string", "pattern": NAME_PATTERN}
_EXPR = {"type": "string", "minLength": 1}
# numbers or expression strings; the numeric bounds apply to literal numbers only
_POSITIVE = {"type": ["number", "string"], "exclusiveMinimum": 0, "minLength": 1}
_NONNEG = {"type": ["number", "string"], "minimum": 0, "minLength": 1}
_ROLE = {"type": "string"}


def _named(values: dict[str, Any], *, min_properties: int = 0) -> dict[str, Any]:
    """An object whose keys are names and whose values match ``values``."""
    out: dict[str, Any] = {"type": "object", "propertyNames": _NAME, "additionalProperties": values}
    if min_properties:
        out["minProperties"] = min_properties
    return out


_STORAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["read_bytes_per_cycle", "write_bytes_per_cycle"],
    "properties": {
        "off_chip": {"type": "boolean"},
        "capacity_bytes": _POSITIVE,
        "read_bytes_per_cycle": _POSITIVE,
        "write_bytes_per_cycle": _POSITIVE,
        "latency_cycles": _NONNEG,
        "buffering": _POSITIVE,
        "banks": _POSITIVE,
        "word_bytes": _POSITIVE,
        "description": {"type": "string"},
        "access": {"enum": [a.value for a in Access]},
        "entries": _POSITIVE,  # a FIFO's depth in tiles
        "entry_bytes": _POSITIVE,  # and the size of one entry
        "private_to": _NAME,  # a compute node: one copy per PE, capacity_bytes per PE
        # energy and area (acg/energy.py); without them the energy table's defaults
        "read_pj_per_byte": _NONNEG,
        "write_pj_per_byte": _NONNEG,
        "leakage_pj_per_cycle": _NONNEG,  # one copy
        "area_mm2": _NONNEG,  # all copies
    },
    # on-chip storage must say how big it is: capacity_bytes, or a FIFO's entries
    "if": {"required": ["off_chip"], "properties": {"off_chip": {"const": True}}},
    "else": {
        "if": {"required": ["access"], "properties": {"access": {"const": "fifo"}}},
        "then": {"required": ["entries", "entry_bytes"]},
        "else": {"required": ["capacity_bytes"]},
    },
}

_COMM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["bytes_per_cycle"],
    "properties": {
        "bytes_per_cycle": _POSITIVE,
        "latency_cycles": _NONNEG,
        "description": {"type": "string"},
        "pj_per_byte": _NONNEG,  # energy of every byte moved through it
    },
}

_ROLE_LIST = {"type": "array", "items": _ROLE, "uniqueItems": True}

_SPATIAL_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "requires": _ROLE_LIST,
        "excludes": _ROLE_LIST,
        "fold": {"type": "boolean"},
    },
}

_CAPABILITY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["op", "operands", "dtypes", "cycles"],
    "properties": {
        "op": {"enum": [op.value for op in OpKind]},
        "name": _NAME,
        # a storage, or a list of storages the role may use (preferred first)
        "operands": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "anyOf": [
                    _NAME,
                    {"type": "array", "items": _NAME, "minItems": 1, "uniqueItems": True},
                ]
            },
        },
        "dtypes": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"enum": [d.value for d in DType]},
        },
        # a dimension takes one entry, or a list of them whose loops' extents multiply
        "spatial": _named(
            {"anyOf": [_SPATIAL_ENTRY, {"type": "array", "items": _SPATIAL_ENTRY, "minItems": 1}]}
        ),
        "cycles": {"type": ["number", "string"], "minimum": 0, "minLength": 1},
        # which loops not mapped spatially may stream through one invocation
        "stream": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"requires": _ROLE_LIST, "excludes": _ROLE_LIST},
        },
        "overhead_cycles": {"type": ["number", "string"], "minimum": 0, "minLength": 1},
        "overhead_per": {"enum": [o.value for o in OverheadPer]},
        "latency_cycles": _NONNEG,
        "template": {"type": "string"},
        "description": {"type": "string"},
        "pj_per_op": _NONNEG,  # one statement execution at the capability's dtypes
        "forward_pj_per_byte": _NONNEG,  # one PE-to-PE hop of an operand inside the node
    },
}

_COMPUTE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["capabilities"],
    "properties": {
        "dims": _named(_POSITIVE),
        "capabilities": {"type": "array", "minItems": 1, "items": _CAPABILITY},
        "description": {"type": "string"},
        "clock_mhz": _POSITIVE,  # the node's own clock (needs the file's clock_mhz)
        "fallback": {"type": "boolean"},  # a general-purpose unit (host CPU, scalar core)
        "idle_pj_per_cycle": _NONNEG,  # static energy per cycle while no invocation runs
        "busy_pj_per_cycle": _NONNEG,  # static energy per cycle of an invocation
        "area_mm2": _NONNEG,
    },
}

_EDGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["from", "to", "bytes_per_cycle"],
    "properties": {
        "from": _NAME,
        "to": _NAME,
        "bytes_per_cycle": _POSITIVE,
        "latency_cycles": _NONNEG,
        "via": _NAME,
        "template": {"type": "string"},
        "dtype": {"enum": [d.value for d in DType]},  # element type on the memory side
        "pj_per_byte": _NONNEG,  # energy of every byte moved along it
    },
}

_ENERGY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "table": {"enum": list(TABLES)},  # the cited table of defaults (acg/energy_table.py)
        "technology_nm": _POSITIVE,  # the defaults are scaled from the table's node to this
        "leakage": {"enum": list(LEAKAGE_TABLES)},  # opt into a cited leakage extension
    },
}

_HOMES = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {kind.value: _NAME for kind in TensorHome},
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "covenant_lab architecture (ACG) file",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "storage", "compute", "edges"],
    "properties": {
        "name": _NAME,
        "description": {"type": "string"},
        "params": _named({"type": "integer"}),
        "clock_mhz": _POSITIVE,  # the reference clock of every cycle count
        "homes": _HOMES,
        "energy": _ENERGY,
        "storage": _named(_STORAGE, min_properties=1),
        "communication": _named(_COMM),
        "compute": _named(_COMPUTE, min_properties=1),
        "edges": {"type": "array", "minItems": 1, "items": _EDGE},
    },
}


class SchemaIssue:
    """One schema violation: the YAML path of the field, a message and an optional hint."""

    __slots__ = ("field", "hint", "message")

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        self.field = field
        self.message = message
        self.hint = hint


def schema_issues(doc: Any) -> list[SchemaIssue]:
    """Every schema violation in ``doc`` (a parsed YAML document), in document order."""
    issues: list[SchemaIssue] = []
    for error in schema_errors(SCHEMA, doc):
        issues.extend(_convert(error))
    return issues


def field_path(parts: Iterable[str | int]) -> str:
    """``("compute", "pe", "capabilities", 0)`` -> ``compute.pe.capabilities[0]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_TYPE_WORDS = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
}


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base and base != "<document>" else key


def _show(value: Any, how: Callable[[Any], str] = repr) -> str:
    """A short ``repr(value)`` (or ``str``): one line of at most ``quote.WIDTH`` characters,
    whatever was given (a whole file read as one string, a list too deep to print)."""
    if how is repr:
        return quote_value(value)
    text = quote_value(value)
    return text[1:-1] if isinstance(value, str) and text[:1] == text[-1:] == "'" else text


def _convert(error: SchemaError) -> list[SchemaIssue]:
    path = field_path(error.path) or "<document>"
    kind = error.kind
    inst = error.instance
    if error.in_names:
        name = _show(inst, str)
        return [SchemaIssue(_join(path, name), f"{_show(inst)} is not a valid name", _NAME_HINT)]
    if kind == "required":
        missing = error.missing
        hint = _REQUIRED_HINTS.get(missing)
        return [SchemaIssue(_join(path, missing), "is required but missing", hint)]
    if kind == "additionalProperties" and isinstance(inst, Mapping):
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in inst if k not in allowed]
        return [
            SchemaIssue(_join(path, _show(k, str)), "is not a known field",
                        _close_hint(_show(k, str), allowed))
            for k in extras
        ]
    if kind == "enum":
        values = error.value
        choices = [str(v) for v in values] if isinstance(values, list) else []
        what = "op" if path.endswith(".op") else "value"
        hint = _close_hint(_show(inst, str), choices)
        return [SchemaIssue(path, f"unknown {what} {_show(inst)}", hint)]
    if kind == "type":
        wanted = error.value if isinstance(error.value, list) else [error.value]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted)
        if set(wanted) == {"number", "string"}:
            words = "a number or an expression"
        return [SchemaIssue(path, f"expected {words}, got {_show(inst)}")]
    if kind == "pattern":
        return [SchemaIssue(path, f"{_show(inst)} is not a valid name", _NAME_HINT)]
    if kind == "anyOf":
        # the alternative of the right type explains best (e.g. an unknown key in an entry)
        deeper = [e for e in error.context if e.kind != "type"]
        if deeper:
            return [issue for e in deeper for issue in _convert(e)]
        expected = (
            "an entry {requires, excludes, fold} or a list of them"
            if ".spatial." in path
            else "a storage name or a list of them"
        )
        return [SchemaIssue(path, f"expected {expected}, got {_show(inst)}")]
    # the other keywords the schema uses: exclusiveMinimum, minimum, min*, uniqueItems
    template = _MESSAGES.get(kind, f"fails the schema's {kind} check: {{inst}}")
    return [SchemaIssue(path, template.format(inst=_show(inst)))]


_MESSAGES = {
    "exclusiveMinimum": "must be positive, got {inst}",
    "minimum": "must not be negative, got {inst}",
    "minProperties": "must not be empty",
    "minItems": "must not be empty",
    "minLength": "must not be empty",
    "uniqueItems": "has repeated items: {inst}",
}
_NAME_HINT = "names use letters, digits and '_', and do not start with a digit"
_REQUIRED_HINTS = {
    "capacity_bytes": "on-chip storage needs a capacity; off-chip memory says off_chip: true",
    "edges": "list the data paths: edges: [{from: DRAM, to: BUF, bytes_per_cycle: 64}]",
}


def _close_hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    lead = f"did you mean {close[0]!r}? " if close else ""
    return lead + "expected one of: " + ", ".join(choices)
