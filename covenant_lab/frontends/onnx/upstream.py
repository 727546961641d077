"""Values of a model's tensors by ``onnx.reference``: the whole graph (``Model.reference``), or
only the nodes that produce the tensors asked for (``Layer.operand_values`` given the graph
inputs, for a layer reading an intermediate tensor)::

    layer = model.layer("layer1.0.conv2")            # reads layer1.0.relu1
    layer.operand_values(model.random_inputs(), model.initializers)   # runs conv1 .. relu1

Both run within the host-memory budget (``covenant_lab.budget``: every tensor kept plus
the scratch of the biggest node, e.g. a Conv's im2col), and an exception inside
``onnx.reference`` is a FrontendError naming the file, never a bare numpy error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import onnx
from onnx import helper

from covenant_lab.budget import DEFAULT_MAX_MEMORY, HINT, over_budget, size_text
from covenant_lab.errors import FrontendError, UsageError

if TYPE_CHECKING:
    from covenant_lab.frontends.onnx.model import TensorInfo

__all__ = ["Upstream", "reference_bytes", "run_reference"]


def _node_scratch(node: onnx.NodeProto, tensors: Mapping[str, TensorInfo]) -> int:
    """Bytes onnx.reference allocates while running ``node``, besides its inputs and outputs."""
    infos = [tensors.get(n) for n in [*node.input, *node.output]]
    around = sum(t.size * t.dtype.itemsize for t in infos if t is not None)
    if node.op_type != "Conv" or len(node.input) < 2 or not node.output:
        return 2 * around
    x, w, y = tensors.get(node.input[0]), tensors.get(node.input[1]), tensors.get(node.output[0])
    if x is None or w is None or y is None or len(x.shape) < 3:
        return 2 * around
    # im2col: an int64 index per spatial axis and the gathered columns, per group
    columns = math.prod(w.shape[1:]) * math.prod(y.shape[2:])
    return (8 * (len(x.shape) - 2) + 12 * x.shape[0]) * columns + 2 * around


def reference_bytes(nodes: Iterable[onnx.NodeProto], tensors: Mapping[str, TensorInfo]
                    ) -> tuple[int, int, str]:
    """(bytes every tensor of ``nodes`` keeps, the biggest scratch of one node, its name)."""
    names: set[str] = set()
    worst, where = 0, ""
    for index, node in enumerate(nodes):
        names.update(n for n in [*node.input, *node.output] if n)
        scratch = _node_scratch(node, tensors)
        if scratch > worst:
            worst, where = scratch, node.name or f"{node.op_type}_{index}"
    kept = sum(t.size * t.dtype.itemsize for n in names if (t := tensors.get(n)) is not None)
    return kept, worst, where


def run_reference(model: onnx.ModelProto, feeds: Mapping[str, np.ndarray],
                  tensors: Mapping[str, TensorInfo], source: str, max_memory: int
                  ) -> dict[str, np.ndarray]:
    """Every graph output of ``model`` by onnx.reference, within the budget."""
    from onnx.reference import ReferenceEvaluator

    kept, scratch, node = reference_bytes(model.graph.node, tensors)
    message = over_budget(f"{source}: onnx.reference", kept + scratch, max_memory,
                          f"{size_text(kept)} of tensors, {size_text(scratch)} to run node "
                          f"'{node}'")
    if message is not None:
        raise FrontendError(message, hint=HINT)
    names = [o.name for o in model.graph.output]
    try:
        results = ReferenceEvaluator(model).run(None, dict(feeds))
    except (ValueError, TypeError, IndexError, KeyError, RuntimeError, ArithmeticError,
            NotImplementedError, AttributeError) as exc:
        raise FrontendError(f"{source}: onnx.reference cannot run the model: "
                            f"{type(exc).__name__}: {exc}",
                            hint="the model loads but the ONNX reference rejects it; check the "
                                 "node's shapes and attributes") from exc
    return {n: np.asarray(r) for n, r in zip(names, results, strict=True)}


class Upstream:
    """The graph a layer came from: computes the tensors it reads from the graph inputs."""

    def __init__(self, proto: onnx.ModelProto, tensors: Mapping[str, TensorInfo],
                 source: str, max_memory: int = DEFAULT_MAX_MEMORY) -> None:
        self.proto = proto
        self.tensors = tensors
        self.source = source
        self.max_memory = max_memory
        self.producer = {out: node for node in proto.graph.node for out in node.output if out}

    def __repr__(self) -> str:
        return f"Upstream({self.source!r})"

    def values(self, layer: str, names: Sequence[str], env: Mapping[str, np.ndarray],
               initializers: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The tensors ``names`` computed from the values in ``env`` and ``initializers``
        by the nodes producing them; a UsageError when a graph input they need is missing."""
        known = set(env) | set(initializers)
        nodes, leaves, missing = self._cone(names, known)
        if missing:
            raise UsageError(
                f"layer '{layer}': no value for tensor '{names[0]}', and the graph input"
                f"{'s' if len(missing) > 1 else ''} it is computed from "
                f"({', '.join(sorted(missing))}) not given",
                hint="pass the model's graph inputs and initializers: "
                     "layer.operand_values(model.random_inputs(), model.initializers)")
        feeds = {n: self._feed(n, env[n] if n in env else initializers[n]) for n in leaves}
        model = self._model(nodes, feeds, names)
        return run_reference(model, feeds, self.tensors, self.source, self.max_memory)

    def _cone(self, names: Sequence[str], known: set[str]
              ) -> tuple[list[onnx.NodeProto], list[str], set[str]]:
        """The nodes producing ``names`` (in graph order), the known tensors they read and
        the graph inputs they need that are not known."""
        picked: dict[int, onnx.NodeProto] = {}
        leaves: dict[str, None] = {}
        missing: set[str] = set()
        stack = list(names)
        seen: set[str] = set()
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in known:
                leaves[name] = None
                continue
            node = self.producer.get(name)
            if node is None:
                missing.add(name)
                continue
            picked[id(node)] = node
            stack.extend(n for n in node.input if n)
        order = [n for n in self.proto.graph.node if id(n) in picked]
        return order, list(leaves), missing

    def _feed(self, name: str, value: np.ndarray) -> np.ndarray:
        info = self.tensors.get(name)
        arr = np.asarray(value)
        return arr.astype(info.dtype, copy=False) if info is not None else arr

    def _model(self, nodes: list[onnx.NodeProto], feeds: Mapping[str, np.ndarray],
               names: Sequence[str]) -> onnx.ModelProto:
        inputs = [helper.make_tensor_value_info(
            n, helper.np_dtype_to_tensor_dtype(a.dtype), list(a.shape)) for n, a in feeds.items()]
        outputs = [helper.make_tensor_value_info(n, onnx.TensorProto.UNDEFINED, None)
                   for n in names]
        graph = helper.make_graph(nodes, "upstream", inputs, outputs)
        return helper.make_model(graph, opset_imports=list(self.proto.opset_import),
                                 ir_version=self.proto.ir_version)
