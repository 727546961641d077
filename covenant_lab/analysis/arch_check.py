"""``covenant arch check``: an architecture that validates should also compile.

:func:`check_arch` runs the static checks (``arch_static``) and then the compile probes
(``probes``): the standard probes unconstrained (single layers, and layers fused into a GEMM
or conv), and one probe per capability constrained to it (skipped when a standard probe of
the same codelet already put a stage there; fused after the op of a unit writing its inputs
when only such a unit feeds them, as a TPU's activation unit reads only the accumulators).
From them it warns about compute units no probe reaches, capabilities whose probe fails,
standard probes that fail although every unit they need works, and standard probes that ran
on a fallback unit although a preferred unit performs the op (with the compiler's reason,
from ``CompileResult.fallback``). See docs/arch-check.md for every warning.

A capability whose timing uses a ``used_<dim>`` the compiler never sets is not probed (the
cost model cannot evaluate it); its timing warning says why.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.analysis.arch_static import (
    capabilities,
    capability_field,
    check_static,
    on_chip_feeder,
    on_chip_writers,
    unbound_timing_names,
)
from covenant_lab.analysis.arch_warnings import ArchWarning, WarningKind, Warnings
from covenant_lab.analysis.probes import (
    Outcome,
    Probe,
    capability_probe,
    run_probe,
    standard_probes,
)
from covenant_lab.codelets.ir import Access, Codelet
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.types import OpKind, Role

__all__ = ["CheckReport", "check_arch"]

Key = tuple[str, int]  # (compute node, capability index)
Feeders = Mapping[Key, Capability | None]  # a unit writing what a capability reads, if only it


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The warnings, and what the probes found (empty when probes were skipped)."""

    warnings: tuple[ArchWarning, ...]
    standard: tuple[Outcome, ...] = ()
    capabilities: tuple[Outcome, ...] = ()
    skipped: tuple[str, ...] = ()  # probes not run: timing names the compiler never sets
    notes: tuple[str, ...] = ()  # ops no unit performs, fallbacks no other unit could take
    seconds: float = 0.0
    probed: bool = False

    def probe_lines(self) -> tuple[str, ...]:
        """A short text: where each standard probe landed, how many capabilities compile."""
        if not self.probed:
            return ("probes: skipped (--no-probes)",)
        picks = ", ".join(
            f"{o.probe.name} -> {'+'.join(dict.fromkeys(o.placed)) if o.ok else 'fails'}"
            for o in self.standard
        )
        good = sum(o.ok for o in self.capabilities)
        lines = [
            f"probes ({self.seconds:.1f} s): {picks}",
            f"probes: {good} of {len(self.capabilities)} capabilities compile",
        ]
        if self.skipped:
            lines.append(
                "probes not run (timing names the compiler never sets): " + ", ".join(self.skipped)
            )
        return (*lines, *(f"note: {n}" for n in self.notes))


def check_arch(
    acg: ACG, lines: Mapping[str, int] | None = None, *, probes: bool = True
) -> CheckReport:
    """Warnings about ``acg`` (fields and lines from ``lines``, the file's YAML line map, as
    ``acg.load.read_yaml`` returns it); ``probes=False`` runs the static checks only."""
    start = time.perf_counter()
    out = Warnings(lines)
    check_static(acg, out)
    if not probes:
        return CheckReport(_in_file_order(out), seconds=time.perf_counter() - start)
    bad = {f"{n.name}.{c.label}" for n, _, c in capabilities(acg) if unbound_timing_names(c)}
    bad_ops = {c.op for n, _, c in capabilities(acg) if f"{n.name}.{c.label}" in bad}
    plans = standard_probes()
    standard = tuple(run_probe(p, acg) for p in plans if not bad_ops.intersection(_ops(p)))
    skipped = [f"{p.name} (standard)" for p in plans if bad_ops.intersection(_ops(p))]
    skipped += sorted(bad)
    writers = on_chip_writers(acg)
    feeders = {(n.name, i): on_chip_feeder(acg, c, writers) for n, i, c in capabilities(acg)}
    caps = _capability_outcomes(acg, standard, bad, feeders)
    _unit_warnings(acg, standard, caps, out)
    notes = _failed_warnings(acg, standard, caps, feeders, out)
    notes += _fallback_warnings(acg, standard, feeders, out)
    return CheckReport(
        _in_file_order(out),
        standard=standard,
        capabilities=tuple(caps.values()),
        skipped=tuple(skipped),
        notes=tuple(notes),
        seconds=time.perf_counter() - start,
        probed=True,
    )


def _in_file_order(out: Warnings) -> tuple[ArchWarning, ...]:
    return tuple(sorted(out.items, key=lambda w: w.line or 0))


def _ops(probe: Probe) -> list[OpKind]:
    return [s.stmt.op for s in probe.codelet.stages]


def _capability_outcomes(
    acg: ACG, standard: tuple[Outcome, ...], bad: set[str], feeders: Feeders
) -> dict[Key, Outcome]:
    """One outcome per probed capability: a standard probe of the same codelet that put the
    capability's stage on it, else its own constrained probe (fused after the op of a unit
    writing its inputs, when only such a unit feeds them)."""
    out: dict[Key, Outcome] = {}
    for node, index, cap in capabilities(acg):
        feeder = feeders[(node.name, index)]
        probe = capability_probe(node, cap, feeder.op if feeder else None)
        if probe.target in bad:
            continue
        same = (o for o in standard if o.probe.codelet == probe.codelet)
        landed = next((o for o in same if _lands(o, probe)), None)
        out[(node.name, index)] = replace(landed, probe=probe) if landed else run_probe(probe, acg)
    return out


def _lands(outcome: Outcome, probe: Probe) -> bool:
    """Whether ``outcome`` put stage ``probe.stage`` on ``probe.target``."""
    placed = outcome.placed
    return len(placed) > probe.stage and placed[probe.stage] == probe.target


def _unit_warnings(
    acg: ACG, standard: tuple[Outcome, ...], caps: dict[Key, Outcome], out: Warnings
) -> None:
    reached = {n for o in standard for n in o.nodes()}
    reached |= {name for (name, _), o in caps.items() if o.ok}
    for node in acg.compute_nodes:
        failed = [(i, o) for (name, i), o in caps.items() if name == node.name and not o.ok]
        if node.name in reached:
            for index, o in failed:
                out.add(
                    WarningKind.UNUSABLE_CAPABILITY,
                    capability_field(node, index),
                    f"capability '{o.probe.name}' cannot compile a tiny {_what(o.probe)} "
                    f"probe: {o.error}",
                    hint=o.hint,
                )
        elif failed:
            index, first = failed[0]
            more = f" ({len(failed) - 1} more capabilities fail too)" if len(failed) > 1 else ""
            out.add(
                WarningKind.UNREACHED_UNIT,
                f"compute.{node.name}",
                f"no probe compiles onto '{node.name}'{more}; its capability "
                f"'{first.probe.name}' fails with: {first.error}",
                hint=first.hint,
            )


def _what(probe: Probe) -> str:
    """``relu``, or ``mac+relu (fused)`` for a capability probed after a writer's op."""
    ops = "+".join(op.value for op in _ops(probe))
    return f"{ops} (fused)" if len(probe.codelet.stages) > 1 else ops


def _failed_warnings(
    acg: ACG,
    standard: tuple[Outcome, ...],
    caps: dict[Key, Outcome],
    feeders: Feeders,
    out: Warnings,
) -> list[str]:
    """Standard probes that fail although every capability that could take their stages
    compiles its own probe (a failing capability is warned about already). A note instead
    when an op has no capability, or only capabilities that take it fused after another
    unit's result while the stage reads its input from memory."""
    missed: dict[str, list[str]] = {}  # the reason -> the probes it stops
    working = {o.probe.target for o in caps.values() if o.ok}
    for o in (o for o in standard if not o.ok):
        ops = tuple(dict.fromkeys(_ops(o.probe)))
        missing = [op.value for op in ops if not acg.providers(op)]
        takers = _takers(acg, o.probe.codelet, feeders)
        if missing or not all(takers):
            stages = zip(o.probe.codelet.stages, takers, strict=True)
            stuck = {st.stmt.op for st, able in stages if not able}
            units = tuple(dict.fromkeys(n.name for n, c in _providers(acg, stuck)))
            whys = [f"no capability performs {op}" for op in missing] or [_fused_only_reason(units)]
            for why in whys:
                missed.setdefault(why, []).append(f"'{o.probe.name}'")
            continue
        able = [t for stage in takers for t in stage]
        if any(f"{n.name}.{c.label}" not in working for n, _, c in able):
            continue
        node, index, _ = able[0]
        out.add(
            WarningKind.PROBE_FAILED,
            capability_field(node, index),
            f"the {o.probe.name} probe does not compile, although every capability "
            f"performing {', '.join(op.value for op in ops)} compiles its own: {o.error}",
            hint=o.hint,
        )
    return [f"{_probes(names)} cannot compile: {why}" for why, names in missed.items()]


def _providers(acg: ACG, ops: set[OpKind]) -> list[tuple[ComputeNode, Capability]]:
    return [(n, c) for op in ops for n, c in acg.providers(op)]


def _takers(
    acg: ACG, codelet: Codelet, feeders: Feeders
) -> list[list[tuple[ComputeNode, int, Capability]]]:
    """Per stage, the capabilities that could take it: those performing its op, but not one
    reading only other units' results when the stage reads its input from memory."""
    out = []
    for i, stage in enumerate(codelet.stages):
        fused = _reads_temp(codelet, i)
        out.append(
            [
                (n, index, c)
                for n, index, c in capabilities(acg)
                if c.op is stage.stmt.op and (fused or feeders[(n.name, index)] is None)
            ]
        )
    return out


def _fallback_warnings(
    acg: ACG, standard: tuple[Outcome, ...], feeders: Feeders, out: Warnings
) -> list[str]:
    """Standard probes the compiler put on a fallback unit although a preferred unit performs
    the op: one warning per (fallback unit, preferred units), at the first preferred unit, with
    the compiler's reason (``CompileResult.fallback``: each preferred unit's refusal, or the
    cost model's verdict). A note instead when no other unit could take the stage: none
    performs the op, or those that do take it only fused after another unit's result and the
    stage reads its input from memory (a single relu layer on a TPU: its activation unit
    reads only the accumulators)."""
    notes: dict[str, list[str]] = {}  # the note after the probe names -> the probe names
    seen: dict[tuple[str, tuple[str, ...]], tuple[list[str], Fallback]] = {}
    for o in standard:
        for f in o.fallback:
            fused = _reads_temp(o.probe.codelet, f.stage)
            preferred = tuple(
                u for u in f.preferred if fused or not _only_fused(acg, feeders, u, f.op)
            )
            if preferred:
                names, _ = seen.setdefault((f.node, preferred), ([], f))
            else:
                why = f.reason if not f.preferred else _fused_only_reason(f.preferred)
                names = notes.setdefault(f"ran on fallback unit '{f.node}': {why}", [])
            names.append(f"'{o.probe.name}'")
    for (node, preferred), (names, first) in seen.items():
        lines = first.reason.splitlines()
        why = "; ".join(line for line in lines if not line.startswith("hint: "))
        hints = [line.removeprefix("hint: ") for line in lines if line.startswith("hint: ")]
        out.add(
            WarningKind.FALLBACK,
            f"compute.{preferred[0]}",
            f"{_probes(names)} ran on fallback unit '{node}' although "
            f"{' and '.join(preferred)} perform{'s' if len(preferred) == 1 else ''} "
            f"{first.op.value}: {why}",
            hint="; ".join(hints) or None,
        )
    return [f"{_probes(names)} {text}" for text, names in notes.items()]


def _probes(names: list[str]) -> str:
    return f"probe{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _fused_only_reason(units: tuple[str, ...]) -> str:
    many = len(units) > 1
    return (
        f"{' and '.join(units)} read{'' if many else 's'} only results another unit leaves on "
        f"chip, so {'they take' if many else 'it takes'} these ops only fused after that unit "
        "(see the fused probes)"
    )


def _only_fused(acg: ACG, feeders: Feeders, unit: str, op: OpKind) -> bool:
    """Whether every capability of ``unit`` performing ``op`` reads inputs only other units
    write (it takes the op only fused after them)."""
    caps = [i for i, c in enumerate(acg.compute(unit).capabilities) if c.op is op]
    return bool(caps) and all(feeders.get((unit, i)) is not None for i in caps)


def _reads_temp(codelet: Codelet, stage: int) -> bool:
    """Whether stage ``stage`` reads a temp an earlier stage wrote (not memory)."""
    return any(
        isinstance(src, Access) and codelet.operand(src.operand).role is Role.TEMP
        for src in codelet.stages[stage].stmt.srcs
    )
