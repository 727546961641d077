"""One plain function per ONNX operator (tinygrad's pattern), each returning a :class:`Lowered`.

Positional parameters are the node's inputs (:class:`TensorInfo`, ``None`` for an omitted
optional input); keyword-only parameters are the ONNX attributes with their ONNX defaults. The
loader (``load.py``) dispatches to these through a dict and turns any :class:`FrontendError`
raised here into one naming the node. Attributes that moved to inputs in later opsets
(``axes``, ``split``, Clip's ``min``/``max``) are converted to inputs by the loader first, so
these functions only see the current form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from covenant_lab.codelets import library as lib
from covenant_lab.codelets.ir import Codelet
from covenant_lab.errors import FrontendError
from covenant_lab.frontends.onnx.lowering import (
    Lowered,
    attr_error,
    broadcast,
    const_ints,
    const_scalar,
    norm_axis,
    pads_2d,
    pair,
    spatial_input,
)
from covenant_lab.frontends.onnx.model import TensorInfo
from covenant_lab.types import OpKind, Role

T = TensorInfo


def _kernel(w_or_shape: Sequence[int], kernel_shape: Sequence[int] | None) -> tuple[int, int]:
    if kernel_shape is not None and tuple(kernel_shape) != tuple(w_or_shape):
        raise attr_error(
            "kernel_shape", f"{list(kernel_shape)} differs from the weight's {list(w_or_shape)}"
        )
    return pair(tuple(w_or_shape), "kernel_shape", 1)


# -- dense ----------------------------------------------------------------------------------


def Conv(
    x: T,
    w: T,
    b: T | None = None,
    *,
    auto_pad: str = "NOTSET",
    dilations: Sequence[int] | None = None,
    group: int = 1,
    kernel_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
) -> Lowered:
    """2-D convolution (NCHW, weights OIHW), with optional bias."""
    if len(w.shape) != 4:
        rank = len(w.shape) - 2
        raise attr_error(
            "kernel_shape",
            f"only 2-D convolutions are supported, got a {rank}-D kernel "
            f"{list(kernel_shape or w.shape[2:])}",
        )
    hw = spatial_input(x, "kernel_shape", "convolutions")
    kernel = _kernel(w.shape[2:], kernel_shape)
    st, dil = pair(strides, "strides", 1), pair(dilations, "dilations", 1)
    pd = pads_2d(auto_pad, pads, hw, kernel, st, dil)
    c = lib.conv2d(
        x.shape, w.shape, bias=b is not None, strides=st, pads=pd, dilations=dil, group=group
    )
    return Lowered(c, (("x", x), ("w", w)) + ((("b", b),) if b is not None else ()))


def Gemm(
    a: T,
    b: T,
    c: T | None = None,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    transA: int = 0,
    transB: int = 0,
) -> Lowered:
    """``alpha * A' B' + beta * C`` on 2-D matrices."""
    cd = lib.gemm(
        a.shape,
        b.shape,
        c_shape=c.shape if c is not None else None,
        trans_a=bool(transA),
        trans_b=bool(transB),
        alpha=float(alpha),
        beta=float(beta),
    )
    return Lowered(cd, (("a", a), ("b", b)) + ((("c", c),) if c is not None else ()))


def MatMul(a: T, b: T) -> Lowered:
    """numpy ``matmul``; a constant ``b`` is a weight."""
    return Lowered(lib.matmul(a.shape, b.shape, b_is_weight=b.is_constant), (("a", a), ("b", b)))


# -- elementwise ----------------------------------------------------------------------------


def _unary(c: Codelet, x: T) -> Lowered:
    return Lowered(c, (("x", x),))


def Relu(x: T) -> Lowered:
    return _unary(lib.relu(x.shape), x)


def LeakyRelu(x: T, *, alpha: float = 0.01) -> Lowered:
    return _unary(lib.leaky_relu(x.shape, float(alpha)), x)


def Clip(x: T, min_value: T | None = None, max_value: T | None = None) -> Lowered:
    """Clip with constant bounds (ReLU6 is ``Clip(x, 0, 6)``)."""
    lo = const_scalar(min_value, "min") if min_value is not None else None
    hi = const_scalar(max_value, "max") if max_value is not None else None
    return _unary(lib.clip(x.shape, min=lo, max=hi), x)


def Sigmoid(x: T) -> Lowered:
    return _unary(lib.sigmoid(x.shape), x)


def Tanh(x: T) -> Lowered:
    return _unary(lib.tanh(x.shape), x)


def Erf(x: T) -> Lowered:
    return _unary(lib.erf(x.shape), x)


def Gelu(x: T, *, approximate: str = "none") -> Lowered:
    if approximate not in ("none", "tanh"):
        raise attr_error("approximate", f"expected 'none' or 'tanh', got {approximate!r}")
    return _unary(lib.gelu(x.shape, approximate=approximate), x)


def Exp(x: T) -> Lowered:
    return _unary(lib.exp(x.shape), x)


def Sqrt(x: T) -> Lowered:
    return _unary(lib.sqrt(x.shape), x)


def _binary(op: OpKind, a: T, b: T, *, commutative: bool) -> Lowered:
    out = broadcast(a, b)
    if commutative and a.is_constant and not b.is_constant:
        a, b = b, a  # the activation in 'a', the constant (weight) in 'b'
    role = Role.WEIGHT if b.is_constant else Role.INPUT
    c = lib.elementwise(op, a.shape, b.shape, b_role=role, out_shape=out)
    return Lowered(c, (("a", a), ("b", b)))


def Add(a: T, b: T) -> Lowered:
    return _binary(OpKind.ADD, a, b, commutative=True)


def Sub(a: T, b: T) -> Lowered:
    return _binary(OpKind.SUB, a, b, commutative=False)


def Mul(a: T, b: T) -> Lowered:
    return _binary(OpKind.MUL, a, b, commutative=True)


def Div(a: T, b: T) -> Lowered:
    return _binary(OpKind.DIV, a, b, commutative=False)


# -- pooling and normalisation --------------------------------------------------------------


def _pool_geometry(
    x: T,
    auto_pad: str,
    ceil_mode: int,
    kernel_shape: Sequence[int] | None,
    pads: Sequence[int] | None,
    strides: Sequence[int] | None,
    dilations: Sequence[int] | None,
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int], tuple[int, int]]:
    if kernel_shape is None:
        raise attr_error("kernel_shape", "is required")
    if len(kernel_shape) != 2:
        raise attr_error(
            "kernel_shape",
            f"only 2-D pooling is supported, got a {len(kernel_shape)}-D kernel "
            f"{list(kernel_shape)}",
        )
    hw = spatial_input(x, "kernel_shape", "pooling windows")
    kernel, st = pair(kernel_shape, "kernel_shape", 1), pair(strides, "strides", 1)
    dil = pair(dilations, "dilations", 1)
    pd = pads_2d(auto_pad, pads, hw, kernel, st, dil)
    if ceil_mode:
        _check_ceil_windows(hw, kernel, st, pd, dil)
    return kernel, st, pd, dil


def _check_ceil_windows(
    hw: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    pads: tuple[int, int, int, int],
    dilations: tuple[int, int],
) -> None:
    """Refuse ceil_mode windows that would start past the input and its leading padding.

    There ONNX shape inference counts the window but onnx.reference (and PyTorch) drop it, so
    the model's declared shape cannot be computed faithfully.
    """
    for axis in (0, 1):
        size, begin, end = hw[axis], pads[axis], pads[axis + 2]
        span = size + begin + end - dilations[axis] * (kernel[axis] - 1) - 1
        out = -(-span // strides[axis]) + 1
        if span >= 0 and (out - 1) * strides[axis] >= size + begin:
            raise attr_error(
                "ceil_mode",
                f"the last window along spatial axis {axis} would start after the input "
                f"(size {size}, kernel {kernel[axis]}, stride {strides[axis]}, pads "
                f"{begin},{end}); ONNX shape inference keeps it, onnx.reference drops it",
                hint="use ceil_mode=0 or change the pads so every window overlaps the input",
            )


def MaxPool(
    x: T,
    *,
    auto_pad: str = "NOTSET",
    ceil_mode: int = 0,
    dilations: Sequence[int] | None = None,
    kernel_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    storage_order: int = 0,
    strides: Sequence[int] | None = None,
) -> Lowered:
    """2-D max pooling (the optional Indices output is not supported)."""
    del storage_order  # only affects the Indices output
    kernel, st, pd, dil = _pool_geometry(
        x, auto_pad, ceil_mode, kernel_shape, pads, strides, dilations
    )
    c = lib.maxpool2d(
        x.shape, kernel=kernel, strides=st, pads=pd, dilations=dil, ceil_mode=bool(ceil_mode)
    )
    return _unary(c, x)


def AveragePool(
    x: T,
    *,
    auto_pad: str = "NOTSET",
    ceil_mode: int = 0,
    count_include_pad: int = 0,
    dilations: Sequence[int] | None = None,
    kernel_shape: Sequence[int] | None = None,
    pads: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
) -> Lowered:
    """2-D average pooling without dilation."""
    kernel, st, pd, dil = _pool_geometry(
        x, auto_pad, ceil_mode, kernel_shape, pads, strides, dilations
    )
    if dil != (1, 1):
        raise attr_error("dilations", f"dilated average pooling is not supported, got {list(dil)}")
    c = lib.avgpool2d(
        x.shape,
        kernel=kernel,
        strides=st,
        pads=pd,
        count_include_pad=bool(count_include_pad),
        ceil_mode=bool(ceil_mode),
    )
    return _unary(c, x)


def GlobalAveragePool(x: T) -> Lowered:
    spatial_input(x, "input", "global pooling")
    return _unary(lib.global_avgpool(x.shape), x)


def Softmax(x: T, *, axis: int = -1) -> Lowered:
    return _unary(lib.softmax(x.shape, norm_axis(axis, len(x.shape))), x)


def LayerNormalization(
    x: T,
    scale: T,
    b: T | None = None,
    *,
    axis: int = -1,
    epsilon: float = 1e-5,
    stash_type: int = 1,
) -> Lowered:
    """Normalise over axes ``axis..rank-1``; the Mean/InvStdDev outputs are not supported."""
    del stash_type  # the codelet computes in the accumulator's precision
    ax = norm_axis(axis, len(x.shape))
    c = lib.layernorm(x.shape, axis=ax, epsilon=float(epsilon), scale=True, bias=b is not None)
    return Lowered(c, (("x", x), ("scale", scale)) + ((("bias", b),) if b is not None else ()))


def BatchNormalization(
    x: T,
    scale: T,
    b: T,
    mean: T,
    var: T,
    *,
    epsilon: float = 1e-5,
    momentum: float = 0.9,
    training_mode: int = 0,
) -> Lowered:
    """Inference-mode batch normalisation with the running statistics."""
    del momentum  # training only
    if training_mode:
        raise attr_error("training_mode", "training mode is not supported (inference only)")
    c = lib.batchnorm(x.shape, epsilon=float(epsilon))
    binds = (("x", x), ("scale", scale), ("bias", b), ("mean", mean), ("var", var))
    return Lowered(c, binds)


def _reduce(kind: str, x: T, axes: T | None, keepdims: int, noop_with_empty_axes: int) -> Lowered:
    rank = len(x.shape)
    given = const_ints(axes, "axes") if axes is not None else ()
    if not given and noop_with_empty_axes:
        return Identity(x)
    ax = tuple(sorted({norm_axis(a, rank, "axes") for a in given})) or tuple(range(rank))
    return _unary(lib.reduce(kind, x.shape, ax, bool(keepdims)), x)


def ReduceMean(
    data: T, axes: T | None = None, *, keepdims: int = 1, noop_with_empty_axes: int = 0
) -> Lowered:
    return _reduce("mean", data, axes, keepdims, noop_with_empty_axes)


def ReduceSum(
    data: T, axes: T | None = None, *, keepdims: int = 1, noop_with_empty_axes: int = 0
) -> Lowered:
    return _reduce("sum", data, axes, keepdims, noop_with_empty_axes)


def ReduceMax(
    data: T, axes: T | None = None, *, keepdims: int = 1, noop_with_empty_axes: int = 0
) -> Lowered:
    return _reduce("max", data, axes, keepdims, noop_with_empty_axes)


# -- data movement --------------------------------------------------------------------------


def _reshape(x: T, out_shape: Sequence[int]) -> Lowered:
    out = tuple(int(d) for d in out_shape)
    if math.prod(out) != x.size:
        raise FrontendError(
            f"cannot reshape {list(x.shape)} ({x.size} elements) to {list(out)} "
            f"({math.prod(out)} elements)"
        )
    return _unary(lib.reshape(x.shape, out), x)


def Identity(x: T) -> Lowered:
    return _reshape(x, x.shape)


def Dropout(
    data: T, ratio: T | None = None, training_mode: T | None = None, *, seed: int | None = None
) -> Lowered:
    """Inference: the identity (the optional mask output is not supported)."""
    del ratio, seed
    if training_mode is not None and (training_mode.value is None or training_mode.value.any()):
        raise FrontendError(
            f"input 'training_mode' ('{training_mode.name}'): only constant False is supported "
            "(inference)"
        )
    return Identity(data)


def Reshape(data: T, shape: T, *, allowzero: int = 0) -> Lowered:
    """Reshape with a constant target shape (0 copies a dimension, -1 is inferred)."""
    target = list(const_ints(shape, "shape"))
    for i, d in enumerate(target):
        if d == 0 and not allowzero:
            target[i] = data.shape[i]
    if target.count(-1) > 1:
        raise FrontendError(f"input 'shape' ('{shape.name}'): more than one -1 in {target}")
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        target[target.index(-1)] = data.size // known if known else 0
    return _reshape(data, target)


def Flatten(x: T, *, axis: int = 1) -> Lowered:
    rank = len(x.shape)
    if not -rank <= axis <= rank:
        raise attr_error("axis", f"{axis} is out of range for a rank-{rank} tensor")
    ax = axis % (rank + 1) if axis < 0 else axis
    return _reshape(x, (math.prod(x.shape[:ax]), math.prod(x.shape[ax:])))


def Squeeze(data: T, axes: T | None = None) -> Lowered:
    rank = len(data.shape)
    if axes is None:
        drop = {i for i, d in enumerate(data.shape) if d == 1}
    else:
        drop = {norm_axis(a, rank, "axes") for a in const_ints(axes, "axes")}
    bad = [i for i in sorted(drop) if data.shape[i] != 1]
    if bad:
        raise FrontendError(f"input 'axes': cannot squeeze axes {bad} of shape {list(data.shape)}")
    return _reshape(data, [d for i, d in enumerate(data.shape) if i not in drop])


def Unsqueeze(data: T, axes: T) -> Lowered:
    rank = len(data.shape) + len(const_ints(axes, "axes"))
    inserted = {norm_axis(a, rank, "axes") for a in const_ints(axes, "axes")}
    dims = iter(data.shape)
    return _reshape(data, [1 if i in inserted else next(dims) for i in range(rank)])


def Transpose(x: T, *, perm: Sequence[int] | None = None) -> Lowered:
    rank = len(x.shape)
    p = tuple(perm) if perm is not None else tuple(reversed(range(rank)))
    if sorted(p) != list(range(rank)):
        raise attr_error("perm", f"{list(p)} is not a permutation of {rank} axes")
    return _unary(lib.transpose(x.shape, p), x)


def Concat(*inputs: T, axis: int) -> Lowered:
    ax = norm_axis(axis, len(inputs[0].shape))
    c = lib.concat(tuple(t.shape for t in inputs), ax)
    return Lowered(c, tuple((f"x{i}", t) for i, t in enumerate(inputs)))


def Split(
    x: T, split: T | None = None, *, axis: int = 0, num_outputs: int | None = None
) -> Lowered:
    """Split along ``axis`` by constant sizes, or into ``num_outputs`` (last one smaller)."""
    ax = norm_axis(axis, len(x.shape))
    extent = x.shape[ax]
    if split is not None:
        sizes = const_ints(split, "split")
    elif num_outputs:
        chunk = math.ceil(extent / num_outputs)
        sizes = tuple(min(chunk, extent - i * chunk) for i in range(num_outputs))
    else:
        raise attr_error("num_outputs", "Split needs either the 'split' input or 'num_outputs'")
    if sum(sizes) != extent or min(sizes) < 0:
        raise FrontendError(f"split sizes {list(sizes)} do not add up to axis {ax} ({extent})")
    c = lib.split(x.shape, ax, sizes)
    return Lowered(c, (("x", x),), tuple(f"y{i}" for i in range(len(sizes))))
