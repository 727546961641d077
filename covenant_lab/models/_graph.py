"""A small mutable builder for ONNX graphs with seeded random weights.

The model builders use it so each network reads as a list of layers. Tensor names equal the
name of the node producing them; weights are ``<node>.weight`` / ``<node>.bias``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 20
IR_VERSION = 9  # the IR version that introduced opset 20 (onnx 1.15); readable by onnx >= 1.15


class GraphBuilder:
    """Collect nodes, initializers and graph inputs/outputs, then :meth:`build` a model."""

    def __init__(self, name: str, *, seed: int) -> None:
        self.name = name
        self.rng = np.random.default_rng(seed)
        self._nodes: list[onnx.NodeProto] = []
        self._inits: list[onnx.TensorProto] = []
        self._inputs: list[onnx.ValueInfoProto] = []
        self._outputs: list[onnx.ValueInfoProto] = []
        self._names: set[str] = set()

    def input(self, name: str, shape: Sequence[int]) -> str:
        """Declare a float32 graph input."""
        self._inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        return name

    def output(self, tensor: str, shape: Sequence[int]) -> None:
        """Declare ``tensor`` a float32 graph output."""
        self._outputs.append(helper.make_tensor_value_info(tensor, TensorProto.FLOAT, list(shape)))

    def const(self, name: str, value: np.ndarray) -> str:
        """Add an initializer holding ``value`` (kept in its dtype)."""
        array = np.asarray(value)  # keeps 0-d scalars 0-d (ascontiguousarray would not)
        if not array.flags.c_contiguous:
            array = array.copy(order="C")
        self._inits.append(numpy_helper.from_array(array, name))
        return name

    def normal(self, name: str, shape: Sequence[int], std: float, mean: float = 0.0) -> str:
        """Add a float32 initializer drawn from N(mean, std²)."""
        value = self.rng.standard_normal(tuple(shape), dtype=np.float32)
        value *= np.float32(std)  # in place: the same float32 operations, no copies
        value += np.float32(mean)
        return self.const(name, value)

    def node(
        self, op_type: str, inputs: Sequence[str], *, name: str, outputs: int = 1, **attrs: object
    ) -> str:
        """Add a node named ``name`` whose (first) output tensor is also called ``name``.

        Extra outputs are named ``<name>:1``, ``<name>:2``, ...; use :meth:`node_outputs`.
        """
        return self.node_outputs(op_type, inputs, name=name, outputs=outputs, **attrs)[0]

    def node_outputs(
        self, op_type: str, inputs: Sequence[str], *, name: str, outputs: int = 1, **attrs: object
    ) -> list[str]:
        """Like :meth:`node`, returning every output tensor name."""
        if name in self._names:
            raise ValueError(f"duplicate node name {name!r} in model builder {self.name!r}")
        self._names.add(name)
        outs = [name] + [f"{name}:{i}" for i in range(1, outputs)]
        nd = helper.make_node(op_type, list(inputs), outs, name=name)
        nd.attribute.extend(helper.make_attribute(k, v) for k, v in sorted(attrs.items()))
        self._nodes.append(nd)
        return outs

    def conv(
        self,
        x: str,
        cin: int,
        cout: int,
        kernel: int,
        *,
        name: str,
        stride: int = 1,
        group: int = 1,
        gain: float = 2.0,
    ) -> str:
        """Conv with bias (folded batch norm), He-style weights ``std = sqrt(gain / fan_in)``."""
        fan_in = cin // group * kernel * kernel
        shape = (cout, cin // group, kernel, kernel)
        w = self.normal(f"{name}.weight", shape, math.sqrt(gain / fan_in))
        b = self.normal(f"{name}.bias", (cout,), 0.05)
        pad = kernel // 2
        return self.node(
            "Conv",
            [x, w, b],
            name=name,
            kernel_shape=[kernel, kernel],
            strides=[stride, stride],
            pads=[pad] * 4,
            group=group,
        )

    def gemm(self, x: str, fan_in: int, fan_out: int, *, name: str, gain: float = 1.0) -> str:
        """``Gemm(x, W^T, b)`` with PyTorch's Linear layout ``W: [out, in]``."""
        w = self.normal(f"{name}.weight", (fan_out, fan_in), math.sqrt(gain / fan_in))
        b = self.normal(f"{name}.bias", (fan_out,), 0.05)
        return self.node("Gemm", [x, w, b], name=name, transB=1)

    def build(self) -> onnx.ModelProto:
        """The finished float32 model at opset 20 (checked by ``onnx.checker``)."""
        graph = helper.make_graph(self._nodes, self.name, self._inputs, self._outputs)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            ir_version=IR_VERSION,
            producer_name="covenant_lab.models",
        )
        model.graph.initializer.extend(self._inits)  # copied once (make_model copies a graph)
        onnx.checker.check_model(model)
        return model
