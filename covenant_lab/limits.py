"""The limits of the architecture interface: the largest (and smallest) values covenant_lab
promises to handle, each with its reason.

A file beyond them is refused when it is loaded, with an ArchError naming the field (file and
line), the value and the limit; so nothing downstream (the cost model's floats, numpy's int64,
the simulator's memories, the search over buffer slots) meets a number it cannot represent, a
loop it cannot finish or an allocation it cannot make. The checks live in ``acg/build.py``
(numbers), ``acg/expr_parser.py`` (expression text), ``acg/expr.py`` (expression trees) and
``acg/timing.py`` (timing expressions).
"""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.quote import show_number

__all__ = [
    "AREA_MM2",
    "BANKS",
    "BUFFERING",
    "BYTES_PER_CYCLE",
    "CAPACITY_BYTES",
    "CLOCK_MHZ",
    "CYCLES",
    "DIM",
    "ENERGY_PJ",
    "EXPR_CHARS",
    "EXPR_DEPTH",
    "LATENCY_CYCLES",
    "MAX_INSTRUCTIONS",
    "MAX_MEMORY",
    "NUMBER",
    "PES",
    "TECHNOLOGY_NM",
    "WORD_BYTES",
    "Limit",
]


@dataclass(frozen=True, slots=True)
class Limit:
    """The closed range ``[low, high]`` one kind of number must lie in, and why."""

    what: str  # e.g. "a capacity"
    low: int | float
    high: int | float
    unit: str  # e.g. "bytes"; "" for a pure number
    reason: str  # one line: why this bound

    def problem(self, value: int | float) -> str | None:
        """Why ``value`` is out of range (a message naming the value and the limit), or None."""
        if self.low <= value <= self.high:
            return None
        side, bound = ("above", self.high) if value > self.high else ("below", self.low)
        unit = f" {self.unit}" if self.unit else ""
        return (f"{show_number(value)}{unit} is {side} the limit for {self.what}, "
                f"{_bound_text(bound)}{unit} ({self.reason})")


def _bound_text(bound: int | float) -> str:
    """``2^48 = 281474976710656``; ``1/1024``; plain otherwise."""
    if isinstance(bound, int) and bound >= 1 << 16 and bound & (bound - 1) == 0:
        return f"2^{bound.bit_length() - 1} = {bound}"
    if isinstance(bound, float) and 0 < bound < 1 and (1 / bound).is_integer():
        return f"1/{int(1 / bound)}"
    return show_number(bound)


# -- expressions ----------------------------------------------------------------------------
EXPR_CHARS = 1000  # a field's expression text; a longer one is a mistake, not a formula
EXPR_DEPTH = 64  # levels of parentheses, calls, signs and operators: every walk of the tree
#                  (printing, substituting, evaluating, numpy) recurses this deep at most

# -- numbers --------------------------------------------------------------------------------
NUMBER = Limit("any architecture number", -(1 << 53), 1 << 53, "",
               "a float64 holds every integer up to 2^53 exactly; the cost model computes "
               "in float64")
CAPACITY_BYTES = Limit("a capacity", 1, 1 << 48, "bytes",
                       "a 48-bit physical address space, more than any memory a chip addresses")
BYTES_PER_CYCLE = Limit("a bandwidth", 1 / 1024, 1 << 32, "bytes per cycle",
                        "a data path moves between a byte per 1024 cycles and 4 GiB per cycle")
LATENCY_CYCLES = Limit("a latency", 0, 1 << 24, "cycles",
                       "16 million cycles is milliseconds: longer than any memory or bus latency")
BUFFERING = Limit("buffering or FIFO entries", 1, 8, "copies",
                  "each copy is one more tile in flight per operand; the search and the "
                  "simulator's slot rotation grow with it, and no design uses more")
DIM = Limit("an array dimension", 1, 1 << 16, "PEs",
            "65536 PEs along one side; the TPU's 256x256 array has 256")
PES = Limit("the PEs of a compute node", 1, 1 << 20, "PEs",
            "a million PEs, beyond a wafer-scale engine's 850,000 cores; a private storage "
            "has one copy per PE")
WORD_BYTES = Limit("a word", 1, 1 << 12, "bytes", "a 4 KiB word is wider than any memory row")
BANKS = Limit("a bank count", 1, 1 << 16, "banks", "65536 banks; more is no memory's layout")
CLOCK_MHZ = Limit("a clock", 1, 100_000, "MHz",
                  "from 1 MHz (a slow microcontroller) to 100 GHz; node clocks then differ "
                  "from the reference by 10^5 at most")
CYCLES = Limit("one invocation's timing", 0, 1 << 53, "cycles",
               "cycle counts are summed in float64, exact up to 2^53")
ENERGY_PJ = Limit("an energy", 0, 1_000_000, "pJ",
                  "a microjoule per byte, operation or cycle is 4000x a DRAM byte; more is a "
                  "unit mistake (nJ or J written as pJ)")
AREA_MM2 = Limit("an area", 0, 100_000, "mm^2",
                 "a 300 mm wafer is 70,000 mm^2; more is a unit mistake (um^2 written as mm^2)")
TECHNOLOGY_NM = Limit("a technology node", 1, 1000, "nm",
                      "from 1 nm to 1 um processes; the energy table scales linearly with it")

# -- host memory (checked by covenant_lab/budget.py) -----------------------------------------
MAX_MEMORY = 2 << 30  # bytes of host memory an ONNX load, a compile or a simulation may use by
#                       default (a laptop runs two side by side); max_memory= / --max-memory
# -- work (checked by covenant_lab/budget.py) ------------------------------------------------
MAX_INSTRUCTIONS = 500_000  # instructions a compiled or loaded program may have by default:
#                       7x the largest shipped layer (Eyeriss BERT FFN1, ~73,000), about 15 s
#                       to lower, 30 s to simulate for timing and 2 min functionally at the
#                       measured 4,700 instructions/s; max_instructions= / --max-instructions
