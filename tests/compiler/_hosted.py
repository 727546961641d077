"""A hosted accelerator for the fallback tests: written here, not shipped.

``accel`` (4x4) does mac only, out of one 16 KiB double-buffered scratchpad, and has no
``init`` port (it cannot preload a bias). ``host`` (``fallback: true``) performs every op
out of a 1 MiB memory, slowly (unless its parameters say otherwise). A MatMul therefore runs
on the accelerator; a Gemm with a bias accumulates there from zero and adds its bias on the
host (the compiler splits the ``init`` off into an add stage); every other op runs on the host
(no other unit performs it).
"""

from __future__ import annotations

from collections.abc import Iterable

from onnx import helper

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.frontends.onnx import Model, load
from covenant_lab.types import OpKind
from tests.frontends.onnx._build import make_model, weights

_HEAD = """
name: hosted
params: {buf_kib: 16, host_bw: 8, host_cycles_per_elem: 4}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16}
  BUF:  {capacity_bytes: buf_kib * 1024, read_bytes_per_cycle: 16, write_bytes_per_cycle: 16,
         buffering: 2}
  HMEM: {capacity_bytes: 1048576, read_bytes_per_cycle: host_bw, write_bytes_per_cycle: host_bw}
communication:
  bus: {bytes_per_cycle: 16}
compute:
  accel:
    dims: {rows: 4, cols: 4}
    capabilities:
      - op: mac
        operands: {a: BUF, b: BUF, acc: BUF}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: rows + stream
  host:
    fallback: true
    dims: {lanes: 1}
    capabilities:
"""
_EDGES = """edges:
  - {from: DRAM, to: BUF, bytes_per_cycle: 16, via: bus}
  - {from: BUF, to: DRAM, bytes_per_cycle: 16, via: bus}
  - {from: BUF, to: accel, bytes_per_cycle: 16}
  - {from: accel, to: BUF, bytes_per_cycle: 16}
  - {from: DRAM, to: HMEM, bytes_per_cycle: host_bw, via: bus}
  - {from: HMEM, to: DRAM, bytes_per_cycle: host_bw, via: bus}
  - {from: HMEM, to: host, bytes_per_cycle: host_bw}
  - {from: host, to: HMEM, bytes_per_cycle: host_bw}
"""


def hosted_yaml(*, without: Iterable[OpKind] = ()) -> str:
    """The architecture file; the host performs every op but those in ``without``."""
    skip = set(without)
    caps = []
    for op in OpKind:
        if op in skip:
            continue
        roles = (*op.roles, "init") if op.accumulates else op.roles
        ports = ", ".join(f"{r}: HMEM" for r in roles)
        dtypes = ", ".join(f"{r}: float32" for r in roles)
        caps.append(
            f"      - {{op: {op.value}, operands: {{{ports}}}, dtypes: {{{dtypes}}}, "
            "cycles: host_cycles_per_elem * stream + 10}\n"
        )
    return _HEAD + "".join(caps) + _EDGES


def hosted(*, without: Iterable[OpKind] = (), **params: int) -> ACG:
    """The architecture; ``params`` override ``buf_kib``, ``host_bw`` (bytes per cycle) and
    ``host_cycles_per_elem``."""
    return loads_arch(hosted_yaml(without=without), source="hosted.yaml", params=params or None)


def hosted_model() -> Model:
    """x[4,16] -> Gemm+bias 'fc1' -> Sigmoid 'act' -> MatMul 'fc2' -> Relu 'out'."""
    return load(
        make_model(
            [
                helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1"),
                helper.make_node("Sigmoid", ["h"], ["s"], name="act"),
                helper.make_node("MatMul", ["s", "w2"], ["z"], name="fc2"),
                helper.make_node("Relu", ["z"], ["y"], name="out"),
            ],
            {"x": (4, 16)},
            ["y"],
            {"w1": weights((16, 12), 1), "b1": weights((12,), 2), "w2": weights((12, 8), 3)},
            name="hosted_mlp",
        )
    )
