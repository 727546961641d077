"""Per-op: a one-node model loads, and interpreting its codelet equals onnx.reference."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from covenant_lab.frontends.onnx import load, run_layers

from ._build import make_model, node, weights


@dataclass(frozen=True)
class Case:
    id: str
    op: str
    ins: tuple[str, ...]
    shapes: dict[str, tuple[int, ...]]
    inits: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, object] = field(default_factory=dict)
    outs: tuple[str, ...] = ("y",)
    opset: int = 20
    positive: bool = False  # feed |x| + 0.1 (Sqrt, Div by an activation)


def c(id, op, ins, shapes, inits=None, *, outs=("y",), opset=20, positive=False, **attrs):
    return Case(id, op, tuple(ins), shapes, inits or {}, attrs, tuple(outs), opset, positive)


W = weights
I64 = np.int64
X4 = {"x": (1, 3, 7, 7)}

CASES = [
    # dense
    c("conv3x3", "Conv", "xwb", X4, {"w": W((4, 3, 3, 3)), "b": W((4,))}, pads=[1, 1, 1, 1]),
    c("conv_nobias_s2", "Conv", "xw", X4, {"w": W((4, 3, 3, 3))}, strides=[2, 2]),
    c("conv_asym_pads", "Conv", "xw", X4, {"w": W((2, 3, 2, 3))}, pads=[0, 1, 1, 2]),
    c("conv_dilated", "Conv", "xw", X4, {"w": W((2, 3, 3, 3))}, dilations=[2, 2],
      pads=[2, 2, 2, 2]),
    c("conv_depthwise", "Conv", "xwb", {"x": (1, 4, 6, 6)},
      {"w": W((4, 1, 3, 3)), "b": W((4,))}, group=4, pads=[1, 1, 1, 1]),
    c("conv_grouped", "Conv", "xw", {"x": (1, 4, 5, 5)}, {"w": W((6, 2, 1, 1))}, group=2),
    c("conv_same_upper", "Conv", "xw", X4, {"w": W((2, 3, 4, 4))}, auto_pad="SAME_UPPER",
      strides=[2, 2]),
    c("conv_same_lower", "Conv", "xw", X4, {"w": W((2, 3, 4, 4))}, auto_pad="SAME_LOWER"),
    c("conv_valid", "Conv", "xw", X4, {"w": W((2, 3, 3, 3))}, auto_pad="VALID",
      kernel_shape=[3, 3]),
    c("gemm_transb_bias", "Gemm", "abc", {"a": (2, 5)}, {"b": W((3, 5)), "c": W((3,))}, transB=1),
    c("gemm_transa_alpha_beta", "Gemm", "abc", {"a": (5, 2)}, {"b": W((5, 3)), "c": W((2, 3))},
      transA=1, alpha=0.5, beta=2.0),
    c("gemm_no_c", "Gemm", "ab", {"a": (2, 5)}, {"b": W((5, 3))}),
    c("matmul_weight", "MatMul", "ab", {"a": (4, 6)}, {"b": W((6, 5))}),
    c("matmul_batched", "MatMul", "ab", {"a": (3, 4, 6), "b": (3, 6, 5)}),
    c("matmul_3d_weight", "MatMul", "ab", {"a": (1, 4, 6)}, {"b": W((6, 5))}),
    # elementwise
    c("relu", "Relu", "x", X4),
    c("leaky_relu", "LeakyRelu", "x", X4, alpha=0.2),
    c("clip_relu6", "Clip", ["x", "lo", "hi"], X4,
      {"lo": np.float32(0.0), "hi": np.float32(0.5)}),
    c("clip_min_only", "Clip", ["x", "lo"], X4, {"lo": np.float32(-0.3)}),
    c("clip_max_only", "Clip", ["x", "", "hi"], X4, {"hi": np.float32(0.3)}),
    c("clip_opset6_attrs", "Clip", "x", X4, opset=6, min=-0.5, max=0.5),
    c("sigmoid", "Sigmoid", "x", X4),
    c("tanh", "Tanh", "x", X4),
    c("erf", "Erf", "x", X4),
    c("gelu", "Gelu", "x", X4),
    c("gelu_tanh", "Gelu", "x", X4, approximate="tanh"),
    c("exp", "Exp", "x", X4),
    c("sqrt", "Sqrt", "x", X4, positive=True),
    c("add_same", "Add", "ab", {"a": (2, 3, 4), "b": (2, 3, 4)}),
    c("add_bias_broadcast", "Add", "ab", {"a": (1, 3, 4, 4)}, {"b": W((3, 1, 1))}),
    c("add_const_first", "Add", "ba", {"a": (2, 5)}, {"b": W((5,))}),
    c("sub_row", "Sub", "ab", {"a": (2, 5)}, {"b": W((5,))}),
    c("mul_both_broadcast", "Mul", "ab", {"a": (2, 1, 4), "b": (3, 1)}),
    c("div_scalar", "Div", "ab", {"a": (2, 3, 4)}, {"b": np.float32(8.0)}),
    c("div_activations", "Div", "ab", {"a": (2, 3), "b": (2, 3)}, positive=True),
    # pooling and normalisation
    c("maxpool_3x3_s2_p1", "MaxPool", "x", {"x": (1, 2, 8, 8)}, kernel_shape=[3, 3],
      strides=[2, 2], pads=[1, 1, 1, 1]),
    c("maxpool_ceil", "MaxPool", "x", X4, kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
    c("maxpool_dilated", "MaxPool", "x", X4, kernel_shape=[2, 2], dilations=[2, 2]),
    c("maxpool_same_upper", "MaxPool", "x", X4, kernel_shape=[3, 3], strides=[2, 2],
      auto_pad="SAME_UPPER"),
    c("avgpool_excl_pad", "AveragePool", "x", X4, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    c("avgpool_incl_pad", "AveragePool", "x", X4, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
      count_include_pad=1),
    c("avgpool_ceil_s2", "AveragePool", "x", X4, kernel_shape=[2, 2], strides=[2, 2],
      ceil_mode=1),
    c("global_avgpool", "GlobalAveragePool", "x", X4),
    c("softmax_last", "Softmax", "x", {"x": (2, 3, 5)}),
    c("softmax_axis1", "Softmax", "x", {"x": (2, 3, 5)}, axis=1),
    c("layernorm", "LayerNormalization", ["x", "s", "b"], {"x": (4, 6)},
      {"s": W((6,)), "b": W((6,), 2)}, epsilon=1e-12),
    c("layernorm_no_bias_axis1", "LayerNormalization", ["x", "s"], {"x": (2, 3, 4)},
      {"s": W((3, 4))}, axis=1),
    c("batchnorm", "BatchNormalization", ["x", "s", "b", "m", "v"], X4,
      {"s": W((3,)), "b": W((3,), 2), "m": W((3,), 3), "v": W((3,), 4, positive=True)}),
    c("reduce_mean_keep", "ReduceMean", ["x", "ax"], X4, {"ax": np.array([1], I64)}),
    c("reduce_mean_opset13_attr", "ReduceMean", "x", X4, opset=13, axes=[2, 3], keepdims=0),
    c("reduce_sum_drop", "ReduceSum", ["x", "ax"], X4, {"ax": np.array([-1, 2], I64)},
      keepdims=0),
    c("reduce_sum_all", "ReduceSum", "x", {"x": (2, 3)}),
    c("reduce_sum_noop", "ReduceSum", "x", {"x": (2, 3)}, noop_with_empty_axes=1),
    c("reduce_sum_opset11_attr", "ReduceSum", "x", {"x": (2, 3)}, opset=11, axes=[0]),
    c("reduce_max", "ReduceMax", ["x", "ax"], X4, {"ax": np.array([1], I64)}),
    # data movement
    c("transpose", "Transpose", "x", {"x": (2, 3, 4)}, perm=[1, 2, 0]),
    c("transpose_default", "Transpose", "x", {"x": (2, 3, 4)}),
    c("reshape", "Reshape", "xs", {"x": (2, 3, 4)}, {"s": np.array([0, -1, 2], I64)}),
    c("flatten", "Flatten", "x", X4),
    c("flatten_axis0", "Flatten", "x", X4, axis=0),
    c("flatten_axis_neg", "Flatten", "x", X4, axis=-1),
    c("squeeze", "Squeeze", ["x", "ax"], {"x": (1, 3, 1, 2)}, {"ax": np.array([0], I64)}),
    c("squeeze_all", "Squeeze", "x", {"x": (1, 3, 1, 2)}),
    c("squeeze_opset11_attr", "Squeeze", "x", {"x": (1, 3, 1, 2)}, opset=11, axes=[2]),
    c("unsqueeze", "Unsqueeze", ["x", "ax"], {"x": (3, 2)}, {"ax": np.array([0, -1], I64)}),
    c("concat", "Concat", ["a", "b", "k"], {"a": (2, 3, 4), "b": (2, 1, 4)},
      {"k": W((2, 2, 4))}, axis=1),
    c("split_sizes", "Split", ["x", "sz"], {"x": (2, 7)}, {"sz": np.array([3, 4], I64)},
      outs=("y0", "y1"), axis=1),
    c("split_num_outputs", "Split", "x", {"x": (7, 2)}, outs=("y0", "y1", "y2"),
      num_outputs=3),
    c("split_opset13_equal", "Split", "x", {"x": (6, 2)}, outs=("y0", "y1"), opset=13),
    c("split_opset11_attr", "Split", "x", {"x": (5, 2)}, outs=("y0", "y1"), opset=11,
      split=[2, 3]),
    c("identity", "Identity", "x", X4),
    c("dropout", "Dropout", "x", X4),
    c("dropout_ratio", "Dropout", ["x", "r"], X4, {"r": np.float32(0.5)}),
]  # fmt: skip


def _model(case: Case):
    nd = node(case.op, list(case.ins), list(case.outs), name=case.id, **case.attrs)
    return make_model([nd], case.shapes, list(case.outs), case.inits, opset=case.opset)


@pytest.mark.parametrize("case", CASES, ids=[k.id for k in CASES])
def test_op_matches_onnx_reference(case: Case):
    model = load(_model(case))
    (layer,) = model.layers
    assert (layer.name, layer.op_type) == (case.id, case.op)
    x = model.random_inputs(seed=3)
    if case.positive:
        x = {k: np.abs(v) + np.float32(0.1) for k, v in x.items()}
    got = run_layers(model, x)
    want = model.reference(x)
    for out in case.outs:
        assert got[out].shape == want[out].shape, out
        np.testing.assert_allclose(got[out], want[out], rtol=1e-5, atol=1e-5, err_msg=out)


def test_every_supported_op_has_a_case():
    from covenant_lab.frontends.onnx import SUPPORTED_OPS

    covered = {k.op for k in CASES} | {"Constant"}  # Constant: see test_load
    assert set(SUPPORTED_OPS) <= covered


def test_bindings_name_graph_tensors():
    model = load(_model(CASES[0]))
    (layer,) = model.layers
    assert layer.bindings == (("x", "x"), ("w", "w"), ("b", "b"), ("y", "y"))
    assert [t.name for t in layer.input_tensors] == ["x", "w", "b"]
    assert layer.tensor("w").is_constant and not layer.tensor("x").is_constant
    assert dict(layer.attrs) == {"pads": (1, 1, 1, 1)}


@settings(max_examples=20, deadline=None)
@given(
    cin=st.integers(1, 4),
    cout=st.integers(1, 4),
    size=st.integers(3, 9),
    kernel=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    auto_pad=st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]),
)
def test_conv_property(cin, cout, size, kernel, stride, pad, auto_pad):
    attrs: dict[str, object] = {"strides": [stride, stride], "auto_pad": auto_pad}
    if auto_pad == "NOTSET":
        attrs["pads"] = [pad, pad, 0, pad]
    case = c("conv", "Conv", "xwb", {"x": (1, cin, size, size + 1)},
             {"w": W((cout, cin, kernel, kernel)), "b": W((cout,))}, **attrs)  # fmt: skip
    test_op_matches_onnx_reference(case)


def _pool_oracle(x: np.ndarray, op: str, out: int, kernel: int, stride: int, pad: int):
    """Direct 2-D pooling (taps outside the input are skipped, i.e. count_include_pad=0).

    onnx.reference mis-sizes some ceil_mode pools, so the property test uses this instead.
    """
    y = np.empty((*x.shape[:2], out, out), dtype=np.float64)
    taps = [[t for t in range(o * stride - pad, o * stride - pad + kernel) if 0 <= t < x.shape[2]]
            for o in range(out)]  # fmt: skip
    reduce = np.max if op == "MaxPool" else np.mean
    for i, rows in enumerate(taps):
        for j, cols in enumerate(taps):
            y[:, :, i, j] = reduce(x[:, :, rows][:, :, :, cols], axis=(2, 3))
    return y


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(2, 9),
    kernel=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    ceil=st.integers(0, 1),
    op=st.sampled_from(["MaxPool", "AveragePool"]),
)
def test_pool_property(size, kernel, stride, pad, ceil, op):
    pad = min(pad, kernel - 1)  # ONNX requires pads smaller than the kernel
    assume(size + 2 * pad >= kernel)
    last_start = (-(-(size + 2 * pad - kernel) // stride)) * stride
    assume(not ceil or last_start < size + pad)  # ambiguous in ONNX: see test_load
    case = c("pool", op, "x", {"x": (1, 2, size, size)}, kernel_shape=[kernel, kernel],
             strides=[stride, stride], pads=[pad] * 4, ceil_mode=ceil)  # fmt: skip
    model = load(_model(case))
    out = model.outputs[0].shape[2]  # ONNX shape inference
    x = model.random_inputs(seed=size)
    got = run_layers(model, x)["y"]
    assert got.shape == (1, 2, out, out)
    want = _pool_oracle(x["x"], op, out, kernel, stride, pad)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
