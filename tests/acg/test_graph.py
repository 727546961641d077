"""ACG queries: nodes, edges, data paths, levels, providers; hand-derived numbers."""

from __future__ import annotations

import pickle

import pytest

from covenant_lab.acg import ACG, CommNode, ComputeNode, DataPath, Edge, StorageNode
from covenant_lab.errors import UsageError
from covenant_lab.types import DType, OpKind


def test_every_node_kind(mini: ACG) -> None:
    spad = mini.node("SPAD")
    assert isinstance(spad, StorageNode)
    assert spad.kind == "storage"
    assert spad.capacity_bytes == 16 * 1024
    assert spad.buffering == 2
    assert not spad.off_chip
    dram = mini.storage("DRAM")
    assert dram.off_chip and dram.capacity_bytes is None
    pe = mini.compute("pe")
    assert isinstance(pe, ComputeNode) and pe.kind == "compute"
    assert pe.dims == (("rows", 4), ("cols", 2))
    assert pe.size == 8 and pe.dim("cols") == 2
    bus = mini.comm("bus")
    assert isinstance(bus, CommNode) and bus.kind == "comm"
    assert (bus.bytes_per_cycle, bus.latency_cycles) == (8, 10)
    assert [n.name for n in mini.nodes] == ["DRAM", "L2", "SPAD", "pe", "bus"]


def test_node_lookup_errors(mini: ACG) -> None:
    with pytest.raises(UsageError, match="no node named 'SPADD'") as info:
        mini.node("SPADD")
    assert info.value.hint is not None
    assert "did you mean 'SPAD'" in info.value.hint and "DRAM" in info.value.hint
    with pytest.raises(UsageError, match="'pe' is a compute node, not a storage node"):
        mini.storage("pe")
    with pytest.raises(UsageError, match="not a compute node"):
        mini.compute("bus")
    with pytest.raises(UsageError, match="not a comm node"):
        mini.comm("SPAD")


def test_params(mini: ACG) -> None:
    assert mini.params == (("bus_bytes", 8), ("kib", 16))
    assert mini.param("kib") == 16
    assert mini.param_values == {"bus_bytes": 8, "kib": 16}
    with pytest.raises(UsageError, match="no parameter 'kb'"):
        mini.param("kb")


def test_capability_built_from_file(mini: ACG) -> None:
    mac, relu = mini.compute("pe").capabilities
    assert mac.op is OpKind.MAC and mac.label == "mac"
    assert mac.roles == ("a", "b", "init", "acc")
    port = mac.port("init")
    assert port is not None and port.storage == "SPAD" and port.dtype is DType.INT32
    rows, cols = mac.spatial
    assert (rows.dim, rows.size, rows.requires, rows.excludes, rows.fold) == (
        "rows",
        4,
        frozenset({"a", "b"}),
        frozenset({"acc"}),
        True,
    )
    assert (cols.dim, cols.size, cols.fold) == ("cols", 2, False)
    assert str(mac.cycles) == "stream + 5"  # rows + stream + cols - 1, rows=4, cols=2
    assert mac.cycles.compile()({"stream": 10}) == 15
    assert mac.latency_cycles == 3
    assert mac.template == "MAC {a_addr} {b_addr} {acc_addr} T={stream}"
    assert relu.cycles.names == frozenset({"stream", "used_cols"})


def test_offchip(mini: ACG, genesys: ACG, hvx: ACG) -> None:
    assert [s.name for s in mini.offchip] == ["DRAM"]
    # read: DRAM's own 16 B/cyc limits (edges could carry 8 via bus + 64 direct);
    # write: the only edge in is SPAD -> DRAM via the 8 B/cyc bus
    assert mini.offchip_bytes_per_cycle == (16, 8)
    # every DRAM edge shares the one 64 B/cyc AXI channel
    assert genesys.offchip_bytes_per_cycle == (64, 64)
    assert hvx.offchip_bytes_per_cycle == (32, 32)


def test_edge_lookup(mini: ACG) -> None:
    e = mini.edge("DRAM", "SPAD")
    assert e == Edge("DRAM", "SPAD", 8, latency_cycles=5, via="bus", template="")
    assert mini.edge(mini.node("SPAD"), mini.node("pe")) == Edge("SPAD", "pe", 16)
    assert mini.edge("pe", "DRAM") is None
    assert mini.via(e) == mini.comm("bus")
    assert [x.dst for x in mini.edges_from("DRAM")] == ["SPAD", "L2"]
    assert [x.src for x in mini.edges_to("SPAD")] == ["DRAM", "L2", "pe"]


def test_data_paths_sorted_best_first(mini: ACG) -> None:
    paths = mini.data_paths("DRAM", "SPAD")
    assert [[n.name for n in p.nodes] for p in paths] == [["DRAM", "L2", "SPAD"], ["DRAM", "SPAD"]]
    via_l2, direct = paths
    # via L2: min(64, 12) = 12 B/cyc, 20 + 2 cycles
    assert (via_l2.bottleneck_bytes_per_cycle, via_l2.latency_cycles, via_l2.hops) == (12, 22, 2)
    # direct: min(edge 8, bus 8) = 8 B/cyc, edge 5 + bus 10 cycles
    assert (direct.bottleneck_bytes_per_cycle, direct.latency_cycles, direct.hops) == (8, 15, 1)
    assert direct.vias == (mini.comm("bus"),)
    assert mini.best_path("DRAM", "SPAD") == via_l2
    assert str(via_l2) == "DRAM -> L2 -> SPAD (12 B/cyc, 22 cyc)"
    # a path may pass through off-chip memory: SPAD -> DRAM -> L2
    assert [str(p) for p in mini.data_paths("SPAD", "L2")] == [
        "SPAD -> DRAM -> L2 (8 B/cyc, 30 cyc)"
    ]
    (same,) = mini.data_paths("SPAD", "SPAD")
    assert same.hops == 0 and same.src == same.dst == mini.storage("SPAD")
    assert same.bottleneck_bytes_per_cycle == 16
    with pytest.raises(UsageError, match="not a storage node"):
        mini.data_paths("DRAM", "pe")


def test_comm_node_can_be_the_bottleneck() -> None:
    path = DataPath(
        (StorageNode("A", None, 64, 64, off_chip=True), StorageNode("B", 1024, 64, 64)),
        (Edge("A", "B", 64, latency_cycles=1, via="dma"),),
        (CommNode("dma", 16, latency_cycles=7),),
    )
    assert path.bottleneck_bytes_per_cycle == 16
    assert path.latency_cycles == 8


def test_levels(mini: ACG) -> None:
    feed, drain = mini.levels("pe")
    assert [n.name for n in feed.nodes] == ["DRAM", "L2", "SPAD"]
    assert [n.name for n in drain.nodes] == ["SPAD", "DRAM"]
    assert drain.bottleneck_bytes_per_cycle == 8 and drain.latency_cycles == 10
    with pytest.raises(UsageError):
        mini.levels("SPAD")


def test_providers_and_peak(mini: ACG) -> None:
    ((node, cap),) = mini.providers(OpKind.MAC)
    assert node.name == "pe" and cap.op is OpKind.MAC
    assert mini.providers("relu")[0][1].op is OpKind.RELU
    assert mini.providers(OpKind.ADD) == ()
    assert mini.peak_ops_per_cycle(OpKind.MAC) == 8  # 4 rows x 2 cols
    assert mini.peak_ops_per_cycle(OpKind.RELU) == 2  # cols only
    assert mini.peak_ops_per_cycle(OpKind.EXP) == 0
    with pytest.raises(UsageError, match="unknown op 'matmul'"):
        mini.providers("matmul")


def test_genesys_numbers(genesys: ACG) -> None:
    sizes = {s.name: s.capacity_bytes for s in genesys.storage_nodes}
    assert sizes == {
        "DRAM": None,
        "IBUF": 32 * 4096,
        "WBUF": 32 * 32 * 512,
        "BBUF": 32 * 4 * 128,
        "OBUF": 32 * 4 * 1024,
        "VMEM1": 32 * 4 * 2048,
        "VMEM2": 32 * 4 * 2048,
        "IMM": 128,
    }
    assert all(genesys.storage(n).buffering == 2 for n in ("IBUF", "WBUF", "BBUF", "OBUF"))
    assert genesys.comm("axi").bytes_per_cycle == 64
    assert all(e.via == "axi" for e in genesys.edges if "DRAM" in e.key)
    best = genesys.best_path("DRAM", "IBUF")
    assert best is not None
    assert (best.bottleneck_bytes_per_cycle, best.hops, best.latency_cycles) == (64, 1, 0)
    assert genesys.data_paths("IMM", "DRAM") == ()  # IMM only feeds the SIMD unit
    assert genesys.best_path("IMM", "DRAM") is None
    assert genesys.edge("IBUF", "pe_array") is not None
    assert genesys.edge("IBUF", "pe_array").bytes_per_cycle == 32  # type: ignore[union-attr]
    levels = genesys.levels("pe_array")
    assert [(p.src.name, p.dst.name) for p in levels] == [
        ("DRAM", "IBUF"),
        ("DRAM", "WBUF"),
        ("DRAM", "BBUF"),
        ("DRAM", "OBUF"),
        ("OBUF", "DRAM"),
    ]
    (node, mac) = genesys.providers(OpKind.MAC)[0]
    assert node.name == "pe_array" and str(mac.cycles) == "stream + 1"
    assert str(mac.overhead_cycles) == "62"  # rows + cols - 2
    assert {p.role: p.storage for p in mac.ports} == {
        "a": "IBUF",
        "b": "WBUF",
        "init": "BBUF",
        "acc": "OBUF",
    }
    assert genesys.peak_ops_per_cycle(OpKind.MAC) == 1024
    assert genesys.peak_ops_per_cycle(OpKind.EXP) == 8  # 32 lanes at 4 cycles per element
    ((_, relu),) = genesys.providers(OpKind.RELU)
    a = relu.port("a")
    assert a is not None and a.storages == ("VMEM1", "VMEM2", "OBUF")  # post-process from OBUF
    assert (a.storage, a.alternatives) == ("VMEM1", ("VMEM2", "OBUF"))
    assert relu.port("out").storages == ("VMEM1", "VMEM2")  # type: ignore[union-attr]
    macc = genesys.providers(OpKind.MAC)[1][1]
    assert (macc.name, macc.label, macc.peak_ops_per_cycle) == ("macc", "macc", 32)
    assert mac.stream_excludes == frozenset({"b"}) and mac.stream_requires == frozenset()
    simd = genesys.compute("simd")
    ops = {c.op for c in simd.capabilities}
    assert ops == set(OpKind)  # including mac (the ALU's macc primitive)
    assert [n.name for n, _ in genesys.providers(OpKind.MAC)] == ["pe_array", "simd"]
    exp = next(c for c in simd.capabilities if c.label == "exp")
    add = next(c for c in simd.capabilities if c.label == "add")
    assert exp.cycles.evaluate({"stream": 10}) > add.cycles.evaluate({"stream": 10})


def test_hvx_numbers(hvx: ACG) -> None:
    assert hvx.storage("VRF").capacity_bytes == 32 * 128
    assert hvx.storage("VTCM").capacity_bytes == 4 << 20
    assert hvx.storage("L2").capacity_bytes == 1 << 20
    paths = hvx.data_paths("DDR", "VRF")
    # both 32 B/cyc (the DMA) and two hops; VTCM wins on latency (100 + 2 vs 100 + 8)
    assert [(str(p)) for p in paths] == [
        "DDR -> VTCM -> VRF (32 B/cyc, 102 cyc)",
        "DDR -> L2 -> VRF (32 B/cyc, 108 cyc)",
    ]
    assert [str(p) for p in hvx.levels("hvx")] == [
        "DDR -> VTCM (32 B/cyc, 100 cyc)",  # activations and weights stream from VTCM
        "DDR -> VTCM -> VRF (32 B/cyc, 102 cyc)",
        "VRF -> VTCM -> DDR (32 B/cyc, 102 cyc)",
    ]
    assert hvx.peak_ops_per_cycle(OpKind.MAC) == 128  # 32 lanes x 4-byte groups
    assert hvx.peak_ops_per_cycle(OpKind.ADD) == 32  # 64 lanes, two loads per vector
    ((node, mac),) = hvx.providers("mac")
    assert node.dims == (("lanes", 32), ("group", 4))
    assert {p.dtype for p in mac.ports} == {DType.INT8, DType.INT32}
    assert all(p.dtype is DType.INT16 for _, c in hvx.providers("exp") for p in c.ports)


def test_teaching_numbers(teaching: ACG) -> None:
    assert teaching.storage("SPAD").capacity_bytes == 16 * 1024
    assert teaching.peak_ops_per_cycle(OpKind.MAC) == 16
    assert teaching.peak_ops_per_cycle(OpKind.ADD) == 4
    assert teaching.offchip_bytes_per_cycle == (8, 8)
    ((_, mac),) = teaching.providers(OpKind.MAC)
    assert mac.cycles.evaluate({"stream": 6}) == 4 + 6 + 4 + 4 - 2


def test_summary(genesys: ACG, mini: ACG) -> None:
    text = genesys.summary()
    assert len(text.splitlines()) < 70
    for needle in (
        "IBUF",
        "128 KiB",
        "x2 buffered",
        "axi",
        "64 B/cyc",
        "pe_array",
        "rows=32 x cols=32",
        "a:VMEM1|VMEM2|OBUF(int32)",
        "cycles=stream + 1",
    ):
        assert needle in text
    assert "off-chip: read 16 B/cyc, write 8 B/cyc" in mini.summary()


def test_immutable_hashable_picklable(mini: ACG) -> None:
    with pytest.raises(AttributeError):
        mini.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        mini.spec["name"] = "x"  # type: ignore[index]
    assert hash(mini) == hash(mini)
    mini.best_path("DRAM", "SPAD")  # fill the caches
    clone = pickle.loads(pickle.dumps(mini))
    assert clone == mini
    assert clone.spec["params"]["kib"] == 16
    assert clone.best_path("DRAM", "SPAD") == mini.best_path("DRAM", "SPAD")


@pytest.mark.parametrize("name", ["genesys", "hvx", "teaching"])
def test_every_shipped_arch_provides_every_op(name: str) -> None:
    from covenant_lab.acg import load_arch

    acg = load_arch(name)
    missing = [op.value for op in OpKind if not acg.providers(op)]
    assert missing == []
