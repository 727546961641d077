"""Loading: name resolution, parameter overrides, YAML line numbers, shipped files."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covenant_lab.acg import ACG, load_arch, loads_arch, shipped_archs
from covenant_lab.acg.capabilities import OverheadPer
from covenant_lab.acg.load import read_yaml, resolve_arch, shipped_dirs
from covenant_lab.errors import ArchError, UsageError

from .conftest import MINI

ARCHS = Path(__file__).resolve().parents[2] / "archs"


def test_shipped_names() -> None:
    assert set(shipped_archs()) >= {"genesys", "hvx", "teaching"}
    assert ARCHS in shipped_dirs()


@pytest.mark.parametrize("name", ["genesys", "hvx", "teaching"])
def test_shipped_files_load_and_say_where_numbers_come_from(name: str) -> None:
    acg = load_arch(name)
    assert acg.name == name
    assert acg.source == str(ARCHS / f"{name}.yaml")
    text = (ARCHS / f"{name}.yaml").read_text()
    assert text.startswith("# ")
    assert acg.comment.startswith(f"# {name}:")
    assert acg.description


def test_resolution(tmp_path: Path) -> None:
    by_name = load_arch("teaching")
    assert load_arch(ARCHS / "teaching.yaml") == by_name
    assert load_arch(str(ARCHS / "teaching.yaml")) == by_name
    copy = tmp_path / "t.yaml"
    copy.write_text((ARCHS / "teaching.yaml").read_text())
    assert load_arch(copy) == by_name
    assert resolve_arch("teaching") == ARCHS / "teaching.yaml"
    with pytest.raises(UsageError, match="no shipped architecture named 'tpu'") as info:
        load_arch("tpu")
    assert info.value.hint is not None and "genesys" in info.value.hint
    with pytest.raises(UsageError, match="not found"):
        load_arch(tmp_path / "missing.yaml")
    with pytest.raises(UsageError, match="not found"):
        load_arch("missing.yaml")


def test_loads_from_text(mini: ACG) -> None:
    assert mini.source == "mini.yaml"
    assert loads_arch(MINI).source == "<string>"
    assert loads_arch(MINI) == mini  # the source does not take part in equality
    assert mini.comment == "# mini: a two-level machine for tests"


def test_param_overrides_at_load() -> None:
    small = load_arch("genesys", params={"rows": 16, "cols": 16})
    assert small.param("rows") == 16
    assert small.storage("IBUF").capacity_bytes == 16 * 4096
    assert small.storage("WBUF").capacity_bytes == 16 * 16 * 512
    assert small.compute("pe_array").dims == (("rows", 16), ("cols", 16))
    assert str(small.compute("pe_array").capabilities[0].overhead_cycles) == "30"  # 16 + 16 - 2
    assert small.compute("simd").dims == (("lanes", 16),)
    assert small.spec["params"]["rows"] == 16
    assert small == load_arch("genesys").with_params({"rows": 16, "cols": 16})
    with pytest.raises(ArchError) as info:
        load_arch("genesys", params={"depth": 3})
    assert info.value.fields == ["params.depth"]
    with pytest.raises(ArchError) as info:
        load_arch("genesys", params={"rows": "16"})  # type: ignore[dict-item]
    assert "params.rows" in info.value.fields


def test_line_map() -> None:
    doc, lines, problems = read_yaml(MINI, "mini.yaml")
    assert not problems
    assert doc["name"] == "mini"
    assert lines["name"] == 2
    assert lines["storage.SPAD"] == 8
    assert lines["compute.pe.capabilities[0].cycles"] == 22
    assert lines["compute.pe.capabilities[1]"] == 25
    assert lines["edges[2].bytes_per_cycle"] == 30


def test_expression_fields_can_be_numbers_or_strings() -> None:
    text = MINI.replace("capacity_bytes: kib * 1024,", "capacity_bytes: '16384',").replace(
        "cycles: rows + stream + cols - 1", "cycles: 7"
    )
    acg = loads_arch(text)
    assert acg.storage("SPAD").capacity_bytes == 16384
    assert acg.compute("pe").capabilities[0].cycles.const_value == 7
    floaty = MINI.replace("read_bytes_per_cycle: 32,", "read_bytes_per_cycle: 32.0,")
    assert loads_arch(floaty).storage("L2").read_bytes_per_cycle == 32


def test_all_problems_reported_at_once() -> None:
    text = (
        MINI.replace("capacity_bytes: kib * 1024", "capacity_bytes: kb * 1024")
        .replace("to: L2, bytes_per_cycle: 64", "to: L3, bytes_per_cycle: 64")
        .replace("cycles: rows + stream + cols - 1", "cycles: rows + stream + depth")
    )
    with pytest.raises(ArchError) as info:
        loads_arch(text, source="broken.yaml")
    err = info.value
    assert err.fields == [
        "storage.SPAD.capacity_bytes",
        "edges[1].to",
        "compute.pe.capabilities[0].cycles",
    ]
    assert [p.line for p in err.problems] == [8, 29, 22]
    message = str(err)
    assert message.startswith("broken.yaml: 3 problems in architecture")
    assert "broken.yaml:29: edges[1].to: unknown node 'L3'" in message
    assert "hint: known: DRAM, L2, SPAD, bus, pe" in message
    assert re.search(r"hint: did you mean 'kib'\? known: bus_bytes, kib", message)


def test_schema_problems_carry_lines() -> None:
    text = MINI.replace("buffering: 2}", "buffering: 0, colour: red}")
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    by_field = {p.field: p for p in info.value.problems}
    assert by_field["storage.SPAD.buffering"].message == "must be positive, got 0"
    assert by_field["storage.SPAD.buffering"].line == 9
    assert by_field["storage.SPAD.colour"].message == "is not a known field"


def test_loading_never_constructs_python_objects() -> None:
    text = "!!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(ArchError) as info:
        loads_arch(text)
    assert info.value.fields == ["<yaml>"]
    assert info.value.problems[0].line == 1


def test_recursive_aliases_are_rejected() -> None:
    with pytest.raises(ArchError, match="recursive YAML alias"):
        loads_arch("name: &a [*a]\n")


def test_empty_document() -> None:
    with pytest.raises(ArchError) as info:
        loads_arch("# nothing\n")
    assert info.value.fields == ["<document>"]


def test_init_role_is_optional_for_accumulating_ops() -> None:
    text = MINI.replace(
        "{a: SPAD, b: SPAD, init: SPAD, acc: SPAD}", "{a: SPAD, b: SPAD, acc: SPAD}"
    )
    text = text.replace(
        "{a: int8, b: int8, init: int32, acc: int32}", "{a: int8, b: int8, acc: int32}"
    )
    mac = loads_arch(text).compute("pe").capabilities[0]
    assert mac.roles == ("a", "b", "acc")


_TOKENS = ["0", "-1", "true", "null", "[]", "{}", "x", "1.5", "stream", "SPAD", "pe", "bus", ":"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_files_only_raise_typed_errors(data: st.DataObject) -> None:
    """Bad input never yields a deep traceback: only ArchError/UsageError escape."""
    words = MINI.split(" ")
    for _ in range(data.draw(st.integers(1, 4))):
        k = data.draw(st.integers(0, len(words) - 1))
        words[k] = data.draw(st.sampled_from(_TOKENS))
    with contextlib.suppress(ArchError, UsageError):
        loads_arch(" ".join(words))


def test_port_alternatives_stream_rule_and_overhead() -> None:
    text = (
        MINI.replace(
            "{a: SPAD, b: SPAD, init: SPAD, acc: SPAD}",
            "{a: [SPAD, L2], b: SPAD, init: SPAD, acc: SPAD}",
        )
        .replace(
            "        cycles: rows + stream + cols - 1\n",
            "        stream: {requires: [a], excludes: [b]}\n"
            "        cycles: rows + stream + cols - 1\n"
            "        overhead_cycles: rows * 2 + stream // 4\n"
            "        overhead_per: invocation\n",
        )
        .replace(
            "  - {from: SPAD, to: pe, bytes_per_cycle: 16}\n",
            "  - {from: SPAD, to: pe, bytes_per_cycle: 16}\n"
            "  - {from: L2, to: pe, bytes_per_cycle: 32}\n",
        )
    )
    acg = loads_arch(text)
    mac = acg.compute("pe").capabilities[0]
    a = mac.port("a")
    assert a is not None
    assert (a.storage, a.alternatives, a.storages) == ("SPAD", ("L2",), ("SPAD", "L2"))
    assert mac.stream_requires == frozenset({"a"}) and mac.stream_excludes == frozenset({"b"})
    assert mac.overhead_cycles is not None
    assert str(mac.overhead_cycles) == "8 + stream // 4"
    assert mac.overhead_cycles.compile()({"stream": 10}) == 10
    assert mac.overhead_per is OverheadPer.INVOCATION
    again = loads_arch(acg.to_yaml())
    assert again == acg
    # an ACG without a document writes the same fields from its nodes
    from covenant_lab.acg import ACG

    bare = ACG(acg.name, "", (), acg.storage_nodes, acg.compute_nodes, acg.comm_nodes, acg.edges)
    assert loads_arch(bare.to_yaml()).compute_nodes == acg.compute_nodes
    ports = acg.to_data()["nodes"][3]["capabilities"][0]["ports"]
    assert ports[0] == {"role": "a", "storage": "SPAD", "alternatives": ["L2"], "dtype": "int8"}


def test_a_deeply_nested_file_is_a_clean_error() -> None:
    # 990 nested lists: the line map walks with a stack of its own, never Python's
    text = "name: deep\nparams: " + "[" * 990 + "]" * 990 + "\n"
    with pytest.raises(ArchError, match=r"params: expected a mapping"):
        loads_arch(text)
