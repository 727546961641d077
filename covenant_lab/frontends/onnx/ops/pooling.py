"""2-D pooling: MaxPool, AveragePool, GlobalAveragePool."""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.codelets import library as lib
from covenant_lab.frontends.onnx.lowering import (
    Lowered,
    attr_error,
    pads_2d,
    pair,
    spatial_input,
    unary,
)
from covenant_lab.frontends.onnx.model import TensorInfo

T = TensorInfo


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
    return unary(c, x)


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
    return unary(c, x)


def GlobalAveragePool(x: T) -> Lowered:
    spatial_input(x, "input", "global pooling")
    return unary(lib.global_avgpool(x.shape), x)
