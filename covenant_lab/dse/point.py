"""One design point: a suite layer compiled, simulated and checked on one architecture.

:func:`evaluate` returns a flat, JSON-able record (one CSV row) of everything the benchmark
and the sweeps report::

    rec = evaluate(load_arch("genesys"), "resnet50_3x3", Options(functional=True))
    rec["cycles"], rec["ideal_cycles"], rec["efficiency"], rec["check"]
    rec["energy_pj"], rec["energy_dram_pj"], rec["area_mm2"]

Energy is the simulator's (``Simulator.energy()``: the sum of the layer's events), also per
class (``energy_<class>_pj``, :mod:`covenant_lab.sim.energy_classes`) and per component
(``energy_by_component``); area is the architecture's (``energy_model(acg).area_mm2``).

A suite entry of two nodes (Add + Relu, MatMul + bias) is fused with ``fuse_pair``; when the
fused layer cannot be mapped (MappingError) its layers are compiled apart and their cycles
summed. A stage on a fallback unit is named in ``fallback_node`` with the reason in
``fallback_reason`` (both '' when none). Errors the library raises on purpose are recorded in the
record (``status``, ``error``, ``check``), never raised, so one bad layer does not stop a
sweep.
"""

from __future__ import annotations

import math
import time
import traceback
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from covenant_lab.acg.energy import energy_model
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.analysis.bounds import Bound, efficiency, ideal_bound
from covenant_lab.analysis.structural import StructuralBound, structural_bound
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.library.constants import constants
from covenant_lab.compiler.api import CompileResult, compile
from covenant_lab.compiler.fallback import reasons
from covenant_lab.compiler.model import fused
from covenant_lab.errors import CovenantError, MappingError, SimulationError
from covenant_lab.sim.energy import EnergyPart
from covenant_lab.sim.energy_classes import by_class
from covenant_lab.sim.schedule import schedule
from covenant_lab.sim.simulator import Simulator
from covenant_lab.suite import load_suite_layer, suite_layer
from covenant_lab.types import Role

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG
    from covenant_lab.codelets.ir import Codelet
    from covenant_lab.frontends.onnx import Layer

__all__ = ["Options", "evaluate", "main_compute_node", "offchip_bytes", "random_inputs"]

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"


@dataclass(frozen=True, slots=True)
class Options:
    """What to do at each design point.

    ``functional``: also simulate values and check them against the codelet interpreter.
    ``check_limit``: skip the functional check (verdict "skipped") of programs with more
    instructions than this (None: check every layer). ``seed``: base seed of the inputs.
    ``table``: keep the mapping table text in the record.
    """

    functional: bool = False
    check_limit: int | None = None
    seed: int = 0
    table: bool = True


def random_inputs(codelet: Codelet, seed: int) -> dict[str, np.ndarray]:
    """Standard-normal values for every INPUT and WEIGHT operand, plus generated constants."""
    rng = np.random.default_rng(seed)
    made = constants(codelet)
    out = {o.name: rng.standard_normal(o.shape)
           for o in codelet.operands_with(Role.INPUT, Role.WEIGHT) if o.name not in made}
    return {**out, **made}


def offchip_bytes(moved: dict[EdgeId, int], acg: ACG) -> int:
    """Bytes over the edges (``Simulator.bytes_moved``) touching off-chip memory."""
    off = {s.name for s in acg.offchip}
    return sum(n for edge, n in moved.items() if edge.src in off or edge.dst in off)


def main_compute_node(result: CompileResult) -> str:
    """The compute node bound to the stage with the most iterations (the layer's main work)."""
    codelet = result.codelet
    best = max(result.mapping.bindings, key=lambda b: codelet.iterations(codelet.stages[b.stage]))
    return best.node.name


@dataclass
class _Unit:
    """One compiled program of a suite entry, and its figures."""

    result: CompileResult
    cycles: int = 0
    instructions: int = 0
    events: int = 0
    utilisation: float = 0.0
    offchip_bytes: int = 0
    energy_pj: float = 0.0
    energy_parts: tuple[EnergyPart, ...] = ()
    sim_timing_s: float = 0.0
    schedule_s: float = 0.0  # the timing model alone (no stepper, no sanitizer)
    sim_functional_s: float | None = None
    check: str = SKIPPED
    note: str = ""


def _units(layers: tuple[Layer, ...], acg: ACG) -> tuple[list[CompileResult], Codelet | None]:
    """Compiled programs of the entry, and the fused codelet (None for a single layer or no
    legal fusion); a fused layer that cannot be mapped falls back to separate compiles."""
    if len(layers) == 1:
        return [compile(layers[0], acg)], None
    one = fused(layers)
    if one is None:
        return [compile(la, acg) for la in layers], None
    try:
        return [compile(one, acg)], one.codelet
    except MappingError:
        return [compile(la, acg) for la in layers], one.codelet


def _simulate(unit: _Unit, acg: ACG, name: str, options: Options, seed: int) -> None:
    program = unit.result.program
    unit.instructions = len(program.instrs)
    t0 = time.perf_counter()
    schedule(program, acg)
    unit.schedule_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = Simulator(program, acg)
    unit.cycles = sim.total_cycles
    unit.events = sim.steps
    try:
        sim.run()
    except SimulationError as exc:  # the timing replay found a dependency error
        unit.check, unit.note = FAIL, str(exc)
    unit.sim_timing_s = time.perf_counter() - t0
    unit.utilisation = sim.utilisation().get(main_compute_node(unit.result), 0.0)
    unit.offchip_bytes = offchip_bytes(sim.bytes_moved(), acg)
    report = sim.energy()
    unit.energy_pj, unit.energy_parts = report.total_pj, report.parts
    if unit.check == FAIL:
        return
    if not options.functional:
        unit.note = "timing only"
        return
    if options.check_limit is not None and unit.instructions > options.check_limit:
        unit.note = (f"quick mode: {unit.instructions} instructions > {options.check_limit}, "
                     "functional check skipped")
        return
    codelet = unit.result.source
    inputs = random_inputs(codelet, seed)
    t0 = time.perf_counter()
    try:
        fsim = Simulator(program, acg, inputs).run()
        unit.sim_functional_s = time.perf_counter() - t0
        fsim.check(interpret(codelet, inputs), layer=name)
        unit.check = PASS
    except SimulationError as exc:
        unit.sim_functional_s = unit.sim_functional_s or time.perf_counter() - t0
        unit.check, unit.note = FAIL, str(exc)


def _bound(units: list[_Unit], fused: Codelet | None, acg: ACG) -> Bound:
    if fused is not None:
        return ideal_bound(fused, acg)
    bounds = [ideal_bound(u.result.source, acg) for u in units]
    return Bound(*(sum(getattr(b, f) for b in bounds)
                   for f in ("compute_cycles", "memory_cycles", "cycles", "compulsory_bytes")))


def _structural(units: list[_Unit], fused: Codelet | None, acg: ACG) -> StructuralBound:
    if fused is not None:
        return structural_bound(fused, acg)
    parts = [structural_bound(u.result.source, acg) for u in units]
    return StructuralBound(
        Bound(*(sum(getattr(p.bound, f) for p in parts)
                for f in ("compute_cycles", "memory_cycles", "cycles", "compulsory_bytes"))),
        tuple(r for p in parts for r in p.reasons))


def _verdict(units: list[_Unit]) -> tuple[str, str]:
    checks = [u.check for u in units]
    notes = "; ".join(u.note for u in units if u.note)
    if FAIL in checks:
        return FAIL, notes
    if SKIPPED in checks:
        return SKIPPED, notes
    return PASS, notes


def _record(rec: dict[str, Any], units: list[_Unit], fused: Codelet | None, acg: ACG,
            options: Options) -> None:
    main = max(units, key=lambda u: u.result.source.operations)
    bound = _bound(units, fused, acg)
    structural = _structural(units, fused, acg)
    cycles = sum(u.cycles for u in units)
    check, note = _verdict(units)
    funcs = [u.sim_functional_s for u in units]
    rec.update(
        status="ok",
        fused=None if len(units) == 1 and fused is None else len(units) == 1,
        units=len(units),
        capability=",".join(c for u in units for c in u.result.capabilities),
        compute_node=main_compute_node(main.result),
        operations=sum(u.result.source.operations for u in units),
        instructions=sum(u.instructions for u in units),
        events=sum(u.events for u in units),
        cycles=cycles,
        estimated_cycles=round(sum(u.result.estimate.cycles for u in units)),
        estimated_energy_pj=sum(u.result.estimate.energy_pj for u in units),
        ideal_cycles=bound.cycles,
        ideal_compute_cycles=bound.compute_cycles,
        ideal_memory_cycles=bound.memory_cycles,
        bound_limit=bound.limit,
        efficiency=efficiency(bound, cycles),
        structural_cycles=structural.bound.cycles,
        structural_efficiency=efficiency(structural.bound, cycles),
        structural_reason="; ".join(structural.reasons),
        utilisation=main.utilisation,
        offchip_bytes=sum(u.offchip_bytes for u in units),
        compulsory_bytes=bound.compulsory_bytes,
        compile_s=sum(u.result.compile_s for u in units),
        sim_timing_s=sum(u.sim_timing_s for u in units),
        schedule_s=sum(u.schedule_s for u in units),
        sim_functional_s=None if None in funcs else sum(f for f in funcs if f is not None),
        check=check,
        check_note=note,
    )
    _energy(rec, units, acg)
    rec["energy_ratio"] = (rec["estimated_energy_pj"] / rec["energy_pj"] if rec["energy_pj"]
                           else None)
    compulsory = bound.compulsory_bytes
    rec["traffic_ratio"] = rec["offchip_bytes"] / compulsory if compulsory else None
    fallback = [f for u in units for f in u.result.fallback]
    rec["fallback_node"] = ",".join(dict.fromkeys(f.node for f in fallback))
    rec["fallback_reason"] = "; ".join(why for _, why in reasons(fallback))
    if options.table:
        rec["table"] = "\n\n".join(f"[{u.result.name}]\n{u.result.table()}" if len(units) > 1
                                   else u.result.table() for u in units)


def _energy(rec: dict[str, Any], units: list[_Unit], acg: ACG) -> None:
    """The simulated energy (pJ, the sum of the units' events), per class and per component,
    and the architecture's area (mm2)."""
    parts = [p for u in units for p in u.energy_parts]
    rec["energy_pj"] = math.fsum(u.energy_pj for u in units)
    rec.update({c.field: pj for c, pj in by_class(parts, acg).items()})
    per: dict[str, list[float]] = {}
    for p in parts:
        per.setdefault(p.component, []).append(p.pj)
    rec["energy_by_component"] = {k: math.fsum(v) for k, v in per.items()}
    rec["area_mm2"] = energy_model(acg).area_mm2


def evaluate(
    acg: ACG, layer: str, options: Options | None = None, *, arch_label: str = ""
) -> dict[str, Any]:
    """Compile, simulate (and check) suite layer ``layer`` on ``acg``: one flat record."""
    opts = options or Options()
    entry = suite_layer(layer)
    rec: dict[str, Any] = {
        "arch": arch_label or acg.name, "arch_name": acg.name, "layer": entry.name,
        "model": entry.model, "op": entry.op, "status": "", "error": "",
        "check": SKIPPED, "check_note": "",
    }
    seed = opts.seed ^ zlib.crc32(entry.name.encode())
    try:
        results, fused = _units(load_suite_layer(entry), acg)
        units = [_Unit(r) for r in results]
        for u in units:
            _simulate(u, acg, entry.name, opts, seed)
        _record(rec, units, fused, acg, opts)
    except MappingError as exc:
        rec.update(status="unmapped", error=str(exc), check_note="not compiled")
    except CovenantError as exc:
        rec.update(status="error", error=str(exc), check=FAIL, check_note=str(exc))
    except Exception as exc:  # a bug in the library: record it, keep the sweep going
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        msg = f"{type(exc).__name__}: {exc} (at {tb.filename}:{tb.lineno})"
        rec.update(status="crash", error=msg, check=FAIL, check_note=msg)
    return rec
