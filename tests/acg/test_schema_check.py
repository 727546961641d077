"""``acg.schema_check`` against jsonschema: the same issues, in the same order, on broken files.

The reference below is the jsonschema-based ``schema_issues`` that ``acg/schema.py`` used
before (copied, so that a change to a message in schema.py fails here), run on a corpus of
architecture files broken programmatically: every shipped file and test fixture with fields
set to wrong types, negative numbers, unknown or badly named keys, empty lists and maps,
wrong enum values, lists for maps and maps for lists, fields removed.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from covenant_lab.acg.schema import SCHEMA, schema_issues
from covenant_lab.acg.schema_check import SchemaError, equal, schema_errors
from covenant_lab.quote import quote_value

ROOT = Path(__file__).resolve().parents[2]
BASES = sorted((ROOT / "archs").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "compiler" / "fixtures").glob("*.yaml")
)
BAD = sorted((Path(__file__).parent / "bad").glob("*.yaml"))

Triple = tuple[str, str, str | None]


# ---- the reference: jsonschema and the conversion schema.py used with it -------------------


def _reference_validator() -> Any:
    """Draft 2020-12 from jsonschema, except that the extra keys of an ``additionalProperties``
    schema are visited in document order (jsonschema walks them as a set, in hash order)."""
    jsonschema = pytest.importorskip("jsonschema")
    from jsonschema import _keywords, _utils, validators

    def additional(validator: Any, ap: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(ap, dict) and isinstance(instance, dict):
            # jsonschema's code, but for set(...) around the extras
            for extra in _utils.find_additional_properties(instance, schema):
                yield from validator.descend(instance[extra], ap, path=extra)
        else:
            yield from _keywords.additionalProperties(validator, ap, instance, schema)

    ordered = validators.extend(
        jsonschema.Draft202012Validator, {"additionalProperties": additional}
    )
    return ordered(SCHEMA)


def reference_issues(validator: Any, doc: Any) -> list[Triple]:
    return [t for error in validator.iter_errors(doc) for t in _ref_convert(error)]


def _field_path(parts: Iterable[str | int]) -> str:
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


def _q(value: Any) -> str:
    """Values are quoted as every message quotes them (one line, a bounded width)."""
    return quote_value(value)


def _s(value: Any) -> str:
    text = quote_value(value)
    return text[1:-1] if isinstance(value, str) and text[:1] == text[-1:] == "'" else text


def _ref_convert(error: Any) -> list[Triple]:
    path = _field_path(error.absolute_path) or "<document>"
    kind = error.validator
    inst = error.instance
    if "propertyNames" in error.absolute_schema_path:
        return [(_join(path, _s(inst)), f"{_q(inst)} is not a valid name", _NAME_HINT)]
    if kind == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        missing = match.group(1) if match else "?"
        hint = _REQUIRED_HINTS.get(missing)
        return [(_join(path, missing), "is required but missing", hint)]
    if kind == "additionalProperties" and isinstance(inst, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = sorted(schema.get("properties", {}))
        extras = [k for k in inst if k not in allowed]
        return [
            (_join(path, _s(k)), "is not a known field", _close_hint(_s(k), allowed))
            for k in extras
        ]
    if kind == "enum":
        values = error.validator_value
        choices = [str(v) for v in values] if isinstance(values, list) else []
        what = "op" if path.endswith(".op") else "value"
        return [(path, f"unknown {what} {_q(inst)}", _close_hint(_s(inst), choices))]
    if kind == "type":
        wanted = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted)
        if set(wanted) == {"number", "string"}:
            words = "a number or an expression"
        return [(path, f"expected {words}, got {_q(inst)}", None)]
    if kind == "pattern":
        return [(path, f"{_q(inst)} is not a valid name", _NAME_HINT)]
    if kind == "anyOf":
        deeper = [e for e in error.context or () if e.validator != "type"]
        if deeper:
            return [issue for e in deeper for issue in _ref_convert(e)]
        expected = (
            "an entry {requires, excludes, fold} or a list of them"
            if ".spatial." in path
            else "a storage name or a list of them"
        )
        return [(path, f"expected {expected}, got {_q(inst)}", None)]
    if isinstance(kind, str) and kind in _MESSAGES:
        return [(path, _MESSAGES[kind].format(inst=_q(inst)), None)]
    return [(path, error.message, None)]


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


def new_issues(doc: Any) -> list[Triple]:
    return [(i.field, i.message, i.hint) for i in schema_issues(doc)]


# ---- the corpus ------------------------------------------------------------------------------

_DELETE = object()  # a mutation's result: remove the key (or the list item)

# wrong values of every kind, put in place of any field
_WRONG: list[Any] = [
    None, True, False, 0, -1, -2.5, 7, 1.5, 10**30, float("nan"), float("-inf"),
    "", "1bad", "two words", "fifo", "gemm", "relu", "int8", "DRAM", "true", "rows",
    datetime.date(2024, 1, 1),
    [], {}, [1], ["a", "a"], ["x", 2], [[]], [{}], [True, 1], [1, 1.0], [{"a": 1}, {"a": 1}],
    {"bogus": 1}, {"1bad": {}}, {1: 2}, {"requires": "a", "fold": 1},
    {"off_chip": True}, {"access": "fifo"}, {"access": "fifo", "entries": 2},
]


def _derived(value: Any) -> list[Any]:
    """Mutations made from the value itself: typos, signs, wrapping, unwrapping, removal."""
    out: list[Any] = [_DELETE]
    if isinstance(value, bool):
        out += [int(value), str(value).lower()]
    elif isinstance(value, int | float):
        out += [-value, -abs(value) - 1, 0, str(value), float(value) + 0.5, [value]]
    elif isinstance(value, str):
        out += [value + "z", value[:-1], value.upper(), value + " x", [value], [value, value],
                {value: value}]
    elif isinstance(value, list):
        out += [[], value + value[:1], [value], value[0] if value else None, value[1:],
                {str(i): v for i, v in enumerate(value)}, [*value, "1bad"]]
    elif isinstance(value, dict):
        keys = list(value)
        out += [{}, [value], list(value.values()), {**value, "bogus_field": 1},
                {**value, "9lives": copy.deepcopy(value)}, {**value, 5: {}}]
        for key in keys[:4]:
            rest = {k: v for k, v in value.items() if k != key}
            out += [rest, {**rest, f"{key}s": value[key]}, {**rest, f"1{key}": value[key]}]
    return out


def _locations(doc: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) below the root, in document order (parents before children)."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    todo: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while todo:
        path, value = todo.pop()
        if path:
            out.append((path, value))
        items = value.items() if isinstance(value, dict) else enumerate(value) \
            if isinstance(value, list) else ()
        todo.extend(reversed([((*path, k), v) for k, v in items]))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _mutate(doc: Any, picks: dict[tuple[Any, ...], Callable[[Any], Any]]) -> Any:
    """A copy of ``doc`` with each picked location replaced; deletions are done last, deepest
    and rightmost first, so that list indexes stay valid."""
    out = copy.deepcopy(doc)
    deletions = []
    for path, make in picks.items():
        parent = _get(out, path[:-1])
        new = make(parent[path[-1]])
        if new is _DELETE:
            deletions.append(path)
        else:
            parent[path[-1]] = new
    # the deepest first, list items from the last: the other paths stay valid
    def order(path: tuple[Any, ...]) -> tuple[int, int]:
        return len(path), path[-1] if isinstance(path[-1], int) else -1

    for path in sorted(deletions, key=order, reverse=True):
        parent = _get(out, path[:-1])
        del parent[path[-1]]
    return out


def _outermost(paths: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The paths none of whose ancestors is also picked (a mutated subtree is not walked)."""
    picked: set[tuple[Any, ...]] = set()
    out = []
    for path in paths:
        if not any(path[:n] in picked for n in range(1, len(path))):
            picked.add(path)
            out.append(path)
    return out


def _unshared(value: Any) -> Any:
    """A copy in which YAML aliases are separate objects (each place mutates on its own)."""
    if isinstance(value, dict):
        return {k: _unshared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unshared(v) for v in value]
    return value


def corpus() -> Iterator[tuple[str, Any]]:
    """(label, document): the bases, the bad fixtures, and many mutated bases."""
    docs = [(p.name, _unshared(yaml.safe_load(p.read_text(encoding="utf-8")))) for p in BASES]
    yield from docs
    for path in BAD:
        try:
            yield path.name, yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
    for name, doc in docs:
        locations = _locations(doc)
        paths = [p for p, _ in locations]
        # one wrong value at a time, at a sample of the places (each its own document)
        rng = random.Random(f"single {name}")
        for path, value in rng.sample(locations, min(8, len(locations))):
            for new in rng.sample(_WRONG, 3) + rng.sample(_derived(value), 3):
                yield f"{name} {path}", _mutate(doc, {path: lambda _, n=new: n})
        # each wrong value at many places at once (a fifth of them, outermost first), two
        # wrong values a document
        for i in range(0, len(_WRONG), 2):
            rng = random.Random(f"{name} {i}")
            picked = _outermost([p for p in paths if rng.random() < 0.2])
            pairs = _WRONG[i:i + 2] * 2
            picks = {p: lambda _, w=pairs[n % 2]: w for n, p in enumerate(picked)}
            yield f"{name} all={pairs!r}", _mutate(doc, picks)
        # mixed: derived and wrong values, many places a document
        for seed in range(10):
            rng = random.Random(f"{name} mixed {seed}")
            picked = _outermost([p for p in paths if rng.random() < 0.15])

            def pick(value: Any, rng: random.Random = rng) -> Any:
                return rng.choice(_derived(value) + rng.sample(_WRONG, 3))

            yield f"{name} mixed {seed}", _mutate(doc, dict.fromkeys(picked, pick))


# ---- the tests -------------------------------------------------------------------------------


def test_schema_is_draft_2020_12() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_same_issues_as_jsonschema() -> None:
    reference = _reference_validator()
    kinds: set[str] = set()
    count = 0
    for label, doc in corpus():
        expected = reference_issues(reference, doc)
        assert new_issues(doc) == expected, label
        kinds.update(_kinds(schema_errors(SCHEMA, doc)))
        count += bool(expected)
    assert count > 500
    # the corpus reaches every keyword that reports, and both kinds of anyOf message
    assert kinds >= {
        "type", "required", "additionalProperties", "propertyNames", "pattern", "enum",
        "anyOf", "anyOf-deeper", "minimum", "exclusiveMinimum", "minItems", "minProperties",
        "minLength", "uniqueItems", "if-then", "if-else",
    }


def _kinds(errors: Iterable[SchemaError]) -> Iterator[str]:
    for e in errors:
        yield "propertyNames" if e.in_names else e.kind
        if e.kind == "anyOf" and any(c.kind != "type" for c in e.context):
            yield "anyOf-deeper"
        if e.kind == "required" and e.missing in ("entries", "entry_bytes"):
            yield "if-then"
        if e.kind == "required" and e.missing == "capacity_bytes":
            yield "if-else"
        yield from _kinds(e.context)


def test_same_issues_as_plain_jsonschema_up_to_order() -> None:
    """Without the reference's ordering: the same multiset from jsonschema itself."""
    jsonschema = pytest.importorskip("jsonschema")
    plain = jsonschema.Draft202012Validator(SCHEMA)
    for n, (label, doc) in enumerate(corpus()):
        if n % 10 == 0:
            assert sorted(new_issues(doc), key=repr) == sorted(
                reference_issues(plain, doc), key=repr
            ), label


def test_issues_in_document_order_within_a_map_of_names() -> None:
    doc = yaml.safe_load((ROOT / "archs" / "teaching.yaml").read_text(encoding="utf-8"))
    names = list(doc["storage"])
    for name in names:
        doc["storage"][name]["bogus"] = 1
    fields = [i.field for i in schema_issues(doc)]
    assert fields == [f"storage.{name}.bogus" for name in names]


def test_a_null_key_keeps_its_place_in_the_path() -> None:
    """jsonschema drops a null key from an error's path (``descend(path=None)`` adds nothing);
    schema_check keeps it, as the key the problem is under."""
    doc = yaml.safe_load((ROOT / "archs" / "teaching.yaml").read_text(encoding="utf-8"))
    doc["storage"][None] = {"capacity_bytes": -1}
    issues = [(f, m) for f, m, _ in new_issues(doc)]
    assert ("storage.None", "'None' is not a valid name") not in issues
    assert ("storage.None", "None is not a valid name") in issues
    assert ("storage.None.capacity_bytes", "must be positive, got -1") in issues
    assert ("storage.None.read_bytes_per_cycle", "is required but missing") in issues
    old = reference_issues(_reference_validator(), doc)
    assert ("storage.capacity_bytes", "must be positive, got -1", None) in old


def _nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [10, 2_000, 100_000])
def test_deep_values_never_recurse(depth: int) -> None:
    doc = yaml.safe_load((ROOT / "archs" / "teaching.yaml").read_text(encoding="utf-8"))
    deep = _nested(depth)
    doc["name"] = deep
    doc["params"] = {"p": deep}
    doc["storage"]["bogus"] = deep
    doc["extra"] = {"a": deep}
    cap = doc["compute"][next(iter(doc["compute"]))]["capabilities"][0]
    cap["op"] = deep
    cap["operands"] = {"a": [deep, deep], "b": deep}
    cap["stream"] = {"requires": [deep, _nested(depth)]}
    issues = new_issues(doc)
    fields = [f for f, _, _ in issues]
    assert "name" in fields and "params.p" in fields and "extra" in fields
    assert any(m.startswith("has repeated items") for _, m, _ in issues)
    if depth == 10:
        assert issues == reference_issues(_reference_validator(), doc)


def test_equality_is_json_equality() -> None:
    assert equal(1, 1.0) and not equal(1, True) and not equal(0, False)
    assert equal([1, {"a": [True]}], [1.0, {"a": [True]}])
    assert not equal([1, {"a": [True]}], [1, {"a": [1]}])
    assert not equal("1", 1) and equal(None, None) and not equal(None, False)
    assert equal(_nested(100_000), _nested(100_000))
    assert not equal(_nested(100_000), _nested(100_000, "y"))
    loop: list[Any] = ["a"]
    loop.append(loop)  # only from Python (YAML's recursive aliases are refused on reading)
    assert equal(loop, loop) and not equal(loop, ["a", ["a"]])
    assert [e.kind for e in schema_errors({"uniqueItems": True}, [loop, loop])] == ["uniqueItems"]


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(ValueError, match="maxItems"):
        schema_errors({"type": "array", "maxItems": 1}, [])
    with pytest.raises(ValueError, match="type 'nothing'"):
        schema_errors({"type": "nothing"}, 1)
