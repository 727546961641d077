"""Pass 2: group stages into loop nests; temps between fused stages never leave the chip."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Role
from covenant_lab.compiler.mapping import Group, Mapping


def common_parallel_loops(mapping: Mapping, stages: tuple[int, ...]) -> tuple[str, ...]:
    """Loops every stage iterates and none reduces over: the loops a fused group can tile."""
    sts = [mapping.codelet.stages[i] for i in stages]
    first = sts[0].loops
    return tuple(lp for lp in first if all(lp in s.loops and lp in s.stmt.dst.vars for s in sts))


def temp_storages(mapping: Mapping, operand: str, stages: tuple[int, ...]) -> tuple[str, ...]:
    """Storages every capability touching ``operand`` in these stages can use for it."""
    allowed: tuple[str, ...] | None = None
    for i in stages:
        b = mapping.binding(i)
        for role, name in b.roles:
            if name != operand:
                continue
            port = b.capability.port(role)
            assert port is not None
            ok = port.storages
            allowed = ok if allowed is None else tuple(s for s in allowed if s in ok)
    return allowed or ()


def temp_ports(mapping: Mapping, operand: str, stages: tuple[int, ...]) -> str:
    """Where each capability touching ``operand`` in these stages takes it, in words:
    ``stage 3 (mac on cube) reads it as a from L0A; stage 3 ... as b from L0B``."""
    out = []
    for i in stages:
        b = mapping.binding(i)
        for role, name in b.roles:
            port = b.capability.port(role)
            if name == operand and port is not None:
                out.append(f"stage {i} ({b.capability.label} on {b.node.name}) takes it as "
                           f"{role.value} from {' or '.join(port.storages)}")
    return "; ".join(out)


def fusable(mapping: Mapping) -> bool:
    """All stages can share one loop nest: every temp has a storage all its users reach."""
    stages = tuple(range(len(mapping.codelet.stages)))
    return all(
        temp_storages(mapping, op.name, stages) for op in mapping.codelet.operands_with(Role.TEMP)
    )


@dataclass(frozen=True)
class FuseStages:
    """Put all stages in one group when legal (``enabled``), else one group per stage.

    rewrite (softmax, fused)::

        for b,i,k: m = max(m, x)        for b, i:                  # tiled together
        for b,i,k: t = x - m       ->       for k: m = max(m, x)    # m, t, s stay on chip
        for b,i,k: s += exp(t) ...          for k: t = x - m ...
    """

    name: ClassVar[str] = "fuse"
    enabled: bool = True

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        n = len(mapping.codelet.stages)
        groups: tuple[Group, ...]
        if n > 1 and self.enabled and fusable(mapping):
            stages = tuple(range(n))
            groups = (Group(stages, common_parallel_loops(mapping, stages)),)
        else:
            groups = tuple(Group((i,), mapping.codelet.stages[i].loops) for i in range(n))
        return replace(mapping, groups=groups)
