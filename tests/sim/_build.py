"""Hand-made Programs on a tiny in-test architecture, for the simulator tests.

TINY: DRAM behind an 8 B/cycle DMA engine (latency 2) and a 1 KiB scratchpad SPAD; a
compute node ``pe`` (4x4, mac, relu and the reductions). A 4x4 float32 tile is 64 bytes: a
DRAM<->SPAD transfer of it takes 8 cycles and is ready 2 cycles later.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.codelets.ir import Access, Affine, Codelet, Const, Dim, Operand, Stage, Stmt
from covenant_lab.compiler.program import Compute, DramTensor, Instr, Program, TileRef, Transfer
from covenant_lab.sim.regions import subtile
from covenant_lab.types import DType, OpKind, Role

TINY_YAML = """
name: tiny
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
  SPAD: {capacity_bytes: 1024, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64, buffering: 2}
communication:
  dma: {bytes_per_cycle: 8, latency_cycles: 2}
compute:
  pe:
    dims: {rows: 4, cols: 4}
    capabilities:
      - op: mac
        operands: {a: SPAD, b: SPAD, init: SPAD, acc: SPAD}
        dtypes: {a: float32, b: float32, init: float32, acc: float32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        cycles: stream + 4
        latency_cycles: 1
      - op: relu
        operands: {a: SPAD, out: SPAD}
        dtypes: {a: float32, out: float32}
        spatial: {cols: {requires: [out]}}
        cycles: stream
      - {op: reduce_add, operands: {a: SPAD, acc: SPAD}, dtypes: {a: float32, acc: float32},
         spatial: {cols: {requires: [acc]}}, cycles: stream}
      - {op: reduce_max, operands: {a: SPAD, acc: SPAD}, dtypes: {a: float32, acc: float32},
         spatial: {cols: {requires: [acc]}}, cycles: stream}
      - {op: reduce_min, operands: {a: SPAD, acc: SPAD}, dtypes: {a: float32, acc: float32},
         spatial: {cols: {requires: [acc]}}, cycles: stream}
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: 16, via: dma}
  - {from: SPAD, to: DRAM, bytes_per_cycle: 16, via: dma}
  - {from: SPAD, to: pe, bytes_per_cycle: 64}
  - {from: pe, to: SPAD, bytes_per_cycle: 64}
"""


@cache
def tiny() -> ACG:
    return loads_arch(TINY_YAML, source="tiny.yaml")


def _v(name: str) -> Affine:
    return Affine.of(name)


def gemm_codelet(m: int, n: int, k: int, *, bias: bool = False) -> Codelet:
    """c[m, n] = sum_k a[m, k] * b[k, n] (+ bias[n]); init Const(0) without bias."""
    operands = [Operand("a", (m, k), DType.FLOAT32, Role.INPUT),
                Operand("b", (k, n), DType.FLOAT32, Role.WEIGHT)]
    if bias:
        operands.append(Operand("bias", (n,), DType.FLOAT32, Role.WEIGHT))
    operands.append(Operand("c", (m, n), DType.FLOAT32, Role.OUTPUT))
    init = Access("bias", (_v("n"),)) if bias else Const(0.0)
    stmt = Stmt(OpKind.MAC, Access("c", (_v("m"), _v("n"))),
                (Access("a", (_v("m"), _v("k"))), Access("b", (_v("k"), _v("n")))), init)
    return Codelet("gemm", (Dim("m", m), Dim("n", n), Dim("k", k)), tuple(operands),
                   (Stage(("m", "n", "k"), stmt, "mac"),))


def relu_codelet(rows: int, cols: int) -> Codelet:
    stmt = Stmt(OpKind.RELU, Access("y", (_v("i"), _v("j"))), (Access("x", (_v("i"), _v("j"))),))
    return Codelet("relu", (Dim("i", rows), Dim("j", cols)),
                   (Operand("x", (rows, cols), DType.FLOAT32, Role.INPUT),
                    Operand("y", (rows, cols), DType.FLOAT32, Role.OUTPUT)),
                   (Stage(("i", "j"), stmt, "relu"),))


def conv_codelet(h: int, w: int, kh: int, kw: int) -> Codelet:
    """y[oh, ow] += x[oh + r - 1, ow + s - 1] * w[r, s], zero padding 1 ('same' for 3x3)."""
    x = Access("x", (_v("oh") + _v("r") - 1, _v("ow") + _v("s") - 1), 0.0)
    stmt = Stmt(OpKind.MAC, Access("y", (_v("oh"), _v("ow"))),
                (x, Access("w", (_v("r"), _v("s")))), Const(0.0))
    return Codelet("conv", (Dim("oh", h), Dim("ow", w), Dim("r", kh), Dim("s", kw)),
                   (Operand("x", (h, w), DType.FLOAT32, Role.INPUT),
                    Operand("w", (kh, kw), DType.FLOAT32, Role.WEIGHT),
                    Operand("y", (h, w), DType.FLOAT32, Role.OUTPUT)),
                   (Stage(("oh", "ow", "r", "s"), stmt, "conv"),))


Box = tuple[tuple[int, int], ...]


class ProgramBuilder:
    """Emit transfers and computes by hand; DRAM tensors packed from address 0."""

    def __init__(self, codelet: Codelet, acg: ACG, *, elem_bytes: int = 4) -> None:
        self.codelet, self.acg, self.eb = codelet, acg, elem_bytes
        self.dram = acg.storage("DRAM")
        self.spad = acg.storage("SPAD")
        self.tensors: dict[str, DramTensor] = {}
        addr = 0
        for o in codelet.operands:
            if o.role is not Role.TEMP:
                self.tensors[o.name] = DramTensor(o.name, self.dram, addr, o.shape, elem_bytes)
                addr += o.size * elem_bytes
        self.instrs: list[Instr] = []

    def tile(self, operand: str, box: Box, addr: int) -> TileRef:
        return TileRef(operand, self.spad, addr, box, self.eb)

    def load(self, operand: str, box: Box, addr: int, *, origin: str = "t/load") -> TileRef:
        dst = self.tile(operand, box, addr)
        src = self.tensors[operand].tile
        edge = self.acg.edge("DRAM", "SPAD")
        assert edge is not None
        self.instrs.append(Transfer(len(self.instrs), edge, src, dst, origin, "load"))
        return dst

    def store(self, tile: TileRef, *, origin: str = "t/store") -> None:
        dst = subtile(self.tensors[tile.operand].tile, tile.box)
        edge = self.acg.edge("SPAD", "DRAM")
        assert edge is not None
        self.instrs.append(Transfer(len(self.instrs), edge, tile, dst, origin, "store"))

    def compute(self, box: Mapping[str, tuple[int, int]], tiles: Mapping[str, TileRef], *,
                init: bool = False, cycles: int = 10, latency: int = 0, stage: int = 0,
                capability: str = "mac", origin: str = "t/stage0") -> None:
        node = self.acg.compute("pe")
        loops = self.codelet.stages[stage].loops
        b = tuple((lp, *box[lp]) for lp in loops)
        ops = 1
        for lo, hi in box.values():
            ops *= hi - lo
        self.instrs.append(Compute(len(self.instrs), node, capability, stage, b,
                                   tuple(tiles.items()), init, cycles, latency, origin, ops))

    def build(self) -> Program:
        return Program(self.codelet, self.acg.name, tuple(self.tensors.values()),
                       tuple(self.instrs))


def tiled_gemm(m: int, n: int, k: int, t: int, *, bias: bool = False,
               double_buffer: bool = True) -> Program:
    """Loads of a/b tiles, MACs (init on the first reduction tile), a store per c tile."""
    acg = tiny()
    pb = ProgramBuilder(gemm_codelet(m, n, k, bias=bias), acg)
    size = t * t * 4
    copies = 2 if double_buffer else 1
    a_slots = [i * size for i in range(copies)]
    b_slots = [(copies + i) * size for i in range(copies)]
    c_slots = [(2 * copies + i) * size for i in range(copies)]
    bias_addr = 3 * copies * size
    uses = 0
    for c_use, (m0, n0) in enumerate((i, j) for i in range(0, m, t) for j in range(0, n, t)):
        mb, nb = (m0, min(m0 + t, m)), (n0, min(n0 + t, n))
        c_tile = pb.tile("c", (mb, nb), c_slots[c_use % copies])
        tiles: dict[str, TileRef] = {}
        if bias:
            tiles["init"] = pb.load("bias", (nb,), bias_addr)
        for k0 in range(0, k, t):
            kb = (k0, min(k0 + t, k))
            slot = uses % copies
            uses += 1
            a = pb.load("a", (mb, kb), a_slots[slot])
            b = pb.load("b", (kb, nb), b_slots[slot])
            pb.compute({"m": mb, "n": nb, "k": kb}, {"a": a, "b": b, **tiles, "acc": c_tile},
                       init=k0 == 0, cycles=t + 4, latency=1)
        pb.store(c_tile)
    return pb.build()
