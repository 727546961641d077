"""What the ONNX front end produces: a :class:`Model` made of :class:`Layer` s.

A layer is one ONNX node turned into a codelet, plus the bindings from codelet operands to the
graph's tensors. Layers are not fused here; the compiler does that.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import onnx

from covenant_lab.budget import DEFAULT_MAX_MEMORY, require_max_memory
from covenant_lab.codelets.ir import Codelet, Operand
from covenant_lab.errors import FrontendError, UsageError
from covenant_lab.frontends.onnx.upstream import Upstream, run_reference

__all__ = ["Layer", "Model", "TensorInfo", "frozen_arrays"]


def frozen_arrays(arrays: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    """A read-only mapping of read-only arrays (the arrays are not copied)."""
    for a in arrays.values():
        a.flags.writeable = False
    return MappingProxyType(dict(arrays))


@dataclass(frozen=True, slots=True)
class TensorInfo:
    """A graph tensor: its name, static shape, element type and, for constants, its value."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    value: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def is_constant(self) -> bool:
        """True for initializers and outputs of Constant nodes."""
        return self.value is not None

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class Layer:
    """One ONNX node as a codelet.

    ``bindings`` maps codelet operand names to graph tensor names; ``tensors`` holds the bound
    graph tensors in the same order. A codelet operand may have another shape than its tensor
    (reshape-family codelets work on flat views): values are reshaped on the way in and out.
    """

    name: str
    op_type: str
    codelet: Codelet
    bindings: tuple[tuple[str, str], ...]
    tensors: tuple[TensorInfo, ...]
    attrs: tuple[tuple[str, object], ...] = ()
    constants: Mapping[str, np.ndarray] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    # the graph the layer came from: computes the intermediate tensors it reads
    upstream: Upstream | None = field(default=None, compare=False, repr=False)

    def tensor(self, operand: str) -> TensorInfo:
        """The graph tensor bound to codelet operand ``operand``."""
        for (op, _), info in zip(self.bindings, self.tensors, strict=True):
            if op == operand:
                return info
        raise UsageError(
            f"layer '{self.name}': operand '{operand}' is not bound to a graph tensor "
            f"(bound: {', '.join(op for op, _ in self.bindings)})"
        )

    @property
    def input_tensors(self) -> tuple[TensorInfo, ...]:
        """Graph tensors the layer reads (activations and weights), in codelet operand order."""
        return tuple(
            self.tensor(o.name) for o in self.codelet.inputs if o.name not in self.constants
        )

    @property
    def output_tensors(self) -> tuple[TensorInfo, ...]:
        """Graph tensors the layer writes, in codelet operand order."""
        return tuple(self.tensor(o.name) for o in self.codelet.outputs)

    def operand_values(
        self,
        env: Mapping[str, np.ndarray],
        initializers: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """An array for every input and weight operand of the codelet, shaped as the operand.

        Values come from ``env`` (tensor name -> array), then ``initializers``, then the
        layer's generated constants. A tensor in none of them that a node of the model
        computes (the layer reads an intermediate) is computed with ``onnx.reference`` from
        the graph inputs in ``env``::

            layer.operand_values(model.random_inputs(), model.initializers)
        """
        inits = initializers or {}
        values: dict[str, object] = {}
        for operand in self.codelet.inputs:
            if operand.name not in self.constants:
                name = self.tensor(operand.name).name
                found = env.get(name)
                values[name] = found if found is not None else inits.get(name)
        wanted = [name for name, value in values.items() if value is None]
        if wanted and self.upstream is not None:
            values.update(self.upstream.values(self.name, wanted, env, inits))
        out: dict[str, np.ndarray] = {}
        for operand in self.codelet.inputs:
            if operand.name in self.constants:
                out[operand.name] = self.constants[operand.name]
                continue
            info = self.tensor(operand.name)
            value = values.get(info.name)
            if value is None:
                raise UsageError(
                    f"layer '{self.name}': no value for tensor '{info.name}' "
                    f"(operand '{operand.name}')",
                    hint="pass the model's graph inputs and initializers",
                )
            out[operand.name] = _shaped(np.asarray(value), operand, self.name)
        return out

    def outputs_to_tensors(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Graph tensor name -> array for the codelet's outputs, in the tensors' shape and dtype."""
        out: dict[str, np.ndarray] = {}
        for operand in self.codelet.outputs:
            info = self.tensor(operand.name)
            value = np.asarray(values[operand.name])
            if value.size != info.size:
                raise UsageError(
                    f"layer '{self.name}': operand '{operand.name}' has {value.size} elements, "
                    f"tensor '{info.name}' {list(info.shape)} needs {info.size}"
                )
            out[info.name] = value.reshape(info.shape).astype(info.dtype, copy=False)
        return out

    # the names used in the issue text; same functions
    def gather_inputs(
        self,
        env: Mapping[str, np.ndarray],
        initializers: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Alias of :meth:`operand_values`."""
        return self.operand_values(env, initializers)

    def scatter_outputs(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Alias of :meth:`outputs_to_tensors`."""
        return self.outputs_to_tensors(values)


def _shaped(value: np.ndarray, operand: Operand, layer: str) -> np.ndarray:
    if value.shape == operand.shape:
        return value
    if value.size != math.prod(operand.shape):
        raise UsageError(
            f"layer '{layer}': operand '{operand.name}' {list(operand.shape)} cannot take an "
            f"array of shape {list(value.shape)}"
        )
    return value.reshape(operand.shape)


@dataclass(frozen=True)
class Model:
    """A loaded ONNX model: layers in topological order plus its tensors and weights."""

    name: str
    source: str
    opset: int
    layers: tuple[Layer, ...] = field(repr=False)
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    tensors: Mapping[str, TensorInfo] = field(compare=False, repr=False)
    initializers: Mapping[str, np.ndarray] = field(compare=False, repr=False)
    proto: onnx.ModelProto = field(compare=False, repr=False)

    def layer(self, name: str) -> Layer:
        """The layer made from the ONNX node ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = [layer.name for layer in self.layers]
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else None
        raise FrontendError(f"{self.source}: no layer named '{name}'", hint=hint)

    def random_inputs(self, seed: int = 0) -> dict[str, np.ndarray]:
        """Standard-normal values for every graph input, from ``numpy.random.default_rng(seed)``."""
        rng = np.random.default_rng(seed)
        return {t.name: rng.standard_normal(t.shape).astype(t.dtype) for t in self.inputs}

    def reference(
        self, inputs: Mapping[str, np.ndarray], *, intermediates: bool = False,
        max_memory: int = DEFAULT_MAX_MEMORY,
    ) -> dict[str, np.ndarray]:
        """Graph outputs (and with ``intermediates=True`` every node output) by onnx.reference,
        refused up front when it would need more than ``max_memory`` bytes of host memory."""
        max_memory = require_max_memory(max_memory, "Model.reference")
        feeds = self.feeds(inputs)
        proto = self.proto
        if intermediates:
            proto = _with_all_outputs(proto, set(self.initializers))
        return run_reference(proto, feeds, self.tensors, self.source, max_memory)

    def feeds(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``inputs`` checked against the graph inputs (names, shapes) and cast to their dtype."""
        expected = {t.name: t for t in self.inputs}
        unknown = sorted(set(inputs) - set(expected))
        missing = sorted(set(expected) - set(inputs))
        if unknown or missing:
            raise UsageError(
                f"{self.source}: inputs do not match the graph inputs "
                f"(missing: {missing}, unknown: {unknown})",
                hint=f"the graph inputs are {sorted(expected)}",
            )
        feeds = {}
        for name, info in expected.items():
            value = np.asarray(inputs[name])
            if value.shape != info.shape:
                raise UsageError(
                    f"{self.source}: input '{name}' has shape {list(value.shape)}, "
                    f"the model expects {list(info.shape)}"
                )
            feeds[name] = value.astype(info.dtype, copy=False)
        return feeds


def _with_all_outputs(proto: onnx.ModelProto, constants: set[str]) -> onnx.ModelProto:
    """A copy of ``proto`` whose graph outputs also include every intermediate tensor."""
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    graph = copy.graph
    have = {o.name for o in graph.output}
    info = {v.name: v for v in graph.value_info}
    for node in graph.node:
        for name in node.output:
            if name and name not in have and name not in constants and name in info:
                graph.output.append(info[name])
                have.add(name)
    return copy
