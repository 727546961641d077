"""A JSON Schema validator for exactly the keywords of the architecture schema (``SCHEMA``).

It replaces ``jsonschema``, whose import takes seconds (``jsonschema._format`` builds an
RFC 3987 grammar whenever ``rfc3987_syntax`` is installed, as it is beside Jupyter). The
keywords follow Draft 2020-12: ``type``, ``properties``, ``additionalProperties``,
``required``, ``propertyNames``, ``pattern``, ``enum``, ``const``, ``anyOf``,
``if``/``then``/``else``, ``minimum``, ``exclusiveMinimum``, ``minItems``, ``minProperties``,
``minLength``, ``uniqueItems``, ``items``; any other keyword is a ValueError, so the schema
cannot silently grow a check this module skips.

Errors come in jsonschema's order: the keywords of a schema in its order, ``properties`` in
the schema's order, everything else (``additionalProperties``, ``items``, ``propertyNames``)
in the document's. Recursion follows the schema, never the document, so it is only as deep as
the schema; the equality of ``enum``, ``const`` and ``uniqueItems`` walks values with a stack.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SchemaError", "equal", "schema_errors"]

Schema = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One failed keyword: ``kind`` (the keyword), where, on what value, and why."""

    kind: str
    path: tuple[Any, ...]  # keys and list indexes from the document's root
    instance: Any  # the value that failed
    value: Any  # the keyword's value in the schema
    schema: Schema  # the schema holding the keyword
    in_names: bool = False  # raised while checking a property name (``propertyNames``)
    context: tuple[SchemaError, ...] = ()  # ``anyOf``: every alternative's errors
    missing: str = ""  # ``required``: the missing property


def schema_errors(schema: Schema, instance: Any) -> list[SchemaError]:
    """Every error of ``instance`` against ``schema``, in jsonschema's order."""
    return _errors(schema, instance, (), False)


Loc = tuple[Any, ...]  # where in the document: keys and list indexes
Errors = Iterator[SchemaError]


def _errors(schema: Schema, instance: Any, path: Loc, names: bool) -> list[SchemaError]:
    out: list[SchemaError] = []
    for kind, value in schema.items():
        test = _TESTS.get(kind)
        if test is not None:
            if test(instance, value):
                out.append(SchemaError(kind, path, instance, value, schema, names))
        elif kind in _APPLY:
            out.extend(_APPLY[kind](value, instance, schema, path, names))
        elif kind not in _PASSIVE:
            raise ValueError(f"schema keyword {kind!r} is not supported by schema_check")
    return out


_PASSIVE = frozenset({"$schema", "title", "description", "then", "else"})  # ``if`` reads these


def is_type(instance: Any, name: str) -> bool:
    """Draft 2020-12 types: a bool is no number, 1.0 is an integer, a tuple is no array."""
    if name in _CLASSES:
        return isinstance(instance, _CLASSES[name])
    if isinstance(instance, bool):
        return False
    if name == "number":
        return isinstance(instance, numbers.Number)
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    raise ValueError(f"unknown JSON Schema type {name!r}")


_CLASSES: dict[str, type] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


def _of_type(instance: Any, wanted: str | list[str]) -> bool:
    if isinstance(wanted, str):
        return is_type(instance, wanted)
    return any(is_type(instance, name) for name in wanted)


def _number(instance: Any) -> bool:
    return is_type(instance, "number")


# keywords that check the instance itself: (instance, keyword value) -> failed
_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "type": lambda inst, wanted: not _of_type(inst, wanted),
    "enum": lambda inst, values: not any(equal(v, inst) for v in values),
    "const": lambda inst, value: not equal(inst, value),
    "pattern": lambda inst, pattern: isinstance(inst, str) and not re.search(pattern, inst),
    "minLength": lambda inst, least: isinstance(inst, str) and len(inst) < least,
    "minItems": lambda inst, least: isinstance(inst, list) and len(inst) < least,
    "minProperties": lambda inst, least: isinstance(inst, dict) and len(inst) < least,
    "uniqueItems": lambda inst, unique: bool(unique) and isinstance(inst, list)
    and len(set(_ids(inst))) < len(inst),
    "minimum": lambda inst, least: _number(inst) and bool(inst < least),
    "exclusiveMinimum": lambda inst, bound: _number(inst) and bool(inst <= bound),
}


def _properties(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    if isinstance(inst, dict):
        for key, sub in value.items():
            if key in inst:
                yield from _errors(sub, inst[key], (*path, key), names)


def _additional(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    if not isinstance(inst, dict):
        return
    known = schema.get("properties", {})
    extras = [key for key in inst if key not in known]
    if isinstance(value, dict):
        for key in extras:  # in document order (jsonschema: as a set, in hash order)
            yield from _errors(value, inst[key], (*path, key), names)
    elif value is False and extras:
        yield SchemaError("additionalProperties", path, inst, value, schema, names)


def _property_names(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    if isinstance(inst, dict):
        for key in inst:
            yield from _errors(value, key, path, True)


def _items(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    if isinstance(inst, list):
        for index, item in enumerate(inst):
            yield from _errors(value, item, (*path, index), names)


def _required(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    if isinstance(inst, dict):
        for key in value:
            if key not in inst:
                yield SchemaError("required", path, inst, value, schema, names, missing=key)


def _any_of(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    context: list[SchemaError] = []
    for sub in value:
        errors = _errors(sub, inst, path, names)
        if not errors:
            return
        context.extend(errors)
    yield SchemaError("anyOf", path, inst, value, schema, names, context=tuple(context))


def _if(value: Any, inst: Any, schema: Schema, path: Loc, names: bool) -> Errors:
    branch = "else" if _errors(value, inst, path, names) else "then"
    if branch in schema:
        yield from _errors(schema[branch], inst, path, names)


# keywords that apply subschemas (or report more than one error)
_APPLY: dict[str, Callable[[Any, Any, Schema, Loc, bool], Errors]] = {
    "properties": _properties,
    "additionalProperties": _additional,
    "propertyNames": _property_names,
    "items": _items,
    "required": _required,
    "anyOf": _any_of,
    "if": _if,
}


def equal(one: Any, two: Any) -> bool:
    """JSON equality: True is not 1, 1 is 1.0, lists and mappings compare by content."""
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if one is two:
        return True
    if not isinstance(one, _NESTED) or not isinstance(two, _NESTED):
        return _scalar_key(one) == _scalar_key(two)
    first, second = _ids([one, two])
    return first == second


_NESTED = (dict, list, tuple)


def _ids(values: list[Any]) -> list[int]:
    """For each value a number, the same for JSON-equal values. Built with a stack, and each
    list or mapping is keyed by its children's numbers: no recursion, even in hash(). A
    container inside itself (built in Python; YAML's are refused) is only equal to itself."""
    table: dict[Hashable, int] = {}
    out: list[int] = []
    for value in values:
        done: list[int] = []
        todo: list[tuple[Any, bool]] = [(value, False)]
        inside: set[int] = set()  # the containers being walked
        while todo:
            item, ready = todo.pop()
            if not isinstance(item, _NESTED) or (not ready and id(item) in inside):
                done.append(table.setdefault(_scalar_key(item), len(table)))
                continue
            children = list(item.values()) if isinstance(item, dict) else list(item)
            if not ready:
                inside.add(id(item))
                todo.append((item, True))
                todo.extend((child, False) for child in reversed(children))
                continue
            inside.discard(id(item))
            parts = done[len(done) - len(children):]
            del done[len(done) - len(children):]
            token: Hashable = (
                ("map", frozenset(zip(item, parts, strict=True)))
                if isinstance(item, dict)
                else ("list", tuple(parts))
            )
            done.append(table.setdefault(token, len(table)))
        out.append(done[0])
    return out


def _scalar_key(item: Any) -> Hashable:
    if isinstance(item, bool | str) or item is None:
        return (type(item).__name__, item)
    if isinstance(item, numbers.Number):
        return ("number", item)
    try:
        hash(item)
    except TypeError:
        return ("object", id(item))
    return ("other", item)
