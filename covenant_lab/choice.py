"""One rule for an argument that names one of an Enum's values: the member, or a UsageError
naming the argument, the function, the choices and what was given::

    objective = choice(Objective, "energy", "objective", "compile")   # Objective.ENERGY
    choice(Objective, "speed", "objective", "compile")
    # UsageError: argument 'objective' to compile: expected one of 'cycles', 'energy',
    # 'edp', got 'speed'
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from covenant_lab.errors import UsageError

__all__ = ["choice"]

E = TypeVar("E", bound=Enum)


def choice(kind: type[E], value: object, argument: str, where: str) -> E:
    """``value`` as a member of ``kind`` (a member passes through; else by its value)."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in kind)
        raise UsageError(f"argument {argument!r} to {where}: expected one of {choices}, got "
                         f"{value!r}") from None
