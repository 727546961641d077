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


def fusable(mapping: Mapping, stages: tuple[int, ...] | None = None) -> bool:
    """The stages (default: all) can share one loop nest: every temp two of them use has a
    storage all its users among them reach."""
    stages = tuple(range(len(mapping.codelet.stages))) if stages is None else stages
    used = [{acc.operand for acc in mapping.codelet.stages[i].stmt.accesses} for i in stages]
    return all(temp_storages(mapping, op.name, stages)
               for op in mapping.codelet.operands_with(Role.TEMP)
               if sum(op.name in u for u in used) > 1)


def runs(mapping: Mapping) -> tuple[tuple[int, ...], ...]:
    """The stages in runs of consecutive ones, each as long as its stages can share a loop
    nest (``fusable``): all of them where they can, else, where a matrix unit and a unit of
    lanes have no storage in common (a DaVinci-like file's L0C and UB), the matmul alone and
    the bias and GELU stages after it together."""
    out: list[tuple[int, ...]] = []
    run: tuple[int, ...] = ()
    for i in range(len(mapping.codelet.stages)):
        if run and not fusable(mapping, (*run, i)):
            out.append(run)
            run = ()
        run = (*run, i)
    return (*out, run) if run else tuple(out)


@dataclass(frozen=True)
class FuseStages:
    """Put stages in as few groups as legal (``enabled``: consecutive stages together while
    every temp between them has a storage its users reach, ``runs``), else one group per
    stage. A temp a group shares with another goes through its home.

    rewrite (softmax, fused)::

        for b,i,k: m = max(m, x)        for b, i:                  # tiled together
        for b,i,k: t = x - m       ->       for k: m = max(m, x)    # m, t, s stay on chip
        for b,i,k: s += exp(t) ...          for k: t = x - m ...
    """

    name: ClassVar[str] = "fuse"
    enabled: bool = True

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        n = len(mapping.codelet.stages)
        parts = runs(mapping) if self.enabled else tuple((i,) for i in range(n))
        groups = tuple(Group(stages, common_parallel_loops(mapping, stages) if len(stages) > 1
                             else mapping.codelet.stages[stages[0]].loops) for stages in parts)
        return replace(mapping, groups=groups)
