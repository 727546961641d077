"""Simulation of compiled Programs: a timing model, functional semantics and a stepper.

>>> sim = Simulator(program, acg, inputs)     # inputs=None: timing only
>>> sim.run().check({"y": reference})
>>> to_perfetto(sim.trace())                 # every event with its energy_pj
>>> print(sim.energy().table())               # pJ per component and action
>>> simulate_model(compile_model(model, acg), check=True)   # whole models: sim.compiled

Instruction semantics are registered per type with ``covenant_lab.sim.semantics.semantics``.
"""

from covenant_lab.sim.energy import Action, EnergyPart, EnergyReport
from covenant_lab.sim.schedule import Schedule, schedule
from covenant_lab.sim.simulator import Simulator
from covenant_lab.sim.state import LiveTile, SimEvent, SimState, StorageState
from covenant_lab.sim.trace import TraceEvent, events_from_schedule, to_csv, to_perfetto, to_rows

__all__ = [
    "Action",
    "EnergyPart",
    "EnergyReport",
    "LiveTile",
    "Schedule",
    "SimEvent",
    "SimState",
    "Simulator",
    "StorageState",
    "TraceEvent",
    "events_from_schedule",
    "schedule",
    "to_csv",
    "to_perfetto",
    "to_rows",
]
