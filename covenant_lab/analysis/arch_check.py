"""``covenant arch check``: an architecture that validates should also compile.

:func:`check_arch` runs the static checks (``arch_static``) and then the compile probes
(``probes``): the standard probes unconstrained, and one probe per capability constrained to
it (skipped when a standard probe of the same codelet already landed there). From them it
warns about compute units no probe reaches, capabilities whose probe fails, standard probes
that fail although every unit they need works, and standard probes that ran on a fallback
unit although a preferred unit performs the op (with the compiler's reason, from
``CompileResult.fallback``). See docs/arch-check.md for every warning.

A capability whose timing uses a ``used_<dim>`` the compiler never sets is not probed (the
cost model cannot evaluate it); its timing warning says why.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from covenant_lab.acg.graph import ACG
from covenant_lab.analysis.arch_static import (
    capabilities,
    capability_field,
    check_static,
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
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.types import OpKind

__all__ = ["CheckReport", "check_arch"]

Key = tuple[str, int]  # (compute node, capability index)


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
    caps = _capability_outcomes(acg, standard, bad)
    _unit_warnings(acg, standard, caps, out)
    notes = _failed_warnings(acg, standard, caps, out)
    notes += _fallback_warnings(acg, standard, out)
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
    acg: ACG, standard: tuple[Outcome, ...], bad: set[str]
) -> dict[Key, Outcome]:
    """One outcome per probed capability: a standard probe of the same codelet that landed on
    it, else its own constrained probe."""
    out: dict[Key, Outcome] = {}
    for node, index, cap in capabilities(acg):
        probe = capability_probe(node, cap)
        if probe.target in bad:
            continue
        same = (o for o in standard if o.probe.codelet == probe.codelet)
        landed = next((o for o in same if o.placed == (probe.target,)), None)
        out[(node.name, index)] = replace(landed, probe=probe) if landed else run_probe(probe, acg)
    return out


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
                    f"capability '{o.probe.name}' cannot compile a tiny "
                    f"{o.probe.codelet.stages[0].stmt.op.value} probe: {o.error}",
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


def _failed_warnings(
    acg: ACG, standard: tuple[Outcome, ...], caps: dict[Key, Outcome], out: Warnings
) -> list[str]:
    """Standard probes that fail although every capability performing their ops compiles its
    own probe (a failing capability is warned about already; a missing op gets a note)."""
    notes = []
    working = {o.probe.target for o in caps.values() if o.ok}
    for o in (o for o in standard if not o.ok):
        ops = tuple(dict.fromkeys(_ops(o.probe)))
        missing = [op.value for op in ops if not acg.providers(op)]
        if missing:
            notes.append(
                f"probe '{o.probe.name}' cannot compile: no capability performs "
                + ", ".join(missing)
            )
            continue
        providers = [(n, i, c) for n, i, c in capabilities(acg) if c.op in ops]
        if any(f"{n.name}.{c.label}" not in working for n, _, c in providers):
            continue
        node, index, _ = providers[0]
        out.add(
            WarningKind.PROBE_FAILED,
            capability_field(node, index),
            f"the {o.probe.name} probe does not compile, although every capability "
            f"performing {', '.join(op.value for op in ops)} compiles its own: {o.error}",
            hint=o.hint,
        )
    return notes


def _fallback_warnings(acg: ACG, standard: tuple[Outcome, ...], out: Warnings) -> list[str]:
    """Standard probes the compiler put on a fallback unit although a preferred unit performs
    the op: one warning per (fallback unit, preferred units), at the first preferred unit, with
    the compiler's reason (``CompileResult.fallback``: each preferred unit's refusal, or the
    cost model's verdict). A fallback no other unit could take is a note."""
    notes = []
    seen: dict[tuple[str, tuple[str, ...]], tuple[list[str], Fallback]] = {}
    for o in standard:
        for f in o.fallback:
            if not f.preferred:
                notes.append(f"probe '{o.probe.name}' ran on fallback unit '{f.node}': {f.reason}")
                continue
            names, _ = seen.setdefault((f.node, f.preferred), ([], f))
            names.append(f"'{o.probe.name}'")
    for (node, preferred), (names, first) in seen.items():
        lines = first.reason.splitlines()
        why = "; ".join(line for line in lines if not line.startswith("hint: "))
        hints = [line.removeprefix("hint: ") for line in lines if line.startswith("hint: ")]
        plural = "s" if len(names) > 1 else ""
        out.add(
            WarningKind.FALLBACK,
            f"compute.{preferred[0]}",
            f"probe{plural} {', '.join(names)} ran on fallback unit '{node}' although "
            f"{' and '.join(preferred)} perform{'s' if len(preferred) == 1 else ''} "
            f"{first.op.value}: {why}",
            hint="; ".join(hints) or None,
        )
    return notes
