"""Fuzz the ONNX front end with small real models (LeNet from ``covenant_lab.models`` and a few
one-node models built with ``onnx.helper``) altered the ways exporters and disks get them
wrong: opset numbers, data types, shapes (huge, zero, negative), names and strings that are not
UTF-8, attributes removed or of the wrong type, inputs that nothing produces, cycles,
duplicated outputs, nodes removed.

An accepted model is compiled (one layer) and simulated against the ONNX reference on the
'teaching' architecture. Every case ends in a CovenantError or is accepted, within the
harness's time and memory bounds; all the work runs under a small memory budget
(``FUZZ_MEMORY``), so a huge tensor is refused, never allocated.
"""

from __future__ import annotations

import functools

import numpy as np
import onnx
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper

from covenant_lab.acg import ACG, load_arch
from covenant_lab.compiler.model import compile_model
from covenant_lab.frontends.onnx import load
from covenant_lab.models import BUILDERS
from covenant_lab.sim.compiled import simulate_model
from tests.frontends.onnx._build import make_model, node, weights
from tests.fuzz.conftest import FUZZ, run_case

FUZZ_MEMORY = 64 * 2**20
OPSETS = (-1, 0, 1, 5, 6, 7, 10, 12, 13, 16, 17, 19, 20, 21, 27, 28, 29, 30, 99, 10000, 2**62)
DTYPES = (0, 1, 2, 3, 6, 7, 9, 10, 11, 16, 17, 21, 23, 25, 999, -1, 2**31 - 1)
DIMS = (0, -1, -5, 1, 2, 3, 7, 10**6, 2**31, 2**40, 2**62)


@functools.cache
def teaching() -> ACG:
    return load_arch("teaching")


@functools.cache
def _bases() -> tuple[bytes, ...]:
    """Serialized (so each case gets its own copy) small models."""
    protos = [
        BUILDERS["lenet"](),
        make_model([node("Gemm", ["x", "w", "b"], transB=1)], {"x": (2, 6)}, ["y"],
                   {"w": weights((4, 6)), "b": weights((4,))}),
        make_model([node("Conv", ["x", "w"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                   {"x": (1, 2, 5, 5)}, ["y"], {"w": weights((3, 2, 3, 3))}),
        make_model([node("Add", ["x", "z"], ["s"]), node("Relu", ["s"])],
                   {"x": (2, 3), "z": (2, 3)}, ["y"]),
        make_model([node("Softmax", ["x"], axis=-1)], {"x": (2, 5)}, ["y"]),
    ]
    return tuple(p.SerializeToString() for p in protos)


def _base(draw: st.DrawFn) -> onnx.ModelProto:
    return onnx.load_from_string(draw(st.sampled_from(_bases())))


def _attempt(data: bytes) -> None:
    """Load, compile one layer and simulate it against the reference, on a small budget."""
    model = load(onnx.load_from_string(data), max_memory=FUZZ_MEMORY)
    if not model.layers:
        return
    result = compile_model(model, teaching(), fuse=False, only=[model.layers[0].name],
                           max_memory=FUZZ_MEMORY)
    rows = simulate_model(result, check=True, max_memory=FUZZ_MEMORY)
    assert all(r.check == "pass" for r in rows), [r.message for r in rows]


class Case:
    """A serialized model and what was altered (its repr; hypothesis prints it)."""

    __slots__ = ("data", "what")

    def __init__(self, proto: onnx.ModelProto | bytes, what: str) -> None:
        self.data = proto if isinstance(proto, bytes) else proto.SerializeToString()
        self.what = what

    def __repr__(self) -> str:
        return self.what


def _value_infos(proto: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    g = proto.graph
    return [*g.input, *g.output, *g.value_info]


@st.composite
def numbers(draw: st.DrawFn) -> Case:
    """The opset, a data type or a dimension replaced."""
    proto = _base(draw)
    kind = draw(st.sampled_from(["opset", "dtype", "init dtype", "dim", "init dim"]))
    if kind == "opset":
        version = draw(st.sampled_from(OPSETS))
        proto.opset_import[0].version = version
        return Case(proto, f"{proto.graph.name}: opset {version}")
    if kind in ("dtype", "dim"):
        vi = draw(st.sampled_from(_value_infos(proto)))
        tt = vi.type.tensor_type
        if kind == "dtype" or not tt.shape.dim:
            tt.elem_type = draw(st.sampled_from(DTYPES))
            return Case(proto, f"{proto.graph.name}: tensor {vi.name} type {tt.elem_type}")
        k = draw(st.integers(0, len(tt.shape.dim) - 1))
        tt.shape.dim[k].dim_value = draw(st.sampled_from(DIMS))
        return Case(proto, f"{proto.graph.name}: tensor {vi.name} dim {k} = "
                           f"{tt.shape.dim[k].dim_value}")
    inits = list(proto.graph.initializer)
    if not inits:
        return Case(proto, f"{proto.graph.name}: unchanged")
    t = draw(st.sampled_from(inits))
    if kind == "init dtype":
        t.data_type = draw(st.sampled_from(DTYPES))
        return Case(proto, f"{proto.graph.name}: initializer {t.name} type {t.data_type}")
    k = draw(st.integers(0, len(t.dims) - 1)) if t.dims else 0
    if t.dims:
        t.dims[k] = draw(st.sampled_from(DIMS))
    return Case(proto, f"{proto.graph.name}: initializer {t.name} dims {list(t.dims)}")


_MARK = "\u00ff"  # 2 bytes in UTF-8 (c3 bf), replaced by 2 bytes that are not UTF-8


@st.composite
def bad_text(draw: st.DrawFn) -> Case:
    """A name, doc string or string attribute that is not UTF-8."""
    proto = _base(draw)
    g = proto.graph
    kind = draw(st.sampled_from(["node name", "tensor name", "doc", "graph name", "attribute",
                                 "producer"]))
    nd = draw(st.sampled_from(list(g.node)))
    if kind == "node name":
        nd.name += _MARK
    elif kind == "tensor name":
        old = nd.output[0]
        new = old + _MARK
        nd.output[0] = new
        for other in g.node:
            for k, name in enumerate(other.input):
                if name == old:
                    other.input[k] = new
        for vi in _value_infos(proto):
            if vi.name == old:
                vi.name = new
    elif kind == "doc":
        nd.doc_string = "doc" + _MARK
    elif kind == "graph name":
        g.name += _MARK
    elif kind == "attribute":
        nd.attribute.append(helper.make_attribute("auto_pad", "NOTSET" + _MARK))
    else:
        proto.producer_name = "p" + _MARK
    data = proto.SerializeToString().replace(_MARK.encode(), b"\xff\xfe")
    return Case(data, f"{g.name}: {kind} of node {nd.name} not UTF-8")


_ATTR_VALUES = (0, -1, 2**40, 1.5, "same", b"\xff", [1, 2], [0], [0.5], [1] * 9)


@st.composite
def structure(draw: st.DrawFn) -> Case:
    """Attributes removed, added or retyped; dangling inputs; cycles; duplicated outputs;
    nodes removed."""
    proto = _base(draw)
    g = proto.graph
    nodes = list(g.node)
    i = draw(st.integers(0, len(nodes) - 1))
    nd = g.node[i]
    kind = draw(st.sampled_from(["drop attr", "retype attr", "add attr", "dangling", "cycle",
                                 "duplicate output", "drop node", "drop output"]))
    what = f"{g.name}: {kind} at node {nd.name}"
    if kind == "drop attr" and nd.attribute:
        del nd.attribute[draw(st.integers(0, len(nd.attribute) - 1))]
    elif kind in ("retype attr", "add attr"):
        name = (draw(st.sampled_from([a.name for a in nd.attribute])) if nd.attribute
                and kind == "retype attr" else draw(st.sampled_from(
                    ["axis", "pads", "strides", "kernel_shape", "group", "transB", "alpha",
                     "bogus"])))
        value = draw(st.sampled_from(_ATTR_VALUES))
        kept = [a for a in nd.attribute if a.name != name]
        del nd.attribute[:]
        nd.attribute.extend([*kept, helper.make_attribute(name, value)])
        what += f" {name}={value!r}"
    elif kind == "dangling" and nd.input:
        nd.input[draw(st.integers(0, len(nd.input) - 1))] = "nothing_makes_this"
    elif kind == "cycle" and nd.input:
        later = draw(st.integers(i, len(nodes) - 1))
        nd.input[0] = g.node[later].output[0]
    elif kind == "duplicate output" and len(nodes) > 1:
        other = g.node[(i + 1) % len(nodes)]
        other.output[0] = nd.output[0]
    elif kind == "drop node":
        del g.node[i]
    elif kind == "drop output":
        del g.output[:]
        g.output.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, [1]))
    return Case(proto, what)


@FUZZ
@given(case=numbers())
def test_opsets_types_and_shapes_are_refused_or_work(case: Case) -> None:
    run_case("onnx-models", lambda: _attempt(case.data), what=case.what)


@FUZZ
@given(case=bad_text())
def test_text_that_is_not_utf8_is_refused(case: Case) -> None:
    assert run_case("onnx-models", lambda: _attempt(case.data), what=case.what) == "clean"


@FUZZ
@given(case=structure())
def test_broken_graphs_are_refused_or_work(case: Case) -> None:
    run_case("onnx-models", lambda: _attempt(case.data), what=case.what)


def test_the_untouched_models_work() -> None:
    for data in _bases():
        assert run_case("onnx-models", lambda d=data: _attempt(d), what="base") == "accepted"


def test_inputs_too_big_for_the_budget_are_refused_before_anything_is_allocated() -> None:
    proto = onnx.load_from_string(_bases()[2])  # the Conv model
    proto.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 2**20
    proto.graph.input[0].type.tensor_type.shape.dim[3].dim_value = 2**20
    assert run_case("onnx-models", lambda: _attempt(proto.SerializeToString()),
                    what="4 TiB input") == "clean"
    assert np.prod([2, 2**20, 2**20]) * 4 > FUZZ_MEMORY
