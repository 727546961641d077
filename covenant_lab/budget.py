"""The host-memory budget: work that cannot fit is refused before it starts, never run out of
memory halfway.

One budget (``max_memory``, in bytes of host memory) for everything that allocates in
proportion to its input, each checked from sizes known up front:

- the ONNX front end: every tensor of a model (``load``), and what ``onnx.reference`` allocates
  to run it (``Model.reference``);
- the compiler: the instructions of the program it would lower (``compile``);
- the simulator: the memories of a functional run (a float64 value and a written flag per
  simulated byte address) and the schedule of the instructions (``Simulator``).

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
from covenant_lab.limits import MAX_MEMORY

__all__ = [
    "BYTES_PER_INSTRUCTION",
    "DEFAULT_MAX_MEMORY",
    "HINT",
    "SIM_BYTES_PER_BYTE",
    "SIM_BYTES_PER_INSTRUCTION",
    "SIM_VIEWS_BYTES",
    "SIM_VIEWS_BYTES_PER_INSTRUCTION",
    "add_max_memory_option",
    "over_budget",
    "parse_size",
    "require_max_memory",
    "size_argument",
    "size_text",
]

#: the default budget (``covenant_lab/limits.py``)
DEFAULT_MAX_MEMORY = MAX_MEMORY
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


def add_max_memory_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--max-memory SIZE``: the budget of a command (``args.max_memory``, in bytes)."""
    parser.add_argument("--max-memory", type=size_argument, default=DEFAULT_MAX_MEMORY,
                        metavar="SIZE", help=f"host memory {what} may take (e.g. 512M, 8G; "
                                             f"default {size_text(DEFAULT_MAX_MEMORY)})")


def require_max_memory(value: object, where: str) -> int:
    """``value`` as a budget in bytes: a positive int, else a UsageError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UsageError(f"argument 'max_memory' to {where}: expected a positive number of "
                         f"bytes, got {value!r}", hint="e.g. max_memory=4 * 2**30 for 4 GiB")
    return value


def over_budget(what: str, need: int, max_memory: int, detail: str = "") -> str | None:
    """``"<what> needs 3.1 GiB of host memory (<detail>), over the memory budget of 2.0 GiB"``
    when ``need`` exceeds the budget, else None."""
    if need <= max_memory:
        return None
    return (f"{what} needs {size_text(need)} of host memory{f' ({detail})' if detail else ''}, "
            f"over the memory budget of {size_text(max_memory)}")
