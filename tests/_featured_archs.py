"""Two small architectures using every feature the views must show, written here, not shipped.

``TPU_LIKE``: a 700 MHz reference clock; weights and activations in different off-chip
memories (``homes:``); a weight FIFO of 4 x 64 KiB entries; an accumulator-to-buffer edge that
requantises int32 to int8 (edge ``dtype``); a PCIe link of 14 GiB/s, i.e. 21.47... bytes per
700 MHz cycle (a fractional bandwidth computed by an expression); a host CPU at 2300 MHz that
is a ``fallback`` unit.

``ROW_STATIONARY``: an Eyeriss-like 12 x 14 array at 200 MHz with per-PE private scratchpads
(``private_to``) and a capability whose ``cols`` dimension has two entries (output rows and
filters share the columns).
"""

from __future__ import annotations

from covenant_lab.acg import ACG, loads_arch

TPU_LIKE = """\
# tpu_like: a TPU-v1-like test machine
name: tpu_like
description: 256x256 int8 weight-stationary array, weight FIFO, PCIe host
clock_mhz: 700
homes: {weights: WDRAM, activations: HOST}
params: {dim: 256, fifo_tiles: 4, tile_kib: 64}
storage:
  HOST: {off_chip: true, read_bytes_per_cycle: 72.86, write_bytes_per_cycle: 72.86}
  WDRAM: {off_chip: true, read_bytes_per_cycle: 48.57, write_bytes_per_cycle: 48.57}
  WFIFO: {access: fifo, entries: fifo_tiles, entry_bytes: tile_kib * 1024,
          read_bytes_per_cycle: dim, write_bytes_per_cycle: 48.57}
  UB: {capacity_bytes: 24 * 1024 * 1024, read_bytes_per_cycle: dim, write_bytes_per_cycle: dim}
  ACC: {capacity_bytes: 4096 * dim * 4, read_bytes_per_cycle: dim * 4,
        write_bytes_per_cycle: dim * 4, buffering: 2}
  HOST_L2: {capacity_bytes: 262144, read_bytes_per_cycle: 210.29, write_bytes_per_cycle: 210.29}
communication:
  pcie: {bytes_per_cycle: 14 * 1073741824 / 700000000}
compute:
  mmu:
    dims: {rows: dim, cols: dim}
    capabilities:
      - op: mac
        operands: {a: UB, b: WFIFO, acc: ACC}
        dtypes: {a: int8, b: int8, acc: int32}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: {requires: [b, acc], excludes: [a]}
        stream: {excludes: [b]}
        cycles: max(stream, rows)
  act:
    dims: {lanes: dim}
    capabilities:
      - {op: relu, operands: {a: ACC, out: UB}, dtypes: {a: int32, out: int8},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 4}
      - {op: copy, operands: {a: ACC, out: UB}, dtypes: {a: int32, out: int8},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 4}
  host:
    clock_mhz: 2300
    fallback: true
    dims: {lanes: 8}
    capabilities:
      - {op: add, operands: {a: HOST_L2, b: HOST_L2, out: HOST_L2},
         dtypes: {a: float32, b: float32, out: float32},
         spatial: {lanes: {requires: [out]}}, cycles: stream + 4}
      - {op: exp, operands: {a: HOST_L2, out: HOST_L2}, dtypes: {a: float32, out: float32},
         spatial: {lanes: {requires: [out]}}, cycles: 12 * stream + 10}
      - {op: mac, operands: {a: HOST_L2, b: HOST_L2, init: HOST_L2, acc: HOST_L2},
         dtypes: {a: float32, b: float32, init: float32, acc: float32},
         spatial: {lanes: {requires: [acc]}}, cycles: stream + 4}
edges:
  - {from: HOST, to: UB, bytes_per_cycle: 14 * 1073741824 / 700000000, via: pcie}
  - {from: UB, to: HOST, bytes_per_cycle: 14 * 1073741824 / 700000000, via: pcie}
  - {from: WDRAM, to: WFIFO, bytes_per_cycle: 48.57}
  - {from: ACC, to: UB, bytes_per_cycle: dim, dtype: int8}
  - {from: WFIFO, to: mmu, bytes_per_cycle: dim}
  - {from: UB, to: mmu, bytes_per_cycle: dim}
  - {from: mmu, to: ACC, bytes_per_cycle: dim * 4}
  - {from: ACC, to: act, bytes_per_cycle: dim * 4}
  - {from: act, to: UB, bytes_per_cycle: dim}
  - {from: HOST, to: HOST_L2, bytes_per_cycle: 72.86}
  - {from: HOST_L2, to: HOST, bytes_per_cycle: 72.86}
  - {from: WDRAM, to: HOST_L2, bytes_per_cycle: 14 * 1073741824 / 700000000, via: pcie}
  - {from: HOST_L2, to: host, bytes_per_cycle: 210.29}
  - {from: host, to: HOST_L2, bytes_per_cycle: 210.29}
"""

ROW_STATIONARY = """\
# row_stationary: an Eyeriss-like test machine
name: row_stationary
description: 12x14 row-stationary PE array with per-PE scratchpads
clock_mhz: 200
params: {rows: 12, cols: 14, word: 2}
storage:
  DRAM: {off_chip: true, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64}
  GLB: {capacity_bytes: 108 * 1024, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
  IFMAP_SPAD: {private_to: pe_array, capacity_bytes: 12 * word, read_bytes_per_cycle: word,
               write_bytes_per_cycle: word}
  WEIGHTS_SPAD: {private_to: pe_array, capacity_bytes: 224 * word, read_bytes_per_cycle: word,
                 write_bytes_per_cycle: word}
  PSUM_SPAD: {private_to: pe_array, capacity_bytes: 24 * word, read_bytes_per_cycle: word,
              write_bytes_per_cycle: word}
communication:
  link: {bytes_per_cycle: 2.4}
compute:
  pe_array:
    dims: {rows: rows, cols: cols}
    capabilities:
      - op: mac
        operands: {a: IFMAP_SPAD, b: WEIGHTS_SPAD, init: GLB, acc: PSUM_SPAD}
        dtypes: {a: int16, b: int16, init: int16, acc: int16}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}
          cols: [{requires: [a, acc], excludes: [b]},
                 {requires: [b, acc], excludes: [a]}]
        cycles: stream
edges:
  - {from: DRAM, to: GLB, bytes_per_cycle: 2.4, via: link}
  - {from: GLB, to: DRAM, bytes_per_cycle: 2.4, via: link}
  - {from: DRAM, to: WEIGHTS_SPAD, bytes_per_cycle: 2.4, via: link}
  - {from: GLB, to: IFMAP_SPAD, bytes_per_cycle: 8}
  - {from: GLB, to: PSUM_SPAD, bytes_per_cycle: 8}
  - {from: PSUM_SPAD, to: GLB, bytes_per_cycle: 8}
  - {from: IFMAP_SPAD, to: pe_array, bytes_per_cycle: word}
  - {from: WEIGHTS_SPAD, to: pe_array, bytes_per_cycle: word}
  - {from: GLB, to: pe_array, bytes_per_cycle: 8}
  - {from: pe_array, to: PSUM_SPAD, bytes_per_cycle: word}
"""


def tpu_like() -> ACG:
    return loads_arch(TPU_LIKE, source="tpu_like.yaml")


def row_stationary() -> ACG:
    return loads_arch(ROW_STATIONARY, source="row_stationary.yaml")
