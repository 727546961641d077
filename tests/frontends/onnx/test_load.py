"""Loading: malformed files and models give a FrontendError naming the file, node or tensor."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from covenant_lab.errors import FrontendError, UnsupportedOpError, UsageError
from covenant_lab.frontends.onnx import SUPPORTED_OPS, load, run_layers
from covenant_lab.models import lenet

from ._build import make_model, node, weights


def _relu_model() -> onnx.ModelProto:
    return make_model([node("Relu", ["x"], name="act")], {"x": [1, 4]}, ["y"])


def test_model_argument_type():
    with pytest.raises(UsageError, match=r"argument 1, 'model' to load: expected a path"):
        load(42)  # type: ignore[arg-type]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.onnx"
    with pytest.raises(FrontendError, match=r"nope\.onnx: no such file") as info:
        load(path)
    assert "hint:" in str(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    with pytest.raises(FrontendError, match=r"empty\.onnx: the file is empty"):
        load(path)


def test_corrupt_bytes(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(bytes(range(256)) * 3)
    with pytest.raises(FrontendError, match=r"junk\.onnx: not an ONNX model"):
        load(path)


def test_checker_failure_names_the_file(tmp_path):
    bad = make_model([node("Relu", ["x"])], {"x": [1, 4]}, ["y"])
    bad.graph.node[0].op_type = "Conv"  # Conv needs 2 inputs: the checker rejects it
    path = tmp_path / "bad.onnx"
    onnx.save(bad, path)
    with pytest.raises(FrontendError, match=r"bad\.onnx: the ONNX checker rejects the model"):
        load(path)


def test_unknown_op_names_op_opset_and_node():
    m = make_model([node("Cos", ["x"], name="my_cos")], {"x": [1, 4]}, ["y"], opset=18)
    with pytest.raises(UnsupportedOpError) as info:
        load(m)
    err = info.value
    assert (err.op_type, err.opset, err.node) == ("Cos", 18, "my_cos")
    assert "node 'my_cos': unsupported op Cos (opset 18)" in str(err)
    assert "covenant model ops" in str(err)


def test_custom_domain_op_is_unsupported():
    m = make_model([node("Relu", ["x"], name="custom")], {"x": [1, 4]}, ["y"])
    m.graph.node[0].domain = "com.example"
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    with pytest.raises(
        UnsupportedOpError, match=r"node 'custom': unsupported op com\.example\.Relu"
    ):
        load(m)


def test_old_softmax_semantics_are_unsupported():
    m = make_model([node("Softmax", ["x"], name="sm")], {"x": [2, 3]}, ["y"], opset=11)
    with pytest.raises(UnsupportedOpError, match=r"node 'sm': unsupported op Softmax \(opset 11\)"):
        load(m)


def test_dynamic_shape_needs_shapes_override():
    m = make_model([node("Relu", ["x"], name="act")], {"x": ["batch", 4]}, ["y"])
    with pytest.raises(FrontendError, match=r"input 'x' has a dynamic shape \[batch, 4\]") as info:
        load(m)
    assert "shapes={'x': (1, 4)}" in str(info.value)
    model = load(m, shapes={"x": (3, 4)})
    assert model.inputs[0].shape == (3, 4)
    assert model.layer("act").output_tensors[0].shape == (3, 4)


def test_shapes_override_of_a_static_model_reinfers_everything():
    m = make_model(
        [node("Relu", ["x"], ["h"], name="act"), node("Sigmoid", ["h"], name="gate")],
        {"x": [1, 4]},
        ["y"],
    )
    m = onnx.shape_inference.infer_shapes(m)  # value_info for 'h' says [1, 4]
    model = load(m, shapes={"x": (3, 4)})
    assert model.tensors["h"].shape == (3, 4)
    assert model.outputs[0].shape == (3, 4)


def test_shapes_override_unknown_name():
    with pytest.raises(
        FrontendError, match=r"shapes= names 'image'.*\n.*the graph inputs are \['x'\]"
    ):
        load(_relu_model(), shapes={"image": (1, 4)})


def test_shapes_override_rejects_bad_sizes():
    with pytest.raises(FrontendError, match=r"shapes\['x'\] = \[1, 0\]: expected positive ints"):
        load(_relu_model(), shapes={"x": (1, 0)})


def test_non_constant_reshape_shape_names_node_and_input():
    m = make_model(
        [node("Reshape", ["x", "s"], name="reshape_it")],
        {"x": [2, 6], "s": [2]},
        ["y"],
        input_types={"s": TensorProto.INT64},
    )
    with pytest.raises(
        FrontendError,
        match=r"node 'reshape_it' \(Reshape\): input 'shape' \('s'\): must be a constant",
    ):
        load(m)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "rank"),
    [((1, 2, 9), (3, 2, 3), 1), ((1, 2, 5, 5, 5), (3, 2, 3, 3, 3), 3)],
)
def test_bad_conv_kernel_rank_names_node_and_attribute(x_shape, w_shape, rank):
    m = make_model(
        [node("Conv", ["x", "w"], name="conv_nd")], {"x": x_shape}, ["y"], {"w": weights(w_shape)}
    )
    with pytest.raises(
        FrontendError,
        match=rf"node 'conv_nd' \(Conv\): attribute 'kernel_shape': only 2-D convolutions "
        rf"are supported, got a {rank}-D kernel",
    ):
        load(m)


def test_shapes_that_do_not_check_name_the_node():
    m = make_model([node("Add", ["a", "b"], name="bad_add")], {"a": [2, 3], "b": [4, 5]}, ["y"])
    with pytest.raises(
        FrontendError, match=r"node 'bad_add': shape inference failed: .*Incompatible dimensions"
    ):
        load(m)


def test_declared_shape_that_disagrees_names_the_node():
    m = _relu_model()
    m.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 5
    with pytest.raises(FrontendError, match=r"node 'act': shape inference failed"):
        load(m)


def test_non_constant_clip_bound():
    m = make_model([node("Clip", ["x", "lo"], name="clamp")], {"x": [1, 4], "lo": []}, ["y"])
    with pytest.raises(
        FrontendError, match=r"node 'clamp' \(Clip\): input 'min' \('lo'\): must be a constant"
    ):
        load(m)


def test_unsupported_attribute_value():
    m = make_model(
        [node("AveragePool", ["x"], name="pool", kernel_shape=[2, 2], dilations=[2, 2])],
        {"x": [1, 2, 5, 5]},
        ["y"],
    )
    with pytest.raises(
        FrontendError,
        match=r"node 'pool' \(AveragePool\): attribute 'dilations': dilated average pooling",
    ):
        load(m)


def test_ambiguous_ceil_mode_window_is_refused():
    m = make_model(
        [node("MaxPool", ["x"], name="pool", kernel_shape=[1, 1], strides=[2, 2], ceil_mode=1)],
        {"x": [1, 1, 2, 2]},
        ["y"],
    )
    with pytest.raises(FrontendError, match=r"node 'pool' \(MaxPool\): attribute 'ceil_mode'"):
        load(m)


def test_unsupported_optional_output():
    m = make_model(
        [node("MaxPool", ["x"], ["y", "idx"], name="pool", kernel_shape=[2, 2])],
        {"x": [1, 1, 4, 4]},
        ["y", "idx"],
    )
    with pytest.raises(
        FrontendError, match=r"node 'pool' \(MaxPool\): output 1 \('idx'\) is not supported"
    ):
        load(m)


def test_non_float_data_is_rejected():
    m = make_model(
        [node("Add", ["a", "b"], name="int_add")],
        {"a": [2], "b": [2]},
        ["y"],
        input_types={"a": TensorProto.INT32, "b": TensorProto.INT32},
    )
    with pytest.raises(FrontendError, match=r"node 'int_add' \(Add\): tensor 'a' is int32"):
        load(m)


def test_library_argument_errors_name_the_node():
    m = make_model(
        [node("Conv", ["x", "w"], name="grouped", group=3)],
        {"x": [1, 4, 5, 5]},
        ["y"],
        {"w": weights([6, 2, 3, 3])},
    )
    with pytest.raises(FrontendError, match=r"node 'grouped' \(Conv\)"):
        load(m)


def test_unnamed_and_duplicate_nodes_get_unique_names():
    m = make_model(
        [
            node("Relu", ["x"], ["a"], name=""),
            node("Relu", ["a"], ["b"], name="r"),
            node("Relu", ["b"], ["y"], name="r"),
        ],
        {"x": [1, 4]},
        ["y"],
    )
    assert [layer.name for layer in load(m).layers] == ["Relu_0", "r", "r_2"]


def test_constant_nodes_become_initializers():
    shape = helper.make_tensor("s", TensorProto.INT64, [2], [3, 4])
    m = make_model(
        [
            node("Constant", [], ["s"], name="c", value=shape),
            node("Constant", [], ["k"], name="k", value_float=2.0),
            node("Reshape", ["x", "s"], ["r"], name="reshape"),
            node("Mul", ["r", "k"], ["y"], name="scale"),
        ],
        {"x": [2, 6]},
        ["y"],
    )
    model = load(m)
    assert [layer.op_type for layer in model.layers] == ["Reshape", "Mul"]
    assert model.initializers["s"].tolist() == [3, 4]
    assert float(model.initializers["k"]) == 2.0
    x = model.random_inputs()
    np.testing.assert_allclose(run_layers(model, x)["y"], model.reference(x)["y"], rtol=1e-6)


def test_model_fields(tmp_path):
    path = tmp_path / "lenet.onnx"
    onnx.save(lenet(), path)
    model = load(path)
    assert (model.name, model.source, model.opset) == ("lenet", str(path), 20)
    assert [t.name for t in model.inputs] == ["input"]
    assert [(t.name, t.shape) for t in model.outputs] == [("fc2", (1, 10))]
    assert model.layer("conv1").op_type == "Conv"
    assert load(path) == model  # compares names, layers and tensors, not the weights


def test_unknown_layer_lists_close_names():
    with pytest.raises(
        FrontendError, match=r"lenet: no layer named 'conv3'\nhint: did you mean 'conv2', 'conv1'\?"
    ):
        load(lenet()).layer("conv3")


def test_initializers_are_read_only():
    model = load(lenet())
    with pytest.raises(TypeError):
        model.initializers["x"] = np.zeros(1)  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        model.initializers["conv1.weight"][0, 0, 0, 0] = 1.0


def test_supported_ops_cover_the_issue():
    wanted = {
        "Conv", "Gemm", "MatMul", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Erf", "Gelu",
        "Exp", "Sqrt", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool", "GlobalAveragePool",
        "Softmax", "LayerNormalization", "BatchNormalization", "ReduceMean", "ReduceSum",
        "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Split", "Identity",
        "Constant", "Dropout",
    }  # fmt: skip
    assert wanted <= set(SUPPORTED_OPS)
