"""``compile``: a layer or codelet plus an ACG in, mapping + program + compile log out."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import load_arch
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.asm import emit
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.cost import GroupModel
from covenant_lab.compiler.explain import Decision, explain
from covenant_lab.compiler.fallback import Fallback, explain_fallbacks
from covenant_lab.compiler.layer_span import GroupRun, layer_cycles
from covenant_lab.compiler.lower import lower
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.objective import Objective, group_energy, objective_of
from covenant_lab.compiler.pipeline import LogStep, Pipeline
from covenant_lab.compiler.program import Program
from covenant_lab.compiler.program_budget import require_program_fits
from covenant_lab.compiler.render import level_table, loop_nest, mapping_text
from covenant_lab.compiler.search import plan, replan
from covenant_lab.compiler.tried import Option
from covenant_lab.errors import UsageError
from covenant_lab.limits import MAX_INSTRUCTIONS, MAX_MEMORY

if TYPE_CHECKING:
    from covenant_lab.compiler.divide import Division


@dataclass(frozen=True)
class Estimate:
    """The cost model's view of the chosen mapping."""

    cycles: float
    compute: tuple[tuple[str, float], ...]  # node -> busy cycles
    transfer: tuple[tuple[str, float], ...]  # edge or comm node -> busy cycles
    traffic: tuple[tuple[str, float], ...]  # edge -> bytes
    energy_pj: float = 0.0  # priced from the same counts (compiler/objective.py)


@dataclass(frozen=True)
class CompileResult:
    """Everything compile() produced for one layer.

    ``fallback``: the stages the search put on a fallback unit (``fallback: true`` in the
    architecture file), each with the reason no preferred unit runs it.
    """

    name: str
    arch: ACG
    mapping: Mapping
    program: Program
    estimate: Estimate
    log: tuple[LogStep, ...]
    constraints: Constraints
    compile_s: float
    passes: tuple[object, ...] = field(repr=False, default=())
    fallback: tuple[Fallback, ...] = ()
    # the structural options the search scored: (fallback work, cost, passes), best first
    # (made when first read: ``compiler/tried.py``)
    tried: Sequence[Option] = field(repr=False, default=())
    objective: Objective = Objective.CYCLES  # what the search minimised
    given: Codelet | None = field(repr=False, default=None)  # the codelet compile was given
    # a layer divided between two units (``compiler/divide.py``): then ``mapping``, ``log``
    # and ``decisions`` are its first part's, ``division.second`` the other part's result
    division: Division | None = field(repr=False, default=None)

    @property
    def codelet(self) -> Codelet:
        """The codelet the program runs (after the plan's rewrites: a fold, a blocking; of
        both parts of a divided layer)."""
        return self.program.codelet

    @property
    def source(self) -> Codelet:
        """The layer's codelet as given: its work, inputs and bounds are the layer's."""
        return self.given if self.given is not None else self.mapping.codelet

    @property
    def asm(self) -> str:
        """Assembly text from the architecture's instruction templates (made on first use)."""
        return emit(self.program, self.arch)

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(f"{b.node.name}.{b.capability.label}" for b in self.mapping.bindings)

    def table(self) -> str:
        return level_table(self.mapping)

    def loop_nest(self) -> str:
        return loop_nest(self.mapping)

    @cached_property
    def decisions(self) -> tuple[Decision, ...]:
        """Each log step explained: the decision in words, its estimated cost and the best
        alternatives the search rejected (``compiler/explain.py``; made on first use)."""
        return explain(self)

    def log_text(self, *, why: bool = False) -> str:
        """The compile log: each pass, its options, and the mapping after it; with ``why``,
        each decision in words with its cost and the alternatives it beat."""
        out = []
        for s in self.log:
            out.append(f"== {s.index} {s.name}({s.params})")
            if why:
                out.append(self.decisions[s.index].text())
            out.append(s.after_text)
        out.append(f"== lower: {len(self.program.instrs)} instructions")
        return "\n".join(out)

    def __str__(self) -> str:
        return mapping_text(self.mapping)


def estimate(mapping: Mapping, acg: ACG) -> Estimate:
    """The cost model on a complete mapping."""
    import numpy as np

    runs: list[GroupRun] = []
    energy = 0.0
    comp: dict[str, float] = {}
    xfer: dict[str, float] = {}
    traffic: dict[str, float] = {}
    for g in mapping.groups:
        model = GroupModel(mapping, g, acg)
        tiles = [np.asarray([t], dtype=np.int64) for t in g.tiles]
        prep = model.prepare(tiles)
        c = model.cost_of(prep, g.orders)
        runs.append(GroupRun.of(mapping, g, acg, g.tiles, g.orders, float(c.cycles[0])))
        energy += float(group_energy(model, prep, c, np.zeros(1, dtype=np.int64), c.cycles)[0])
        for d, src in ((comp, c.compute), (xfer, c.transfer), (traffic, c.traffic)):
            for k, v in src.items():
                d[k] = d.get(k, 0.0) + float(np.asarray(v).ravel()[0])
    return Estimate(layer_cycles(runs), tuple(comp.items()), tuple(xfer.items()),
                    tuple(traffic.items()), energy)


def compile(
    target: object,
    arch: ACG | str,
    constraints: Constraints | None = None,
    *,
    on_step: Callable[[LogStep], None] | None = None,
    max_memory: int = MAX_MEMORY,
    max_instructions: int = MAX_INSTRUCTIONS,
    objective: Objective | str = Objective.CYCLES,
    divide: bool = True,
    like: tuple[object, ...] | None = None,
) -> CompileResult:
    """Map ``target`` (a front-end Layer or a Codelet) onto ``arch`` and lower it to a Program.

    Stages bound to a fallback unit are explained in ``CompileResult.fallback`` (which may
    plan the codelet once more per such stage; ``compile_s`` does not count that). A program
    that would have more than ``max_instructions`` instructions or need more than
    ``max_memory`` bytes of host memory is refused before it is lowered (a MappingError;
    ``compiler/program_budget.py``). ``objective``: what the search minimises, ``"cycles"``
    (the default), ``"energy"`` or ``"edp"`` (``compiler/objective.py``). Without
    constraints, minimising cycles, a layer whose stage the structural bound divides among
    units is also compiled in two parts that run at once, kept where estimated cheaper
    (``compiler/divide.py``; ``divide=False``: never). ``like``: the passes of an earlier
    compile of a codelet like this one, whose structure is kept (only tiles and loop orders
    are searched: ``search.replan``; a ScheduleError or MappingError where it does not fit).
    """
    goal = objective_of(objective)
    acg = load_arch(arch) if isinstance(arch, str) else arch
    if not isinstance(acg, ACG):
        raise UsageError(
            f"argument 2, 'arch' to compile: expected an ACG or a name, got {type(arch).__name__}"
        )
    codelet = getattr(target, "codelet", target)
    if not isinstance(codelet, Codelet):
        raise UsageError(
            "argument 1, 'target' to compile: expected a Layer or a Codelet, "
            f"got {type(target).__name__}"
        )
    name = getattr(target, "name", codelet.name)
    cons = constraints or Constraints()
    t0 = time.perf_counter()
    best = plan(codelet, acg, cons, objective=goal) if like is None else \
        replan(codelet, acg, like, cons)
    mapping, log = Pipeline(best.passes).run(Mapping(best.codelet), acg, on_step)  # type: ignore[arg-type]
    require_program_fits(mapping, acg, max_memory, max_instructions, name)  # up front
    program = lower(mapping, acg)
    elapsed = time.perf_counter() - t0
    est = estimate(mapping, acg)
    fallback = explain_fallbacks(mapping, acg, best.constraints, best.estimate, goal)
    whole = CompileResult(
        name,
        acg,
        mapping,
        program,
        est,
        log,
        cons,
        elapsed,
        best.passes,
        fallback,
        best.tried,
        goal,
        codelet,
    )
    if not divide or cons != Constraints() or goal is not Objective.CYCLES:
        return whole
    from covenant_lab.compiler.divide import divided  # it reads the structural bound

    def part(piece: Codelet, arch: ACG, only: Constraints,
             like: tuple[object, ...] | None) -> CompileResult:
        return compile(piece, arch, only, max_memory=max_memory,
                       max_instructions=max_instructions, divide=False, like=like)

    return divided(whole, acg, part) or whole
