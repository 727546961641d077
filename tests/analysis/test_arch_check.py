"""``check_arch``: one test per warning kind, each on a small architecture written here."""

from __future__ import annotations

import pytest

from covenant_lab.acg import load_arch, loads_arch
from covenant_lab.acg.load import read_yaml, resolve_arch
from covenant_lab.analysis import ArchWarning, CheckReport, WarningKind, arch_check, check_arch
from covenant_lab.analysis.probes import Outcome, Probe
from covenant_lab.types import OpKind

SMALL = """\
name: small
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  SPAD: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  mesh:
    dims: {rows: 2, cols: 2}
    capabilities:
      - op: mac
        operands: {a: SPAD, b: SPAD, acc: SPAD}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: stream + rows
        template: "MAC {a_addr} {b_addr} {acc_addr} T={stream} rows={used_rows} k={n_k}"
  vec:
    dims: {lanes: 2}
    capabilities:
      - {op: add, operands: {a: SPAD, b: SPAD, out: SPAD}, dtypes: {a: int32, b: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 1}
      - {op: relu, operands: {a: SPAD, out: SPAD}, dtypes: {a: int32, out: int32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 1, template: "RELU {out_addr} {a}"}
      - {op: reduce_add, operands: {a: SPAD, acc: SPAD}, dtypes: {a: int32, acc: int32},
         spatial: {lanes: {requires: [acc]}}, cycles: stream + 1}
      - {op: reduce_max, operands: {a: SPAD, acc: SPAD}, dtypes: {a: int32, acc: int32},
         spatial: {lanes: {requires: [acc]}}, cycles: stream + 1}
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: 8, template: "LD {operand} {src_addr} {nbytes}B"}
  - {from: SPAD, to: DRAM, bytes_per_cycle: 8}
  - {from: SPAD, to: mesh, bytes_per_cycle: 16}
  - {from: mesh, to: SPAD, bytes_per_cycle: 16}
  - {from: SPAD, to: vec, bytes_per_cycle: 16}
  - {from: vec, to: SPAD, bytes_per_cycle: 16}
"""


def check(text: str, *, probes: bool = True) -> CheckReport:
    _, lines, _ = read_yaml(text, "t.yaml")
    return check_arch(loads_arch(text, "t.yaml"), lines, probes=probes)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line of ``text`` containing ``needle``."""
    (line,) = [i for i, s in enumerate(text.splitlines(), 1) if needle in s]
    return line


def the(report: CheckReport, kind: WarningKind) -> ArchWarning:
    (warning,) = [w for w in report.warnings if w.kind is kind]
    return warning


def kinds(report: CheckReport) -> list[WarningKind]:
    return [w.kind for w in report.warnings]


def test_a_usable_architecture_has_no_warnings() -> None:
    report = check(SMALL)
    assert report.warnings == ()
    assert [(o.probe.name, o.placed) for o in report.standard] == [
        ("conv", ("mesh.mac",)),
        ("gemm", ("mesh.mac",)),
        ("add", ("vec.add",)),
        ("relu", ("vec.relu",)),
        ("reduce_sum", ("vec.reduce_add",)),
        ("maxpool", ("vec.reduce_max",)),
        ("gemm+relu", ("mesh.mac", "vec.relu")),
        ("gemm+bias", ("mesh.mac", "vec.add")),
        ("conv+relu", ("mesh.mac", "vec.relu")),
        ("conv+maxpool", ("mesh.mac", "vec.reduce_max")),
    ]
    assert all(o.ok for o in report.capabilities) and len(report.capabilities) == 5
    assert all(o.probe.stage == 0 for o in report.capabilities)  # every port loads from DRAM


def test_a_unit_no_probe_reaches() -> None:
    text = SMALL.replace(
        "  SPAD: {capacity_bytes: 4096",
        "  VBUF: {capacity_bytes: 2, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}\n"
        "  SPAD: {capacity_bytes: 4096",
    ).replace(
        "  - {from: SPAD, to: vec",
        "  - {from: DRAM, to: VBUF, bytes_per_cycle: 8}\n"
        "  - {from: VBUF, to: DRAM, bytes_per_cycle: 8}\n"
        "  - {from: VBUF, to: vec, bytes_per_cycle: 16}\n"
        "  - {from: vec, to: VBUF, bytes_per_cycle: 16}\n"
        "  - {from: SPAD, to: vec",
    )
    text = text.replace("{a: SPAD, b: SPAD, out: SPAD}", "{a: VBUF, b: VBUF, out: VBUF}")
    text = text.replace("{a: SPAD, out: SPAD}", "{a: VBUF, out: VBUF}")
    text = text.replace("{a: SPAD, acc: SPAD}", "{a: VBUF, acc: VBUF}")
    report = check(text)
    assert kinds(report) == [WarningKind.UNREACHED_UNIT]
    w = the(report, WarningKind.UNREACHED_UNIT)
    assert (w.field, w.line) == ("compute.vec", line_of(text, "  vec:"))
    assert w.message.startswith(
        "no probe compiles onto 'vec' (3 more capabilities fail too); its capability 'add' "
        "fails with: no legal mapping of probe_add onto small"
    )
    assert "in VBUF" in w.message and "which holds 2 B" in w.message
    assert "add -> fails" in report.probe_lines()[0]


def test_a_capability_whose_probe_fails_on_a_unit_others_reach() -> None:
    text = SMALL.replace(
        "  SPAD: {capacity_bytes: 4096",
        "  TINY: {capacity_bytes: 2, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}\n"
        "  SPAD: {capacity_bytes: 4096",
    ).replace(
        "{op: relu, operands: {a: SPAD, out: SPAD}", "{op: relu, operands: {a: TINY, out: TINY}"
    )
    text += (
        "  - {from: DRAM, to: TINY, bytes_per_cycle: 8}\n"
        "  - {from: TINY, to: DRAM, bytes_per_cycle: 8}\n"
        "  - {from: TINY, to: vec, bytes_per_cycle: 8}\n"
        "  - {from: vec, to: TINY, bytes_per_cycle: 8}\n"
    )
    report = check(text)
    assert kinds(report) == [WarningKind.UNUSABLE_CAPABILITY]
    w = the(report, WarningKind.UNUSABLE_CAPABILITY)
    assert (w.field, w.line) == ("compute.vec.capabilities[1]", line_of(text, "{op: relu"))
    assert w.message.startswith(
        "capability 'relu' cannot compile a tiny relu probe: no legal mapping of probe_relu"
    )
    assert "which holds 2 B" in w.message


TWO_HOMES = """\
name: homed
homes: {weights: WDRAM, activations: HOST}
storage:
  HOST: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  WDRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  ABUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  WBUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  OBUF: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  mesh:
    dims: {rows: 2, cols: 2}
    capabilities:
      - op: mac
        operands: {a: ABUF, b: WBUF, acc: OBUF}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial: {rows: {requires: [a, b], excludes: [acc]}, cols: {requires: [b, acc]}}
        cycles: stream + rows
edges:
  - {from: HOST, to: ABUF, bytes_per_cycle: 8}
  - {from: WDRAM, to: WBUF, bytes_per_cycle: 8}
  - {from: OBUF, to: WDRAM, bytes_per_cycle: 8}
  - {from: ABUF, to: mesh, bytes_per_cycle: 16}
  - {from: WBUF, to: mesh, bytes_per_cycle: 16}
  - {from: mesh, to: OBUF, bytes_per_cycle: 16}
"""


def test_a_port_with_no_data_path_to_the_home_of_its_tensors() -> None:
    report = check(TWO_HOMES, probes=False)
    assert kinds(report) == [WarningKind.NO_DATA_PATH]
    w = the(report, WarningKind.NO_DATA_PATH)
    assert (w.field, w.line) == (
        "compute.mesh.capabilities[0].operands.acc",
        line_of(TWO_HOMES, "operands:"),
    )
    assert w.message == (
        "role 'acc' (activations, home HOST) cannot be stored: no data path from OBUF back to HOST"
    )
    assert w.hint == (
        "add edges from OBUF to HOST (directly or through other storages), or change "
        "homes.activations"
    )
    fixed = TWO_HOMES + "  - {from: OBUF, to: HOST, bytes_per_cycle: 8}\n"
    assert check(fixed, probes=False).warnings == ()


def test_weights_load_from_the_weights_home() -> None:
    text = TWO_HOMES.replace("{from: WDRAM, to: WBUF", "{from: HOST, to: WBUF")
    text += "  - {from: OBUF, to: HOST, bytes_per_cycle: 8}\n"
    w = the(check(text, probes=False), WarningKind.NO_DATA_PATH)
    assert w.field == "compute.mesh.capabilities[0].operands.b"
    assert w.message == (
        "role 'b' (weights, home WDRAM) cannot be loaded: no data path from WDRAM to WBUF"
    )


# an array filling an accumulator buffer, and a post-processing unit that reads only that
# buffer (a TPU's activation unit): nothing loads ACC from memory, the array writes it
PIPELINE = """\
name: pipeline
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  IN: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  ACC: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  OUT: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
compute:
  array:
    dims: {rows: 2, cols: 2}
    capabilities:
      - op: mac
        operands: {a: IN, b: IN, acc: ACC}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial: {rows: {requires: [a, b], excludes: [acc]}, cols: {requires: [b, acc]}}
        cycles: stream + rows
  post:
    dims: {lanes: 2}
    capabilities:
      - {op: relu, operands: {a: ACC, out: OUT}, dtypes: {a: int32, out: int8},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 1}
      - {op: add, operands: {a: ACC, b: IN, out: OUT}, dtypes: {a: int32, b: int32, out: int8},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 1}
edges:
  - {from: DRAM, to: IN, bytes_per_cycle: 8}
  - {from: IN, to: array, bytes_per_cycle: 16}
  - {from: array, to: ACC, bytes_per_cycle: 16}
  - {from: ACC, to: OUT, bytes_per_cycle: 16}
  - {from: ACC, to: post, bytes_per_cycle: 16}
  - {from: IN, to: post, bytes_per_cycle: 16}
  - {from: post, to: OUT, bytes_per_cycle: 16}
  - {from: OUT, to: DRAM, bytes_per_cycle: 8}
"""


def test_a_unit_reading_only_what_another_unit_writes_is_reached_fused() -> None:
    assert check(PIPELINE, probes=False).warnings == ()  # ACC is fed on chip: no data-path warning
    report = check(PIPELINE)
    assert report.warnings == ()
    picks = {o.probe.name: o.placed for o in report.standard}
    assert picks["relu"] == () and picks["add"] == ()  # a single layer cannot reach post
    assert picks["gemm+relu"] == ("array.mac", "post.relu")
    assert picks["gemm+bias"] == ("array.mac", "post.add")
    assert picks["conv+relu"] == ("array.mac", "post.relu")
    post = {o.probe.target: o for o in report.capabilities if o.nodes()[-1] == "post"}
    assert sorted(post) == ["post.add", "post.relu"]
    ops = {"post.relu": OpKind.RELU, "post.add": OpKind.ADD}
    for target, o in post.items():  # each probed fused after a GEMM, its own stage constrained
        assert o.ok and o.probe.stage == 1 and o.placed == ("array.mac", target)
        assert [s.stmt.op for s in o.probe.codelet.stages] == [OpKind.MAC, ops[target]]
        assert o.probe.constraints.capability == ((1, target),)
    assert report.notes[0] == (
        "probes 'add', 'relu' cannot compile: post reads only results another unit leaves on "
        "chip, so it takes these ops only fused after that unit (see the fused probes)"
    )


def test_a_single_layer_on_a_host_beside_a_unit_fed_on_chip_is_a_note() -> None:
    text = PIPELINE.replace(
        "  OUT: {",
        "  HMEM: {capacity_bytes: 65536, read_bytes_per_cycle: 8, "
        "write_bytes_per_cycle: 8}\n  OUT: {",
    )
    text = text.replace(
        "edges:\n",
        (
            "  host:\n"
            "    fallback: true\n"
            "    dims: {lanes: 1}\n"
            "    capabilities:\n"
            "      - {op: relu, operands: {a: HMEM, out: HMEM}, dtypes: {a: int32, out: int32},\n"
            "         cycles: 4 * stream}\n"
            "edges:\n"
            "  - {from: DRAM, to: HMEM, bytes_per_cycle: 8}\n"
            "  - {from: HMEM, to: DRAM, bytes_per_cycle: 8}\n"
            "  - {from: HMEM, to: host, bytes_per_cycle: 8}\n"
            "  - {from: host, to: HMEM, bytes_per_cycle: 8}\n"
        ),
    )
    report = check(text)
    assert report.warnings == ()
    picks = {o.probe.name: o.placed for o in report.standard}
    assert picks["relu"] == ("host.relu",) and picks["gemm+relu"] == ("array.mac", "post.relu")
    assert (
        "probe 'relu' ran on fallback unit 'host': post reads only results another unit leaves "
        "on chip, so it takes these ops only fused after that unit (see the fused probes)"
    ) in report.notes


SIDE = TWO_HOMES.replace(
    "  OBUF: {",
    "  SIDE: {capacity_bytes: 4096, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}\n"
    "  OBUF: {",
).replace(
    "edges:\n",
    "  post:\n"
    "    dims: {lanes: 2}\n"
    "    capabilities:\n"
    "      - {op: relu, operands: {a: OBUF, out: OBUF}, dtypes: {a: int32, out: int32},\n"
    "         spatial: {lanes: {requires: [out]}}, cycles: stream + 1}\n"
    "      - {op: tanh, operands: {a: SIDE, out: OBUF}, dtypes: {a: int32, out: int32},\n"
    "         spatial: {lanes: {requires: [out]}}, cycles: stream + 1}\n"
    "edges:\n"
    "  - {from: OBUF, to: HOST, bytes_per_cycle: 8}\n"
    "  - {from: WDRAM, to: SIDE, bytes_per_cycle: 8}\n"
    "  - {from: OBUF, to: post, bytes_per_cycle: 16}\n"
    "  - {from: SIDE, to: post, bytes_per_cycle: 16}\n"
    "  - {from: post, to: OBUF, bytes_per_cycle: 16}\n",
)


def test_a_port_nothing_loads_from_its_home_and_no_unit_writes_still_warns() -> None:
    # OBUF (the mesh's accumulators) is fed on chip; SIDE is loaded from the weights home only,
    # so activations never reach it, and no unit writes it
    report = check(SIDE, probes=False)
    assert kinds(report) == [WarningKind.NO_DATA_PATH]
    w = the(report, WarningKind.NO_DATA_PATH)
    assert (w.field, w.line) == (
        "compute.post.capabilities[1].operands.a",
        line_of(SIDE, "{op: tanh"),
    )
    assert w.message == (
        "role 'a' (activations, home HOST) cannot be loaded: no data path from HOST to SIDE, "
        "and no compute node writes SIDE"
    )
    assert w.hint == (
        "add edges from HOST to SIDE (directly or through other storages), let a compute node "
        "write SIDE (a fused layer's earlier stage then feeds it on chip), or change "
        "homes.activations"
    )


def test_a_unit_writing_a_port_counts_only_if_it_gets_its_own_inputs() -> None:
    # post writes SIDE, but only from SIDE: nothing ever enters
    text = SIDE.replace(
        "      - {op: tanh,",
        "      - {op: copy, operands: {a: SIDE, out: SIDE}, dtypes: {a: int32, out: int32},\n"
        "         spatial: {lanes: {requires: [out]}}, cycles: stream + 1}\n"
        "      - {op: tanh,",
    ).replace(
        "  - {from: post, to: OBUF",
        "  - {from: post, to: SIDE, bytes_per_cycle: 16}\n"
        "  - {from: SIDE, to: WDRAM, bytes_per_cycle: 8}\n  - {from: post, to: OBUF",
    )
    report = check(text, probes=False)
    assert [w.field for w in report.warnings] == [
        "compute.post.capabilities[1].operands.a",
        "compute.post.capabilities[1].operands.out",
        "compute.post.capabilities[2].operands.a",
    ]
    assert report.warnings[2].message == (
        "role 'a' (activations, home HOST) cannot be loaded: no data path from HOST to SIDE, "
        "and the units writing it (post) cannot get their own inputs"
    )


def test_weights_are_never_fed_on_chip() -> None:
    # the mesh writes OBUF; a weight port there still needs a path from the weights home
    text = TWO_HOMES.replace("{a: ABUF, b: WBUF, acc: OBUF}", "{a: ABUF, b: OBUF, acc: OBUF}")
    text = text.replace("{from: WBUF, to: mesh", "{from: OBUF, to: mesh")
    text += "  - {from: OBUF, to: HOST, bytes_per_cycle: 8}\n"
    w = the(check(text, probes=False), WarningKind.NO_DATA_PATH)
    assert w.field == "compute.mesh.capabilities[0].operands.b"
    assert w.message == (
        "role 'b' (weights, home WDRAM) cannot be loaded: no data path from WDRAM to OBUF"
    )


def test_a_storage_no_capability_uses() -> None:
    text = (
        SMALL.replace(
            "  SPAD: {capacity_bytes: 4096",
            "  SCRATCH: {capacity_bytes: 1024, read_bytes_per_cycle: 4, write_bytes_per_cycle: 4}\n"
            "  SPAD: {capacity_bytes: 4096",
        )
        + "  - {from: DRAM, to: SCRATCH, bytes_per_cycle: 8}\n"
    )
    report = check(text, probes=False)
    assert kinds(report) == [WarningKind.UNUSED_STORAGE]
    w = the(report, WarningKind.UNUSED_STORAGE)
    assert (w.field, w.line) == ("storage.SCRATCH", line_of(text, "SCRATCH: {"))
    assert w.message == (
        "no capability uses 'SCRATCH': it is no operand's storage and lies on no data path "
        "between one and off-chip memory"
    )


def test_a_storage_on_the_path_to_a_port_is_used() -> None:
    text = SMALL.replace(
        "  SPAD: {capacity_bytes: 4096",
        "  L2: {capacity_bytes: 65536, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}\n"
        "  SPAD: {capacity_bytes: 4096",
    ) + (
        "  - {from: DRAM, to: L2, bytes_per_cycle: 8}\n"
        "  - {from: L2, to: SPAD, bytes_per_cycle: 8}\n"
    )
    assert check(text, probes=False).warnings == ()


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "message", "hint"),
    [
        (
            "RELU {out_addr} {a}",
            "RELU {out_adr} {a}",
            "compute.vec.capabilities[1].template",
            'template: "RELU',
            "unknown field {out_adr}: the assembler does not fill it and would print <out_adr?>",
            "did you mean 'out_addr'?",
        ),
        (
            "rows={used_rows}",
            "cols={used_col}",
            "compute.mesh.capabilities[0].template",
            'template: "MAC',
            "unknown field {used_col}: the assembler does not fill it and would print <used_col?>",
            "did you mean 'used_cols'?",
        ),
        (
            "{src_addr} {nbytes}B",
            "{src_adr} {nbytes}B",
            "edges[0].template",
            "{from: DRAM, to: SPAD",
            "unknown field {src_adr}: the assembler does not fill it and would print <src_adr?>",
            "did you mean 'src_addr'?",
        ),
    ],
)
def test_an_unknown_template_field(
    old: str, new: str, field: str, needle: str, message: str, hint: str
) -> None:
    text = SMALL.replace(old, new)
    report = check(text, probes=False)
    assert kinds(report) == [WarningKind.TEMPLATE_FIELD]
    w = the(report, WarningKind.TEMPLATE_FIELD)
    assert (w.field, w.line, w.message) == (field, line_of(text, needle), message)
    assert w.hint is not None and w.hint.startswith(hint + " known: ")


def test_a_timing_name_of_a_dimension_the_capability_does_not_map() -> None:
    text = SMALL.replace("dims: {lanes: 2}", "dims: {lanes: 2, rows: 4}").replace(
        "spatial: {lanes: {requires: [out]}}, cycles: stream + 1}",
        "spatial: {lanes: {requires: [out]}}, cycles: stream + used_rows}",
    )
    report = check(text)  # the probes skip vec.add: the cost model cannot evaluate its cycles
    assert kinds(report) == [WarningKind.TIMING_NAME]
    w = the(report, WarningKind.TIMING_NAME)
    assert (w.field, w.line) == (
        "compute.vec.capabilities[0].cycles",
        line_of(text, "stream + used_rows"),
    )
    assert w.message == (
        "'used_rows' refers to dimension 'rows', but this capability has no spatial entry for "
        "'rows': no loop is ever mapped there, so the compiler never sets it"
    )
    assert report.skipped == ("add (standard)", "gemm+bias (standard)", "vec.add")
    assert (
        "probes not run (timing names the compiler never sets): add (standard), "
        "gemm+bias (standard), vec.add"
    ) in report.probe_lines()


FALLBACK = """\
name: hosted
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  TINY: {capacity_bytes: 2, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  HMEM: {capacity_bytes: 65536, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
compute:
  mesh:
    dims: {rows: 2, cols: 2}
    capabilities:
      - op: mac
        operands: {a: TINY, b: TINY, acc: TINY}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial: {rows: {requires: [a, b], excludes: [acc]}, cols: {requires: [b, acc]}}
        cycles: stream + rows
  host:
    fallback: true
    dims: {lanes: 1}
    capabilities:
      - {op: mac, operands: {a: HMEM, b: HMEM, acc: HMEM}, dtypes: {a: int32, b: int32, acc: int32},
         cycles: 4 * stream}
edges:
  - {from: DRAM, to: TINY, bytes_per_cycle: 8}
  - {from: TINY, to: DRAM, bytes_per_cycle: 8}
  - {from: DRAM, to: HMEM, bytes_per_cycle: 8}
  - {from: HMEM, to: DRAM, bytes_per_cycle: 8}
  - {from: TINY, to: mesh, bytes_per_cycle: 16}
  - {from: mesh, to: TINY, bytes_per_cycle: 16}
  - {from: HMEM, to: host, bytes_per_cycle: 8}
  - {from: host, to: HMEM, bytes_per_cycle: 8}
"""


def test_probes_that_fell_back_say_why_the_preferred_unit_refused() -> None:
    report = check(FALLBACK)
    assert [(o.probe.name, o.placed) for o in report.standard[:2]] == [
        ("conv", ("host.mac",)),
        ("gemm", ("host.mac",)),
    ]
    w = the(report, WarningKind.FALLBACK)
    assert (w.field, w.line) == ("compute.mesh", line_of(FALLBACK, "  mesh:"))
    assert w.message.startswith(
        "probes 'conv', 'gemm' ran on fallback unit 'host' although mesh performs mac: "
        "mesh: no legal mapping of probe_conv onto hosted with constraints "
        "(capability stage0@mesh): tile: "
    )
    assert "which holds 2 B" in w.message
    assert kinds(report) == [WarningKind.UNREACHED_UNIT, WarningKind.FALLBACK]


def test_a_fallback_no_other_unit_could_take_is_a_note() -> None:
    text = FALLBACK.replace(
        "         cycles: 4 * stream}",
        "         cycles: 4 * stream}\n"
        "      - {op: relu, operands: {a: HMEM, out: HMEM}, dtypes: {a: int32, out: int32},\n"
        "         cycles: 4 * stream}",
    ).replace("capacity_bytes: 2,", "capacity_bytes: 4096,")
    report = check(text)
    assert report.warnings == ()
    assert (
        "probes 'relu', 'gemm+relu', 'conv+relu' ran on fallback unit 'host': no other unit "
        "performs 'relu'"
    ) in report.notes


def test_a_standard_probe_failing_although_its_capabilities_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no architecture makes the compiler refuse a conv while its mac compiles a GEMM today;
    # stand in for such a compiler: the conv probe fails
    real = arch_check.run_probe

    def refuse_conv(probe: Probe, acg: object) -> Outcome:
        if probe.name == "conv":
            return Outcome(probe, (), "tile: the window does not fit", "use smaller windows")
        return real(probe, acg)  # type: ignore[arg-type]

    monkeypatch.setattr(arch_check, "run_probe", refuse_conv)
    report = check(SMALL)
    assert kinds(report) == [WarningKind.PROBE_FAILED]
    w = the(report, WarningKind.PROBE_FAILED)
    assert (w.field, w.line) == ("compute.mesh.capabilities[0]", line_of(SMALL, "- op: mac"))
    assert w.message == (
        "the conv probe does not compile, although every capability performing mac compiles "
        "its own: tile: the window does not fit"
    )
    assert w.hint == "use smaller windows"


def test_a_missing_op_is_a_note() -> None:
    text = SMALL.replace(
        "      - {op: reduce_max, operands: {a: SPAD, acc: SPAD}, dtypes: {a: int32, acc: int32},\n"
        "         spatial: {lanes: {requires: [acc]}}, cycles: stream + 1}\n",
        "",
    )
    report = check(text)
    assert report.warnings == ()
    assert report.notes == (
        "probes 'maxpool', 'conv+maxpool' cannot compile: no capability performs reduce_max",
    )


def test_no_probes_runs_the_static_checks_only() -> None:
    report = check(SMALL.replace("{src_addr}", "{src_adr}"), probes=False)
    assert kinds(report) == [WarningKind.TEMPLATE_FIELD]
    assert not report.probed and report.standard == () and report.capabilities == ()
    assert report.probe_lines() == ("probes: skipped (--no-probes)",)


def test_warnings_render_like_validation_problems() -> None:
    w = the(
        check(SMALL.replace("{src_addr}", "{src_adr}"), probes=False), WarningKind.TEMPLATE_FIELD
    )
    line = line_of(SMALL, "{from: DRAM, to: SPAD")
    assert w.render("t.yaml").splitlines() == [
        f"warning: t.yaml:{line}: edges[0].template: unknown field {{src_adr}}: the assembler "
        "does not fill it and would print <src_adr?>",
        "    hint: did you mean 'src_addr'? known: box, dst, dst_addr, kind, nbytes, operand, "
        "shape, src, src_addr, src_strides",
    ]


def check_shipped(name: str) -> CheckReport:
    path = resolve_arch(name)
    _, lines, _ = read_yaml(path.read_text(encoding="utf-8"), str(path))
    return check_arch(load_arch(path), lines)


@pytest.mark.parametrize("name", ["teaching", "hvx", "gemmini", "nvdla_small", "eyeriss_v1"])
def test_shipped_architectures_have_no_warnings(name: str) -> None:
    report = check_shipped(name)
    assert report.warnings == ()
    assert all(o.ok for o in (*report.standard, *report.capabilities))


def test_tpu_v1_reaches_its_activation_unit_only_through_fused_probes() -> None:
    # act reads only the accumulators the matrix unit writes (relu, bias, pooling on the way
    # out of them): no data-path warning, and every act capability compiles fused after a GEMM
    report = check_shipped("tpu_v1")
    assert report.warnings == ()
    picks = {o.probe.name: o.placed for o in report.standard}
    assert picks["gemm+relu"] == ("mmu.mac", "act.relu")
    assert picks["gemm+bias"] == ("mmu.mac", "act.add")
    assert picks["conv+relu"] == ("mmu.mac", "act.relu")
    assert picks["conv+maxpool"] == ("mmu.mac", "act.reduce_max")
    act = [o for o in report.capabilities if o.probe.target and o.probe.target.startswith("act.")]
    assert len(act) == 7 and all(o.ok and o.probe.stage == 1 for o in act)
    assert all(o.placed[0] == "mmu.mac" for o in act)
    # a single elementwise layer reads host memory: it runs on the host, and that is a note
    assert picks["relu"] == ("host.relu",)
    assert report.notes == (
        "probes 'add', 'relu', 'reduce_sum', 'maxpool' ran on fallback unit 'host': act reads "
        "only results another unit leaves on chip, so it takes these ops only fused after that "
        "unit (see the fused probes)",
    )


def test_genesys_warns_only_that_its_immediate_buffer_is_unused() -> None:
    text = resolve_arch("genesys").read_text(encoding="utf-8")
    report = check_shipped("genesys")
    # IMM (the SIMD unit's immediates) is written by instructions; no capability names it
    assert [(w.kind, w.field, w.line) for w in report.warnings] == [
        (WarningKind.UNUSED_STORAGE, "storage.IMM", line_of(text, "  IMM: {"))
    ]
    assert all(o.ok for o in (*report.standard, *report.capabilities))
