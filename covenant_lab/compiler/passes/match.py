"""Pass 1: bind each stage's statement to a capability of a compute node."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.compiler.mapping import Binding, Mapping
from covenant_lab.compiler.roles import capability_fits, stage_roles
from covenant_lab.errors import MappingError, ScheduleError


def candidates(
    mapping: Mapping, acg: ACG, stage: int
) -> tuple[tuple[ComputeNode, Capability], ...]:
    """Every (node, capability) able to run ``stage``, in ACG order."""
    st = mapping.codelet.stages[stage]
    return tuple((n, c) for n, c in acg.providers(st.stmt.op) if capability_fits(st, c))


def allowed_candidates(
    mapping: Mapping, acg: ACG, stage: int, want: str | None
) -> tuple[tuple[ComputeNode, Capability], ...]:
    """The candidates of ``stage`` a capability constraint ``want`` ("node" or
    "node.capability") allows (all of them when None); MappingError when it allows none."""
    found = candidates(mapping, acg, stage)
    if want is None:
        return found
    kept = tuple((n, c) for n, c in found if want in (n.name, f"{n.name}.{c.label}"))
    if not kept:
        st = mapping.codelet.stages[stage]
        raise MappingError(
            f"match: constraint capability '{want}' cannot run stage {stage} "
            f"({st.stmt.op.value}) of {mapping.codelet.name}",
            hint="capabilities for this op: "
            + ", ".join(f"{n.name}.{c.label}" for n, c in found),
        )
    return kept


@dataclass(frozen=True)
class MatchCapabilities:
    """Bind every stage to a capability: ``choice[i]`` picks among stage i's candidates.

    rewrite (a conv on a systolic-array machine)::

        y[n, oc, oh, ow] += x[...] * w[...]   ->   y[...] += x[...] * w[...]   @ array.mac
                                                   roles a=x, b=w, acc=y
    """

    name: ClassVar[str] = "match"
    choice: tuple[int, ...] = ()
    require: tuple[tuple[int, str], ...] = ()  # (stage, "node" or "node.capability")

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        bindings = []
        required = dict(self.require)
        for i, st in enumerate(mapping.codelet.stages):
            found = allowed_candidates(mapping, acg, i, required.get(i))
            if not found:
                raise ScheduleError(
                    self.name,
                    f"no compute node of {acg.name} performs '{st.stmt.op.value}' "
                    f"(stage {i} of {mapping.codelet.name})",
                    hint="add a capability with this op to the architecture file",
                )
            k = self.choice[i] if i < len(self.choice) else 0
            if k >= len(found):
                raise ScheduleError(self.name, f"stage {i} has {len(found)} candidates, got {k}")
            node, cap = found[k]
            roles = tuple((role, acc.operand) for role, acc in stage_roles(st))
            bindings.append(Binding(i, node, cap, roles))
        return replace(mapping, bindings=tuple(bindings))
