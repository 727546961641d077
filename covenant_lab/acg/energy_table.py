"""The one cited table energy and area defaults come from, scaled by a technology node.

Source (the table an architecture file names with ``energy: {table: horowitz_isscc2014}``):
M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, pp.
10-14, Figure 1.1.9 (45 nm, 0.9 V). Energy per operation and per 64-bit memory access:

=========================  =========  ==========================  ==========
operation                  energy pJ  memory access (64 bits)     energy pJ
=========================  =========  ==========================  ==========
8-bit integer add          0.03       SRAM 8 KB                   10
32-bit integer add         0.1        SRAM 32 KB                  20
8-bit integer multiply     0.2        SRAM 1 MB                   100
32-bit integer multiply    3.1        DRAM                        1300-2600
16-bit float add           0.4
32-bit float add           0.9
16-bit float multiply      1.1
32-bit float multiply      3.7
=========================  =========  ==========================  ==========

The same figure gives the area of the arithmetic units (um^2 at 45 nm): 8-bit add 36, 32-bit
add 137, 8-bit multiply 282, 32-bit multiply 3495, 16-bit float add 1360, 32-bit float add
4184, 16-bit float multiply 1640, 32-bit float multiply 7700.

What the table does not say, and the rule used here instead (each stated where it is used):

- 16-bit integers: geometric mean of the 8- and 32-bit figures.
- SRAM of another capacity: log-log interpolation between the three sizes, extended beyond
  them with the slope of the nearest pair (a 64-byte register file: 0.88 pJ per 64 bits).
- DRAM: the middle of the range, 1950 pJ per 64 bits.
- PE-to-PE forwarding: the SRAM curve at one 64-bit register (8 bytes), 0.31 pJ per 64 bits.
- Divide, square root and the transcendental ops: four multiplies of the dtype; copy: free.
- Wires between memories: 0 (the table has none; a file gives them where known).
- Leakage and static power: the table has none; the extension below gives them.
- SRAM area: the 0.346 um^2 bit cell of Intel's 45 nm process (K. Mistry et al., IEDM 2007),
  bit cells only.

Leakage extension ``cacti7_hp_45nm`` (static power; a file opts in with ``energy: {leakage:
cacti7_hp_45nm}``, otherwise static power is 0 unless the file gives it). It is not a default
because its corner is the leakiest one: on the shipped low-power files it predicts more static
power than the chips draw in all (Eyeriss's buffers alone 0.49 W against the 278 mW measured
on AlexNet's convolutions, JSSC 2017; the TPU's 24 MiB Unified Buffer 42 W against 40 W
measured busy, ISCA 2017), so none of them opts in:

- SRAM: CACTI 7 (R. Balasubramonian et al., "CACTI 7: New Tools for Interconnect Exploration
  in Innovative Off-Chip Memories", ACM TACO 14(2), 2017) at 45 nm, ITRS high-performance
  cells and periphery, 360 K, one bank: the run published with the Bit Fusion simulator (H.
  Sharma et al., ISCA 2018, from the ACT Lab like GeneSys; github.com/hsharma35/bitfusion,
  ``bitfusion/sram/cacti_sweep.csv``). Its largest array, 16 KiB, leaks 27.127 mW
  (subthreshold) + 0.785 mW (gate) = 27.912 mW: 1.7036 uW per byte, taken as linear in
  capacity (the sweep's smaller arrays leak 1.63-2.11 uW per byte: 128 B 2.03, 512 B 2.11,
  1 KiB 1.81, 2 KiB 1.63, 4 KiB 1.84 and 2.07 (two port configurations), 8 KiB 1.72).
  High-performance cells at 360 K are the leaky corner: a file describing low-power SRAM
  should give its own ``leakage_pj_per_cycle``.
- Logic (a compute node's ``idle_pj_per_cycle`` and ``busy_pj_per_cycle``, the same: leakage
  does not depend on activity and clock gating is not modelled): Aladdin (Y. S. Shao et al.,
  ISCA 2014) 40 nm unit tables as transcribed in Accelergy's library (github.com/
  Accelergy-Project/hwcomponents-library, ``library/aladdin.py``): a 32-bit adder leaks 2.4 uW
  in 278 um^2, a 32-bit multiplier 80 uW in 6350 um^2, i.e. 8.63 and 12.6 nW per um^2. A PE's
  static power is that density times the Horowitz area of its units (a MAC: the multiplier's
  area at the multiplier's density plus the adder's at the adder's); 40 nm is taken as 45 nm.
- Off-chip DRAM: no leakage here (its background power is not the accelerator's).
- Power to energy per cycle: pJ per cycle = uW / MHz, at the file's ``clock_mhz``, or at
  1000 MHz when the file gives none (the 1 ns cycle of the Aladdin tables).

Technology scaling: dynamic energy scales with capacitance, linear in the feature size at a
fixed voltage, so energies are multiplied by ``technology_nm / 45`` and areas by its square.
Leakage power is scaled like energy (Accelergy's ``tech_node_leak`` does the same).
"""

from __future__ import annotations

import math

from covenant_lab.types import DType, OpKind

__all__ = [
    "DEFAULT_CLOCK_MHZ",
    "LEAKAGE_TABLES",
    "REFERENCE_NM",
    "TABLES",
    "area_scale",
    "dram_pj_per_byte",
    "energy_scale",
    "forward_pj_per_byte",
    "op_area_um2",
    "op_leak_uw",
    "op_pj",
    "sram_area_mm2",
    "sram_leak_uw",
    "sram_pj_per_byte",
    "uw_to_pj_per_cycle",
]

TABLES = ("horowitz_isscc2014",)  # the tables an architecture file may name
# the leakage extensions a file may opt into (``energy: {leakage: ...}``); none by default
LEAKAGE_TABLES = ("cacti7_hp_45nm",)
REFERENCE_NM = 45.0  # the node the table was measured in

# (kind, bits) -> pJ per operation, at 45 nm
_ADD_PJ = {("int", 8): 0.03, ("int", 32): 0.1, ("float", 16): 0.4, ("float", 32): 0.9}
_MUL_PJ = {("int", 8): 0.2, ("int", 32): 3.1, ("float", 16): 1.1, ("float", 32): 3.7}
_ADD_UM2 = {("int", 8): 36.0, ("int", 32): 137.0, ("float", 16): 1360.0, ("float", 32): 4184.0}
_MUL_UM2 = {("int", 8): 282.0, ("int", 32): 3495.0, ("float", 16): 1640.0, ("float", 32): 7700.0}
# SRAM: (capacity bytes, pJ per 64-bit access)
_SRAM_PJ = ((8 * 1024, 10.0), (32 * 1024, 20.0), (1024 * 1024, 100.0))
_DRAM_PJ_PER_64BIT = (1300.0 + 2600.0) / 2
_REGISTER_BYTES = 8  # one 64-bit pipeline register: what a PE-to-PE hop writes and reads
_SRAM_CELL_UM2 = 0.346  # per bit, Intel 45 nm (Mistry et al., IEDM 2007)
# Leakage: CACTI 7, 45 nm itrs-hp, 360 K, 16 KiB (Bit Fusion's sweep): subthreshold + gate, mW
_SRAM_LEAK_REF = (16 * 1024, 27.127 + 0.785161)
# Aladdin 40 nm, 32-bit units: (leakage uW, area um^2)
_ADDER_LEAK = (2.40, 278.0)
_MULTIPLIER_LEAK = (80.0, 6350.0)
DEFAULT_CLOCK_MHZ = 1000.0  # when a file gives no clock_mhz: the Aladdin tables' 1 ns cycle
_SLOW_OPS = frozenset({OpKind.DIV, OpKind.EXP, OpKind.ERF, OpKind.TANH, OpKind.SIGMOID,
                       OpKind.SQRT, OpKind.RSQRT, OpKind.RECIP})
_MULTIPLIES = frozenset({OpKind.MUL})
_FREE = frozenset({OpKind.COPY})


def energy_scale(technology_nm: float) -> float:
    """The factor the table's energies are multiplied by at ``technology_nm``."""
    return technology_nm / REFERENCE_NM


def area_scale(technology_nm: float) -> float:
    """The factor the table's areas are multiplied by at ``technology_nm``."""
    return (technology_nm / REFERENCE_NM) ** 2


def _kind_bits(dtype: DType) -> tuple[str, int]:
    return ("float" if dtype.value.startswith("float") else "int", 8 * dtype.itemsize)


def _lookup(table: dict[tuple[str, int], float], dtype: DType) -> float:
    kind, bits = _kind_bits(dtype)
    if (kind, bits) in table:
        return table[(kind, bits)]
    # 16-bit integers: the geometric mean of 8 and 32 bits
    return math.sqrt(table[(kind, 8)] * table[(kind, 32)])


def op_pj(op: OpKind, dtype: DType, acc_dtype: DType | None = None) -> float:
    """pJ of one statement execution at 45 nm: a multiply-accumulate is a multiply of the
    sources' dtype plus an add of the accumulator's; other ops per the module's rules."""
    if op in _FREE:
        return 0.0
    if op is OpKind.MAC:
        return _lookup(_MUL_PJ, dtype) + _lookup(_ADD_PJ, acc_dtype or dtype)
    if op in _MULTIPLIES:
        return _lookup(_MUL_PJ, dtype)
    if op in _SLOW_OPS:
        return 4 * _lookup(_MUL_PJ, dtype)
    return _lookup(_ADD_PJ, acc_dtype or dtype)  # add, sub, max, min, reductions, neg, relu


def op_area_um2(op: OpKind, dtype: DType, acc_dtype: DType | None = None) -> float:
    """um^2 at 45 nm of the arithmetic one PE needs for ``op`` (a MAC: multiplier + adder)."""
    if op in _FREE:
        return 0.0
    if op is OpKind.MAC:
        return _lookup(_MUL_UM2, dtype) + _lookup(_ADD_UM2, acc_dtype or dtype)
    if op in _MULTIPLIES or op in _SLOW_OPS:
        return _lookup(_MUL_UM2, dtype)
    return _lookup(_ADD_UM2, acc_dtype or dtype)


def sram_pj_per_byte(capacity_bytes: int) -> float:
    """pJ per byte read or written in an SRAM of ``capacity_bytes`` at 45 nm: the table's
    64-bit access energy, log-log interpolated in capacity, divided by 8."""
    points = _SRAM_PJ
    if capacity_bytes <= points[1][0]:
        (c0, e0), (c1, e1) = points[0], points[1]
    else:
        (c0, e0), (c1, e1) = points[1], points[2]
    slope = math.log(e1 / e0) / math.log(c1 / c0)
    return float(e0 * (capacity_bytes / c0) ** slope / 8)


def dram_pj_per_byte() -> float:
    """pJ per byte of an off-chip DRAM access at 45 nm (the middle of 1.3-2.6 nJ per 64 bits)."""
    return _DRAM_PJ_PER_64BIT / 8


def forward_pj_per_byte() -> float:
    """pJ per byte of one PE-to-PE hop at 45 nm: a 64-bit register on the SRAM curve."""
    return sram_pj_per_byte(_REGISTER_BYTES)


def sram_area_mm2(capacity_bytes: int) -> float:
    """mm^2 at 45 nm of the bit cells of ``capacity_bytes`` of SRAM."""
    return capacity_bytes * 8 * _SRAM_CELL_UM2 / 1e6


def sram_leak_uw(capacity_bytes: int) -> float:
    """uW of leakage of ``capacity_bytes`` of SRAM at 45 nm (CACTI 7, linear in capacity)."""
    ref_bytes, ref_mw = _SRAM_LEAK_REF
    return capacity_bytes * ref_mw * 1e3 / ref_bytes


def _density(unit: tuple[float, float]) -> float:
    uw, um2 = unit
    return uw / um2


def op_leak_uw(op: OpKind, dtype: DType, acc_dtype: DType | None = None) -> float:
    """uW of leakage of the arithmetic one PE needs for ``op`` (its Horowitz area at the
    Aladdin leakage density of a multiplier or an adder)."""
    if op in _FREE:
        return 0.0
    mul = _lookup(_MUL_UM2, dtype) * _density(_MULTIPLIER_LEAK)
    if op is OpKind.MAC:
        return mul + _lookup(_ADD_UM2, acc_dtype or dtype) * _density(_ADDER_LEAK)
    if op in _MULTIPLIES or op in _SLOW_OPS:
        return mul
    return _lookup(_ADD_UM2, acc_dtype or dtype) * _density(_ADDER_LEAK)


def uw_to_pj_per_cycle(uw: float, clock_mhz: float | None) -> float:
    """pJ per cycle of a power of ``uw`` microwatts at ``clock_mhz`` (default 1000 MHz)."""
    return uw / (clock_mhz or DEFAULT_CLOCK_MHZ)
