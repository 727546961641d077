"""Warnings about an architecture that validates but may not be usable (``covenant arch check``).

A warning is an :class:`~covenant_lab.errors.ArchProblem` (YAML field, line, message, hint;
rendered ``file:line: field: message`` plus ``hint:``, like validation errors) with a kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from covenant_lab.acg.validate import Problems
from covenant_lab.errors import ArchProblem

__all__ = ["ArchWarning", "WarningKind", "Warnings"]


class WarningKind(Enum):
    """What a warning is about (see docs/arch-check.md)."""

    UNREACHED_UNIT = "unreached-unit"  # no probe compiles onto a compute node
    UNUSABLE_CAPABILITY = "unusable-capability"  # a capability's probe does not compile
    NO_DATA_PATH = "no-data-path"  # a port cannot be loaded from / drained to its home
    UNUSED_STORAGE = "unused-storage"  # no port, and on no path between a port and a home
    TEMPLATE_FIELD = "template-field"  # a template field the assembler does not fill
    TIMING_NAME = "timing-name"  # used_<dim> / folds_<dim> of a dim with no spatial entry
    PROBE_FAILED = "probe-failed"  # a standard probe fails though every unit it needs works
    FALLBACK = "fallback"  # a standard probe ran on a fallback unit


@dataclass(frozen=True, slots=True)
class ArchWarning:
    """One warning: its kind and the problem (field, line, message, hint)."""

    kind: WarningKind
    problem: ArchProblem

    @property
    def field(self) -> str:
        return self.problem.field

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def message(self) -> str:
        return self.problem.message

    @property
    def hint(self) -> str | None:
        return self.problem.hint

    def render(self, source: str) -> str:
        """``warning: file:line: field: message`` and an indented ``hint:`` line."""
        return "warning: " + self.problem.render(source)


class Warnings:
    """Collects warnings; each field's line comes from the file's YAML line map."""

    def __init__(self, lines: Mapping[str, int] | None = None) -> None:
        self._problems = Problems(lines)
        self.items: list[ArchWarning] = []

    def add(self, kind: WarningKind, field: str, message: str, hint: str | None = None) -> None:
        self._problems.add(field, message, hint)
        self.items.append(ArchWarning(kind, self._problems.items[-1]))
