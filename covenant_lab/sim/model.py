"""Whole models: layer programs run in order, their tensors passed through DRAM by name.

Each layer is ``(name, program, binding)`` where ``binding`` maps the program's operand names
to graph tensor names. An environment of tensors (the model inputs and weights first) feeds
each layer its inputs and receives its outputs, as DRAM does between layers::

    result = run_model([("conv1", p1, {"x": "input", "w": "conv1.w", "y": "t1"}),
                        ("relu1", p2, {"x": "t1", "y": "t2"})], acg, {"input": x, "conv1.w": w})
    result.cycles          # {"conv1": 1234, "relu1": 80}
    result.env["t2"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from covenant_lab.codelets.library.constants import constants
from covenant_lab.compiler.program import Program
from covenant_lab.errors import SimulationError
from covenant_lab.sim.simulator import Simulator
from covenant_lab.types import Role

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = ["LayerRun", "ModelRun", "run_model"]


@dataclass(frozen=True, slots=True)
class LayerRun:
    """The simulated figures of one layer."""

    name: str
    cycles: int
    instructions: int
    bytes_moved: int  # over every edge


@dataclass(frozen=True)
class ModelRun:
    """Per-layer results, in order, and the final tensor environment (empty without values)."""

    layers: tuple[LayerRun, ...]
    env: Mapping[str, np.ndarray]

    @property
    def cycles(self) -> dict[str, int]:
        return {layer.name: layer.cycles for layer in self.layers}

    @property
    def total_cycles(self) -> int:
        """Layers run back to back."""
        return sum(layer.cycles for layer in self.layers)


def _layer_inputs(name: str, program: Program, binding: Mapping[str, str],
                  env: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    generated = constants(program.codelet)
    out = {}
    for operand in program.codelet.operands_with(Role.INPUT, Role.WEIGHT):
        tensor = binding.get(operand.name, operand.name)
        if tensor in env:
            out[operand.name] = env[tensor]
        elif operand.name not in generated:
            raise SimulationError(
                f"sim: layer '{name}': tensor '{tensor}' (operand '{operand.name}') is not "
                "available: it is no model input and no earlier layer produced it"
            )
    return out


def run_model(
    programs: Sequence[tuple[str, Program, Mapping[str, str]]],
    acg: ACG,
    inputs: Mapping[str, np.ndarray],
    *,
    functional: bool = True,
) -> ModelRun:
    """Simulate each layer program in order; with ``functional`` also compute every tensor."""
    env: dict[str, np.ndarray] = dict(inputs) if functional else {}
    layers = []
    for name, program, binding in programs:
        values = _layer_inputs(name, program, binding, env) if functional else None
        sim = Simulator(program, acg, values).run()
        if functional:
            for operand, value in sim.outputs().items():
                env[binding.get(operand, operand)] = value
        layers.append(LayerRun(name, sim.total_cycles, len(program.instrs),
                               sum(sim.bytes_moved().values())))
    return ModelRun(tuple(layers), env)
