"""Compile probes: tiny codelets that show whether an architecture's units are usable.

Two kinds of probe, each a codelet from the codelet library on tiny shapes:

- a *capability probe* runs the capability's op (a GEMM for ``mac``, with a bias when the
  capability has an ``init`` port; a row reduction for ``reduce_*``; an elementwise op
  otherwise) with its stage constrained to that capability: it compiles when the capability
  is usable at all. A capability whose inputs only another unit writes (a TPU's activation
  unit reads the accumulators the matrix unit fills) is probed *fused*: the writer's op first,
  then its own, chained through a temp the way ``compile_model`` fuses a layer into its
  producer, with the second stage constrained;
- a *standard probe* (conv, GEMM, elementwise binary and unary, reduction, pooling, and the
  fused layers gemm+relu, gemm+bias, conv+relu, conv+maxpool) compiles unconstrained, to show
  which unit the compiler picks for each stage.

A probe that cannot compile records the typed error (a ``CovenantError``) and its hint.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.codelets.ir import Codelet
from covenant_lab.codelets.library import chain, conv2d, elementwise, gemm, maxpool2d, reduce
from covenant_lab.compiler.api import compile
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.errors import CovenantError
from covenant_lab.types import OpKind, PortRole, Role

__all__ = [
    "Outcome",
    "Probe",
    "capability_codelet",
    "capability_probe",
    "fused_codelet",
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


def op_codelet(op: OpKind, *, init: bool = False, shape: Sequence[int] = (_ROWS, _COLS)) -> Codelet:
    """A one-stage codelet of ``op`` reading a tensor of ``shape`` (2-D for ``mac``): a GEMM
    for ``mac`` (with a bias as its ``init`` when asked), a reduction of the last axis for
    ``reduce_*``, an elementwise op otherwise."""
    name = f"probe_{op.value}"
    shape = tuple(shape)
    if op is OpKind.MAC:
        bias = (_COLS,) if init else None
        return gemm(shape, (shape[-1], _COLS), c_shape=bias, name=name)
    if op.accumulates:
        return reduce(_REDUCE_KINDS[op], shape, (len(shape) - 1,), name=name)
    second = shape if op.arity == 2 else None
    return elementwise(op, shape, second, name=name)


def fused_codelet(first: Codelet, second: Codelet | OpKind, *, init: bool = False) -> Codelet:
    """``second`` run on the output of ``first``, as one codelet: ``chain`` links the output to
    ``second``'s first input through a temp, as ``compile_model`` fuses an elementwise layer
    into its producer. An op as ``second`` is its tiny probe on ``first``'s output shape::

        fused_codelet(op_codelet(MAC), RELU)    # probe_mac_relu
            stage 0: t0[m, n] += a[m, k] * b[k, n]        # init 0.0
            stage 1: y[m, n] = relu(t0[m, n])
    """
    (out,) = first.outputs
    if isinstance(second, OpKind):
        second = op_codelet(second, init=init, shape=out.shape)
    into = second.operands_with(Role.INPUT)[0].name
    return chain(first, second, via=(out.name, into), name=f"{first.name}_{_short(second)}")


def _short(codelet: Codelet) -> str:
    return codelet.name.removeprefix("probe_")


def capability_codelet(cap: Capability, after: OpKind | None = None) -> Codelet:
    """The probe codelet of ``cap``: its op, using every operand role of ``cap``; fused after a
    tiny ``after`` op when given (its stage is then the last)."""
    init = cap.port(PortRole.INIT) is not None
    if after is None:
        return op_codelet(cap.op, init=init)
    return fused_codelet(op_codelet(after), cap.op, init=init)


def capability_probe(node: ComputeNode, cap: Capability, after: OpKind | None = None) -> Probe:
    """The probe of one capability: its op, constrained to it; with ``after``, fused after a
    tiny stage of that op (the op of a unit writing what ``cap`` reads)."""
    codelet = capability_codelet(cap, after)
    return Probe(cap.label, codelet, f"{node.name}.{cap.label}", len(codelet.stages) - 1)


def standard_probes() -> tuple[Probe, ...]:
    """The unconstrained probes: which unit does the compiler pick for common layers, alone
    and fused into a GEMM or conv (an activation unit that reads only an accumulator buffer
    gets work only this way)?"""
    conv = conv2d((1, 4, 6, 6), (8, 4, 3, 3), name="probe_conv")
    mac = op_codelet(OpKind.MAC)
    bias = elementwise(OpKind.ADD, (_ROWS, _COLS), (_COLS,), b_role=Role.WEIGHT, name="bias")
    pool = maxpool2d((1, 8, 4, 4), kernel=(2, 2), strides=(2, 2), name="maxpool")
    return (
        Probe("conv", conv),
        Probe("gemm", mac),
        Probe("add", op_codelet(OpKind.ADD)),
        Probe("relu", op_codelet(OpKind.RELU)),
        Probe("reduce_sum", op_codelet(OpKind.REDUCE_ADD)),
        Probe(
            "maxpool", maxpool2d((1, 4, 6, 6), kernel=(2, 2), strides=(2, 2), name="probe_maxpool")
        ),
        Probe("gemm+relu", fused_codelet(mac, OpKind.RELU)),
        Probe("gemm+bias", fused_codelet(mac, bias)),
        Probe("conv+relu", fused_codelet(conv, OpKind.RELU)),
        Probe("conv+maxpool", fused_codelet(conv, pool)),
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
