"""Whole models: layer fusion (an elementwise consumer joins its producer) and per-layer compiles.

Fusion here is codelet-level: ``chain`` joins the two codelets through a temp, and the
compiler's stage fusion then keeps that temp on chip (e.g. conv -> relu read straight from
the accumulator buffer by an elementwise unit). When the fused layer cannot be mapped, the two
layers are compiled apart and the tensor goes through off-chip memory. A layer that no unit
can run is recorded as a :class:`FailedLayer` and the rest of the model still compiles.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.homes import TensorHome
from covenant_lab.acg.load import load_arch
from covenant_lab.codelets.chain import chain
from covenant_lab.compiler.api import CompileResult, compile
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.fallback import Fallback, fallback_note
from covenant_lab.errors import MappingError
from covenant_lab.limits import MAX_INSTRUCTIONS, MAX_MEMORY
from covenant_lab.types import OpKind

if TYPE_CHECKING:  # imported where used: `covenant arch check` never loads onnx
    from covenant_lab.frontends.onnx.model import Layer, Model

# ONNX ops that can run on the producer's output where it sits
FUSABLE = frozenset(
    {"Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Gelu", "Erf"}
)
MAX_CHAIN = 3


def _consumers(layers: Sequence[Layer]) -> dict[str, list[Layer]]:
    out: dict[str, list[Layer]] = {}
    for layer in layers:
        for info in layer.input_tensors:
            out.setdefault(info.name, []).append(layer)
    return out


def fuse_pair(first: Layer, second: Layer) -> Layer | None:
    """The two layers as one, when ``second`` reads ``first``'s only output; else None."""
    from covenant_lab.frontends.onnx.model import Layer

    outs = first.codelet.outputs
    if len(outs) != 1:
        return None
    tensor = first.tensor(outs[0].name).name
    into = [op for op, t in second.bindings if t == tensor]
    if len(into) != 1:
        return None
    codelet = chain(
        first.codelet,
        second.codelet,
        via=(outs[0].name, into[0]),
        name=f"{first.codelet.name}_{second.codelet.name}",
    )
    attrs = dict(codelet.attrs)
    # chain() records each side's operand renames as (old, new) pairs
    n1 = dict(cast("tuple[tuple[str, str], ...]", attrs["first_names"]))
    n2 = dict(cast("tuple[tuple[str, str], ...]", attrs["second_names"]))
    bindings, tensors = [], []
    for (op, t), info in zip(first.bindings, first.tensors, strict=True):
        if op != outs[0].name:
            bindings.append((n1[op], t))
            tensors.append(info)
    for (op, t), info in zip(second.bindings, second.tensors, strict=True):
        if op != into[0]:
            bindings.append((n2[op], t))
            tensors.append(info)
    constants = {n1[k]: v for k, v in first.constants.items()}
    constants.update({n2[k]: v for k, v in second.constants.items()})
    return Layer(
        f"{first.name}+{second.name}",
        f"{first.op_type}+{second.op_type}",
        codelet,
        tuple(bindings),
        tuple(tensors),
        (),
        MappingProxyType(constants),
        upstream=first.upstream,  # operand_values computes what the fused layer reads
    )


def fusion_candidates(model: Model) -> list[list[Layer]]:
    """Layers in order, grouped into runs an elementwise consumer may join (at most MAX_CHAIN)."""
    consumers = _consumers(model.layers)
    graph_outputs = {t.name for t in model.outputs}
    runs: list[list[Layer]] = []
    for layer in model.layers:
        if runs:
            run = runs[-1]
            last = run[-1]
            outs = [t.name for t in last.output_tensors]
            if (
                len(run) < MAX_CHAIN
                and layer.op_type in FUSABLE
                and len(outs) == 1
                and outs[0] not in graph_outputs
                and [c.name for c in consumers.get(outs[0], [])] == [layer.name]
            ):
                run.append(layer)
                continue
        runs.append([layer])
    return runs


@dataclass(frozen=True)
class CompiledLayer:
    """One compiled unit of a model: a layer, or layers fused into one."""

    layer: Layer
    result: CompileResult

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def op(self) -> str:
        return self.layer.op_type

    @property
    def fallback(self) -> tuple[Fallback, ...]:
        """The stages that run on a fallback unit, with the reasons (see compiler.fallback)."""
        return self.result.fallback

    @property
    def note(self) -> str:
        """``fallback: host — <reason>``, or '' when no stage fell back."""
        return fallback_note(self.fallback)


@dataclass(frozen=True)
class FailedLayer:
    """A layer no unit of the architecture can run: its error, and the ops nobody performs.

    ``error`` is the compile error's text (``hint:`` line included); ``missing`` the ops of
    the layer's codelet that no compute node performs (empty when the layer failed for
    another reason, e.g. no tiling fits).
    """

    layer: Layer
    error: str
    missing: tuple[OpKind, ...] = ()

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def op(self) -> str:
        return self.layer.op_type

    @property
    def summary(self) -> str:
        """The error's first line (what a table cell shows)."""
        return self.error.splitlines()[0] if self.error else ""

    @property
    def note(self) -> str:
        """``FAILED: <first line of the error>``."""
        return f"FAILED: {self.summary}"


Unit = CompiledLayer | FailedLayer


@dataclass(frozen=True)
class ModelResult:
    """A model compiled layer by layer: ``units`` in model order, each compiled or failed.

    ``layers`` are the compiled ones (what the simulator runs), ``failed`` the layers no
    unit can run, ``fallback`` the compiled ones with a stage on a fallback unit.
    """

    model: Model
    arch: ACG
    units: tuple[Unit, ...]
    compile_s: float

    @property
    def layers(self) -> tuple[CompiledLayer, ...]:
        return tuple(u for u in self.units if isinstance(u, CompiledLayer))

    @property
    def failed(self) -> tuple[FailedLayer, ...]:
        return tuple(u for u in self.units if isinstance(u, FailedLayer))

    @property
    def fallback(self) -> tuple[CompiledLayer, ...]:
        return tuple(c for c in self.layers if c.fallback)

    @property
    def estimated_cycles(self) -> float:
        """Of the compiled layers (failed ones have no estimate)."""
        return sum(c.result.estimate.cycles for c in self.layers)


def model_homes(model: Model, layer: Layer, acg: ACG) -> tuple[tuple[str, str], ...]:
    """Homes of the layer's operands bound to the model's own inputs and outputs, where the
    architecture keeps those apart from other activations (``homes: {model_inputs: ...}``)."""
    activations = acg.home(TensorHome.ACTIVATIONS).name
    ends = {TensorHome.MODEL_INPUTS: {t.name for t in model.inputs},
            TensorHome.MODEL_OUTPUTS: {t.name for t in model.outputs}}
    out = []
    for kind, tensors in ends.items():
        home = acg.home(kind).name
        if home != activations:
            out += [(operand, home) for operand, tensor in layer.bindings if tensor in tensors]
    return tuple(out)


def _missing_ops(layer: Layer, acg: ACG) -> tuple[OpKind, ...]:
    ops = dict.fromkeys(st.stmt.op for st in layer.codelet.stages)
    return tuple(op for op in ops if not acg.providers(op))


Attempt = Callable[["Layer"], "CompileResult | MappingError"]


def _compile_one(layer: Layer, acg: ACG, attempt: Attempt) -> Unit:
    """The layer compiled, or recorded as failed when no unit can run it."""
    got = attempt(layer)
    if isinstance(got, MappingError):
        return FailedLayer(layer, str(got), _missing_ops(layer, acg))
    return CompiledLayer(layer, got)


def fused(layers: Sequence[Layer]) -> Layer | None:
    """``layers`` as one layer, each fused into the next (:func:`fuse_pair`; one layer is
    itself); None where some pair cannot fuse."""
    out = layers[0]
    for nxt in layers[1:]:
        joined = fuse_pair(out, nxt)
        if joined is None:
            return None
        out = joined
    return out


def _compile_run(run: list[Layer], acg: ACG, attempt: Attempt) -> list[Unit]:
    one = fused(run)
    if one is not None and len(run) > 1:
        got = attempt(one)
        if not isinstance(got, MappingError):
            return [CompiledLayer(one, got)]
    return [_compile_one(layer, acg, attempt) for layer in run]


def compile_model(
    model: Model,
    arch: ACG | str,
    *,
    fuse: bool = True,
    only: Sequence[str] | None = None,
    constraints: Constraints | None = None,
    max_memory: int = MAX_MEMORY,
    max_instructions: int = MAX_INSTRUCTIONS,
    objective: str = "cycles",
) -> ModelResult:
    """Compile every layer (or the ``only`` ones), fusing elementwise consumers when legal;
    each layer's search minimises ``objective`` (``compile``: cycles, energy or edp).

    Never all-or-nothing: a layer no unit can run (a ``MappingError``) is recorded in
    ``ModelResult.failed`` and every other layer still compiles. Layers with the same
    codelet compile once (ResNet repeats its blocks).
    """
    acg = load_arch(arch) if isinstance(arch, str) else arch
    t0 = time.perf_counter()
    memo: dict[object, CompileResult | MappingError] = {}

    def attempt(layer: Layer) -> CompileResult | MappingError:
        homes = model_homes(model, layer, acg)
        key = (layer.codelet, homes)
        if key not in memo:
            cons = constraints or Constraints()
            if homes:
                cons = replace(cons, home=(*cons.home, *homes))
            try:
                memo[key] = compile(layer, acg, cons, max_memory=max_memory,
                                   max_instructions=max_instructions,
                                   objective=objective)
            except MappingError as exc:
                memo[key] = exc
        hit = memo[key]
        return hit if isinstance(hit, MappingError) else replace(hit, name=layer.name)

    layers = model.layers
    if only:
        wanted = set(only)
        layers = tuple(la for la in layers if la.name in wanted)
    runs = fusion_candidates(model) if fuse and not only else [[la] for la in layers]
    out: list[Unit] = []
    for run in runs:
        out.extend(_compile_run(run, acg, attempt))
    return ModelResult(model, acg, tuple(out), time.perf_counter() - t0)
