"""The shared vocabulary of element types and abstract operations.

Both the architecture model (capabilities name the operations they perform) and the codelet IR
(statements apply them) use these enums, so neither imports the other.
"""

from __future__ import annotations

import math
from enum import Enum, StrEnum

import numpy as np


class DType(Enum):
    """Element types of operands."""

    FLOAT32 = "float32"
    FLOAT16 = "float16"
    INT8 = "int8"
    INT16 = "int16"
    INT32 = "int32"

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return int(np.dtype(self.value).itemsize)

    @property
    def numpy(self) -> np.dtype:
        return np.dtype(self.value)


class Role(Enum):
    """What an operand is to the layer."""

    INPUT = "input"
    WEIGHT = "weight"
    OUTPUT = "output"
    TEMP = "temp"  # produced and consumed inside the codelet


class PortRole(StrEnum):
    """Which operand of a statement a capability's port carries. The value is the name
    architecture files use (``operands: {a: IBUF, b: WBUF, acc: OBUF}``)."""

    A = "a"  # first source
    B = "b"  # second source
    INIT = "init"  # an accumulation's starting value, when it is a tensor
    ACC = "acc"  # an accumulating destination (read, then written)
    OUT = "out"  # an elementwise destination (written)


DESTINATIONS = frozenset({PortRole.ACC, PortRole.OUT})
SOURCE_ROLES = (PortRole.A, PortRole.B)  # the roles of a statement's sources, in order
"""The roles a compute writes. Holds plain strings too: ``"acc" in DESTINATIONS``."""


class OpKind(Enum):
    """Abstract operations. The value is the name capabilities use in architecture files."""

    # accumulating: D = init; D = D (+) f(srcs) over the reduction loops
    MAC = "mac"  # D += a * b
    REDUCE_ADD = "reduce_add"  # D += a
    REDUCE_MAX = "reduce_max"  # D = max(D, a)
    REDUCE_MIN = "reduce_min"  # D = min(D, a)
    # binary elementwise
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV = "div"
    MAX = "max"
    MIN = "min"
    # unary elementwise
    COPY = "copy"
    NEG = "neg"
    EXP = "exp"
    ERF = "erf"
    TANH = "tanh"
    SIGMOID = "sigmoid"
    SQRT = "sqrt"
    RSQRT = "rsqrt"
    RECIP = "recip"
    RELU = "relu"

    @property
    def arity(self) -> int:
        """Number of sources."""
        return _ARITY[self]

    @property
    def accumulates(self) -> bool:
        return self in _ACCUMULATING

    @property
    def roles(self) -> tuple[PortRole, ...]:
        """Capability operand roles of the sources, then of the destination."""
        return (*SOURCE_ROLES[: self.arity], self.dst_role)

    @property
    def dst_role(self) -> PortRole:
        """The destination's role: ``acc`` for an accumulation, else ``out``."""
        return PortRole.ACC if self.accumulates else PortRole.OUT

    @property
    def identity(self) -> float:
        """The neutral element of the accumulation (the default ``init``)."""
        return {
            OpKind.REDUCE_MAX: -math.inf,
            OpKind.REDUCE_MIN: math.inf,
        }.get(self, 0.0)


_ACCUMULATING = frozenset({OpKind.MAC, OpKind.REDUCE_ADD, OpKind.REDUCE_MAX, OpKind.REDUCE_MIN})
_BINARY = frozenset(
    {OpKind.MAC, OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.DIV, OpKind.MAX, OpKind.MIN}
)
_ARITY = {op: (2 if op in _BINARY else 1) for op in OpKind}
