"""Saving: YAML text, the load -> save -> load round trip, atomic and guarded writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from covenant_lab.acg import ACG, load_arch, loads_arch, save_arch, to_yaml
from covenant_lab.acg.load import shipped_dirs
from covenant_lab.acg.save import format_bytes
from covenant_lab.errors import UsageError
from tests._featured_archs import row_stationary, tpu_like


@pytest.mark.parametrize("name", ["genesys", "hvx", "teaching"])
def test_round_trip_through_a_file(name: str, tmp_path: Path) -> None:
    acg = load_arch(name)
    path = save_arch(acg, tmp_path / f"{name}.yaml")
    assert path == tmp_path / f"{name}.yaml"
    again = load_arch(path)
    assert again == acg
    assert again.spec == acg.spec
    assert again.comment == acg.comment
    assert again.source == str(path)
    assert sorted(os.listdir(tmp_path)) == [f"{name}.yaml"]  # no temp files left behind


def test_yaml_keeps_expressions_and_params_first(mini: ACG) -> None:
    text = to_yaml(mini)
    assert text.startswith("# mini: a two-level machine for tests\nname: mini\n")
    keys = list(yaml.safe_load(text))
    assert keys == ["name", "description", "params", "storage", "communication", "compute", "edges"]
    assert "capacity_bytes: kib * 1024" in text
    assert "cycles: rows + stream + cols - 1" in text
    assert loads_arch(text) == mini
    assert mini.to_yaml() == text


def test_round_trip_after_edits(genesys: ACG, tmp_path: Path) -> None:
    edited = genesys.with_param("rows", 16).with_node_attr("IBUF", "buffering", 1)
    save_arch(edited, tmp_path / "g16.yaml")
    again = load_arch(tmp_path / "g16.yaml")
    assert again == edited
    assert again.spec["storage"]["IBUF"]["capacity_bytes"] == "rows * ibuf_depth"


def test_refuses_to_overwrite(mini: ACG, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("keep me")
    with pytest.raises(UsageError, match="already exists") as info:
        save_arch(mini, path)
    assert info.value.hint == "pass overwrite=True to replace it"
    assert path.read_text() == "keep me"
    save_arch(mini, path, overwrite=True)
    assert load_arch(path) == mini
    assert sorted(os.listdir(tmp_path)) == ["m.yaml"]


def test_refuses_the_shipped_directory(mini: ACG) -> None:
    shipped = shipped_dirs()[0]
    target = shipped / "mini_test_should_not_exist.yaml"
    with pytest.raises(UsageError, match="shipped architectures directory"):
        save_arch(mini, target)
    assert not target.exists()


def test_missing_directory(mini: ACG, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        save_arch(mini, tmp_path / "no" / "m.yaml")


def test_failed_write_leaves_no_temp_file(
    mini: ACG, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(UsageError, match="disk full"):
        save_arch(mini, tmp_path / "m.yaml")
    assert os.listdir(tmp_path) == []


def test_in_memory_acg_yaml(mini: ACG) -> None:
    bare = ACG(
        name="bare",
        description="",
        params=(),
        storage_nodes=mini.storage_nodes,
        compute_nodes=mini.compute_nodes,
        comm_nodes=mini.comm_nodes,
        edges=mini.edges,
    )
    text = to_yaml(bare)
    assert "cycles: stream + 5" in text
    again = loads_arch(text)
    assert again.storage_nodes == mini.storage_nodes
    assert again.compute_nodes == mini.compute_nodes
    assert again.edges == mini.edges


def test_to_data_is_json(genesys: ACG) -> None:
    data = genesys.to_data()
    text = json.dumps(data)
    assert json.loads(text) == data
    kinds = {n["name"]: n["kind"] for n in data["nodes"]}
    assert kinds["IBUF"] == "storage" and kinds["pe_array"] == "compute" and kinds["axi"] == "comm"
    pe = next(n for n in data["nodes"] if n["name"] == "pe_array")
    (mac,) = pe["capabilities"]
    assert (
        mac["op"] == "mac" and mac["cycles"] == "stream + 1" and mac["peak_ops_per_cycle"] == 1024
    )
    assert mac["spatial"][0] == {
        "dim": "rows",
        "size": 32,
        "requires": ["a", "b"],
        "excludes": ["acc"],
        "fold": True,
    }
    assert data["edges"][0] == {
        "src": "DRAM",
        "dst": "IBUF",
        "bytes_per_cycle": 64,
        "latency_cycles": 0,
        "via": "axi",
        "template": "LD {operand} {src_addr}->{dst_addr} {nbytes}B",
        "dtype": None,
    }


def test_format_bytes() -> None:
    assert format_bytes(None) == "unbounded"
    assert format_bytes(128) == "128 B"
    assert format_bytes(131072) == "128 KiB"
    assert format_bytes(4 << 20) == "4 MiB"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(1000) == "1000 B"


def test_summary_shows_every_feature_of_the_file() -> None:
    text = tpu_like().summary()
    lines = text.splitlines()
    assert lines[0] == (
        "tpu_like @ 700 MHz: 256x256 int8 weight-stationary array, weight FIFO, PCIe host"
        "  [tpu_like.yaml]"
    )
    for line in (
        "  HOST       off-chip        R/W 72.86 B/cyc          home of activations",
        "  WDRAM      off-chip        R/W 48.57 B/cyc          home of weights",
        "  WFIFO      FIFO 4 x 64 KiB R 256 / W 48.57 B/cyc",
        "  ACC        4 MiB           R/W 1024 B/cyc           x2 buffered",
        "  pcie       21.47 B/cyc, latency 0",
        "  host       lanes=8 (8 PEs), 3 capabilities, 2300 MHz, 3.29x, fallback unit",
        "  mmu        rows=256 x cols=256 (65536 PEs), 1 capability",
        "  HOST -> UB                           21.47 B/cyc via pcie",
        "  ACC -> UB                            256 B/cyc, -> int8",
        "off-chip: read 121.43 B/cyc, write 72.86 B/cyc",
    ):
        assert line in lines, line
    assert "0000" not in text  # no float noise (the PCIe width is 21.474836...)


def test_summary_shows_private_storage_and_shared_dimensions() -> None:
    lines = row_stationary().summary().splitlines()
    assert lines[0].startswith("row_stationary @ 200 MHz: ")
    for line in (
        "  DRAM         off-chip                                 R/W 64 B/cyc",
        "  WEIGHTS_SPAD 448 B per PE x 168 (private to pe_array) R/W 2 B/cyc",
        "  IFMAP_SPAD   24 B per PE x 168 (private to pe_array)  R/W 2 B/cyc",
        "        a:IFMAP_SPAD(int16) b:WEIGHTS_SPAD(int16) init:GLB(int16) acc:PSUM_SPAD(int16)"
        "  rows[a,b -acc fold] cols[a,acc -b | acc,b -a]  cycles=stream",
    ):
        assert line in lines, line


def test_summary_of_a_shipped_arch_keeps_its_shape(teaching: ACG) -> None:
    lines = teaching.summary().splitlines()
    assert lines[0].startswith("teaching: ")  # no clock in the file: no clock in the title
    assert "  SPAD       16 KiB       R/W 16 B/cyc             x2 buffered, 4 banks" in lines
