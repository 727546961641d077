"""How fast the timing model schedules: instructions per second on synthetic programs.

    .venv/bin/python bench/sim_speed.py [--instructions 200000]

Two programs of about the requested size on a tiny architecture: a tiled GEMM (4x4 tiles,
double buffered; DRAM tiles are strided sub-boxes of their tensors) and a streaming
elementwise pipeline. Times ``schedule(program, acg)`` (building the program is not counted),
and the timing-only stepper (``Simulator(...).run()``) on the smaller one.
"""

from __future__ import annotations

import argparse
import math
import os
import time

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.codelets.ir import Access, Affine, Codelet, Const, Dim, Operand, Stage, Stmt
from covenant_lab.compiler.program import Compute, DramTensor, Instr, Program, TileRef, Transfer
from covenant_lab.sim import Simulator, schedule
from covenant_lab.types import DType, OpKind, Role

ARCH = """
name: bench
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
  SPAD: {capacity_bytes: 4096, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
communication:
  dma: {bytes_per_cycle: 16, latency_cycles: 4}
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
        cycles: stream + 6
edges:
  - {from: DRAM, to: SPAD, bytes_per_cycle: 16, via: dma}
  - {from: SPAD, to: DRAM, bytes_per_cycle: 16, via: dma}
  - {from: SPAD, to: pe, bytes_per_cycle: 64}
  - {from: pe, to: SPAD, bytes_per_cycle: 64}
"""


def _gemm(n: int) -> Codelet:
    v = Affine.of
    stmt = Stmt(OpKind.MAC, Access("c", (v("m"), v("n"))),
                (Access("a", (v("m"), v("k"))), Access("b", (v("k"), v("n")))), Const(0.0))
    f32 = DType.FLOAT32
    return Codelet("gemm", (Dim("m", n), Dim("n", n), Dim("k", n)),
                   (Operand("a", (n, n), f32, Role.INPUT), Operand("b", (n, n), f32, Role.WEIGHT),
                    Operand("c", (n, n), f32, Role.OUTPUT)),
                   (Stage(("m", "n", "k"), stmt),))


def tiled_gemm(acg: ACG, n: int, t: int = 4) -> Program:
    """c = a @ b for n x n matrices in t x t tiles: about 3 (n/t)^3 instructions."""
    codelet = _gemm(n)
    dram, spad = acg.storage("DRAM"), acg.storage("SPAD")
    load, store, pe = acg.edge("DRAM", "SPAD"), acg.edge("SPAD", "DRAM"), acg.compute("pe")
    assert load is not None and store is not None
    tensors = {o: DramTensor(o, dram, i * n * n * 4, (n, n), 4) for i, o in enumerate("abc")}
    size = t * t * 4
    instrs: list[Instr] = []
    uses = 0
    for mi, m0 in enumerate(range(0, n, t)):
        for n0 in range(0, n, t):
            c = TileRef("c", spad, 4 * size + (mi % 2) * size, ((m0, m0 + t), (n0, n0 + t)), 4)
            for k0 in range(0, n, t):
                slot = uses % 2
                uses += 1
                a = TileRef("a", spad, slot * size, ((m0, m0 + t), (k0, k0 + t)), 4)
                b = TileRef("b", spad, (2 + slot) * size, ((k0, k0 + t), (n0, n0 + t)), 4)
                instrs.append(Transfer(len(instrs), load, tensors["a"].tile, a, "bench", "load"))
                instrs.append(Transfer(len(instrs), load, tensors["b"].tile, b, "bench", "load"))
                box = (("m", m0, m0 + t), ("n", n0, n0 + t), ("k", k0, k0 + t))
                instrs.append(Compute(len(instrs), pe, "mac", 0, box,
                                      (("a", a), ("b", b), ("acc", c)), k0 == 0, t + 6, 0,
                                      "bench", t**3))
            strides = (n, 1)
            dst = TileRef("c", dram, tensors["c"].addr + (m0 * n + n0) * 4, c.box, 4, strides)
            instrs.append(Transfer(len(instrs), store, c, dst, "bench", "store"))
    return Program(codelet, acg.name, tuple(tensors.values()), tuple(instrs))


def measure(label: str, program: Program, acg: ACG, repeat: int = 3) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        schedule(program, acg)
        best = min(best, time.perf_counter() - t0)
    rate = len(program.instrs) / best
    print(f"{label}: {len(program.instrs)} instructions in {best:.3f} s "
          f"= {rate:,.0f} instructions/s (schedule)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instructions", type=int, default=200_000)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    acg = loads_arch(ARCH, source="bench.yaml")
    tiles = max(2, round((args.instructions / 3) ** (1 / 3)))
    program = tiled_gemm(acg, 4 * tiles)
    measure("tiled gemm", program, acg)
    small = tiled_gemm(acg, 4 * max(2, tiles // 2))
    t0 = time.perf_counter()
    sim = Simulator(small, acg).run()
    dt = time.perf_counter() - t0
    print(f"stepper (timing only): {len(small.instrs)} instructions, {sim.steps} events in "
          f"{dt:.3f} s = {len(small.instrs) / dt:,.0f} instructions/s")


if __name__ == "__main__":
    main()
