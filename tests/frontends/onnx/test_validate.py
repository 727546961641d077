"""What a model must be before it is read (issue #13): supported opsets per op, UTF-8 text,
known data types, tensors within the memory budget; errors from onnx's own shape inference
and reference are FrontendErrors naming the file and node or tensor."""

from __future__ import annotations

import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from covenant_lab.errors import FrontendError, UnsupportedOpError, UsageError
from covenant_lab.frontends.onnx import load
from covenant_lab.frontends.onnx.validate import NEWEST_OPSET
from covenant_lab.models import BUILDERS

from ._build import make_model, node, weights


def _lenet() -> onnx.ModelProto:
    return BUILDERS["lenet"]()


@pytest.mark.parametrize("opset", [30, 99, 10000])
def test_an_opset_newer_than_we_know_is_refused(opset: int) -> None:
    proto = _lenet()
    proto.opset_import[0].version = opset
    with pytest.raises(UnsupportedOpError, match=re.escape(
            f"lenet: node 'conv1': unsupported op Conv (opset {opset})")) as info:
        load(proto)
    assert f"reads Conv at opsets 1 to {NEWEST_OPSET}" in (info.value.hint or "")


def test_gemm_at_opset_6_broadcasts_differently_and_is_refused() -> None:
    # before the check: accepted, then a bare ValueError inside onnx.reference
    proto = make_model([node("Gemm", ["x", "w", "b"], transB=1)], {"x": (2, 3)}, ["y"],
                       {"w": weights((4, 3)), "b": weights((4,))}, opset=6)
    with pytest.raises(UnsupportedOpError, match=r"test: node 'gemm': unsupported op Gemm "
                                                  r"\(opset 6\)") as info:
        load(proto)
    assert "Gemm at opsets 7 to" in (info.value.hint or "")
    assert "convert_version(model, 7)" in (info.value.hint or "")


def test_gemm_from_opset_7_is_read() -> None:
    proto = make_model([node("Gemm", ["x", "w", "b"], transB=1)], {"x": (2, 3)}, ["y"],
                       {"w": weights((4, 3)), "b": weights((4,))}, opset=7)
    model = load(proto)
    x = model.random_inputs()
    assert model.reference(x)["y"].shape == (2, 4)


def _not_utf8(proto: onnx.ModelProto) -> onnx.ModelProto:
    """Every 'ÿ' of the model (2 bytes in UTF-8) made 2 bytes that are not UTF-8."""
    return onnx.load_from_string(proto.SerializeToString().replace(b"\xc3\xbf", b"\xff\xfe"))


@pytest.mark.parametrize(("where", "change", "message"), [
    ("node name", lambda p: setattr(p.graph.node[1], "name", "relu\u00ff"),
     r"lenet: node 'relu\ufffd\ufffd': name 'relu\ufffd\ufffd' is not valid UTF-8"),
    ("graph doc string", lambda p: setattr(p.graph, "doc_string", "doc\u00ff"),
     r"lenet: graph 'lenet': doc_string 'doc\ufffd\ufffd' is not valid UTF-8"),
    ("node doc string", lambda p: setattr(p.graph.node[0], "doc_string", "d\u00ff"),
     r"lenet: node 'conv1': doc_string"),
    ("string attribute", lambda p: p.graph.node[0].attribute.append(
        helper.make_attribute("auto_pad", "NOTSET\u00ff")),
     r"lenet: node 'conv1', attribute 'auto_pad': s 'NOTSET\ufffd\ufffd' is not valid UTF-8"),
    ("graph input", lambda p: (setattr(p.graph.input[0], "name", "in\u00ff"),
                               p.graph.node[0].input.__setitem__(0, "in\u00ff")),
     r"lenet: node 'conv1': input 'in\ufffd\ufffd' is not valid UTF-8"),
])
def test_text_that_is_not_utf8_is_a_frontend_error(where: str, change: object,
                                                   message: str) -> None:
    proto = _lenet()
    change(proto)  # type: ignore[operator]
    with pytest.raises(FrontendError, match=message):
        load(_not_utf8(proto))


def test_a_file_with_bytes_that_are_not_utf8_names_the_file(tmp_path: object) -> None:
    from pathlib import Path

    proto = _lenet()
    proto.graph.node[2].name = "pool\u00ff"
    path = Path(str(tmp_path)) / "bad.onnx"
    path.write_bytes(proto.SerializeToString().replace(b"\xc3\xbf", b"\xff\xfe"))
    with pytest.raises(FrontendError, match=re.escape(f"{path}: node 'pool")):
        load(path)


def test_an_invalid_data_type_is_a_frontend_error_naming_the_tensor() -> None:
    proto = _lenet()
    proto.graph.input[0].type.tensor_type.elem_type = 999
    with pytest.raises(FrontendError, match=r"lenet: tensor 'input': data type 999 is not an "
                                            r"ONNX tensor type"):
        load(proto)
    proto = _lenet()
    proto.graph.initializer[0].data_type = 999
    with pytest.raises(FrontendError, match=r"lenet: initializer 'conv1.weight': data type 999"):
        load(proto)


def test_a_broadcasting_mismatch_is_a_frontend_error_naming_the_node() -> None:
    proto = make_model([node("Add", ["x", "w"])], {"x": (2, 3)}, ["y"], {"w": weights((4, 3))})
    with pytest.raises(FrontendError, match=r"test: node 'add': shape inference failed"):
        load(proto)


def test_initializer_data_shorter_than_its_dims_is_a_frontend_error() -> None:
    proto = make_model([node("MatMul", ["x", "w"])], {"x": (2, 3)}, ["y"],
                       {"w": weights((3, 4))})
    del proto.graph.initializer[0].dims[:]
    proto.graph.initializer[0].dims.extend([3, 40])  # data for 3 x 4 only
    with pytest.raises(FrontendError, match=r"test: the ONNX checker rejects the model: "
                                            r"TensorProto \(tensor name: w\) raw_data size"):
        load(proto)


# -- sizes -----------------------------------------------------------------------------------
def test_an_input_too_big_for_the_budget_is_refused_at_load() -> None:
    proto = make_model([node("Relu", ["x"])], {"x": (1, 1, 100_000, 100_000)}, ["y"])
    with pytest.raises(FrontendError, match=(
            r"test: tensor 'x' \[1, 1, 100000, 100000\] needs 37\.3 GiB of host memory, over "
            r"the memory budget of 2\.0 GiB")) as info:
        load(proto)
    assert "max_memory" in (info.value.hint or "")


def test_an_intermediate_too_big_for_the_budget_names_its_node() -> None:
    # two 400 KB inputs whose product is 40 GB
    proto = make_model([node("MatMul", ["a", "b"], name="outer")],
                       {"a": (100_000, 1), "b": (1, 100_000)}, ["y"])
    with pytest.raises(FrontendError, match=r"test: node 'outer': output tensor 'y' "
                                            r"\[100000, 100000\] needs 37\.3 GiB"):
        load(proto)


def test_the_budget_is_a_parameter() -> None:
    proto = make_model([node("Relu", ["x"])], {"x": (64, 1024)}, ["y"])  # 256 KiB
    load(proto)
    with pytest.raises(FrontendError, match=r"needs 256\.0 KiB of host memory, over the memory "
                                            r"budget of 100\.0 KiB"):
        load(proto, max_memory=100 * 1024)
    with pytest.raises(UsageError, match=r"argument 'max_memory' to load: expected a positive "
                                         r"number of bytes, got -1"):
        load(proto, max_memory=-1)


def test_initializers_too_big_together_are_refused() -> None:
    inits = {f"w{k}": np.zeros((64, 64), np.float32) for k in range(4)}  # 16 KiB each
    nodes = [node("Add", ["x", "w0"], ["s0"], name="a0")]
    nodes += [node("Add", [f"s{k - 1}", f"w{k}"], [f"s{k}"], name=f"a{k}") for k in (1, 2, 3)]
    nodes.append(node("Relu", ["s3"]))
    proto = make_model(nodes, {"x": (64, 64)}, ["y"], inits)
    with pytest.raises(FrontendError, match=r"the initializers together needs 64\.0 KiB"):
        load(proto, max_memory=40 * 1024)


def test_the_reference_is_refused_when_a_conv_would_need_too_much() -> None:
    proto = make_model([node("Conv", ["x", "w"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                       {"x": (1, 64, 256, 256)}, ["y"], {"w": weights((64, 64, 3, 3))})
    model = load(proto)  # 16 MiB in, 16 MiB out: loads
    with pytest.raises(FrontendError, match=r"test: onnx.reference needs .* GiB of host memory "
                                            r"\(.* to run node 'conv'\), over the memory budget"):
        model.reference(model.random_inputs(), max_memory=256 * 2**20)


def test_an_exception_inside_onnx_reference_is_a_frontend_error() -> None:
    proto = make_model([node("Relu", ["x"])], {"x": (2, 3)}, ["y"])
    model = load(proto)
    model.proto.graph.node[0].op_type = "NoSuchOp"  # changed after loading
    with pytest.raises(FrontendError, match=r"test: onnx.reference cannot run the model"):
        model.reference(model.random_inputs())


def test_a_graph_input_typed_as_double_is_read_by_the_checks() -> None:
    proto = make_model([node("Relu", ["x"])], {"x": (2, 3)}, ["y"],
                       input_types={"x": TensorProto.DOUBLE})
    with pytest.raises(FrontendError, match=r"float32 data only"):
        load(proto)
