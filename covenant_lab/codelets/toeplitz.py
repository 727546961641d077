"""Blocked windows: a convolution whose only reductions are its window loops (a depthwise
conv, a one-channel conv) rewritten so a block of outputs shares each window.

As written, a depthwise conv gives an array nothing to spread: the channel loop indexes every
operand, and the reduction is only the 3x3 window (9 of an array's rows). Blocking the output
by ``B`` along a windowed axis gives each block one window of ``s(B-1) + K`` inputs, and the
weights become a banded (Toeplitz) matrix from that window to the block, with zeros where an
input is outside an output's kernel::

    y[g, oh, ow] += x[g, oh + kh - 1, ow + kw - 1] * w[g, kh, kw]
        -> (B = 4 x 8)
    y[g, 4*oh_blk + oh_pos, 8*ow_blk + ow_pos]
        += x[g, 4*oh_blk + kh_win - 1, 8*ow_blk + kw_win - 1]
           * w_band[g, kh_win, kw_win, oh_pos, ow_pos]
    w_band[g, kh_win, kw_win, oh_pos, ow_pos] = w[g, kh_win - oh_pos, kw_win - ow_pos]  (0 outside)

The window loops (6 x 10) reduce and the block loops (4 x 8) index the weights and the
outputs: a weight-stationary array can take them on its rows and columns. A block may also
take several channels (the group loop, which indexes input, weights and output alike): the
window then holds each channel's inputs and the band is diagonal in the channels
(``w_band[.., g_win, .., g_pos, ..]`` is zero unless ``g_win == g_pos``), so one weight load
serves a longer stream on a short map. The statement runs
``window / K`` times as often per output (the zeros); the search weighs that against the
array's width. ``w_band`` is a WEIGHT made from ``w`` before the program runs (weights are
constants; a machine stores them in the layout its array reads), recorded in the attribute
:data:`DERIVED_ATTR` and computed by :func:`covenant_lab.codelets.library.constants.derived`.
Its bytes are what the program moves, so the cost of the larger weights is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from covenant_lab.codelets.ir import Access, Affine, Codelet, Dim, Operand, Stage, Stmt
from covenant_lab.codelets.library.constants import DERIVED_ATTR
from covenant_lab.codelets.verify import verify
from covenant_lab.types import OpKind

__all__ = ["Window", "blocked", "windows"]


@dataclass(frozen=True, slots=True)
class Window:
    """An output loop and the reduction loop that slides along it in the input's index
    ``stride * out + tap + const`` (dilation 1); or, with no ``tap``, a channel loop that
    indexes input, weights and output alike (a depthwise conv's groups), whose block is a
    diagonal: output channel ``i`` of a block reads only input channel ``i``."""

    out: str
    tap: str | None
    stride: int
    axis: int  # the input's axis


def windows(codelet: Codelet, stage: int) -> tuple[Window, ...]:
    """The window pairs of stage ``stage`` when every reduction loop is a window tap
    (empty otherwise: an ordinary conv's channel reduction already fills an array)."""
    st = codelet.stages[stage]
    stmt = st.stmt
    if stmt.op is not OpKind.MAC or len(stmt.srcs) != 2:
        return ()
    a, b = stmt.srcs
    if not isinstance(a, Access) or not isinstance(b, Access) or b.fill is not None:
        return ()
    if any(len(e.terms) > 1 or (e.terms and e.terms[0][1] != 1) for e in b.index):
        return ()  # the weights indexed plainly (each axis one loop or a constant)
    found = []
    for axis, e in enumerate(a.index):
        taps = [v for v in e.vars if v not in stmt.dst.vars]
        outs = [v for v in e.vars if v in stmt.dst.vars]
        if len(taps) != 1 or len(outs) != 1 or e.coef(taps[0]) != 1:
            continue
        tap, out = taps[0], outs[0]
        if out in b.vars or Affine.of(tap) not in b.index or Affine.of(out) not in stmt.dst.index:
            continue
        found.append(Window(out, tap, e.coef(out), axis))
    if not found or {w.tap for w in found} != {
            lp for lp in st.reduction_loops() if codelet.extent(lp) > 1}:
        return ()
    channels = [Window(v, None, 1, a.index.index(Affine.of(v))) for v in st.loops
                if codelet.extent(v) > 1 and all(Affine.of(v) in acc.index
                                                 for acc in (a, b, stmt.dst))]
    return (*channels, *found)


def blocked(codelet: Codelet, stage: int, blocks: tuple[tuple[Window, int], ...]) -> Codelet:
    """Stage ``stage`` with each window's output loop blocked by its size (which divides
    the loop's extent), and the banded weights as a derived WEIGHT (module docstring)."""
    st = codelet.stages[stage]
    stmt = st.stmt
    a, b = stmt.srcs
    assert isinstance(a, Access) and isinstance(b, Access)
    extent = {d.name: d.extent for d in codelet.dims}
    new_dims = dict(extent)
    a_index = list(a.index)
    band_src = list(b.index)
    renamed: dict[str, str] = {}  # output loop -> its block loop
    wins, pos, equal = [], [], []
    for w, size in blocks:
        assert extent[w.out] % size == 0, f"block {size} does not divide {w.out}"
        blk, at = f"{w.out}_blk", f"{w.out}_pos"
        win = f"{w.tap or w.out}_win"
        new_dims.update({blk: extent[w.out] // size, at: size,
                         win: w.stride * (size - 1) + (extent[w.tap] if w.tap else 1)})
        renamed[w.out] = blk
        e = a.index[w.axis]
        a_index[w.axis] = Affine(tuple(sorted((v, c) for v, c in e.terms
                                               if v not in (w.out, w.tap))), e.const) \
            + Affine(((blk, w.stride * size),)) + win
        if w.tap is None:  # a diagonal: the weights of the block's own channel, else 0
            band_src[b.index.index(Affine.of(w.out))] = Affine(((blk, size),)) + at
            equal.append((win, at))
        else:
            band_src[b.index.index(Affine.of(w.tap))] = Affine.of(win) - Affine(((at, w.stride),))
        wins.append(win)
        pos.append(at)
    gone = {w.tap for w, _ in blocks}
    outer = [renamed.get(lp, lp) for lp in st.loops if lp not in gone]
    loops = [*outer, *pos, *wins]  # block positions just outside the window loops
    kept = [renamed.get(e.vars[0], e.vars[0]) for e in b.index
            if e.vars and e.vars[0] not in gone]
    band_vars = (*kept, *wins, *pos)
    source = codelet.operand(b.operand)
    name = _free(codelet, f"{b.operand}_band")
    band = Operand(name, tuple(new_dims[v] for v in band_vars), source.dtype, source.role)
    split = _split_loops(st, blocks).stmt  # the output and a per-channel init, blocked
    new_stmt = Stmt(stmt.op, split.dst, (Access(a.operand, tuple(a_index), a.fill),
                                         Access(name, tuple(Affine.of(v) for v in band_vars))),
                    split.init)
    stages = [_split_loops(s, blocks) for s in codelet.stages]  # fused stages follow
    stages[stage] = Stage(tuple(loops), new_stmt, st.label)
    still = any(acc.operand == b.operand for s in stages for acc in s.stmt.accesses)
    operands = (*(o for o in codelet.operands if still or o.name != b.operand), band)
    used = {v for s in stages for v in s.loops}
    dims = tuple(Dim(n, e) for n, e in new_dims.items() if n in used)
    spec = (name, (band_vars, Access(b.operand, tuple(band_src), 0.0), tuple(equal)))
    derived = (*tuple(codelet.attr(DERIVED_ATTR, ())), spec)  # type: ignore[arg-type]
    attrs = (*((k, v) for k, v in codelet.attrs if k != DERIVED_ATTR), (DERIVED_ATTR, derived))
    out = Codelet(codelet.name, dims, operands, tuple(stages), attrs)
    verify(out)
    return out


def _split_loops(stage: Stage, blocks: tuple[tuple[Window, int], ...]) -> Stage:
    """``stage`` with each blocked output loop it runs split the same way (``out`` ->
    ``size * out_blk + out_pos``), so stages fused after the blocked one (a conv's ReLU6)
    share its loops and can take its tiles."""
    subst = {w.out: Affine(((f"{w.out}_blk", size),)) + f"{w.out}_pos"
             for w, size in blocks if w.out in stage.loops}
    if not subst:
        return stage

    def split(e: Affine) -> Affine:
        out = Affine((), e.const)
        for v, c in e.terms:
            out = out + (subst[v] * c if v in subst else Affine(((v, c),)))
        return out

    def access(a: Access) -> Access:
        return Access(a.operand, tuple(split(e) for e in a.index), a.fill)

    stmt = stage.stmt
    srcs = tuple(access(s) if isinstance(s, Access) else s for s in stmt.srcs)
    init = access(stmt.init) if isinstance(stmt.init, Access) else stmt.init
    loops = [x for lp in stage.loops
             for x in ((f"{lp}_blk", f"{lp}_pos") if lp in subst else (lp,))]
    return Stage(tuple(loops), Stmt(stmt.op, access(stmt.dst), srcs, init), stage.label)


def _free(codelet: Codelet, name: str) -> str:
    taken = {o.name for o in codelet.operands}
    return next(n for k in range(len(taken) + 1)
                if (n := name + (str(k) if k else "")) not in taken)
