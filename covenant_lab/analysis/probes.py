"""Compile probes: tiny codelets that show whether an architecture's units are usable.

Two kinds of probe, each a codelet from the codelet library on tiny shapes:

- a *capability probe* runs the capability's op (a GEMM for ``mac``, with a bias when the
  capability has an ``init`` port; a row reduction for ``reduce_*``; an elementwise op
  otherwise) with stage 0 constrained to that capability: it compiles when the capability is
  usable at all;
- a *standard probe* (conv, GEMM, elementwise binary and unary, reduction, pooling) compiles
  unconstrained, to show which unit the compiler picks for each stage.

A probe that cannot compile records the typed error (a ``CovenantError``) and its hint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.codelets.ir import Codelet
from covenant_lab.codelets.library import conv2d, elementwise, gemm, maxpool2d, reduce
from covenant_lab.compiler.api import compile
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.errors import CovenantError
from covenant_lab.types import OpKind

__all__ = [
    "Outcome",
    "Probe",
    "capability_codelet",
    "capability_probe",
    "op_codelet",
    "run_probe",
    "standard_probes",
]

_ROWS, _COLS = 4, 8  # the tiny tensor every capability probe works on
_REDUCE_KINDS = {OpKind.REDUCE_ADD: "sum", OpKind.REDUCE_MAX: "max", OpKind.REDUCE_MIN: "min"}


@dataclass(frozen=True, slots=True)
class Probe:
    """A codelet to compile; ``target`` ("node.capability") constrains stage ``stage``."""

    name: str
    codelet: Codelet
    target: str | None = None
    stage: int = 0

    @property
    def constraints(self) -> Constraints:
        if self.target is None:
            return Constraints()
        return Constraints.of(capability={self.stage: self.target})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What compiling a probe gave: the capability of each stage, or the error."""

    probe: Probe
    placed: tuple[str, ...]  # "node.capability" per stage; () when it failed
    error: str = ""
    hint: str | None = None
    seconds: float = 0.0
    fallback: tuple[Fallback, ...] = ()  # the compiler's account of stages on fallback units

    @property
    def ok(self) -> bool:
        return not self.error

    def nodes(self) -> tuple[str, ...]:
        """The compute nodes the stages landed on."""
        return tuple(p.partition(".")[0] for p in self.placed)


def op_codelet(op: OpKind, *, init: bool = False) -> Codelet:
    """A one-stage codelet of ``op`` on tiny shapes: a GEMM for ``mac`` (with a bias as its
    ``init`` when asked), a row reduction for ``reduce_*``, an elementwise op otherwise."""
    name = f"probe_{op.value}"
    if op is OpKind.MAC:
        bias = (_COLS,) if init else None
        return gemm((_ROWS, _COLS), (_COLS, _COLS), c_shape=bias, name=name)
    if op.accumulates:
        return reduce(_REDUCE_KINDS[op], (_ROWS, _COLS), (1,), name=name)
    second = (_ROWS, _COLS) if op.arity == 2 else None
    return elementwise(op, (_ROWS, _COLS), second, name=name)


def capability_codelet(cap: Capability) -> Codelet:
    """The probe codelet of ``cap``: its op, using every operand role of ``cap``."""
    return op_codelet(cap.op, init=cap.port("init") is not None)


def capability_probe(node: ComputeNode, cap: Capability) -> Probe:
    """The probe of one capability: its op, constrained to it."""
    return Probe(cap.label, capability_codelet(cap), f"{node.name}.{cap.label}")


def standard_probes() -> tuple[Probe, ...]:
    """The unconstrained probes: which unit does the compiler pick for common layers?"""
    return (
        Probe("conv", conv2d((1, 4, 6, 6), (8, 4, 3, 3), name="probe_conv")),
        Probe("gemm", op_codelet(OpKind.MAC)),
        Probe("add", op_codelet(OpKind.ADD)),
        Probe("relu", op_codelet(OpKind.RELU)),
        Probe("reduce_sum", op_codelet(OpKind.REDUCE_ADD)),
        Probe(
            "maxpool", maxpool2d((1, 4, 6, 6), kernel=(2, 2), strides=(2, 2), name="probe_maxpool")
        ),
    )


def run_probe(probe: Probe, acg: ACG) -> Outcome:
    """Compile ``probe`` on ``acg``; a typed error becomes a failed outcome."""
    start = time.perf_counter()
    try:
        result = compile(probe.codelet, acg, probe.constraints)
    except CovenantError as exc:
        return Outcome(probe, (), exc.message, exc.hint, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    return Outcome(probe, result.capabilities, seconds=seconds, fallback=result.fallback)
