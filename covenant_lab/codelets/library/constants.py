"""Constant operands a codelet generates itself, and operands stored flattened.

Some codelets need constant tensors whose values follow from their attributes, such as the
per-position ``1 / count`` of an average pool that excludes padding. Such an operand is a
WEIGHT; the codelet records how to make it in the attribute ``constants``: a tuple of
``(operand, (generator, params))`` pairs. :func:`constants` evaluates them::

    c = avgpool2d((1, 8, 5, 5), kernel=(3, 3), pads=(1, 1, 1, 1))
    constants(c)          # {"inv_count": array of shape (5, 5)}, 1/4 in corners, 1/9 inside

A reshape stores its operands as flat 1-D views (a reshape of a contiguous tensor is a copy in
flat order). The attribute ``flat_shapes``, a tuple of ``(operand, logical_shape)`` pairs, gives
the tensor shapes callers see; :func:`flat_operands` returns it as a dict.

Both attributes are keyed by operand name, so ``chain`` renames them with the operands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

import numpy as np

from covenant_lab.codelets.chain import CONSTANTS_ATTR, FLAT_ATTR
from covenant_lab.codelets.ir import Access, Codelet

__all__ = ["DERIVED_ATTR", "constants", "derived", "derived_sources", "derived_specs",
           "flat_operands", "pool_inv_count", "window_counts"]

# Operands made from another operand's values before a program runs (a layout a machine
# stores its weights in, ``codelets/toeplitz.py``): (operand, (its axis loop names, the source
# Access over them, pairs of axes that must be equal)) pairs; elsewhere the Access's fill.
DERIVED_ATTR = "derived"


def window_counts(size: int, out: int, kernel: int, stride: int, dilation: int,
                   pad_begin: int, pad_end: int, include_pad: bool) -> np.ndarray:
    """How many taps of each output position's window fall in the counted range."""
    pos = (np.arange(out)[:, None] * stride + np.arange(kernel)[None, :] * dilation - pad_begin)
    lo, hi = (-pad_begin, size + pad_end) if include_pad else (0, size)
    return np.asarray(((pos >= lo) & (pos < hi)).sum(axis=1))


def pool_inv_count(
    sizes: tuple[int, int], outs: tuple[int, int], kernel: tuple[int, int],
    strides: tuple[int, int], dilations: tuple[int, int], pads: tuple[int, int, int, int],
    include_pad: bool,
) -> np.ndarray:
    """``1 / count`` per output position (oh, ow) of a 2-D average pool."""
    rows, cols = (
        window_counts(sizes[k], outs[k], kernel[k], strides[k], dilations[k], pads[k],
                       pads[k + 2], include_pad)
        for k in (0, 1)
    )
    return 1.0 / np.outer(rows, cols).astype(np.float64)


_GENERATORS: dict[str, Callable[..., np.ndarray]] = {"pool_inv_count": pool_inv_count}


def constants(codelet: Codelet) -> dict[str, np.ndarray]:
    """Values of the codelet's generated constant operands (empty for most codelets)."""
    spec = cast(tuple[tuple[str, tuple[str, tuple[object, ...]]], ...],
                codelet.attr(CONSTANTS_ATTR, ()))
    out: dict[str, np.ndarray] = {}
    for name, (generator, params) in spec:
        operand = codelet.operand(name)
        values = _GENERATORS[generator](*params)
        out[name] = values.reshape(operand.shape).astype(operand.dtype.numpy)
    return out


def flat_operands(codelet: Codelet) -> dict[str, tuple[int, ...]]:
    """Operands stored as flat 1-D views, with the logical shape callers reshape to."""
    pairs = cast(tuple[tuple[str, tuple[int, ...]], ...], codelet.attr(FLAT_ATTR, ()))
    return dict(pairs)


Derived = tuple[str, tuple[tuple[str, ...], Access, tuple[tuple[str, str], ...]]]


def derived_specs(codelet: Codelet) -> tuple[Derived, ...]:
    """The codelet's derived operands: (name, (its axis loop names, the source Access,
    pairs of axes that must be equal))."""
    return cast(tuple[Derived, ...], codelet.attr(DERIVED_ATTR, ()))


def derived_sources(codelet: Codelet) -> frozenset[str]:
    """Names of the operands the derived operands are made from (not operands themselves
    when nothing else reads them)."""
    return frozenset(source.operand for _, (_, source, _) in derived_specs(codelet))


def derived(codelet: Codelet, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Values of the codelet's derived operands (:data:`DERIVED_ATTR`) made from ``values``
    (which holds their sources): each element is its source's element at the recorded index,
    or the fill where that index is outside the source or a pair of equal axes differs."""
    out: dict[str, np.ndarray] = {}
    for name, (axes, source, equal) in derived_specs(codelet):
        operand = codelet.operand(name)
        src = np.asarray(values[source.operand], dtype=np.float64)
        grid = dict(zip(axes, np.indices(operand.shape), strict=True))
        index = [sum((c * grid[v] for v, c in e.terms), np.full(operand.shape, e.const))
                 for e in source.index]
        inside = np.ones(operand.shape, dtype=bool)
        for x, y in equal:
            inside &= grid[x] == grid[y]
        for k, ix in enumerate(index):
            inside &= (ix >= 0) & (ix < src.shape[k])
        clipped = tuple(np.clip(ix, 0, src.shape[k] - 1) for k, ix in enumerate(index))
        fill = 0.0 if source.fill is None else source.fill
        out[name] = np.where(inside, src[clipped], fill)
    return out
