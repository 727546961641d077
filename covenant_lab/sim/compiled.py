"""Simulate a compiled model layer by layer, optionally checking each layer's outputs.

Functionally, each layer reads its inputs from the tensors the previous layers *simulated*
(as they would sit in off-chip memory), and its outputs are compared with the ONNX
reference for the same tensors, so the first wrong layer is named. A layer the compiler could
not map (``ModelResult.failed``) is not simulated: the layers after it read its outputs from
the ONNX reference (with ``check``) or from the codelet interpreter run on the simulated inputs.
Likewise a layer that compiled but cannot be simulated (over a budget: ``SimulationError``)
gets a "not simulated" row with the reason, and the layers after it still run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from covenant_lab.analysis.bounds import ideal_bound
from covenant_lab.budget import DEFAULT_MAX_INSTRUCTIONS, DEFAULT_MAX_MEMORY
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler.model import CompiledLayer, ModelResult
from covenant_lab.errors import SimulationError
from covenant_lab.sim.energy import EnergyReport
from covenant_lab.sim.simulator import Simulator

if TYPE_CHECKING:
    from covenant_lab.frontends.onnx.model import Layer

#: the check of a layer that was compiled but could not be simulated (its message says why)
NOT_SIMULATED = "not simulated"


@dataclass(frozen=True)
class LayerSim:
    """The simulated figures of one compiled layer."""

    layer: str
    op: str
    cycles: int
    ideal_cycles: float
    instructions: int
    utilisation: float  # of the layer's main compute node
    check: str  # "pass", "fail", "skipped" or NOT_SIMULATED
    message: str
    sim_s: float
    energy_pj: float = 0.0  # the sum of the layer's events (Simulator.energy())
    energy: EnergyReport | None = None  # its parts per component, action, operand (compact)

    @property
    def efficiency(self) -> float:
        return self.ideal_cycles / self.cycles if self.cycles else 0.0


def _main_node(c: CompiledLayer) -> str:
    return c.result.mapping.bindings[0].node.name


def simulate_layer(
    c: CompiledLayer,
    env: dict[str, np.ndarray] | None,
    initializers: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray] | None,
    *,
    max_memory: int = DEFAULT_MAX_MEMORY,
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
) -> LayerSim:
    """Simulate one compiled layer; with ``env`` move real data and update ``env``."""
    acg = c.result.arch
    t0 = time.perf_counter()
    inputs = c.layer.operand_values(env, initializers) if env is not None else None
    sim = Simulator(c.result.program, acg, inputs, snapshot_budget_bytes=0,  # never rewound
                    max_memory=max_memory, max_instructions=max_instructions).run()
    verdict, message = "skipped", ""
    if env is not None:
        outputs = c.layer.outputs_to_tensors(sim.outputs())
        env.update(outputs)
        if reference is not None:
            try:
                want = {
                    o.name: reference[c.layer.tensor(o.name).name] for o in c.layer.codelet.outputs
                }
                sim.check(want, layer=c.name, rtol=1e-3, atol=1e-4)
                verdict = "pass"
            except SimulationError as exc:
                verdict, message = "fail", str(exc)
    energy = sim.energy().compact()
    elapsed = time.perf_counter() - t0
    util = sim.utilisation().get(_main_node(c), 0.0)
    bound = ideal_bound(c.result.source, acg)
    return LayerSim(
        c.name,
        c.layer.op_type,
        sim.total_cycles,
        bound.cycles,
        len(c.result.program.instrs),
        util,
        verdict,
        message,
        elapsed,
        energy.total_pj,
        energy,
    )


def not_simulated(c: CompiledLayer, error: SimulationError) -> LayerSim:
    """The row of a compiled layer whose simulation was refused: no figures, the reason."""
    bound = ideal_bound(c.result.source, c.result.arch)
    return LayerSim(c.name, c.layer.op_type, 0, bound.cycles, len(c.result.program.instrs),
                    0.0, NOT_SIMULATED, str(error), 0.0)


def stand_in(
    layer: Layer,
    env: dict[str, np.ndarray],
    initializers: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray] | None,
) -> None:
    """Put the outputs of a layer that was not compiled or not simulated into ``env``: the
    ONNX reference's when there is one, else the codelet interpreter's on the values in
    ``env``."""
    if reference is not None:
        env.update({t.name: reference[t.name] for t in layer.output_tensors})
        return
    values = interpret(layer.codelet, layer.operand_values(env, initializers))
    env.update(layer.outputs_to_tensors(values))


def simulate_model(
    result: ModelResult,
    *,
    inputs: Mapping[str, np.ndarray] | None = None,
    check: bool = False,
    max_memory: int = DEFAULT_MAX_MEMORY,
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
) -> tuple[LayerSim, ...]:
    """Every compiled layer in order; ``check`` runs functionally against the ONNX reference.

    Failed layers (``result.failed``) have no row; a compiled layer whose simulation is
    refused (over a budget) has a NOT_SIMULATED row. With real data, the outputs of both
    come from the reference or the interpreter (see :func:`stand_in`) so the layers after
    them run. ``max_memory`` bounds the host memory of each simulation and of the reference,
    ``max_instructions`` the program of each simulation.
    """
    model = result.model
    env: dict[str, np.ndarray] | None = None
    reference = None
    if check or inputs is not None:
        feeds = dict(inputs) if inputs is not None else model.random_inputs()
        env = dict(feeds)
        if check:
            reference = model.reference(feeds, intermediates=True, max_memory=max_memory)
            # layers compiled alone read what no simulated layer produced from the reference
            env = {**reference, **feeds}
    rows = []
    for unit in result.units:
        if isinstance(unit, CompiledLayer):
            try:
                rows.append(simulate_layer(unit, env, model.initializers, reference,
                                           max_memory=max_memory,
                                           max_instructions=max_instructions))
                continue
            except SimulationError as exc:
                rows.append(not_simulated(unit, exc))
        if env is not None:
            stand_in(unit.layer, env, model.initializers, reference)
    return tuple(rows)
