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
            options = candidates(mapping, acg, i)
            if i in required:
                want = required[i]
                options = tuple(
                    (n, c) for n, c in options if want in (n.name, f"{n.name}.{c.label}")
                )
                if not options:
                    raise MappingError(
                        f"match: constraint capability '{want}' cannot run stage {i} "
                        f"({st.stmt.op.value}) of {mapping.codelet.name}",
                        hint="capabilities for this op: "
                        + ", ".join(f"{n.name}.{c.label}" for n, c in candidates(mapping, acg, i)),
                    )
            if not options:
                raise ScheduleError(
                    self.name,
                    f"no compute node of {acg.name} performs '{st.stmt.op.value}' "
                    f"(stage {i} of {mapping.codelet.name})",
                    hint="add a capability with this op to the architecture file",
                )
            k = self.choice[i] if i < len(self.choice) else 0
            if k >= len(options):
                raise ScheduleError(self.name, f"stage {i} has {len(options)} candidates, got {k}")
            node, cap = options[k]
            roles = tuple((role, acc.operand) for role, acc in stage_roles(st))
            bindings.append(Binding(i, node, cap, roles))
        return replace(mapping, bindings=tuple(bindings))
