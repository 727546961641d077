"""A step-able simulator: the schedule's issue and completion events replayed one at a time.

The timing comes from :func:`covenant_lab.sim.schedule.schedule`, computed once. Stepping walks
the time-sorted list of events (an instruction *issues* at its start and *completes* at its
end); at its completion an instruction's functional semantics run, which is a valid
execution order because the schedule respects every RAW, WAR and WAW dependency. Rewinding
restores the nearest memory snapshot and replays forward, so states are reproducible::

    sim = Simulator(program, acg, {"a": a, "b": b})
    sim.run_until(cycle=100)
    sim.state.doing("pe")            # instruction in flight on the compute node
    sim.back(3); sim.run()
    sim.check({"c": a @ b}, layer="fc1")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from covenant_lab.acg.nodes import EdgeId
from covenant_lab.budget import (
    DEFAULT_MAX_INSTRUCTIONS,
    DEFAULT_MAX_MEMORY,
    HINT,
    INSTRUCTIONS_HINT,
    SIM_BYTES_PER_BYTE,
    SIM_BYTES_PER_INSTRUCTION,
    SIM_VIEWS_BYTES,
    SIM_VIEWS_BYTES_PER_INSTRUCTION,
    over_budget,
    over_instruction_budget,
    require_max_instructions,
    require_max_memory,
    size_text,
)
from covenant_lab.codelets.library.constants import constants, derived, derived_sources
from covenant_lab.compiler.program import Program
from covenant_lab.errors import SimulationError, UsageError
from covenant_lab.sim.coverage import check_coverage, first_index
from covenant_lab.sim.deps import Dataflow
from covenant_lab.sim.energy import EnergyPart, EnergyReport, idle_parts, instruction_parts
from covenant_lab.sim.memory import Memory, Snapshot, show
from covenant_lab.sim.regions import Regions
from covenant_lab.sim.sanitize import check_program, describe
from covenant_lab.sim.schedule import Schedule, accesses, schedule
from covenant_lab.sim.semantics import Machine, execute
from covenant_lab.sim.state import LiveTile, SimEvent, SimState, StorageState
from covenant_lab.sim.trace import TraceEvent, events_from_schedule, idle_events
from covenant_lab.types import Role

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["Simulator"]

_ISSUE, _COMPLETE = 0, 1


class Simulator:
    """Replay ``program`` on ``acg``; with ``inputs`` (by operand name) also compute values.

    ``max_memory`` (bytes of host memory, default 2 GiB): a program whose simulation would
    need more is refused before anything is allocated; ``max_instructions`` (default 500,000):
    a longer program is refused before it is checked or scheduled (``covenant_lab.budget``).
    """

    def __init__(
        self,
        program: Program,
        acg: ACG,
        inputs: Mapping[str, np.ndarray] | None = None,
        *,
        snapshot_every: int = 256,
        snapshot_budget_bytes: int = 256 * 2**20,
        max_memory: int = DEFAULT_MAX_MEMORY,
        max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
    ) -> None:
        from covenant_lab.acg.graph import ACG

        if not isinstance(program, Program):
            raise UsageError(f"argument 1, 'program' to Simulator: expected a Program, got "
                             f"{type(program).__name__}", hint="pass compile(...).program")
        if not isinstance(acg, ACG):
            raise UsageError(f"argument 2, 'acg' to Simulator: expected an ACG, got "
                             f"{type(acg).__name__}", hint="pass the architecture compiled for")
        if isinstance(snapshot_every, bool) or not isinstance(snapshot_every, int) \
                or snapshot_every < 1:
            raise UsageError(f"argument 'snapshot_every' to Simulator: expected a positive int, "
                             f"got {snapshot_every}")
        max_memory = require_max_memory(max_memory, "Simulator")
        many = over_instruction_budget(f"sim: {program.codelet.name}: the program",
                                       len(program.instrs),
                                       require_max_instructions(max_instructions, "Simulator"))
        if many is not None:
            raise SimulationError(many, hint=INSTRUCTIONS_HINT)
        self.program = program
        self.acg = acg
        self.functional = inputs is not None
        regions = Regions()
        sizes, used = check_program(program, acg, regions)
        need = _require_budget(program, used, self.functional, max_memory)
        check_coverage(program, regions)
        self.schedule: Schedule = schedule(program, acg)
        self._dataflow: Dataflow | None = None
        # values only for the bytes the program uses, whatever the storage's capacity
        self._memory = Memory(((node, used[name]) for name, (node, _) in sizes.items()),
                              functional=self.functional)
        snapshot_budget_bytes = min(snapshot_budget_bytes, max(max_memory - need, 0))
        for tensor in program.tensors:
            self._memory.add_live(tensor.tile)
        if inputs is not None:
            self._load(inputs)
        self._machine = Machine(program, self._memory)
        self._events = self._event_list()
        self._snapshot_every = snapshot_every
        self._snapshot_budget = snapshot_budget_bytes
        self._snapshots: dict[int, Snapshot] = {0: self._memory.snapshot()}
        self._reset_timing()
        self._priced: list[tuple[float, tuple[EnergyPart, ...]]] | None = None

    # -- setup ---------------------------------------------------------------------------------
    def _load(self, inputs: Mapping[str, np.ndarray]) -> None:
        codelet = self.program.codelet
        homes = {t.operand: t for t in self.program.tensors}
        unknown = sorted(set(inputs) - set(homes) - derived_sources(codelet))
        if unknown:
            raise UsageError(f"sim: {codelet.name} has no tensor in DRAM named "
                             f"{', '.join(map(repr, unknown))}",
                             hint=f"tensors: {', '.join(sorted(homes))}")
        values = {**constants(codelet), **inputs}
        if derived_sources(codelet) <= set(values):
            values.update(derived(codelet, values))  # weights in the layout the program reads
        for operand in codelet.operands:
            if operand.name not in values:
                if operand.role in (Role.INPUT, Role.WEIGHT):
                    raise UsageError(f"sim: {codelet.name}: missing {operand.role.value} "
                                     f"'{operand.name}' ({operand.dtype.value}"
                                     f"{list(operand.shape)})")
                continue
            arr = np.asarray(values[operand.name], dtype=np.float64)
            if arr.size != operand.size:
                raise UsageError(f"sim: {codelet.name}: '{operand.name}' has shape {arr.shape}, "
                                 f"expected {operand.shape}")
            self._memory.store(homes[operand.name].tile, arr.reshape(operand.shape))

    def _event_list(self) -> list[tuple[int, int, int]]:
        """(cycle, kind, instruction) sorted by time; completions first within a cycle, except
        that an instruction never completes before it issues."""
        s = self.schedule
        keyed = []
        for i in range(len(s)):
            keyed.append(((s.start[i], 1, i, 0), (s.start[i], _ISSUE, i)))
            late = 0 if s.end[i] > s.start[i] else 1
            keyed.append(((s.end[i], late, i, 1), (s.end[i], _COMPLETE, i)))
        keyed.sort(key=lambda kv: kv[0])
        return [ev for _, ev in keyed]

    def _reset_timing(self) -> None:
        self._pos = 0
        self._cycle = 0
        self._issued = 0
        self._completed = 0
        self._busy: dict[str, int | None] = dict.fromkeys(self.schedule.resource_names)

    # -- stepping ------------------------------------------------------------------------------
    @property
    def cycle(self) -> int:
        """The current cycle (of the last event processed, or the one run_until asked for)."""
        return self._cycle

    @property
    def position(self) -> int:
        """Events processed so far (the step number)."""
        return self._pos

    @property
    def steps(self) -> int:
        """Total number of events (two per instruction)."""
        return len(self._events)

    @property
    def done(self) -> bool:
        return self._pos == len(self._events)

    def _apply(self, pos: int, *, execute_semantics: bool = True) -> SimEvent:
        cycle, kind, i = self._events[pos]
        resources = self.schedule.resources[i]
        if kind == _ISSUE:
            self._issued += 1
            for r in resources:
                self._busy[r] = i
        else:
            self._completed += 1
            for r in resources:
                if self._busy[r] == i:
                    self._busy[r] = None
            if execute_semantics:
                execute(self._machine, i, self.program.instrs[i])
                if self._completed % self._snapshot_every == 0:
                    self._snapshot(pos + 1)
                if self._completed == len(self.program.instrs):
                    self._check_final()
        self._pos = pos + 1
        self._cycle = cycle
        return SimEvent(pos, "issue" if kind == _ISSUE else "complete", i, cycle)

    def _snapshot(self, pos: int) -> None:
        """Keep the memories after ``pos`` events, within the host-memory budget."""
        if pos in self._snapshots:
            return
        if (len(self._snapshots) + 1) * self._memory.nbytes <= self._snapshot_budget:
            self._snapshots[pos] = self._memory.snapshot()

    def step(self) -> SimEvent | None:
        """Process the next event; None when the program has finished."""
        if self._pos >= len(self._events):
            return None
        return self._apply(self._pos)

    def run_until(
        self,
        cycle: int | None = None,
        instruction: int | None = None,
        predicate: Callable[[SimEvent], bool] | None = None,
    ) -> SimEvent | None:
        """Step until the next event is after ``cycle``, instruction ``instruction`` has
        completed, or ``predicate(event)`` holds (whichever comes first); the last event."""
        if instruction is not None and not 0 <= instruction < len(self.program.instrs):
            raise UsageError(f"argument 'instruction' to run_until: no instruction {instruction} "
                             f"(program has {len(self.program.instrs)})")
        last = None
        while self._pos < len(self._events):
            if cycle is not None and self._events[self._pos][0] > cycle:
                break
            last = self._apply(self._pos)
            if instruction is not None and last.kind == "complete" and last.index == instruction:
                return last
            if predicate is not None and predicate(last):
                return last
        if cycle is not None and cycle > self._cycle:
            self._cycle = cycle
        return last

    def run(self) -> Simulator:
        """Process every remaining event; returns the simulator (for chaining)."""
        while self._pos < len(self._events):
            self._apply(self._pos)
        return self

    def seek(self, step_number: int) -> SimState:
        """Go to the state after ``step_number`` events (forward or backward); the new state."""
        if not 0 <= step_number <= len(self._events):
            raise UsageError(f"argument 'step_number' to seek: expected 0..{len(self._events)}, "
                             f"got {step_number}")
        if step_number < self._pos:
            base = max(p for p in self._snapshots if p <= step_number)
            self._memory.restore(self._snapshots[base])
            self._reset_timing()
            for pos in range(base):
                self._apply(pos, execute_semantics=False)
        while self._pos < step_number:
            self._apply(self._pos)
        return self.state

    def back(self, n: int = 1) -> SimState:
        """Undo the last ``n`` events."""
        return self.seek(max(self._pos - n, 0))

    # -- views ---------------------------------------------------------------------------------
    @property
    def state(self) -> SimState:
        storages = []
        for name, bank in self._memory.banks.items():
            tiles = sorted((LiveTile(v.tile.operand, v.tile.box, v.tile.addr, v.tile.nbytes)
                            for v in bank.live.values()), key=lambda t: (t.addr, t.operand))
            storages.append(StorageState(name, tuple(tiles), bank.occupancy_bytes,
                                         bank.node.capacity_bytes))
        n = len(self.program.instrs)
        return SimState(self._cycle, self._pos, tuple(self._busy.items()), tuple(storages),
                        self._issued, self._completed, n - self._completed)

    def outputs(self) -> dict[str, np.ndarray]:
        """Every OUTPUT operand as it is in DRAM now (operand shape, float64)."""
        self._need_values("outputs()")
        out = {}
        for operand in self.program.codelet.outputs:
            tile = self.program.tensor(operand.name).tile
            out[operand.name] = self._memory.view(tile).copy().reshape(operand.shape)
        return out

    def check(self, reference: Mapping[str, np.ndarray], *, rtol: float = 1e-4,
              atol: float = 1e-5, layer: str = "") -> None:
        """Raise a SimulationError at the first element of an output that differs from
        ``reference`` (by operand name) beyond ``atol + rtol * |reference|``."""
        where = f"sim: {layer or self.program.codelet.name}"
        self._need_values("check()")
        outputs = self.outputs()
        for name, expected in reference.items():
            if name not in outputs:
                raise SimulationError(f"{where}: no output named '{name}'",
                                      hint=f"outputs: {', '.join(sorted(outputs))}")
            got = outputs[name]
            want = np.asarray(expected, dtype=np.float64)
            if want.size != got.size:
                raise SimulationError(f"{where}: output '{name}' has shape {got.shape}, the "
                                      f"reference {want.shape}")
            want = want.reshape(got.shape)
            close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
            if not close.all():
                idx = tuple(int(k) for k in np.argwhere(~close)[0])
                sim_v, ref_v = float(got[idx]), float(want[idx])  # plain numbers, no np reprs
                raise SimulationError(
                    f"{where}: output '{name}' differs at index {list(idx)}: simulated "
                    f"{sim_v:.6g}, reference {ref_v:.6g} ({int((~close).sum())} of "
                    f"{close.size} elements differ; rtol={rtol}, atol={atol})"
                )

    def _check_final(self) -> None:
        """At the end of a run: every output's home holds its latest values (no compute
        computed newer ones since the last store) and, with values, every element was
        written."""
        for operand in self.program.codelet.outputs:
            home = self.program.tensor(operand.name).tile
            if self._memory.resident(home):
                continue
            found = self._memory.superseded(home)
            newer = (f": {describe(found[1], self.program.instrs[found[1]])} computed newer "
                     f"ones into {show(found[2])}" if found is not None else "")
            raise SimulationError(
                f"sim: {self.program.codelet.name}: at the end of the run, output "
                f"'{operand.name}' in {home.storage.name} holds values that are not its "
                f"last{newer}, never stored",
                hint="store each output tile after the last compute writing it")
        if self.functional:
            self._check_written()

    def _check_written(self) -> None:
        """At the end of a functional run: every element of every output was written."""
        for operand in self.program.codelet.outputs:
            done = self._memory.written_view(self.program.tensor(operand.name).tile)
            if not done.all():
                missing = int(done.size - np.count_nonzero(done))
                raise SimulationError(
                    f"sim: {self.program.codelet.name}: the run finished with {missing:,} of the "
                    f"{done.size:,} elements of output '{operand.name}' never written (first: "
                    f"{operand.name}{first_index(~done)})",
                    hint="every element of an output is stored to its home: is a store missing?")

    def _need_values(self, what: str) -> None:
        if not self.functional:
            raise SimulationError(f"sim: {what} needs values, but this simulator is timing-only",
                                  hint="pass inputs=... to Simulator to simulate values")

    @property
    def dataflow(self) -> Dataflow:
        """Why instructions waited, producers and consumers, tile lifetimes (made once)."""
        if self._dataflow is None:
            self._dataflow = Dataflow(self.program, self.schedule,
                                      accesses(self.program, self.acg))
        return self._dataflow

    def trace(self, *, idle: bool = False) -> tuple[TraceEvent, ...]:
        """Every instruction's event (and stall, saying what it waited for), each with its
        ``energy_pj``; with ``idle``
        also the static energy outside invocations (``"idle"`` events, after the others)."""
        energies = [p[0] for p in self._energy()]
        events = events_from_schedule(self.program, self.schedule, energies,
                                      wait=self.dataflow.wait)
        if idle:
            events += idle_events(idle_parts(self.acg, self.schedule, self.program))
        return events

    def _energy(self) -> list[tuple[float, tuple[EnergyPart, ...]]]:
        """Each instruction's pJ and its parts (priced once per simulator)."""
        if self._priced is None:
            self._priced = [(math.fsum(p.pj for p in parts), parts)
                            for parts in instruction_parts(self.program, self.acg, self.schedule)]
        return self._priced

    def energy(self) -> EnergyReport:
        """The layer's energy: the sum of its events' (``trace(idle=True)``), with the parts
        grouped per component, operand, action and (component, action) (``sim/energy.py``)."""
        priced = self._energy()
        spans = idle_parts(self.acg, self.schedule, self.program)
        total = math.fsum([*(pj for pj, _ in priced), *(s.part.pj for s in spans)])
        parts = (*(p for _, ps in priced for p in ps), *(s.part for s in spans))
        return EnergyReport(self.program.codelet.name, total, parts)

    @property
    def total_cycles(self) -> int:
        return self.schedule.total_cycles

    def utilisation(self) -> dict[str, float]:
        """Busy cycles over total cycles, per resource."""
        total = self.total_cycles
        busy = self.schedule.busy_cycles()
        return {r: (busy.get(r, 0) / total if total else 0.0) for r in self.schedule.resource_names}

    def bytes_moved(self) -> dict[EdgeId, int]:
        """Bytes transferred per edge (keys print as ``"SRC->DST"``)."""
        out: dict[EdgeId, int] = {}
        for ins, n in zip(self.program.instrs, self.schedule.nbytes, strict=True):
            if n:
                name = ins.edge.key  # type: ignore[union-attr]
                out[name] = out.get(name, 0) + n
        return out


def _require_budget(program: Program, used: Mapping[str, int], functional: bool,
                    max_memory: int) -> int:
    """The host bytes the simulation needs; a SimulationError when over ``max_memory``."""
    n = len(program.instrs)
    need = n * SIM_BYTES_PER_INSTRUCTION
    parts = [f"{n:,} instructions x {SIM_BYTES_PER_INSTRUCTION} B"]
    if functional:
        views = min(n * SIM_VIEWS_BYTES_PER_INSTRUCTION, SIM_VIEWS_BYTES)
        need += views + SIM_BYTES_PER_BYTE * sum(used.values())
        big = max(used, key=lambda name: used[name], default=None)
        if big is not None:
            parts.insert(0, f"{big}: {size_text(used[big])} of simulated bytes x "
                            f"{SIM_BYTES_PER_BYTE}")
    what = f"sim: {program.codelet.name}: {'functional' if functional else 'timing'} simulation"
    message = over_budget(what, need, max_memory, "; ".join(parts))
    if message is not None:
        raise SimulationError(message, hint=HINT + (
            "; a timing-only run (no inputs) needs no memory for values" if functional else ""))
    return need
