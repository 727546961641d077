"""Stages the compiler put on a fallback unit (a host CPU, a scalar core), and why.

A compute node marked ``fallback: true`` is a general-purpose unit: the search puts a stage
there only when no other unit can run it (or a constraint asks for it), and never silently.
After the search has chosen, every stage bound to a fallback node is explained by
:func:`explain_fallbacks`:

- no other unit performs the stage's op: ``no other unit performs 'sigmoid'``;
- another unit has the op but no capability of it fits the statement: the missing ports,
  ``accel.add has no port for role 'b' (operand 'y')``;
- otherwise the codelet is planned again with the stage restricted to that unit
  (``Constraints.capability``), and the error it raises (a tile that cannot fit, a storage
  no path reaches, ...) is the reason; when that plan succeeds, the reason is the cost
  model's verdict, in the objective the search minimised (cycles, energy in the unit that
  suits it, or energy x cycles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet, Stage
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.objective import Objective, objective_text
from covenant_lab.compiler.roles import capability_fits, fits_without_init, stage_roles
from covenant_lab.compiler.search import plan
from covenant_lab.errors import MappingError
from covenant_lab.types import OpKind

__all__ = ["Fallback", "explain_fallbacks", "fallback_note", "reasons"]

_LEAST = {Objective.ENERGY: " (least energy)", Objective.EDP: " (least energy x cycles)"}


@dataclass(frozen=True, slots=True)
class Fallback:
    """Stage ``stage`` (op ``op``) runs on fallback unit ``node``; ``reason`` says why no
    preferred unit does (one line per refusing unit, each possibly followed by a hint line).

    ``preferred`` lists the non-fallback units that perform ``op`` (empty: none does).
    """

    stage: int
    op: OpKind
    node: str
    reason: str
    preferred: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The reason's first line (what a table cell shows)."""
        return self.reason.splitlines()[0] if self.reason else ""

    def note(self) -> str:
        """``fallback: host — <first line of the reason>``."""
        return fallback_note((self,))


def fallback_note(fallback: Sequence[Fallback]) -> str:
    """One line for a table: ``fallback: host — <reason>`` ('' when nothing fell back);
    several stages are joined with ``; `` (``reasons``)."""
    if not fallback:
        return ""
    return "fallback: " + "; ".join(f"{node} — {why}" for node, why in reasons(fallback))


def reasons(fallback: Sequence[Fallback]) -> list[tuple[str, str]]:
    """(unit, first line of the reason) per unit and reason, once, with the numbers of the
    stages sharing it (``<reason> (stages 1, 2, 4)``)."""
    same: dict[tuple[str, str], list[int]] = {}
    for f in fallback:
        same.setdefault((f.node, f.summary), []).append(f.stage)
    return [(node, summary + (f" (stages {', '.join(map(str, stages))})"
                              if len(stages) > 1 else ""))
            for (node, summary), stages in same.items()]


def _missing_ports(stage: Stage, node: str, cap: Capability) -> str:
    missing = [(role, acc.operand) for role, acc in stage_roles(stage) if cap.port(role) is None]
    roles = ", ".join(f"'{role}' (operand '{operand}')" for role, operand in missing)
    plural = "s" if len(missing) > 1 else ""
    return f"{node}.{cap.label} has no port for role{plural} {roles}"


def _refusal(
    codelet: Codelet,
    acg: ACG,
    cons: Constraints,
    stage: int,
    unit: str,
    chosen: float,
    fallback: str,
    objective: Objective,
) -> str:
    """Why ``unit`` does not run ``stage`` of ``codelet`` (the search put it on ``fallback``)."""
    st = codelet.stages[stage]
    caps = [c for n, c in acg.providers(st.stmt.op) if n.name == unit]
    if not any(capability_fits(st, c) or fits_without_init(st, c) for c in caps):
        return "; ".join(_missing_ports(st, unit, c) for c in caps)
    pinned = tuple((i, w) for i, w in cons.capability if i != stage)
    try:
        alt = plan(codelet, acg, replace(cons, capability=(*pinned, (stage, unit))),
                   objective=objective)
    except MappingError as exc:
        return f"{unit}: {exc}"
    least = _LEAST.get(objective, "")
    return (
        f"{unit} can run it, but the search{least} estimates "
        f"{objective_text(objective, alt.estimate)} there and "
        f"{objective_text(objective, chosen)} on {fallback}"
    )


def explain_fallbacks(
    mapping: Mapping, acg: ACG, cons: Constraints, chosen: float,
    objective: Objective = Objective.CYCLES,
) -> tuple[Fallback, ...]:
    """One :class:`Fallback` per stage of ``mapping`` bound to a fallback node.

    ``cons`` are the constraints the mapping was searched under, ``chosen`` the search's
    score of it under ``objective`` (compared with the preferred unit's, searched for the
    same objective, when that unit can run the stage).
    """
    out = []
    required = dict(cons.capability)
    for b in mapping.bindings:
        if not b.node.fallback:
            continue
        op = mapping.codelet.stages[b.stage].stmt.op
        preferred = tuple(dict.fromkeys(n.name for n, _ in acg.providers(op) if not n.fallback))
        if not preferred:
            reason = f"no other unit performs '{op.value}'"
        elif b.stage in required:
            reason = f"the constraint capability={{{b.stage}: '{required[b.stage]}'}} asks for it"
        else:
            reason = "\n".join(
                _refusal(mapping.codelet, acg, cons, b.stage, unit, chosen, b.node.name,
                         objective)
                for unit in preferred
            )
        out.append(Fallback(b.stage, op, b.node.name, reason, preferred))
    return tuple(out)
