"""Double buffering on a bandwidth-bound layer: hand-derived cycles, and the cost model's view.

relu over a 16 x 64 int32 tensor, one row (256 B) per tile, on a 4-lane vector unit behind an
8 B/cycle bus shared by loads and stores:

    L = 256 / 8 = 32 cycles per load, S = 32 per store,
    C = 16 folds of 4 lanes x (stream 1 + 2) = 48 cycles per tile, T = 16 tiles.

Single-buffered, every step waits for the one before (a load overwrites the slot the last
compute read; a compute overwrites the slot the last store read): T x (L + C + S) = 1792.

Double-buffered, the bus runs L0, L1, then S0 (after compute 0 ends at L + C = 80), then
pairs (L[k+2], S[k+1]) back to back since C < L + S: 14 pairs end at 80 + S + 14 x 64 = 1008;
compute 15 starts when L15 ends (976) and ends at 1024; S15 runs 1024..1056.
"""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import Constraints, compile
from covenant_lab.sim import Simulator


def arch(buffering: int) -> ACG:
    return loads_arch(
        f"""
name: dbuf
params: {{}}
storage:
  DRAM: {{off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}}
  SPAD: {{capacity_bytes: 65536, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64,
         buffering: {buffering}}}
communication:
  bus: {{bytes_per_cycle: 8}}
compute:
  vec:
    dims: {{lanes: 4}}
    capabilities:
      - {{op: relu, operands: {{a: SPAD, out: SPAD}}, dtypes: {{a: int32, out: int32}},
         spatial: {{lanes: {{requires: [out]}}}}, cycles: stream + 2}}
edges:
  - {{from: DRAM, to: SPAD, bytes_per_cycle: 8, via: bus}}
  - {{from: SPAD, to: DRAM, bytes_per_cycle: 8, via: bus}}
  - {{from: SPAD, to: vec, bytes_per_cycle: 64}}
  - {{from: vec, to: SPAD, bytes_per_cycle: 64}}
""",
        source=f"dbuf{buffering}.yaml",
    )


RELU = L.relu((16, 64))
ROWS = Constraints.of(tiles={"d0": 1, "d1": 64})


@pytest.mark.parametrize(("buffering", "cycles"), [(1, 1792), (2, 1056)])
def test_hand_derived_cycles(buffering: int, cycles: int) -> None:
    acg = arch(buffering)
    sim = Simulator(compile(RELU, acg, ROWS).program, acg).run()
    assert sim.total_cycles == cycles


def test_cost_model_predicts_the_saving() -> None:
    single, double = arch(1), arch(2)
    est = [compile(RELU, a, ROWS).estimate.cycles for a in (single, double)]
    sim = [
        Simulator(compile(RELU, a, ROWS).program, a).run().total_cycles for a in (single, double)
    ]
    predicted, measured = est[0] - est[1], sim[0] - sim[1]
    assert measured == 736
    assert abs(predicted - measured) / measured < 0.1
