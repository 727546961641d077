"""Pure edits: each returns a new validated ACG; broken results raise ArchError with fields."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, NodeKind, load_arch, loads_arch, parse_expr
from covenant_lab.acg.edits import with_param
from covenant_lab.errors import ArchError, UsageError
from covenant_lab.types import OpKind

from .conftest import MINI


def test_with_param_reevaluates_expressions(genesys: ACG) -> None:
    small = genesys.with_param("rows", 16)
    assert small is not genesys and small != genesys
    assert small.param("rows") == 16
    assert small.storage("IBUF").capacity_bytes == 16 * 4096
    assert small.edge("IBUF", "pe_array").bytes_per_cycle == 16  # type: ignore[union-attr]
    mac = small.compute("pe_array").capabilities[0]
    assert str(mac.cycles) == "stream + 1"
    assert mac.overhead_cycles is not None
    assert str(mac.overhead_cycles) == "46"  # rows + cols - 2 with rows 16, cols 32
    assert small.peak_ops_per_cycle(OpKind.MAC) == pytest.approx(16 * 32, rel=1e-5)
    assert genesys.param("rows") == 32  # the original is untouched
    assert small.spec["params"]["rows"] == 16
    assert small.source == genesys.source
    assert with_param(genesys, "rows", 16) == small


def test_with_param_sixteen_by_sixteen(genesys: ACG) -> None:
    small = genesys.with_param("rows", 16).with_param("cols", 16)
    assert small.peak_ops_per_cycle(OpKind.MAC) == 256
    assert small == load_arch("genesys", params={"rows": 16, "cols": 16})


def test_with_param_errors(mini: ACG) -> None:
    with pytest.raises(UsageError, match="no parameter 'kb'"):
        mini.with_param("kb", 3)
    with pytest.raises(UsageError, match="expected an int"):
        mini.with_param("kib", 2.5)  # type: ignore[arg-type]
    with pytest.raises(ArchError) as info:
        mini.with_param("bus_bytes", 0)  # bandwidths become zero
    err = info.value
    assert "edges[0].bytes_per_cycle" in err.fields
    assert "communication.bus.bytes_per_cycle" in err.fields
    assert str(err).startswith("with_param(bus_bytes=0) on mini.yaml: ")


def test_with_node_attr(mini: ACG) -> None:
    bigger = mini.with_node_attr("SPAD", "capacity_bytes", "kib * 2048")
    assert bigger.storage("SPAD").capacity_bytes == 32 * 1024
    assert bigger.spec["storage"]["SPAD"]["capacity_bytes"] == "kib * 2048"
    single = mini.with_node_attr("SPAD", "buffering", 1)
    assert single.storage("SPAD").buffering == 1
    fast_bus = mini.with_node_attr("bus", "bytes_per_cycle", 32)
    assert fast_bus.comm("bus").bytes_per_cycle == 32
    wide = mini.with_node_attr("pe", "dims.cols", parse_expr("2 * 4"))
    assert wide.compute("pe").dims == (("rows", 4), ("cols", 8))
    assert wide.peak_ops_per_cycle(OpKind.MAC) == 32
    described = mini.with_node_attr("pe", "description", "a small array")
    assert described.compute("pe").description == "a small array"
    no_latency = mini.with_node_attr("bus", "latency_cycles", None)
    assert no_latency.comm("bus").latency_cycles == 0


def test_with_node_attr_errors(mini: ACG) -> None:
    with pytest.raises(UsageError, match="storage node 'SPAD' has no attribute 'size'") as info:
        mini.with_node_attr("SPAD", "size", 4)
    assert info.value.hint is not None and "capacity_bytes" in info.value.hint
    with pytest.raises(UsageError, match="pe has no dim 'depth'"):
        mini.with_node_attr("pe", "dims.depth", 4)
    with pytest.raises(UsageError, match="has no attribute 'capabilities'"):
        mini.with_node_attr("pe", "capabilities", [])
    with pytest.raises(UsageError, match="no node named"):
        mini.with_node_attr("nope", "buffering", 2)
    with pytest.raises(ArchError) as info2:
        mini.with_node_attr("SPAD", "capacity_bytes", -1)
    assert info2.value.fields == ["storage.SPAD.capacity_bytes"]
    assert info2.value.problems[0].line is None  # edits have no file lines


def test_add_and_remove_node(mini: ACG) -> None:
    bigger = mini.add_node(
        NodeKind.STORAGE,
        "WBUF",
        {"capacity_bytes": "kib * 1024", "read_bytes_per_cycle": 16, "write_bytes_per_cycle": 16},
    ).add_edge("DRAM", "WBUF", "bus_bytes", via="bus")
    assert bigger.storage("WBUF").capacity_bytes == 16384
    assert bigger.best_path("DRAM", "WBUF").bottleneck_bytes_per_cycle == 8  # type: ignore[union-attr]
    smaller = bigger.remove_node("WBUF")
    assert smaller == mini
    dma = mini.add_node("comm", "dma", {"bytes_per_cycle": 4})
    assert dma.comm("dma").bytes_per_cycle == 4
    vec = mini.add_node(
        NodeKind.COMPUTE,
        "vec",
        {
            "dims": {"lanes": 8},
            "capabilities": [
                {
                    "op": "exp",
                    "operands": {"a": "SPAD", "out": "SPAD"},
                    "dtypes": {"a": "float32", "out": "float32"},
                    "cycles": "2 * stream",
                },
            ],
        },
        edges=[
            {"from": "SPAD", "to": "vec", "bytes_per_cycle": 32},
            {"from": "vec", "to": "SPAD", "bytes_per_cycle": "2 * 16"},
        ],
    )
    assert vec.edge("vec", "SPAD").bytes_per_cycle == 32  # type: ignore[union-attr]
    assert vec.remove_node("vec") == mini
    ((node, cap),) = vec.providers(OpKind.EXP)
    assert node.name == "vec" and cap.peak_ops_per_cycle == 0.5  # no spatial dims, 2 cycles each
    assert str(cap.cycles) == "2 * stream"


def test_add_node_errors(mini: ACG) -> None:
    with pytest.raises(UsageError, match="already has a node named 'SPAD'"):
        mini.add_node("storage", "SPAD", {})
    with pytest.raises(UsageError, match="argument 'kind'"):
        mini.add_node("memory", "X", {})
    with pytest.raises(ArchError) as info:
        mini.add_node("storage", "X", {"read_bytes_per_cycle": 4})
    assert set(info.value.fields) == {"storage.X.write_bytes_per_cycle", "storage.X.capacity_bytes"}
    with pytest.raises(ArchError) as info:
        mini.add_node(
            NodeKind.COMPUTE,
            "lonely",
            {
                "capabilities": [
                    {
                        "op": "copy",
                        "operands": {"a": "SPAD", "out": "SPAD"},
                        "dtypes": {"a": "int8", "out": "int8"},
                        "cycles": "stream",
                    }
                ],
            },
        )
    assert "compute.lonely" in info.value.fields  # unreachable
    assert "compute.lonely.capabilities[0].operands.a" in info.value.fields  # no edge


def test_remove_node_drops_edges_and_may_fail(mini: ACG) -> None:
    with pytest.raises(ArchError) as info:
        mini.remove_node("SPAD")  # the capabilities still name it
    assert "compute.pe.capabilities[0].operands.a" in info.value.fields
    assert str(info.value).startswith("remove_node('SPAD') on mini.yaml")
    no_l2 = mini.remove_node("L2")
    assert all("L2" not in e.key for e in no_l2.edges)
    assert [str(p) for p in no_l2.data_paths("DRAM", "SPAD")] == ["DRAM -> SPAD (8 B/cyc, 15 cyc)"]
    no_bus = mini.remove_node("bus")  # routed edges become direct
    assert no_bus.comm_nodes == ()
    assert all(e.via is None for e in no_bus.edges)
    assert no_bus.best_path("SPAD", "DRAM").latency_cycles == 0  # type: ignore[union-attr]


def test_add_and_remove_edge(mini: ACG) -> None:
    back = mini.add_edge("L2", "DRAM", 16, latency_cycles="2 * 5", template="ST {nbytes}")
    e = back.edge("L2", "DRAM")
    assert e is not None and (e.bytes_per_cycle, e.latency_cycles, e.template) == (
        16,
        10,
        "ST {nbytes}",
    )
    assert back.remove_edge("L2", "DRAM") == mini
    with pytest.raises(UsageError, match="already has an edge DRAM -> SPAD"):
        mini.add_edge("DRAM", "SPAD", 8)
    with pytest.raises(UsageError, match="has no edge pe -> DRAM"):
        mini.remove_edge("pe", "DRAM")
    with pytest.raises(ArchError) as info:
        mini.add_edge("DRAM", "nowhere", 8)
    assert info.value.fields == ["edges[6].to"]
    with pytest.raises(ArchError) as info:
        mini.remove_edge("SPAD", "pe")
    assert "compute.pe" in info.value.fields


def test_edits_on_an_acg_built_in_memory(mini: ACG) -> None:
    bare = ACG(
        name=mini.name,
        description=mini.description,
        params=mini.params,
        storage_nodes=mini.storage_nodes,
        compute_nodes=mini.compute_nodes,
        comm_nodes=mini.comm_nodes,
        edges=mini.edges,
    )
    assert bare == mini and bare.source == "<memory>" and not bare.spec
    edited = bare.with_node_attr("SPAD", "buffering", 1)
    assert edited.storage("SPAD").buffering == 1
    assert loads_arch(bare.to_yaml()) == mini


def test_edits_never_mutate_the_original() -> None:
    acg = loads_arch(MINI)
    before = acg.to_yaml()
    acg.with_param("kib", 32).with_node_attr("SPAD", "buffering", 1).remove_edge("L2", "SPAD")
    assert acg.to_yaml() == before
