"""Operand roles of a statement and loop signatures (which roles a loop indexes)."""

from __future__ import annotations

from covenant_lab.acg.capabilities import Capability, SpatialDim
from covenant_lab.codelets.ir import Access, Stage
from covenant_lab.types import PortRole


def stage_roles(stage: Stage) -> tuple[tuple[PortRole, Access], ...]:
    """(role, access) for every operand access of the statement; constants have no role."""
    return stage.stmt.roles


def signature(stage: Stage, loop: str) -> frozenset[PortRole]:
    """The roles whose access index uses ``loop``."""
    return frozenset(role for role, acc in stage_roles(stage) if loop in acc.vars)


def loop_signatures(stage: Stage) -> dict[str, frozenset[PortRole]]:
    """``signature`` of every loop of the stage."""
    uses = [(role, acc.vars) for role, acc in stage_roles(stage)]
    return {lp: frozenset(role for role, used in uses if lp in used) for lp in stage.loops}


def qualifies(sig: frozenset[str], spec: SpatialDim) -> bool:
    return spec.requires <= sig and not (spec.excludes & sig)


def fits_without_init(stage: Stage, cap: Capability) -> bool:
    """Whether the capability could execute the statement were its ``init`` a constant."""
    if cap.op is not stage.stmt.op:
        return False
    return all(cap.port(role) is not None
               for role, _ in stage_roles(stage) if role is not PortRole.INIT)


def capability_fits(stage: Stage, cap: Capability) -> bool:
    """Whether the capability can execute the stage's statement."""
    if cap.op is not stage.stmt.op:
        return False
    return all(cap.port(role) is not None for role, _ in stage_roles(stage))
