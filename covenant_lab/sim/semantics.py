"""Functional semantics of instructions, registered per instruction type (xDSL's ``@impl``).

``execute(machine, i, ins)`` dispatches on ``type(ins)`` through the table filled by
``@semantics(Transfer)`` and ``@semantics(Compute)``:

- Transfer: copy ``dst.box`` out of the source tile (which contains it) into the
  destination tile. Every source element must have been written before.
- Compute: run ``stage`` of the codelet over the loop box. Each access is a strided view of
  its tile (:mod:`covenant_lab.sim.patterns`); positions outside the tensor read the
  access's ``fill``; an access that leaves its tile takes an index-grid path (``np.arange``
  per loop, broadcast) that names the position: inside the tensor but outside the tile is
  an error. A MAC sums ``a * b`` over the stage's reduction loops with ``np.einsum`` (its
  path derived once per stage and box shape); ``reduce_*`` reduce with add/max/min; the
  result combines with the start value (the init when ``ins.init``, else the destination's
  contents). Elementwise ops write ``apply_op(op, *srcs)``.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from covenant_lab.codelets.interpret import apply_op
from covenant_lab.codelets.ir import Access, Codelet, Const, Source, Stage
from covenant_lab.compiler.program import Compute, Instr, Program, TileRef, Transfer
from covenant_lab.errors import SimulationError
from covenant_lab.sim.memory import Memory, identity, show, strided
from covenant_lab.sim.patterns import Pattern, Window
from covenant_lab.sim.regions import subtile
from covenant_lab.sim.sanitize import describe, fault
from covenant_lab.types import DESTINATIONS, SOURCE_ROLES, OpKind, PortRole

__all__ = ["Machine", "execute", "semantics"]

InstrT = TypeVar("InstrT", Transfer, Compute)
Semantics = Callable[["Machine", int, Any], None]
Impl = Callable[["Machine", int, InstrT], None]
_SEMANTICS: dict[type, Semantics] = {}

_REDUCER: dict[OpKind, np.ufunc] = {
    OpKind.MAC: np.add,
    OpKind.REDUCE_ADD: np.add,
    OpKind.REDUCE_MAX: np.maximum,
    OpKind.REDUCE_MIN: np.minimum,
}


def semantics(kind: type[InstrT]) -> Callable[[Impl[InstrT]], Impl[InstrT]]:
    """Register the functional semantics of an instruction type."""

    def register(fn: Impl[InstrT]) -> Impl[InstrT]:
        _SEMANTICS[kind] = fn
        return fn

    return register


@dataclass(slots=True)
class Machine:
    """What semantics act on: the program (its codelet's stages) and the memories, with the
    access patterns and contractions of the stages, derived once."""

    program: Program
    memory: Memory
    patterns: dict[tuple[int, str], Pattern] = field(default_factory=dict)
    contractions: dict[tuple[int, tuple[int, ...]], _Contraction] = field(default_factory=dict)

    @property
    def codelet(self) -> Codelet:
        return self.program.codelet

    def pattern(self, stage: int, role: str, acc: Access) -> Pattern:
        """The pattern of the access in role ``role`` of stage ``stage``."""
        found = self.patterns.get((stage, role))
        if found is None:
            found = self.patterns[(stage, role)] = Pattern.of(acc, self.codelet.stages[stage].loops)
        return found


def written_tiles(ins: Instr) -> tuple[TileRef, ...]:
    """The tiles an instruction writes."""
    if isinstance(ins, Transfer):
        return (ins.dst,)
    return tuple(t for role, t in ins.tiles if role in DESTINATIONS)


def read_tiles(codelet: Codelet, ins: Instr) -> tuple[TileRef, ...]:
    """The tiles (or parts of tiles) an instruction reads."""
    if isinstance(ins, Transfer):
        return (subtile(ins.src, ins.dst.box),)
    stmt = codelet.stages[ins.stage].stmt
    roles: list[PortRole] = [r for r, _ in stmt.sources if r is not PortRole.INIT]
    if stmt.op.accumulates:
        if not (ins.init and stmt.init is not None):
            roles.append(PortRole.ACC)
        elif isinstance(stmt.init, Access):
            roles.append(PortRole.INIT)
    return tuple(t for t in map(ins.tile, roles) if t is not None)


def execute(machine: Machine, i: int, ins: Instr) -> None:
    """Complete instruction ``i``: check what it reads is resident, record what it writes,
    then (with values) run its semantics."""
    mem = machine.memory
    for tile in read_tiles(machine.codelet, ins):
        if not mem.resident(tile):
            raise _not_resident(machine, i, ins, tile)
        problem = mem.drain(tile)
        if problem is not None:
            raise fault(i, ins, problem, hint="load the tile again (push it anew) to reuse it")
    for tile in written_tiles(ins):
        problem = mem.fits_entry(tile)
        if problem is not None:
            raise fault(i, ins, problem, hint="tile the operand so one tile fits one entry")
        mem.write(tile, i)
        if isinstance(ins, Compute):  # new values: copies of the old ones elsewhere are stale
            mem.supersede(tile, i)
    if mem.functional:
        with np.errstate(all="ignore"):
            _SEMANTICS[type(ins)](machine, i, ins)


def _not_resident(m: Machine, i: int, ins: Instr, tile: TileRef) -> SimulationError:
    stale = m.memory.superseded(tile)
    if stale is not None:
        _, by, what = stale
        newer = describe(by, m.program.instrs[by])
        return fault(i, ins, f"reads {show(tile)}, a stale copy: {newer} has since computed "
                             f"new values of it into {show(what)}",
                     hint="read the copy the last compute wrote (or copy it back first)")
    found = m.memory.clobbered(tile)
    if found is None:
        return fault(i, ins, f"reads {show(tile)}, which was never written there")
    dead, by, what = found
    return SimulationError(
        f"sim: {describe(by, m.program.instrs[by])}: wrote {show(what)} over live tile "
        f"{show(dead.tile)} (overlapping it), which {describe(i, ins)} reads afterwards",
        hint="a tile may reuse the bytes of another only once nothing reads the old one",
    )


def _first_unwritten(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(k) for k in np.argwhere(~mask)[0])


@semantics(Transfer)
def _transfer(m: Machine, i: int, ins: Transfer) -> None:
    dst = ins.dst
    if not dst.elements:
        return  # an empty box moves nothing
    origin = tuple(d0 - s0 for (d0, _), (s0, _) in zip(dst.box, ins.src.box, strict=True))
    values, done = m.memory.windows(ins.src, origin, identity(len(origin)), dst.shape)
    if not done.all():
        pos = _first_unwritten(done)
        where = tuple(a + k for (a, _), k in zip(dst.box, pos, strict=True))
        raise fault(i, ins, f"reads {ins.src.operand}{list(where)} from {ins.src.storage.name}, "
                            "which was never written")
    m.memory.store(dst, values)


# -- compute ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Box:
    """A compute's loop box, in stage-loop order."""

    loops: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    shape: tuple[int, ...]

    @staticmethod
    def of(stage: Stage, box: tuple[tuple[str, int, int], ...]) -> _Box:
        spans = {lp: (a, b) for lp, a, b in box}
        ordered = tuple(spans[lp] for lp in stage.loops)
        return _Box(stage.loops, ordered, tuple(max(b - a, 0) for a, b in ordered))

    def indices(self, acc: Access) -> list[np.ndarray]:
        """Global index per tensor axis, broadcast to a common shape over the box (axis k
        varies along loop k)."""
        n = len(self.loops)
        aranges = {}
        for k, (lp, (a, b)) in enumerate(zip(self.loops, self.spans, strict=True)):
            axis = [1] * n
            axis[k] = max(b - a, 0)
            aranges[lp] = np.arange(a, max(a, b), dtype=np.int64).reshape(axis)
        base = np.zeros((1,) * n, dtype=np.int64)
        grids = []
        for expr in acc.index:
            g = base + expr.const
            for var, coef in expr.terms:
                g = g + coef * aranges[var]
            grids.append(g)
        return list(np.broadcast_arrays(*grids)) if grids else []


class _Access:
    """Reads and writes one access of a compute in its tile, with the sanitizer checks.

    The common case is a strided view (:mod:`covenant_lab.sim.patterns`); an access that
    leaves its tile, or has no axes, takes the index-grid path, which names the fault."""

    def __init__(self, m: Machine, i: int, ins: Compute, role: str) -> None:
        self.m, self.i, self.ins, self.role = m, i, ins, role

    def _window(self, tile: TileRef, acc: Access, box: _Box) -> tuple[Pattern, Window | None]:
        pattern = self.m.pattern(self.ins.stage, self.role, acc)
        shape = self.m.codelet.operand(acc.operand).shape
        return pattern, pattern.window(box.spans, tile.box, shape)

    def gather(self, tile: TileRef, acc: Access, box: _Box) -> np.ndarray:
        pattern, win = self._window(tile, acc, box)
        if win is not None and (acc.fill is not None or not win.padded):
            values, done = self._views(tile, acc, pattern, win, pattern.shape(box.shape))
            if done.all():
                values = values.view()  # a view of the memory: read, never written
                values.flags.writeable = False
                return values
        return self._gather_grid(tile, acc, box)

    def _views(self, tile: TileRef, acc: Access, pattern: Pattern, win: Window,
               shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The access's values and written mask as strided views (of a padded copy of the
        tile when it reaches outside the tensor)."""
        mem = self.m.memory
        if not win.padded:
            return mem.windows(tile, win.origin, pattern.steps, shape)
        outer = tuple(n + a + b for n, (a, b) in zip(tile.shape, win.pad, strict=True))
        inner = tuple(slice(a, a + n) for n, (a, _) in zip(tile.shape, win.pad, strict=True))
        origin = tuple(o + a for o, (a, _) in zip(win.origin, win.pad, strict=True))
        views = []
        values, written = mem.whole(tile)
        for arr, fill in ((values, acc.fill), (written, True)):
            padded = np.full(outer, fill, dtype=arr.dtype)
            padded[inner] = arr
            views.append(strided(padded, 0, padded.strides, origin, pattern.steps, shape))
        return views[0], views[1]

    def scatter(self, tile: TileRef, acc: Access, box: _Box, values: np.ndarray) -> None:
        pattern, win = self._window(tile, acc, box)
        if win is None or win.padded or not pattern.injective:
            self._scatter_grid(tile, acc, box, values)
            return
        data, written = self.m.memory.windows(tile, win.origin, pattern.steps,
                                              pattern.shape(box.shape))
        data[...] = values
        written[...] = True

    # -- the index-grid path -------------------------------------------------------------------
    def _locate(self, tile: TileRef, acc: Access, box: _Box, *, writing: bool
                ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray | None]:
        shape = self.m.codelet.operand(acc.operand).shape
        glob = box.indices(acc)
        inside = np.ones(glob[0].shape if glob else (), dtype=bool)
        in_tile = inside.copy()
        for g, size, (t0, t1) in zip(glob, shape, tile.box, strict=True):
            inside &= (g >= 0) & (g < size)
            in_tile &= (g >= t0) & (g < t1)
        bad = inside & ~in_tile
        if bad.any():
            pos = tuple(int(g[tuple(np.argwhere(bad)[0])]) for g in glob)
            verb = "writes" if writing else "reads"
            raise fault(self.i, self.ins, f"{verb} {acc.operand}{list(pos)} (role '{self.role}'), "
                                          f"inside the tensor but outside its tile box "
                                          f"{list(tile.box)}")
        everywhere = bool(inside.all())
        if not everywhere and (acc.fill is None or writing):
            pos = tuple(int(g[tuple(np.argwhere(~inside)[0])]) for g in glob)
            raise fault(self.i, self.ins, f"accesses {acc.operand}{list(pos)} outside the tensor "
                                          f"{list(shape)} with no fill (role '{self.role}')")
        local = [g - t0 for g, (t0, _) in zip(glob, tile.box, strict=True)]
        return glob, local, None if everywhere else inside

    def _gather_grid(self, tile: TileRef, acc: Access, box: _Box) -> np.ndarray:
        glob, local, inside = self._locate(tile, acc, box, writing=False)
        sel = tuple(local) if inside is None else tuple(x[inside] for x in local)
        done = self.m.memory.written_view(tile)[sel]
        if not done.all():
            k = tuple(np.argwhere(~done)[0])
            pos = [int((g if inside is None else g[inside])[k]) for g in glob]
            raise fault(self.i, self.ins, f"reads {acc.operand}{pos} (role '{self.role}') from "
                                          f"{tile.storage.name}, which was never written")
        values = self.m.memory.view(tile)[sel]
        if inside is None:
            return np.asarray(values, dtype=np.float64)
        out = np.full(inside.shape, acc.fill, dtype=np.float64)
        out[inside] = values
        return out

    def _scatter_grid(self, tile: TileRef, acc: Access, box: _Box, values: np.ndarray) -> None:
        _, local, _ = self._locate(tile, acc, box, writing=True)
        sel = tuple(local)
        self.m.memory.view(tile)[sel] = np.broadcast_to(values, local[0].shape if local else ())
        self.m.memory.written_view(tile)[sel] = True


def _source(m: Machine, i: int, ins: Compute, role: PortRole, src: Source, box: _Box
            ) -> np.ndarray:
    """A source gathered over the box: size 1 on the loops the access does not use."""
    if isinstance(src, Const):
        return np.full((1,) * len(box.loops), float(src.value))
    tile = ins.tile(role)
    assert tile is not None  # checked statically
    return _Access(m, i, ins, role).gather(tile, src, box)


_BLAS_ITERATIONS = 32768  # MACs from which a BLAS-backed einsum path pays off (measured)


@dataclass(frozen=True, slots=True)
class _Contraction:
    """``sum(a * b)`` over a MAC stage's reduction loops for one box shape: the einsum
    subscripts and contraction path, derived once per (stage, shape)."""

    spec: str
    shapes: tuple[tuple[int, ...], ...]  # each source without its unused (size-1) loops
    path: Any  # einsum's ``optimize``: a contraction path, or False for its C loop
    repeat: int  # loops no source uses and the output does not keep: a sum of equal terms
    out_shape: tuple[int, ...]  # reduction loops kept with size 1

    @staticmethod
    def of(stage: Stage, box: _Box) -> _Contraction:
        n = len(box.loops)
        if n > len(string.ascii_letters):
            raise SimulationError(f"sim: stage with {n} loops is too deep")
        letters = string.ascii_letters
        out_axes = [k for k, lp in enumerate(box.loops) if lp in stage.stmt.dst.vars]
        shapes, subs, used = [], [], set()
        for src in stage.stmt.srcs:
            axes = [k for k in range(n) if isinstance(src, Access) and box.loops[k] in src.vars]
            shapes.append(tuple(box.shape[k] for k in axes))
            subs.append("".join(letters[k] for k in axes))
            used.update(axes)
        kept = [k for k in out_axes if k in used]
        spec = ",".join(subs) + "->" + "".join(letters[k] for k in kept)
        path: Any = False  # a small box: numpy's C loop beats planning a BLAS contraction
        if math.prod(box.shape) >= _BLAS_ITERATIONS:
            dummies = [np.broadcast_to(np.float64(0), shape) for shape in shapes]
            path = np.einsum_path(spec, *dummies, optimize="greedy")[0]
        repeat = math.prod(box.shape[k] for k in range(n) if k not in used and k not in out_axes)
        out_shape = tuple(box.shape[k] if k in kept else 1 for k in range(n))
        return _Contraction(spec, tuple(shapes), path, repeat, out_shape)

    def __call__(self, srcs: list[np.ndarray]) -> np.ndarray:
        arrays = [arr.reshape(shape) for arr, shape in zip(srcs, self.shapes, strict=True)]
        result = np.einsum(self.spec, *arrays, optimize=self.path)
        if self.repeat != 1:
            result = result * self.repeat
        return np.asarray(result, dtype=np.float64).reshape(self.out_shape)


def _contract(m: Machine, ins: Compute, box: _Box, srcs: list[np.ndarray]) -> np.ndarray:
    """sum over the reduction loops of a * b; reduction axes kept with size 1."""
    key = (ins.stage, box.shape)
    found = m.contractions.get(key)
    if found is None:
        found = m.contractions[key] = _Contraction.of(m.codelet.stages[ins.stage], box)
    return found(srcs)


def _reduce(stage: Stage, box: _Box, srcs: list[np.ndarray]) -> np.ndarray:
    axes = tuple(k for k, lp in enumerate(box.loops) if lp not in stage.stmt.dst.vars)
    full = np.broadcast_to(srcs[0], box.shape)
    return np.asarray(_REDUCER[stage.stmt.op].reduce(full, axis=axes, keepdims=True))


@semantics(Compute)
def _compute(m: Machine, i: int, ins: Compute) -> None:
    stage = m.codelet.stages[ins.stage]
    stmt = stage.stmt
    box = _Box.of(stage, ins.box)
    if 0 in box.shape:
        return
    srcs = [_source(m, i, ins, role, src, box)
            for role, src in zip(SOURCE_ROLES, stmt.srcs, strict=False)]
    role = stmt.op.dst_role
    dst = ins.tile(role)
    assert dst is not None  # checked statically
    writer = _Access(m, i, ins, role)
    if not stmt.op.accumulates:
        writer.scatter(dst, stmt.dst, box, apply_op(stmt.op, *srcs))
        return
    if stmt.op is OpKind.MAC:
        contribution = _contract(m, ins, box, srcs)
    else:
        contribution = _reduce(stage, box, srcs)
    if ins.init and stmt.init is not None:
        start = _source(m, i, ins, PortRole.INIT, stmt.init, box)
    else:
        start = writer.gather(dst, stmt.dst, box)
    writer.scatter(dst, stmt.dst, box, _REDUCER[stmt.op](start, contribution))
