"""Two programs, each computing its own range of one loop of a layer, as one program.

A layer divided along a loop that indexes every operand (a depthwise conv's channels) is
compiled as two parts (``compiler/divide.py``): the first over ``[0, at)`` of the loop, the
second over ``[at, extent)``, each a layer of its own with its operands cut along that loop's
axis. Merged:

- the codelet runs the first part's stages, then the second's, its loops and private operands
  (temps, weights made before the run) renamed apart (``g`` -> ``g_2``, ``t0`` -> ``t0_2``);
  the layer's own operands (``x``, ``w``, ``y``) are shared at their full shapes, the second
  part's accesses to them and its boxes of them moved up by ``at`` on the loop's axis
  (``x[n, g_2 + 112, ...]``), so each part reads and writes its own slice of one tensor;
- off-chip tensors are laid out afresh; on chip, the second part's addresses move up by what
  the first part uses of each storage (the second part was compiled with only the rest:
  ``divide.py``), so the two never share a byte and run at once;
- instructions are interleaved as the scheduler would start them (``sim.schedule.interleave``:
  at each step the next instruction of the part that can start first), so each in-order
  resource (the DMA, a unit both use) serves the two parts as they need it.

The merged program is checked like any other (``program_check.py``), and the simulator's
sanitizer and coverage checks see both parts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from covenant_lab.codelets.ir import Access, Affine, Codelet, Const, Dim, Operand, Stage, Stmt
from covenant_lab.codelets.library.constants import DERIVED_ATTR, Derived, derived_specs
from covenant_lab.compiler.alloc import WHOLE, Allocator
from covenant_lab.compiler.lower import DRAM_ALIGN
from covenant_lab.compiler.program import Compute, DramTensor, Program, TileRef, Transfer
from covenant_lab.sim.schedule import interleave

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG
    from covenant_lab.codelets.ir import Source

__all__ = ["Part", "exact_axis", "merge"]

def exact_axis(codelet: Codelet, operand: str, loop: str) -> int | None:
    """The axis of ``operand`` every access indexes with exactly ``loop`` (None: no access
    uses the loop)."""
    found = {next((a for a, e in enumerate(acc.index) if e == Affine(((loop, 1),))), None)
             for st in codelet.stages for acc in st.stmt.accesses if acc.operand == operand}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Part:
    """One part's program and where it sits: its range starts at ``at`` of ``loop``; its
    on-chip addresses move up by ``offsets`` (storage name -> bytes)."""

    program: Program
    loop: str
    at: int
    offsets: dict[str, int]


class _Names:
    """A part's loops or private operands (``names`` but ``keep``) renamed apart from the
    names ``taken``; none given: every name as it is."""

    def __init__(self, taken: Set[str] = frozenset(), names: Sequence[str] = (),
                 keep: Set[str] = frozenset()) -> None:
        taken = set(taken)
        self.map: dict[str, str] = {}
        for name in names:
            new = name
            k = 2
            while name not in keep and new in taken:
                new, k = f"{name}_{k}", k + 1
            self.map[name] = new
            taken.add(new)

    def __call__(self, name: str) -> str:
        return self.map.get(name, name)


class _Placed:
    """One part moved into the merged program: its loops and private operands renamed, its
    accesses to the layer's own (shared) operands and their boxes moved up by ``at`` on the
    axis its loop indexes."""

    def __init__(self, part: Part, loops: _Names, operands: _Names, shared: Codelet) -> None:
        self.part = part
        self.loops = loops
        self.operands = operands
        codelet = part.program.codelet
        self.shared = {o.name for o in shared.operands}
        self.axes = {o.name: exact_axis(codelet, o.name, part.loop) for o in codelet.operands
                     if o.name in self.shared}

    def access(self, a: Access) -> Access:
        axis = self.axes.get(a.operand)
        index = tuple(
            Affine(tuple(sorted((self.loops(v), c) for v, c in e.terms)),
                   e.const + (self.part.at if k == axis else 0))
            for k, e in enumerate(a.index))
        return Access(self.operands(a.operand), index, a.fill)

    def source(self, s: Source | None) -> Source | None:
        return self.access(s) if isinstance(s, Access) else s

    def stage(self, st: Stage) -> Stage:
        stmt = st.stmt
        srcs = tuple(s if isinstance(s, Const) else self.access(s) for s in stmt.srcs)
        return Stage(tuple(self.loops(lp) for lp in st.loops),
                     Stmt(stmt.op, self.access(stmt.dst), srcs, self.source(stmt.init)),
                     st.label)

    def derived(self, spec: Derived) -> Derived:
        """A derived operand's spec: its name renamed, its source (a shared operand) moved."""
        name, (axes, src, equal) = spec
        axis = self.axes.get(src.operand)
        index = tuple(Affine(e.terms, e.const + (self.part.at if k == axis else 0))
                      for k, e in enumerate(src.index))
        return (self.operands(name), (axes, Access(src.operand, index, src.fill), equal))

    def box(self, operand: str, box: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        axis = self.axes.get(operand)
        at = self.part.at
        return box if axis is None or not at else tuple(
            (a + at, b + at) if k == axis else (a, b) for k, (a, b) in enumerate(box))

    def tile(self, t: TileRef, acg: ACG, tensors: dict[str, DramTensor]) -> TileRef:
        box = self.box(t.operand, t.box)
        name = self.operands(t.operand)
        if t.storage.off_chip:
            return tensors[name].tile.sub(box)
        return TileRef(name, acg.storage(t.storage.name),
                       t.addr + self.part.offsets.get(t.storage.name, 0), box, t.elem_bytes,
                       t.strides)


def merge(source: Codelet, first: Part, second: Part, acg: ACG) -> Program:
    """``first`` and ``second`` as one program of ``source`` (see the module doc)."""
    a, b = first.program.codelet, second.program.codelet
    taken = {d.name for d in a.dims}
    placed = [
        _Placed(first, _Names(), _Names(), source),
        _Placed(second, _Names(taken, [d.name for d in b.dims]),
                _Names({o.name for o in a.operands}, [o.name for o in b.operands],
                       {o.name for o in source.operands}), source),
    ]
    operands: dict[str, Operand] = {o.name: o for o in source.operands}
    for p, codelet in zip(placed, (a, b), strict=True):
        for o in codelet.operands:
            name = p.operands(o.name)
            operands.setdefault(name, Operand(name, o.shape, o.dtype, o.role))
    dims = [*a.dims, *(Dim(placed[1].loops(d.name), d.extent) for d in b.dims)]
    derived = [*derived_specs(a), *map(placed[1].derived, derived_specs(b))]
    attrs = tuple((k, v) for k, v in a.attrs if k != DERIVED_ATTR)
    if derived:
        attrs += ((DERIVED_ATTR, tuple(derived)),)
    stages = (*a.stages, *map(placed[1].stage, b.stages))
    used = {acc.operand for st in stages for acc in st.stmt.accesses}
    used |= {src.operand for _, (_, src, _) in derived}
    codelet = Codelet(source.name, tuple(dims),
                      tuple(o for n, o in operands.items() if n in used), stages, attrs)
    tensors = _layout(placed, operands, acg)
    instrs = _interleaved(placed, len(a.stages), acg, tensors)
    extents: dict[str, int] = {}
    for t in tensors.values():
        extents[t.storage.name] = max(extents.get(t.storage.name, 0),
                                      t.addr + t.tile.nbytes)
    return Program(codelet, acg.name, tuple(tensors.values()), tuple(instrs),
                   extents=tuple(extents.items()))


def _layout(placed: list[_Placed], operands: dict[str, Operand], acg: ACG
            ) -> dict[str, DramTensor]:
    """Every off-chip tensor of either part, once, at a fresh aligned address."""
    alloc = Allocator()
    out: dict[str, DramTensor] = {}
    for p in placed:
        for t in p.part.program.tensors:
            name = p.operands(t.operand)
            if name in out:
                continue
            home = acg.storage(t.storage.name)
            shape = operands[name].shape
            addr = alloc.reserve(home, t.elem_bytes * math.prod(shape), phases=WHOLE,
                                 align=DRAM_ALIGN)
            out[name] = DramTensor(name, home, addr, shape, t.elem_bytes)
    return out


def _interleaved(placed: list[_Placed], stage_offset: int, acg: ACG,
                 tensors: dict[str, DramTensor]) -> list[Transfer | Compute]:
    """Both parts' instructions, moved into the merged program and interleaved by the
    scheduler's rule (``sim.schedule.interleave``), numbered in their new order."""
    streams: list[list[Transfer | Compute]] = []
    for k, p in enumerate(placed):
        moved: list[Transfer | Compute] = []
        for ins in p.part.program.instrs:
            if isinstance(ins, Transfer):
                edge = acg.edge(ins.edge.src, ins.edge.dst)
                assert edge is not None, f"merge: no edge {ins.edge.src} -> {ins.edge.dst}"
                moved.append(replace(ins, edge=edge, src=p.tile(ins.src, acg, tensors),
                                     dst=p.tile(ins.dst, acg, tensors)))
                continue
            moved.append(replace(
                ins, node=acg.compute(ins.node.name), stage=ins.stage + (stage_offset if k else 0),
                box=tuple((p.loops(lp), lo, hi) for lp, lo, hi in ins.box),
                tiles=tuple((r, p.tile(t, acg, tensors)) for r, t in ins.tiles)))
        streams.append(moved)
    return [replace(ins, index=i) for i, ins in enumerate(interleave(streams, acg)[0])]
