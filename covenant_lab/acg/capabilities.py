"""Capabilities: the operations a compute node performs, and how codelet loops may use it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from covenant_lab.acg.expr import Expr
from covenant_lab.errors import CovenantError
from covenant_lab.types import DType, OpKind


@dataclass(frozen=True, slots=True)
class Port:
    """Where one operand role of a capability is read from or written to."""

    role: str  # a PortRole's value when valid (validation names any other); OpKind.roles
    storage: str  # name of a StorageNode (resolved and checked by the ACG)
    dtype: DType
    alternatives: tuple[str, ...] = ()  # further storages the role may use instead

    @property
    def storages(self) -> tuple[str, ...]:
        """Every storage the role may use, preferred first."""
        return (self.storage, *self.alternatives)


@dataclass(frozen=True, slots=True)
class SpatialDim:
    """A spatial dimension of the compute node and which codelet loops may occupy it.

    A loop qualifies when the set of roles whose index uses it contains every role in
    ``requires`` and none in ``excludes``. With ``fold`` several qualifying loops may share
    the dimension (their tile extents multiply, as in im2col). A dimension may have several
    entries (one ``SpatialDim`` each, same ``dim``): each takes its own loops and the
    extents of all of them multiply, e.g. Eyeriss's columns holding output rows and output
    channels.

    Example, a weight-stationary systolic array doing ``acc += a * b``::

        rows: requires {a, b}, excludes {acc}, fold     (reduction loops: ic, kh, kw)
        cols: requires {b, acc}, excludes {a}           (output channels)
    """

    dim: str
    size: int
    requires: frozenset[str]
    excludes: frozenset[str] = frozenset()
    fold: bool = False


class OverheadPer(Enum):
    """What ``overhead_cycles`` is paid for: each pass of an invocation (a repeat loop's
    iteration, e.g. a new weight fill), or once per invocation, its passes running back to
    back like folds (an array whose loop nest changes the weights without draining)."""

    PASS = "pass"
    INVOCATION = "invocation"


@dataclass(frozen=True, slots=True)
class Capability:
    """One operation a compute node offers.

    ``cycles`` is the time the node is busy for one invocation on one tile. It is an
    expression over the node's dimension sizes and these invocation variables:
    ``stream`` (iterations of the loops not mapped spatially, inside one invocation),
    ``used_<dim>`` (extent occupied on each spatial dimension) and ``elems``
    (statement executions in the invocation). ``latency_cycles`` is added before the
    results can be read by the next instruction.
    """

    op: OpKind
    ports: tuple[Port, ...]
    spatial: tuple[SpatialDim, ...]
    cycles: Expr
    latency_cycles: int = 0
    template: str = ""
    name: str = ""  # defaults to op.value
    # loops not mapped spatially may stream through one invocation when their signature
    # contains ``stream_requires`` and nothing of ``stream_excludes``; other loops need a
    # separate pass of the node per iteration (e.g. a new weight fill on a systolic array)
    stream_requires: frozenset[str] = frozenset()
    stream_excludes: frozenset[str] = frozenset()
    # cycles paid on top of ``cycles`` per fold, once per pass of the node (each repeat of an
    # invocation) or once per invocation (``overhead_per``): pipeline fill and drain
    overhead_cycles: Expr | None = None
    overhead_per: OverheadPer = OverheadPer.PASS

    @property
    def label(self) -> str:
        return self.name or self.op.value

    def port(self, role: str) -> Port | None:
        for p in self.ports:
            if p.role == role:
                return p
        return None

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(p.role for p in self.ports)

    @property
    def dims(self) -> tuple[tuple[str, int], ...]:
        """The spatial dimensions the capability uses, once each (a dimension may have several
        ``spatial`` entries, whose loops' extents multiply), in file order."""
        return tuple(dict.fromkeys((s.dim, s.size) for s in self.spatial))

    @property
    def peak_ops_per_cycle(self) -> float:
        """Statement executions per cycle in steady state: every spatial dimension full and a
        long stream, at the rate the ``cycles`` expression gives (e.g. a 32-lane unit whose
        exp costs ``4 * stream + 8`` peaks at 8 per cycle)."""
        lanes = 1
        env: dict[str, float] = {}
        for dim, size in self.dims:
            lanes *= size
            env[f"used_{dim}"] = size
            env[f"folds_{dim}"] = 1
        try:
            at = []
            for stream in (float(1 << 20), float(1 << 21)):
                at.append(float(self.cycles.evaluate({**env, "stream": stream,
                                                       "elems": stream * lanes})))
        except CovenantError:  # an expression over names we cannot bind: one per lane
            return float(lanes)
        slope = (at[1] - at[0]) / float(1 << 20)  # cycles per streamed iteration
        if not slope > 0 or not math.isfinite(slope):
            return float(lanes)
        return float(f"{lanes / slope:.9g}")  # 9 significant digits: never rounded to 0
