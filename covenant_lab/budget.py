"""The budgets: work that cannot fit is refused before it starts, never run out of memory
halfway or run for hours.

One budget (``max_memory``, in bytes of host memory) for everything that allocates in
proportion to its input, each checked from sizes known up front:

- the ONNX front end: every tensor of a model (``load``), and what ``onnx.reference`` allocates
  to run it (``Model.reference``);
- the compiler: the instructions of the program it would lower (``compile``);
- the simulator: the memories of a functional run (a float64 value and a written flag per
  simulated byte address) and the schedule of the instructions (``Simulator``).

Memory is not time: a program that fits in memory can still take hours to lower and simulate
(at ~4,700 instructions/s functionally). The second budget, ``max_instructions``, bounds the
instructions of a program wherever one is made or run (``compile`` before lowering, from the
cost model's exact count; ``Simulator``, before scheduling)::

    compile: conv: the program has 2,097,152 instructions, over the budget of 500,000
    hint: pass max_instructions=... (--max-instructions on the command line) to allow more, ...

The constants below are the host bytes each unit costs (measured, rounded up); the refusal
names what is too big, how much it needs and the budget::

    sim: conv: functional simulation needs 3.1 GiB of host memory (DRAM: 340.0 MiB of
    simulated bytes x 9), over the memory budget of 2.0 GiB
    hint: pass max_memory=... (--max-memory on the command line) to allow more, ...
"""

from __future__ import annotations

import argparse
import re

from covenant_lab.errors import UsageError
from covenant_lab.limits import MAX_INSTRUCTIONS, MAX_MEMORY

__all__ = [
    "BYTES_PER_INSTRUCTION",
    "DEFAULT_MAX_INSTRUCTIONS",
    "DEFAULT_MAX_MEMORY",
    "HINT",
    "INSTRUCTIONS_HINT",
    "SIM_BYTES_PER_BYTE",
    "SIM_BYTES_PER_INSTRUCTION",
    "SIM_VIEWS_BYTES",
    "SIM_VIEWS_BYTES_PER_INSTRUCTION",
    "add_budget_options",
    "over_budget",
    "over_instruction_budget",
    "parse_size",
    "require_max_instructions",
    "require_max_memory",
    "size_argument",
    "size_text",
]

#: the default budget (``covenant_lab/limits.py``)
DEFAULT_MAX_MEMORY = MAX_MEMORY
#: the default instruction budget (``covenant_lab/limits.py``)
DEFAULT_MAX_INSTRUCTIONS = MAX_INSTRUCTIONS
#: a functional simulation holds one float64 value and one written flag per byte address
SIM_BYTES_PER_BYTE = 9
#: the simulator's schedule, events and tile regions per instruction (measured ~800 B)
SIM_BYTES_PER_INSTRUCTION = 1024
#: what a functional simulation holds besides its memories, per instruction (its cache of
#: views, measured ~8 KiB), up to SIM_VIEWS_BYTES (the cache's bound)
SIM_VIEWS_BYTES_PER_INSTRUCTION = 8 * 2**10
SIM_VIEWS_BYTES = 64 * 2**20
#: a lowered instruction with its tiles, while the compiler builds the program (~900 B)
BYTES_PER_INSTRUCTION = 1024

HINT = ("pass max_memory=... (--max-memory on the command line) to allow more, or make the "
        "layer smaller")

INSTRUCTIONS_HINT = ("pass max_instructions=... (--max-instructions on the command line) to "
                     "allow more, or make the layer smaller")

_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6,
          "mib": 2**20, "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12,
          "tib": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def size_text(nbytes: float) -> str:
    """``1.5 GiB``, ``340.0 MiB``, ``12 B``."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def parse_size(text: str) -> int:
    """Bytes from ``"2G"``, ``"512MiB"``, ``"1.5GB"`` or ``"4096"`` (K, M, G, T are binary)."""
    found = _SIZE.fullmatch(text)
    unit = found.group(2).lower() if found else ""
    if found is None or unit not in _UNITS:
        raise UsageError(f"memory size {text!r}: expected a number of bytes with an optional "
                         "unit", hint="e.g. 512M, 2G, 4GiB, 8000000000")
    value = int(float(found.group(1)) * _UNITS[unit])
    if value <= 0:
        raise UsageError(f"memory size {text!r}: must be positive")
    return value


def size_argument(text: str) -> int:
    """``parse_size`` as an argparse ``type=`` (a bad value is a usage message, exit 2)."""
    try:
        return parse_size(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _count_argument(text: str) -> int:
    """A positive count as an argparse ``type=`` (ASCII digits, ``_`` or ``,`` separators)."""
    digits = text.replace("_", "").replace(",", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 16 or int(digits) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text[:40]!r}")
    return int(digits)


def add_budget_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--max-memory SIZE`` (``args.max_memory``, in bytes) and ``--max-instructions N``
    (``args.max_instructions``): the budgets of a command."""
    parser.add_argument("--max-memory", type=size_argument, default=DEFAULT_MAX_MEMORY,
                        metavar="SIZE", help=f"host memory {what} may take (e.g. 512M, 8G; "
                                             f"default {size_text(DEFAULT_MAX_MEMORY)})")
    parser.add_argument("--max-instructions", type=_count_argument,
                        default=DEFAULT_MAX_INSTRUCTIONS, metavar="N",
                        help=f"instructions each layer's program may have (default "
                             f"{DEFAULT_MAX_INSTRUCTIONS:,}); bounds compile and simulation "
                             "time")


def require_max_memory(value: object, where: str) -> int:
    """``value`` as a budget in bytes: a positive int, else a UsageError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UsageError(f"argument 'max_memory' to {where}: expected a positive number of "
                         f"bytes, got {value!r}", hint="e.g. max_memory=4 * 2**30 for 4 GiB")
    return value


def require_max_instructions(value: object, where: str) -> int:
    """``value`` as an instruction budget: a positive int, else a UsageError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UsageError(f"argument 'max_instructions' to {where}: expected a positive number "
                         f"of instructions, got {value!r}", hint="e.g. max_instructions=2_000_000")
    return value


def over_instruction_budget(what: str, count: int, max_instructions: int) -> str | None:
    """``"<what> has 2,097,152 instructions, over the budget of 500,000"`` when ``count``
    exceeds the budget, else None."""
    if count <= max_instructions:
        return None
    return f"{what} has {count:,} instructions, over the budget of {max_instructions:,}"


def over_budget(what: str, need: int, max_memory: int, detail: str = "") -> str | None:
    """``"<what> needs 3.1 GiB of host memory (<detail>), over the memory budget of 2.0 GiB"``
    when ``need`` exceeds the budget, else None."""
    if need <= max_memory:
        return None
    return (f"{what} needs {size_text(need)} of host memory{f' ({detail})' if detail else ''}, "
            f"over the memory budget of {size_text(max_memory)}")
