"""The shared machine of the side-by-side runs with ZigZag, in our format and in ZigZag's.

The machine (shared notes, side_by_side.md): a 32 x 32 MAC array whose PEs hold one 8-bit
weight and one 16-bit partial sum (no input register), three 64 KiB SRAMs, one per operand
(ifmap and filter 256 bits per cycle, ofmap 512 bits per cycle), and DRAM with one 128-bit
(16 B/cycle) read-write port per operand. Inputs and weights are 8-bit, partial sums 16-bit,
final outputs 8-bit.

Ours (:data:`SHARED_32X32`): the PE registers are storages private to the array's PEs (``W_REG``
1 byte, ``O_REG`` 2 bytes, charged ZigZag's 0.021 pJ per access), and the array has three
capabilities: weight stationary (``ws``: weights in W_REG, partial sums in OFMAP), output
stationary (``os``: partial sums in O_REG, the reduction streams, finished int8 outputs go to
OFMAP) and output stationary over the groups of a grouped conv (``os_g``: every PE needs its
own input each cycle, so the 32 B/cycle ifmap port bounds a fold). The file's header derives
each capability's cycles. Two params:

- ``skew_once``: 0 = ours, the systolic skew ``rows + cols - 2`` paid per fold, and the weight
  fill (FILTER -> W_REG, 32 cycles) or output drain (O_REG -> OFMAP, 16 cycles) waited for per
  fold (one register of each per PE); 1 = ZigZag's assumption, skew and drain once per layer
  (ZigZag adds ``rows - 1 + cols - 1`` cycles to the layer): a fold costs its stream (and its
  port bound), and fill and drain overlap the compute, through a second, shadow register per PE
  (W_REG and O_REG double-buffered). Fill and drain are transfers in both timings;
- ``sram_buffering``: 2 = ours, a tile may use half of each SRAM and the next one loads during
  the compute; 1 = what ZigZag assumes by default (``force_double_buffering: false``): one tile
  may take the whole SRAM (ZigZag then overlaps the next load only when the tile fits in half).

ZigZag's (:data:`ZIGZAG_ACCELERATOR`, :data:`ZIGZAG_MAPPING`): the same memories in bits, the
registers per PE (``served_dimensions: []``), the SRAMs broadcasting over both array
dimensions, both dimensions systolic. The mapping file gives only the operand links, so
ZigZag searches its spatial mapping.
"""

from __future__ import annotations

from pathlib import Path

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import loads_arch
from covenant_lab.errors import UsageError

__all__ = ["SHARED_32X32", "ZIGZAG_ACCELERATOR", "ZIGZAG_MAPPING", "shared_machine",
           "write_zigzag_inputs"]

SHARED_32X32 = """\
# shared_32x32: the machine of the side-by-side runs with ZigZag (shared notes, side_by_side.md).
# A 32x32 MAC array, one 64 KiB SRAM per operand, one 16 B/cycle DRAM port per operand (a comm
# node each). Every PE has one 8-bit weight register (W_REG) and one 16-bit partial-sum register
# (O_REG), private to it, and no input register: ZigZag's w_reg and o_reg.
# Three capabilities, all one MAC per PE per cycle:
#  - ws: weight stationary. Reduction loops on the rows, output channels on the columns, pixels
#    stream. A fold's 32x32 weights are loaded FILTER -> W_REG (1024 B at the 32 B/cycle port:
#    32 cycles = rows, the fill), then the pixels stream and the partial sums leave the columns
#    into OFMAP (int16), so they cross OFMAP once per row fold. Per fold:
#    fill (the W_REG transfer) + stream + skew rows + cols - 2.
#  - os: output stationary. Pixels on the rows, output channels on the columns; the reduction
#    loops stream while each PE keeps its partial sum in O_REG; a finished output leaves as int8
#    (O_REG -> OFMAP, 1024 B at the 64 B/cycle port: 16 cycles, the drain). Per cycle a row of
#    PEs shares one input and a column one weight: 32 inputs and 32 weights, each SRAM's port
#    (both used off the broadcast, as ZigZag's model uses inputs; ZigZag's own os mappings also
#    pass each weight through w_reg, two accesses per MAC, which ours does not charge).
#    Per fold: stream + skew rows + cols - 2, then the drain (the O_REG transfer).
#  - os_g: output stationary with the groups of a grouped (depthwise) conv on the columns. Each
#    PE then needs its own input every cycle (no input register, no sharing along a row or a
#    column): used_rows x used_cols distinct inputs per cycle through the 32 B/cycle IFMAP port,
#    so a fold takes max(stream, elems / 32) cycles (elems = stream x used PEs) + skew.
# skew_once: 0 = ours: one register of each per PE, so every fold pays its weight fill (ws) or
# its output drain (os, os_g) as a transfer the array waits for, and the skew rows + cols - 2
# (as SCALE-Sim). 1 = ZigZag's timing, skew and drain once per layer: a fold costs its stream
# (os_g: its port bound), and the fill and drain overlap the neighbouring folds' compute, which
# needs a second (shadow) register per PE: W_REG and O_REG then hold two copies (buffering 2).
# The fill and drain still move their bytes through the SRAM ports, at the same energy.
# sram_buffering: 2 (ours) = a tile may use half of each SRAM, the next tile loads during the
# compute; 1 = ZigZag's default (force_double_buffering false): one tile may take the whole SRAM,
# and its next load waits.
# Energy: the per-access numbers of ZigZag's file below (side_by_side.md), per byte: SRAM reads
# 25.6 pJ and writes 28.16 pJ per 256-bit access (OFMAP: 51.2 / 56.32 per 512 bits), so 0.8 and
# 0.88 pJ per byte; DRAM 700 / 750 pJ per 128-bit access, 43.75 / 46.875 pJ per byte; W_REG 0.021
# pJ per 8-bit access, O_REG 0.021 per 16-bit access (0.0105 per byte); a MAC 0.04 pJ. ZigZag
# charges nothing else, so neither do we: no wire, port, leakage or static energy, and no PE-to-PE
# forwarding.
name: shared_32x32
description: "32x32 MAC array, a weight and a partial-sum register per PE (weight or output
  stationary), a 64 KiB SRAM and a 16 B/cycle DRAM port per operand"
params: {rows: 32, cols: 32, sram_kib: 64, dram_bytes: 16, skew_once: 0, sram_buffering: 2}
energy: {table: horowitz_isscc2014, technology_nm: 45}
storage:
  DRAM:   {off_chip: true, read_bytes_per_cycle: dram_bytes, write_bytes_per_cycle: dram_bytes,
           read_pj_per_byte: 43.75, write_pj_per_byte: 46.875, leakage_pj_per_cycle: 0}
  IFMAP:  {capacity_bytes: sram_kib * 1024, read_bytes_per_cycle: 32, write_bytes_per_cycle: 32,
           buffering: sram_buffering, description: "ifmap SRAM, 256 bits per cycle",
           read_pj_per_byte: 0.8, write_pj_per_byte: 0.88, leakage_pj_per_cycle: 0}
  FILTER: {capacity_bytes: sram_kib * 1024, read_bytes_per_cycle: 32, write_bytes_per_cycle: 32,
           buffering: sram_buffering, description: "filter SRAM, 256 bits per cycle",
           read_pj_per_byte: 0.8, write_pj_per_byte: 0.88, leakage_pj_per_cycle: 0}
  OFMAP:  {capacity_bytes: sram_kib * 1024, read_bytes_per_cycle: 64, write_bytes_per_cycle: 64,
           buffering: sram_buffering,
           description: "ofmap SRAM, 512 bits per cycle: 32 partial sums of 16 bits",
           read_pj_per_byte: 0.8, write_pj_per_byte: 0.88, leakage_pj_per_cycle: 0}
  W_REG:  {private_to: array, capacity_bytes: 1 + skew_once, buffering: 1 + skew_once,
           read_bytes_per_cycle: 1, write_bytes_per_cycle: 1,
           description: "one 8-bit weight register per PE (and a shadow one with skew_once)",
           read_pj_per_byte: 0.021, write_pj_per_byte: 0.021, leakage_pj_per_cycle: 0}
  O_REG:  {private_to: array, capacity_bytes: 2 * (1 + skew_once), buffering: 1 + skew_once,
           read_bytes_per_cycle: 2, write_bytes_per_cycle: 2,
           description: "one 16-bit partial-sum register per PE (and a shadow one with skew_once)",
           read_pj_per_byte: 0.0105, write_pj_per_byte: 0.0105, leakage_pj_per_cycle: 0}
communication:
  i_port: {bytes_per_cycle: dram_bytes, description: "the ifmaps' DRAM port", pj_per_byte: 0}
  w_port: {bytes_per_cycle: dram_bytes, description: "the weights' DRAM port", pj_per_byte: 0}
  o_port: {bytes_per_cycle: dram_bytes, description: "the outputs' DRAM port", pj_per_byte: 0}
compute:
  array:
    dims: {rows: rows, cols: cols}
    idle_pj_per_cycle: 0
    busy_pj_per_cycle: 0
    capabilities:
      - op: mac                  # acc += a * b with the weights held in the PEs' W_REG
        name: ws
        operands: {a: IFMAP, b: W_REG, acc: OFMAP}
        dtypes: {a: int8, b: int8, acc: int16}
        spatial:
          rows: {requires: [a, b], excludes: [acc], fold: true}   # ic x kh x kw, or k
          cols: {requires: [b, acc], excludes: [a]}               # output channels, or n
        stream: {excludes: [b]}  # a new weight tile needs a new pass
        cycles: stream + (1 - skew_once) * (rows + cols - 2)      # + the W_REG fill transfer
        pj_per_op: 0.04
        forward_pj_per_byte: 0
      - op: mac                  # acc += a * b with the partial sums held in the PEs' O_REG
        name: os
        operands: {a: IFMAP, b: FILTER, acc: O_REG}
        dtypes: {a: int8, b: int8, acc: int16}
        spatial:
          rows: {requires: [a, acc], excludes: [b]}               # pixels, or m
          cols: {requires: [b, acc], excludes: [a]}               # output channels, or n
        stream: {requires: [a, b], excludes: [acc]}               # the reduction streams
        cycles: stream + (1 - skew_once) * (rows + cols - 2)      # + the O_REG drain transfer
        pj_per_op: 0.04
        forward_pj_per_byte: 0
      - op: mac                  # os with a grouped conv's groups on the columns
        name: os_g
        operands: {a: IFMAP, b: FILTER, acc: O_REG}
        dtypes: {a: int8, b: int8, acc: int16}
        spatial:
          rows: {requires: [a, acc], excludes: [b]}               # pixels
          cols: {requires: [a, b, acc]}                           # groups
        stream: {requires: [a, b], excludes: [acc]}
        cycles: "max(stream, elems / 32) + (1 - skew_once) * (rows + cols - 2)"
        pj_per_op: 0.04
        forward_pj_per_byte: 0
edges:
  - {from: DRAM, to: IFMAP, bytes_per_cycle: dram_bytes, via: i_port, pj_per_byte: 0}
  - {from: DRAM, to: FILTER, bytes_per_cycle: dram_bytes, via: w_port, pj_per_byte: 0}
  - {from: OFMAP, to: DRAM, bytes_per_cycle: dram_bytes, via: o_port, dtype: int8,
     pj_per_byte: 0}
  - {from: FILTER, to: W_REG, bytes_per_cycle: 32, pj_per_byte: 0}
  - {from: O_REG, to: OFMAP, bytes_per_cycle: 64, dtype: int8, pj_per_byte: 0}
  - {from: IFMAP, to: array, bytes_per_cycle: 32, pj_per_byte: 0}
  - {from: FILTER, to: array, bytes_per_cycle: 32, pj_per_byte: 0}
  - {from: W_REG, to: array, bytes_per_cycle: rows * cols, pj_per_byte: 0}
  - {from: OFMAP, to: array, bytes_per_cycle: 64, pj_per_byte: 0}
  - {from: array, to: OFMAP, bytes_per_cycle: 64, pj_per_byte: 0}
  - {from: O_REG, to: array, bytes_per_cycle: 2 * rows * cols, pj_per_byte: 0}
  - {from: array, to: O_REG, bytes_per_cycle: 2 * rows * cols, pj_per_byte: 0}
"""

# ZigZag 3.9's accelerator format: sizes and bandwidths in bits, energies in pJ per access of the
# port width; memories listed from the array outwards; allocation "<operand>, <direction>" with
# fh/fl = written from higher/lower level, tl/th = read towards lower/higher level.
ZIGZAG_ACCELERATOR = """\
name: shared_32x32
memories:
  w_reg:   # one 8-bit weight register per PE
    size: 8
    r_cost: 0.021
    w_cost: 0.021
    area: 0
    latency: 1
    operands: [I2]
    ports:
      - {name: r_port_1, type: read, bandwidth_min: 8, bandwidth_max: 8, allocation: ["I2, tl"]}
      - {name: w_port_1, type: write, bandwidth_min: 8, bandwidth_max: 8, allocation: ["I2, fh"]}
    served_dimensions: []
  o_reg:   # one 16-bit partial-sum register per PE
    size: 16
    r_cost: 0.021
    w_cost: 0.021
    area: 0
    latency: 1
    operands: [O]
    ports:
      - {name: r_port_1, type: read, bandwidth_min: 16, bandwidth_max: 16, allocation: ["O, tl"]}
      - {name: r_port_2, type: read, bandwidth_min: 16, bandwidth_max: 16, allocation: ["O, th"]}
      - {name: w_port_1, type: write, bandwidth_min: 16, bandwidth_max: 16, allocation: ["O, fh"]}
      - {name: w_port_2, type: write, bandwidth_min: 16, bandwidth_max: 16, allocation: ["O, fl"]}
    served_dimensions: []
  ifmap_sram:   # 64 KiB, 256 bits per cycle; feeds the array directly (no input register)
    size: 524288
    r_cost: 25.6
    w_cost: 28.16
    area: 0
    latency: 1
    operands: [I1]
    ports:
      - {name: r_port_1, type: read, bandwidth_min: 256, bandwidth_max: 256,
         allocation: ["I1, tl"]}
      - {name: w_port_1, type: write, bandwidth_min: 256, bandwidth_max: 256,
         allocation: ["I1, fh"]}
    served_dimensions: [D1, D2]
  filter_sram:   # 64 KiB, 256 bits per cycle
    size: 524288
    r_cost: 25.6
    w_cost: 28.16
    area: 0
    latency: 1
    operands: [I2]
    ports:
      - {name: r_port_1, type: read, bandwidth_min: 256, bandwidth_max: 256,
         allocation: ["I2, tl"]}
      - {name: w_port_1, type: write, bandwidth_min: 256, bandwidth_max: 256,
         allocation: ["I2, fh"]}
    served_dimensions: [D1, D2]
  ofmap_sram:   # 64 KiB, 512 bits per cycle = 32 partial sums of 16 bits
    size: 524288
    r_cost: 51.2
    w_cost: 56.32
    area: 0
    latency: 1
    operands: [O]
    ports:
      - {name: r_port_1, type: read, bandwidth_min: 512, bandwidth_max: 512,
         allocation: ["O, tl", "O, th"]}
      - {name: w_port_1, type: write, bandwidth_min: 512, bandwidth_max: 512,
         allocation: ["O, fh", "O, fl"]}
    served_dimensions: [D1, D2]
  dram:   # one 128-bit read-write port per operand
    size: 10000000000
    r_cost: 700
    w_cost: 750
    area: 0
    latency: 1
    operands: [I1, I2, O]
    ports:
      - {name: rw_port_1, type: read_write, bandwidth_min: 128, bandwidth_max: 128,
         allocation: ["I1, fh", "I1, tl"]}
      - {name: rw_port_2, type: read_write, bandwidth_min: 128, bandwidth_max: 128,
         allocation: ["I2, fh", "I2, tl"]}
      - {name: rw_port_3, type: read_write, bandwidth_min: 128, bandwidth_max: 128,
         allocation: ["O, fh", "O, tl", "O, fl", "O, th"]}
    served_dimensions: [D1, D2]
operational_array:
  unit_energy: 0.04
  unit_area: 1
  dimensions: [D1, D2]
  sizes: [32, 32]
  systolic_dimensions: [D1, D2]   # ZigZag adds the drain (31 + 31 cycles) once per layer
"""

# No spatial mapping: ZigZag generates its best few and keeps the fastest (opt = latency).
ZIGZAG_MAPPING = """\
- name: default
  memory_operand_links: {O: O, W: I2, I: I1}
"""


def shared_machine(skew_once: int = 0, sram_buffering: int = 2) -> ACG:
    """:data:`SHARED_32X32` loaded with ``skew_once`` 0 (our timing) or 1 (ZigZag's) and
    ``sram_buffering`` 2 (ours) or 1 (ZigZag's default)."""
    if skew_once not in (0, 1):
        raise UsageError(f"shared_machine: skew_once must be 0 or 1, got {skew_once!r}")
    if sram_buffering not in (1, 2):
        raise UsageError(f"shared_machine: sram_buffering must be 1 or 2, got {sram_buffering!r}")
    return loads_arch(SHARED_32X32, source="<shared_32x32>",
                      params={"skew_once": skew_once, "sram_buffering": sram_buffering})


def write_zigzag_inputs(directory: Path) -> tuple[Path, Path]:
    """Write ZigZag's accelerator and mapping files into ``directory``; their paths."""
    accelerator, mapping = directory / "accelerator.yaml", directory / "mapping.yaml"
    accelerator.write_text(ZIGZAG_ACCELERATOR, encoding="utf-8")
    mapping.write_text(ZIGZAG_MAPPING, encoding="utf-8")
    return accelerator, mapping
