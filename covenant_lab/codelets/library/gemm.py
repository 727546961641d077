"""Matrix products: ONNX Gemm and numpy/ONNX MatMul (batched, broadcast, 1-D operands)."""

from __future__ import annotations

from collections.abc import Sequence

from covenant_lab.codelets.builder import CodeletBuilder
from covenant_lab.codelets.ir import Access, Codelet
from covenant_lab.codelets.library._common import (
    axis_dims,
    broadcast_index,
    broadcast_shapes,
    check_shape,
)
from covenant_lab.errors import UsageError
from covenant_lab.types import DType, OpKind, Role

__all__ = ["gemm", "matmul"]


def gemm(
    a_shape: Sequence[int], b_shape: Sequence[int], *, c_shape: Sequence[int] | None = None,
    trans_a: bool = False, trans_b: bool = False, alpha: float = 1.0, beta: float = 1.0,
    name: str = "gemm", dtype: DType = DType.FLOAT32,
) -> Codelet:
    """``y = alpha * a' @ b' + beta * c`` (ONNX Gemm); ``c`` broadcasts to ``(M, N)``.

    With alpha == beta == 1 the bias is the MAC's init::

        y[m, n] += a[m, k] * b[k, n]   # init c[0, n]

    otherwise extra stages scale the product (``y = y * alpha``), scale the bias into a temp
    (``t0 = c * beta``) and add it (``y = y + t0``).
    """
    fn = "gemm"
    a_sh = check_shape(fn, "a_shape", a_shape, rank=2)
    b_sh = check_shape(fn, "b_shape", b_shape, rank=2)
    m_, k_ = a_sh[::-1] if trans_a else a_sh
    kb_, n_ = b_sh[::-1] if trans_b else b_sh
    if k_ != kb_:
        raise UsageError(f"{fn}: inner sizes differ: a' is {(m_, k_)}, b' is {(kb_, n_)}")
    cb = CodeletBuilder(name, dtype=dtype)
    m, n, k = cb.dims(m=m_, n=n_, k=k_)
    a = cb.input("a", a_sh)
    b = cb.weight("b", b_sh)
    init: Access | float = 0.0
    bias: Access | None = None
    if c_shape is not None:
        c_sh = check_shape(fn, "c_shape", c_shape)
        if len(c_sh) > 2 or broadcast_shapes(fn, c_sh, (m_, n_)) != (m_, n_):
            raise UsageError(f"{fn}: c_shape {c_sh} does not broadcast to {(m_, n_)}")
        c = cb.weight("c", c_sh)
        bias = c[broadcast_index(c_sh, (m_, n_), (m, n))]
    y = cb.output("y", (m_, n_))
    if bias is not None and alpha == 1.0 and beta == 1.0:
        init, bias = bias, None
    cb.mac(y[m, n], a[k, m] if trans_a else a[m, k], b[n, k] if trans_b else b[k, n],
           loops=(m, n, k), init=init)
    if alpha != 1.0:
        cb.binary(OpKind.MUL, y[m, n], y[m, n], float(alpha), label="alpha")
    if bias is not None and beta != 0.0:
        if beta != 1.0:
            t0 = cb.temp("t0", (m_, n_))
            cb.binary(OpKind.MUL, t0[m, n], bias, float(beta), loops=(m, n), label="beta")
            bias = t0[m, n]
        cb.binary(OpKind.ADD, y[m, n], y[m, n], bias, label="bias")
    cb.attr("trans_a", trans_a)
    cb.attr("trans_b", trans_b)
    cb.attr("alpha", float(alpha))
    cb.attr("beta", float(beta))
    return cb.build()


def matmul(
    a_shape: Sequence[int], b_shape: Sequence[int], *, b_is_weight: bool = True,
    name: str = "matmul", dtype: DType = DType.FLOAT32,
) -> Codelet:
    """``y = a @ b`` with numpy semantics: batch dims ``d0, d1, ...`` broadcast, and a 1-D
    ``a`` (``b``) is a row (column) whose axis is dropped from the result::

        y[d0, m, n] += a[d0, m, k] * b[0, k, n]     # a (4, 3, 5) @ b (1, 5, 2)
    """
    fn = "matmul"
    a_sh = check_shape(fn, "a_shape", a_shape, min_rank=1)
    b_sh = check_shape(fn, "b_shape", b_shape, min_rank=1)
    a_mat, b_mat = len(a_sh) > 1, len(b_sh) > 1
    k_ = a_sh[-1]
    kb_ = b_sh[-2] if b_mat else b_sh[0]
    if k_ != kb_:
        raise UsageError(f"{fn}: inner sizes differ: a is {a_sh}, b is {b_sh}")
    a_batch, b_batch = a_sh[:-2], b_sh[:-2]
    batch = broadcast_shapes(fn, a_batch, b_batch)
    cb = CodeletBuilder(name, dtype=dtype)
    bv = axis_dims(cb, batch)
    m = (cb.dim("m", a_sh[-2]),) if a_mat else ()
    n = (cb.dim("n", b_sh[-1]),) if b_mat else ()
    k = cb.dim("k", k_)
    a = cb.input("a", a_sh)
    b = cb.operand("b", b_sh, Role.WEIGHT if b_is_weight else Role.INPUT)
    y = cb.output("y", (*batch, *(a_sh[-2:-1] if a_mat else ()), *(b_sh[-1:] if b_mat else ())))
    a_idx = (*broadcast_index(a_batch, batch, bv), *m, k)
    b_idx = (*broadcast_index(b_batch, batch, bv), k, *n)
    cb.mac(y[(*bv, *m, *n)], a[a_idx], b[b_idx], loops=(*bv, *m, *n, k), init=0.0)
    return cb.build()
