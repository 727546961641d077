"""The compiler's share of the budgets (``covenant_lab/budget.py``): a program with more
instructions than ``max_instructions``, or too big to hold, is refused before it is lowered,
from the cost model's count of its instructions (exact: the same walk of the loop nest), so a
huge layer on a small machine fails in milliseconds, not after minutes and gigabytes of
lowering::

    compile: conv: the program has 3,000,010 instructions, over the budget of 500,000

The memory check stays for a budget of instructions raised past what memory can hold::

    compile: conv: the program needs 3.0 GiB of host memory (3,000,010 instructions x 1024 B),
    over the memory budget of 2.0 GiB

The error is a MappingError: ``compile_model`` records the layer as failed and goes on.
"""

from __future__ import annotations

import numpy as np

from covenant_lab.acg.graph import ACG
from covenant_lab.budget import (
    BYTES_PER_INSTRUCTION,
    HINT,
    INSTRUCTIONS_HINT,
    over_budget,
    over_instruction_budget,
    require_max_instructions,
    require_max_memory,
)
from covenant_lab.compiler.cost import GroupModel
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.errors import MappingError

__all__ = ["program_instructions", "require_program_fits"]


def program_instructions(mapping: Mapping, acg: ACG) -> int:
    """How many instructions lowering ``mapping`` makes (transfers and compute invocations)."""
    total = 0.0
    for group in mapping.groups:
        model = GroupModel(mapping, group, acg)
        tiles = [np.asarray([t], dtype=np.int64) for t in group.tiles]
        total += float(np.asarray(model.cost(tiles, group.orders).instructions).ravel()[0])
    return int(total)


def require_program_fits(mapping: Mapping, acg: ACG, max_memory: int, max_instructions: int,
                         name: str) -> None:
    """A MappingError when the program of ``mapping`` would have more than
    ``max_instructions`` instructions or need more than ``max_memory`` bytes."""
    max_memory = require_max_memory(max_memory, "compile")
    max_instructions = require_max_instructions(max_instructions, "compile")
    n = program_instructions(mapping, acg)
    many = over_instruction_budget(f"compile: {name}: the program", n, max_instructions)
    if many is not None:
        raise MappingError(many, hint=INSTRUCTIONS_HINT + " (a larger on-chip memory means "
                                                          "fewer tiles)")
    message = over_budget(f"compile: {name}: the program", n * BYTES_PER_INSTRUCTION,
                          max_memory, f"{n:,} instructions x {BYTES_PER_INSTRUCTION} B")
    if message is not None:
        raise MappingError(message, hint=HINT + " (a larger on-chip memory means fewer tiles)")
