"""Elementwise ops: activations and broadcasting arithmetic."""

from __future__ import annotations

from covenant_lab.codelets import library as lib
from covenant_lab.frontends.onnx.lowering import (
    Lowered,
    attr_error,
    broadcast,
    const_scalar,
    unary,
)
from covenant_lab.frontends.onnx.model import TensorInfo
from covenant_lab.types import OpKind, Role

T = TensorInfo


def Relu(x: T) -> Lowered:
    return unary(lib.relu(x.shape), x)


def LeakyRelu(x: T, *, alpha: float = 0.01) -> Lowered:
    return unary(lib.leaky_relu(x.shape, float(alpha)), x)


def Clip(x: T, min_value: T | None = None, max_value: T | None = None) -> Lowered:
    """Clip with constant bounds (ReLU6 is ``Clip(x, 0, 6)``)."""
    lo = const_scalar(min_value, "min") if min_value is not None else None
    hi = const_scalar(max_value, "max") if max_value is not None else None
    return unary(lib.clip(x.shape, min=lo, max=hi), x)


def Sigmoid(x: T) -> Lowered:
    return unary(lib.sigmoid(x.shape), x)


def Tanh(x: T) -> Lowered:
    return unary(lib.tanh(x.shape), x)


def Erf(x: T) -> Lowered:
    return unary(lib.erf(x.shape), x)


def Gelu(x: T, *, approximate: str = "none") -> Lowered:
    if approximate not in ("none", "tanh"):
        raise attr_error("approximate", f"expected 'none' or 'tanh', got {approximate!r}")
    return unary(lib.gelu(x.shape, approximate=approximate), x)


def Exp(x: T) -> Lowered:
    return unary(lib.exp(x.shape), x)


def Sqrt(x: T) -> Lowered:
    return unary(lib.sqrt(x.shape), x)


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
