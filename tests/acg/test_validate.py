"""Malformed architecture files: each names the YAML field (and line) of every problem.

Every file in ``bad/`` says what it breaks in its first comment line, lists the fields the
error must name in ``# expect: FIELD`` lines, and marks the offending line with
``# <- FIELD`` where the error must point.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from covenant_lab.acg import load_arch, loads_arch, template_fields
from covenant_lab.acg.validate import TemplateError
from covenant_lab.errors import ArchError

from .conftest import MINI

BAD = Path(__file__).parent / "bad"
CASES = sorted(BAD.glob("*.yaml"))


def _expectations(path: Path) -> tuple[list[str], dict[str, int]]:
    fields: list[str] = []
    lines: dict[str, int] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if match := re.match(r"# expect: (\S+)$", line):
            fields.append(match.group(1))
        if match := re.search(r"# <- (\S+)$", line):
            lines[match.group(1)] = number
    return fields, lines


def test_there_are_many_distinct_malformed_files() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_malformed_file(path: Path) -> None:
    fields, lines = _expectations(path)
    assert fields, f"{path.name} has no '# expect:' line"
    with pytest.raises(ArchError) as info:
        load_arch(path)
    err = info.value
    for field in fields:
        assert field in err.fields, f"{field} not in {err.fields}"
    for field, line in lines.items():
        assert any(p.field == field and p.line == line for p in err.problems), (
            f"{field} should point at line {line}: {err.problems}"
        )
    assert str(err).startswith(f"{path}: ")
    assert err.source == str(path)


def test_message_shape() -> None:
    with pytest.raises(ArchError) as info:
        load_arch(BAD / "unknown_op.yaml")
    text = str(info.value)
    assert "unknown_op.yaml: 1 problem in architecture" in text
    assert "unknown_op.yaml:14: compute.pe.capabilities[0].op: unknown op 'matmul'" in text
    assert "hint: did you mean 'mul'?" in text


def test_problem_repr() -> None:
    with pytest.raises(ArchError) as info:
        load_arch(BAD / "via_not_comm.yaml")
    (problem,) = info.value.problems
    assert repr(problem).startswith("ArchProblem('edges[0].via'")


@pytest.mark.parametrize(
    ("template", "ok"),
    [
        ("LD {operand} {src_addr}->{dst_addr} {nbytes}B", True),
        ("no fields", True),
        ("{{literal braces}} {x}", True),
        ("{a.addr}", False),
        ("{a[0]}", False),
        ("{}", False),
        ("{0}", False),
        ("{x!r}", False),
        ("{x:08x}", False),
        ("{x", False),
        ("x}", False),
    ],
)
def test_template_fields(template: str, ok: bool) -> None:
    if ok:
        assert all(f.isidentifier() for f in template_fields(template))
    else:
        with pytest.raises(TemplateError):
            template_fields(template)


def test_template_fields_in_order() -> None:
    assert template_fields("{b} {a} {b}") == ("b", "a")


def test_edge_self_loop_and_duplicate() -> None:
    text = MINI.replace(
        "  - {from: SPAD, to: pe, bytes_per_cycle: 16}\n",
        "  - {from: SPAD, to: pe, bytes_per_cycle: 16}\n"
        "  - {from: SPAD, to: pe, bytes_per_cycle: 8}\n"
        "  - {from: L2, to: L2, bytes_per_cycle: 8}\n",
    )
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    messages = {p.field: p.message for p in info.value.problems}
    assert messages["edges[5]"] == "duplicate edge SPAD -> pe"
    assert messages["edges[6]"] == "edge from 'L2' to itself"


def test_on_chip_storage_needs_capacity() -> None:
    text = MINI.replace("L2: {capacity_bytes: 4 * kib * 1024, ", "L2: {")
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    (problem,) = info.value.problems
    assert problem.field == "storage.L2.capacity_bytes"
    assert problem.message == "is required but missing"
    assert problem.line == 7


def test_reserved_dim_name() -> None:
    text = MINI.replace("dims: {rows: 4, cols: 2}", "dims: {rows: 4, cols: 2, stream: 2}")
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    assert "compute.pe.dims.stream" in info.value.fields


def test_dtype_without_operand() -> None:
    text = MINI.replace(
        "dtypes: {a: int32, out: int32}", "dtypes: {a: int32, b: int32, out: int32}"
    )
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    assert info.value.fields == ["compute.pe.capabilities[1].dtypes.b"]


def test_role_both_required_and_excluded() -> None:
    text = MINI.replace(
        "cols: {requires: [b, acc], excludes: [a]}", "cols: {requires: [b, acc], excludes: [acc]}"
    )
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    assert info.value.fields == ["compute.pe.capabilities[0].spatial.cols"]
