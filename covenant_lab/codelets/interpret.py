"""Reference semantics of codelets: execute one with numpy, stage by stage.

Each stage runs as one vectorised step over its loop grid, and follows the codelet only (no
per-ONNX-op numpy function):

1. every access is *gathered* over the loop variables it uses: one index grid per axis
   (``np.arange`` per variable, broadcast), out-of-bounds positions read the access's
   ``fill``. Accesses whose indices are constants or strided single variables are read as
   views (basic slicing) and keep their own axis order, which einsum handles for free;
2. the statement is applied on the gathered arrays:

   - ``mac``: ``np.einsum`` over loop-variable subscripts (``optimize=True``), so a convolution
     never materialises its full loop grid, only each operand's gathered window;
   - ``reduce_*``: the source broadcast over the full loop grid, reduced over the reduction
     axes with ``np.add``/``np.maximum``/``np.minimum.reduce``;
   - elementwise: :func:`apply_op` on the broadcast sources;

   an accumulating statement starts from its ``init`` (a Const, a gathered Access such as a
   bias, or the destination's current contents when ``None``);
3. the result is scattered into the destination.

Values are float64 throughout; outputs (and temps with ``keep_temps``) are cast to their
operand dtype on return. Statements see the state before their stage (the verifier forbids
loop-carried reads of the destination, so this equals the sequential loop nest).
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from covenant_lab.codelets.ir import Access, Codelet, Const, Source, Stage
from covenant_lab.codelets.library.constants import constants, derived, derived_sources
from covenant_lab.codelets.verify import verify
from covenant_lab.errors import SimulationError, UsageError
from covenant_lab.types import OpKind, Role

__all__ = ["apply_op", "interpret"]

Array = np.ndarray


# -- numeric semantics of each operation --------------------------------------------------------
def _relu(a: Array) -> Array:
    return np.asarray(np.maximum(a, 0.0))


def _sigmoid(a: Array) -> Array:
    e = np.exp(-np.abs(a))  # never overflows
    return np.asarray(np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def _rsqrt(a: Array) -> Array:
    return np.asarray(1.0 / np.sqrt(a))


def _recip(a: Array) -> Array:
    return np.asarray(1.0 / a)


def _copy(a: Array) -> Array:
    return np.array(a, dtype=np.float64, copy=True)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _mac(acc: Array, a: Array, b: Array) -> Array:
    return np.asarray(acc + a * b)


_ELEMENTWISE: dict[OpKind, Callable[..., Array]] = {
    OpKind.ADD: np.add,
    OpKind.SUB: np.subtract,
    OpKind.MUL: np.multiply,
    OpKind.DIV: np.true_divide,
    OpKind.MAX: np.maximum,
    OpKind.MIN: np.minimum,
    OpKind.COPY: _copy,
    OpKind.NEG: np.negative,
    OpKind.EXP: np.exp,
    OpKind.ERF: _erf,
    OpKind.TANH: np.tanh,
    OpKind.SIGMOID: _sigmoid,
    OpKind.SQRT: np.sqrt,
    OpKind.RSQRT: _rsqrt,
    OpKind.RECIP: _recip,
    OpKind.RELU: _relu,
    # accumulating ops: the update of the accumulator, apply_op(op, acc, *srcs)
    OpKind.MAC: _mac,
    OpKind.REDUCE_ADD: np.add,
    OpKind.REDUCE_MAX: np.maximum,
    OpKind.REDUCE_MIN: np.minimum,
}

# How an accumulating op reduces a whole axis at once, and combines with its init.
_REDUCER: dict[OpKind, np.ufunc] = {
    OpKind.MAC: np.add,
    OpKind.REDUCE_ADD: np.add,
    OpKind.REDUCE_MAX: np.maximum,
    OpKind.REDUCE_MIN: np.minimum,
}


def apply_op(op: OpKind, *arrays: Array | float) -> Array:
    """The elementwise numeric semantics of ``op`` in float64.

    Elementwise ops take their ``op.arity`` sources; accumulating ops take the accumulator
    first and return its update: ``apply_op(MAC, acc, a, b) == acc + a * b``,
    ``apply_op(REDUCE_MAX, acc, a) == max(acc, a)``. IEEE results (inf, nan) raise no warning.
    """
    expected = op.arity + (1 if op.accumulates else 0)
    if len(arrays) != expected:
        raise UsageError(f"apply_op: {op.value} takes {expected} arrays, got {len(arrays)}")
    args = [np.asarray(a, dtype=np.float64) for a in arrays]
    with np.errstate(all="ignore"):
        return np.asarray(_ELEMENTWISE[op](*args), dtype=np.float64)


# -- gathering and scattering accesses -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Frame:
    """The loop grid of one stage."""

    loops: tuple[str, ...]
    extent: Mapping[str, int]

    def order(self, names: Iterable[str]) -> tuple[str, ...]:
        wanted = set(names)
        return tuple(lp for lp in self.loops if lp in wanted)

    def shape(self, names: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(self.extent[v] for v in names)

    def expand(self, values: Array, names: tuple[str, ...], target: tuple[str, ...]) -> Array:
        """Broadcast ``values`` (axes ``names``, each in ``target``) over ``target``."""
        ordered = sorted(range(len(names)), key=lambda k: target.index(names[k]))
        shape = tuple(self.extent[v] if v in names else 1 for v in target)
        return np.broadcast_to(np.reshape(np.transpose(values, ordered), shape), self.shape(target))


def _strided(
    acc: Access, frame: _Frame, shape: tuple[int, ...]
) -> tuple[tuple[int | slice, ...], tuple[str, ...]] | None:
    """Basic-slicing index and the variable of each sliced axis, when every index is a
    constant or ``c*v + k`` (distinct variables, in bounds): the access is then a view."""
    items: list[int | slice] = []
    axis_vars: list[str] = []
    for expr, size in zip(acc.index, shape, strict=True):
        if not expr.terms:
            if not 0 <= expr.const < size:
                return None
            items.append(expr.const)
            continue
        if len(expr.terms) != 1:
            return None
        var, coef = expr.terms[0]
        if coef <= 0 or var in axis_vars:
            return None
        last = expr.const + coef * (frame.extent[var] - 1)
        if expr.const < 0 or last >= size:
            return None
        items.append(slice(expr.const, last + 1, coef))
        axis_vars.append(var)
    return tuple(items), tuple(axis_vars)


def _grids(acc: Access, names: tuple[str, ...], frame: _Frame) -> list[Array]:
    """One integer index array per axis, broadcastable over the grid of ``names``."""
    grids = []
    for expr in acc.index:
        grid = np.asarray(expr.const, dtype=np.int64)
        for var, coef in expr.terms:
            axis_shape = [1] * len(names)
            axis_shape[names.index(var)] = frame.extent[var]
            grid = grid + coef * np.arange(frame.extent[var], dtype=np.int64).reshape(axis_shape)
        grids.append(grid)
    return grids


def _gather(arr: Array, acc: Access, frame: _Frame) -> tuple[Array, tuple[str, ...]]:
    """The values of ``acc`` over its loop variables, and the variable of each axis."""
    strided = _strided(acc, frame, arr.shape)
    if strided is not None:
        items, axis_vars = strided
        return arr[items], axis_vars
    names = frame.order(acc.vars)
    grids = _grids(acc, names, frame)
    if acc.fill is None:
        return arr[tuple(grids)], names
    inside = np.asarray(True)
    clipped = []
    for grid, size in zip(grids, arr.shape, strict=True):
        inside = inside & (grid >= 0) & (grid < size)
        clipped.append(np.clip(grid, 0, size - 1))
    return np.where(inside, arr[tuple(clipped)], acc.fill), names


def _scatter(arr: Array, acc: Access, frame: _Frame, values: Array) -> None:
    names = frame.order(acc.vars)
    values = np.broadcast_to(values, frame.shape(names))
    strided = _strided(acc, frame, arr.shape)
    if strided is not None:
        items, axis_vars = strided
        arr[items] = np.transpose(values, [names.index(v) for v in axis_vars])
    else:
        arr[tuple(_grids(acc, names, frame))] = values


# -- statements ----------------------------------------------------------------------------------
def _read(src: Source, frame: _Frame, env: dict[str, Array]) -> tuple[Array, tuple[str, ...]]:
    if isinstance(src, Const):
        return np.asarray(src.value, dtype=np.float64), ()
    return _gather(env[src.operand], src, frame)


def _contract(stage: Stage, frame: _Frame, env: dict[str, Array], out: tuple[str, ...]) -> Array:
    """sum over the reduction loops of a * b, with einsum; axes ``out``."""
    if len(frame.loops) > len(string.ascii_letters):
        raise SimulationError(f"interpret: stage with {len(frame.loops)} loops is too deep")
    letter = dict(zip(frame.loops, string.ascii_letters, strict=False))
    arrays: list[Array] = []
    subscripts: list[str] = []
    used: set[str] = set()
    for src in stage.stmt.srcs:
        values, names = _read(src, frame, env)
        arrays.append(values)
        subscripts.append("".join(letter[v] for v in names))
        used.update(names)
    kept = tuple(v for v in out if v in used)
    spec = ",".join(subscripts) + "->" + "".join(letter[v] for v in kept)
    result = np.einsum(spec, *arrays, optimize=True)
    # reduction loops no source uses add the same product once per iteration
    repeat = math.prod(frame.extent[lp] for lp in frame.loops if lp not in used and lp not in out)
    return frame.expand(result * repeat if repeat != 1 else result, kept, out)


def _reduce(stage: Stage, frame: _Frame, env: dict[str, Array], out: tuple[str, ...]) -> Array:
    values, names = _read(stage.stmt.srcs[0], frame, env)
    full = frame.expand(values, names, frame.loops)
    axes = tuple(k for k, lp in enumerate(frame.loops) if lp not in out)
    return np.asarray(_REDUCER[stage.stmt.op].reduce(full, axis=axes))


def _run_accumulating(stage: Stage, frame: _Frame, env: dict[str, Array]) -> None:
    stmt = stage.stmt
    out = frame.order(stmt.dst.vars)
    run = _contract if stmt.op is OpKind.MAC else _reduce
    contribution = run(stage, frame, env, out)
    if stmt.init is None:
        start, names = _gather(env[stmt.dst.operand], stmt.dst, frame)
    else:
        start, names = _read(stmt.init, frame, env)
    start = frame.expand(start, names, out)
    _scatter(env[stmt.dst.operand], stmt.dst, frame, _REDUCER[stmt.op](start, contribution))


def _run_elementwise(stage: Stage, frame: _Frame, env: dict[str, Array]) -> None:
    stmt = stage.stmt
    sources = [frame.expand(*_read(s, frame, env), frame.loops) for s in stmt.srcs]
    _scatter(env[stmt.dst.operand], stmt.dst, frame, apply_op(stmt.op, *sources))


def _run_stage(c: Codelet, stage: Stage, env: dict[str, Array]) -> None:
    frame = _Frame(stage.loops, {lp: c.extent(lp) for lp in stage.loops})
    if stage.stmt.op.accumulates:
        _run_accumulating(stage, frame, env)
    else:
        _run_elementwise(stage, frame, env)


# -- entry point ---------------------------------------------------------------------------------
def _bind(c: Codelet, inputs: Mapping[str, Array]) -> dict[str, Array]:
    names = {o.name for o in c.inputs} | derived_sources(c)
    unknown = sorted(set(inputs) - names)
    if unknown:
        raise UsageError(f"interpret: {c.name} has no input or weight named {', '.join(unknown)}",
                         hint=f"inputs and weights: {', '.join(sorted(names))}")
    generated = constants(c)
    if derived_sources(c) and derived_sources(c) <= set(inputs):
        generated.update(derived(c, inputs))
    env: dict[str, Array] = {}
    for o in c.operands:
        if o.role in (Role.OUTPUT, Role.TEMP):
            env[o.name] = np.zeros(o.shape, dtype=np.float64)
            continue
        value = inputs.get(o.name, generated.get(o.name))
        if value is None:
            raise UsageError(f"interpret: {c.name}: missing {o.role.value} '{o.name}' "
                             f"({o.dtype.value}{list(o.shape)})")
        arr = np.asarray(value)
        if arr.shape != o.shape:
            raise UsageError(f"interpret: {c.name}: {o.role.value} '{o.name}' has shape "
                             f"{arr.shape}, expected {o.shape}")
        env[o.name] = arr.astype(np.float64)
    return env


def interpret(
    codelet: Codelet, inputs: Mapping[str, Array], *, keep_temps: bool = False
) -> dict[str, Array]:
    """Execute ``codelet`` on ``inputs`` (every INPUT and WEIGHT operand by name).

    Generated constant weights (see ``library.constants``) may be omitted. Returns every
    OUTPUT operand, and every TEMP too with ``keep_temps=True``, cast to its dtype.
    """
    verify(codelet)
    env = _bind(codelet, inputs)
    roles = (Role.OUTPUT, Role.TEMP) if keep_temps else (Role.OUTPUT,)
    with np.errstate(all="ignore"):
        for stage in codelet.stages:
            _run_stage(codelet, stage, env)
        return {o.name: env[o.name].astype(o.dtype.numpy) for o in codelet.operands_with(*roles)}
