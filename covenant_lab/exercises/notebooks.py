"""The exercise sheets of the five notebooks, built from the notebook's own objects.

Each function takes what its notebook has already computed (so a check costs no extra run
unless it must judge an answer), and returns an :class:`Exercises`. Expected values that
need a compile or a simulation are computed on the first check of an answer, never for an
unanswered exercise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.analysis import efficiency
from covenant_lab.codelets.library import relu
from covenant_lab.compiler import Compute, Constraints
from covenant_lab.compiler.api import compile as compile_layer
from covenant_lab.dse.point import offchip_bytes
from covenant_lab.errors import MappingError
from covenant_lab.exercises.checks import (
    Name,
    NameSet,
    Number,
    Satisfies,
    WholeNumber,
    WholeNumbers,
    lazy,
)
from covenant_lab.exercises.sheet import Exercises
from covenant_lab.sim import Simulator
from covenant_lab.sim.energy_classes import EnergyClass

__all__ = [
    "architecture_exercises",
    "codelet_exercises",
    "debugging_exercises",
    "energy_exercises",
    "eyeriss_glb_exercise",
    "simulator_exercises",
    "tour_exercises",
]

AN_ACG = "an architecture (an ACG, e.g. arch.with_param(...))"
A_CONSTRAINTS = "a Constraints (e.g. Constraints.of(tiles={...}))"


def _cycles(layer: Any, arch: ACG, constraints: Constraints | None = None) -> int:
    """Simulated cycles (timing only) of ``layer`` compiled for ``arch``."""
    return int(Simulator(compile_layer(layer, arch, constraints).program, arch).total_cycles)


def tour_exercises(layer: Any, result: Any, sim: Simulator) -> Exercises:
    """01_tour: MACs of the layer, the compute node it runs on, a 1.5x faster machine."""
    arch: ACG = result.arch

    def faster(answer: ACG) -> str | None:
        cycles = _cycles(layer, answer)
        if cycles < sim.total_cycles / 1.5:
            return None
        return (f"{cycles:,} cycles against {sim.total_cycles:,} (1.5x faster is under "
                f"{sim.total_cycles / 1.5:,.0f}): which resource is busiest? try "
                "sim.utilisation()")

    return Exercises({
        "1": WholeNumber(math.prod(d.extent for d in layer.codelet.dims),
                         "multiply the extents of every loop in the codelet",
                         asked="a whole number of MACs"),
        "2": Name(result.capabilities[0].split(".")[0],
                  "look at result.capabilities or the loop nest", noun="compute node",
                  of=arch.name, choices=tuple(n.name for n in arch.compute_nodes)),
        "3": Satisfies(ACG, AN_ACG, faster),
    })


def architecture_exercises(genesys16: ACG, cycles: Mapping[str, int],
                           mini: ACG) -> Exercises:
    """02_architectures 1-3: a peak rate, the faster of two machines, mini_tpu with a ReLU."""

    def runs_relu(answer: ACG) -> str | None:
        if answer.peak_ops_per_cycle("mac") != mini.peak_ops_per_cycle("mac"):
            return "keep mini_tpu's 8x8 MAC array as it is"
        try:
            result = compile_layer(relu((1, 16, 32, 32)), answer)
        except MappingError as err:
            return f"the compiler still cannot run a ReLU on it: {err}"
        Simulator(result.program, answer).run()
        return None

    machines = ("genesys", "hvx")
    return Exercises({
        "1": Number(genesys16.peak_ops_per_cycle("mac"),
                    "the array is rows x cols PEs, one MAC each per cycle",
                    asked="a number of MACs per cycle", rel_tol=0.01, low=0),
        "2": Name(min(machines, key=lambda n: cycles[n]),
                  "compare the cycles column of the table", noun="machine",
                  of="the comparison in section 3", choices=machines),
        "3": Satisfies(ACG, "an architecture (an ACG, e.g. acg.loads_arch(...))", runs_relu),
    })


def eyeriss_glb_exercise(eyeriss: ACG, conv: Any) -> WholeNumbers:
    """02_architectures 4: Eyeriss's bytes off chip with a 432 KiB and a 16 KiB GLB."""

    def offchip(glb_kib: int) -> int:
        arch = eyeriss.with_param("glb_kib", glb_kib)
        sim = Simulator(compile_layer(conv, arch).program, arch)
        return int(offchip_bytes(sim.bytes_moved(), arch))

    return WholeNumbers(
        lazy(lambda: (offchip(4 * 108), offchip(16))),
        hints=("(a) is off: can a bigger buffer move fewer bytes than the compulsory ones? "
               "Look at eyeriss_v1's row of the table",
               "(b) is off: compile and simulate conv on machines['eyeriss_v1'].with_param("
               "'glb_kib', 16) and sum its off-chip bytes with offchip_bytes(...)"),
        asked="a pair of whole numbers of bytes (with a 432 KiB GLB, with a 16 KiB GLB)")


def codelet_exercises(codelet: Any, arch: ACG, result: Any) -> Exercises:
    """03_codelets_and_passes: the loop on the rows, the loops that fit 'cols', tiles too big."""
    loops = tuple(d.name for d in codelet.dims)

    def cols_loops() -> frozenset[str]:
        fits = set()
        for loop in loops:
            try:
                compile_layer(codelet, arch, Constraints.of(spatial={"cols": (loop,)}))
                fits.add(loop)
            except MappingError:
                pass
        return frozenset(fits)

    def too_big(answer: Constraints) -> str | None:
        try:
            compile_layer(codelet, arch, answer)
        except MappingError as err:
            return None if "holds" in str(err) else f"that fails for another reason: {err}"
        return "that mapping is legal: the tiles (times their buffering) must exceed the SPAD"

    return Exercises({
        "1": Name(dict(result.mapping.spatial[0].dims)["rows"][0],
                  "read the 'spatial' step of the compile log", noun="loop", of=codelet.name,
                  choices=loops),
        "2": NameSet(lazy(cols_loops), "a loop fits 'cols' when it indexes b and y but not a; "
                     "try Constraints.of(spatial=...)", noun="loop", of=codelet.name,
                     choices=loops),
        "3": Satisfies(Constraints, A_CONSTRAINTS, too_big),
    })


def simulator_exercises(sim: Simulator, occupancy: list[int]) -> Exercises:
    """04_simulator: the first compute cycle, the SPAD's peak, the bytes DRAM -> SPAD."""
    trace = sim.trace()
    return Exercises({
        "1": WholeNumber(min(e.start for e in trace if e.kind == "compute"),
                         "look for the first event of kind 'compute' in the trace",
                         asked="a cycle (a whole number)"),
        "2": WholeNumber(max(occupancy), "take the largest occupancy recorded in section 4",
                         asked="a number of bytes (a whole number)"),
        "3": WholeNumber(sim.bytes_moved()[EdgeId("DRAM", "SPAD")],
                         "sum the bytes of the transfers on the DRAM->SPAD edge",
                         asked="a number of bytes (a whole number)"),
    })


def _used_cols_fraction(result: Any) -> float:
    first = next(i for i in result.program.instrs if isinstance(i, Compute))
    cols = dict(result.arch.compute(first.node.name).dims)["cols"]
    return float(dict(first.params)["used_cols"] / cols)


def debugging_exercises(layer: Any, arch: ACG, bound: Any, poor: Any,
                        fixed_sim: Simulator) -> Exercises:
    """05_debugging_a_mapping: the columns used, tiles reaching 0.9, the busiest resource."""

    def good_tiles(answer: Constraints) -> str | None:
        if answer.tile("oc") is None or answer.tile("ow") is None:
            return "pin both an 'oc' and an 'ow' tile"
        eff = efficiency(bound, _cycles(layer, arch, answer))
        if eff >= 0.9:
            return None
        return f"efficiency {eff:.2f}: how much of the array does each invocation use?"

    busy = fixed_sim.utilisation()
    return Exercises({
        "1": Number(_used_cols_fraction(poor),
                    "used columns over the array's columns, as a fraction",
                    asked="a fraction between 0 and 1", low=0, high=1),
        "2": Satisfies(Constraints, A_CONSTRAINTS, good_tiles),
        "3": Name(max(busy, key=lambda r: busy[r]), "look at fixed_sim.utilisation()",
                  noun="resource", of="fixed_sim.utilisation()", choices=tuple(busy)),
    })


def energy_exercises(layer: Any, sim: Simulator,
                     breakdown: Mapping[str, Mapping[EnergyClass, float]]) -> Exercises:
    """06_energy: the machine with the least energy per MAC, Eyeriss's costliest level, a
    compile that trades 5% of speed at most for 5% less energy at least."""
    from covenant_lab.compiler.api import CompileResult

    machines = tuple(breakdown)
    energy, cycles = sim.energy().total_pj, sim.total_cycles

    def costliest(answer: EnergyClass) -> str | None:
        want = max(EnergyClass, key=lambda c: breakdown["eyeriss_v1"][c])
        return None if answer is want else (
            f"{answer.name} spends {breakdown['eyeriss_v1'][answer] / 1e6:,.1f} uJ on "
            "eyeriss_v1: sort breakdown['eyeriss_v1'] by value")

    def greener(answer: CompileResult) -> str | None:
        if answer.arch.name != sim.acg.name or answer.codelet != layer.codelet:
            return f"compile the same layer for {sim.acg.name}"
        run = Simulator(answer.program, answer.arch).run()
        spent, took = run.energy().total_pj, run.total_cycles
        if spent > 0.95 * energy:
            return (f"{spent / 1e6:,.1f} uJ against {energy / 1e6:,.1f} uJ: at least 5% less "
                    "is under " f"{0.95 * energy / 1e6:,.1f} uJ (what can compile() minimise?)")
        if took > 1.05 * cycles:
            return f"{took:,} cycles: more than 5% slower than {cycles:,}"
        return None

    return Exercises({
        "1": Name(min(machines, key=lambda m: sum(breakdown[m].values())),
                  "compare the pJ/MAC column of section 3", noun="machine", of="section 3",
                  choices=machines),
        "2": Satisfies(EnergyClass, "an energy class (e.g. EnergyClass.DRAM)", costliest),
        "3": Satisfies(CompileResult, "a compile result (compiler.compile(...))", greener),
    })
