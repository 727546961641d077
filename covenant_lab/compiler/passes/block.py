"""Pass 0: block a window-only convolution's outputs so an array's rows take the window.

A depthwise conv reduces only over its 3x3 window: on a weight-stationary array that is 9
rows and one column. Blocking the output (4 x 8 pixels) makes the weights a banded matrix
from the block's 6 x 10 input window to its 32 outputs (``codelets/toeplitz.py``): 60 rows
and 32 columns, at the price of the band's zeros and of larger weights. The search plans
each offered block shape beside the layer as written and keeps the cheapest
(``compiler/forms.py``), so a machine whose other units run the conv well keeps it there.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet
from covenant_lab.codelets.toeplitz import Window, blocked, windows
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.errors import ScheduleError
from covenant_lab.types import OpKind, PortRole

__all__ = ["BlockWindows", "block_forms", "block_shapes"]

SHAPES_PER_WIDTH = 3  # block shapes planned per array width (_offered)


@dataclass(frozen=True)
class BlockWindows:
    """Block stage ``stage``'s outputs: ``blocks`` = (output loop, block size) pairs.

    rewrite (blocks=(("oh", 4), ("ow", 8)))::

        for g, oh, ow, kh, kw: y[g, oh, ow] += x[g, oh+kh-1, ow+kw-1] * w[g, kh, kw]
            ->
        for g, oh_blk, ow_blk, oh_pos, ow_pos, kh_win, kw_win:
            y[g, 4*oh_blk+oh_pos, 8*ow_blk+ow_pos]
                += x[g, 4*oh_blk+kh_win-1, 8*ow_blk+kw_win-1]
                   * w_band[g, kh_win, kw_win, oh_pos, ow_pos]
    """

    name: ClassVar[str] = "block"
    stage: int
    blocks: tuple[tuple[str, int], ...]

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        assert not mapping.bindings, "block runs before any stage is bound"
        codelet = mapping.codelet
        by_out = {w.out for w in windows(codelet, self.stage)}
        for out, size in self.blocks:
            if out not in by_out or codelet.extent(out) % size:
                raise ScheduleError(self.name, f"a block of {size} along {out} in stage "
                                    f"{self.stage} of {codelet.name}",
                                    hint="a block divides a window's output loop")
        return Mapping(apply_blocks(codelet, self.stage, self.blocks))


def apply_blocks(codelet: Codelet, stage: int, blocks: tuple[tuple[str, int], ...]) -> Codelet:
    by_out = {w.out: w for w in windows(codelet, stage)}
    return blocked(codelet, stage, tuple((by_out[out], size) for out, size in blocks))


def _arrays(acg: ACG) -> list[tuple[str, int]]:
    """("node.capability", width) of every MAC unit with a folded (reduction) dimension for
    the window (an array's rows, a dot-product unit's group) and, per other
    dimension, its size (the block fills it: an array's columns)."""
    out = []
    for node, cap in acg.providers(OpKind.MAC):
        if node.fallback or not any(s.fold and PortRole.A in s.requires for s in cap.spatial):
            continue
        for width in sorted({s.size for s in cap.spatial if not s.fold and s.size > 1}):
            out.append((f"{node.name}.{cap.label}", width))
    return out


Shape = tuple[tuple[Window, int], ...]  # (window, block size) pairs


def block_shapes(codelet: Codelet, stage: int, width: int) -> list[Shape]:
    """Every block (one size per window, dividing its output loop; windows of size 1 left
    out) of at most ``width`` outputs, more than one, and blocking some spatial window,
    best first: the most outputs, then the fewest window inputs per output, then the
    fewest channels."""
    ws = windows(codelet, stage)
    choices = [[d for d in range(1, min(codelet.extent(w.out), width) + 1)
                if codelet.extent(w.out) % d == 0] for w in ws]
    ranked = []
    for sizes in itertools.product(*choices):
        outputs = math.prod(sizes)
        if not 1 < outputs <= width or all(d == 1 for w, d in zip(ws, sizes, strict=True)
                                           if w.tap is not None):
            continue
        inputs = math.prod(w.stride * (d - 1) + (codelet.extent(w.tap) if w.tap else 1)
                           for w, d in zip(ws, sizes, strict=True))
        ranked.append((-outputs, inputs / outputs, outputs // _spatial(ws, sizes), sizes))
    ranked.sort()
    return [tuple((w, d) for w, d in zip(ws, sizes, strict=True) if d > 1)
            for *_, sizes in ranked]


def _spatial(ws: tuple[Window, ...], sizes: tuple[int, ...]) -> int:
    return math.prod(d for w, d in zip(ws, sizes, strict=True) if w.tap is not None)


def _offered(shapes: list[Shape]) -> list[Shape]:
    """The shapes the search plans for one width: the best with no channel blocking, the
    best with the most channels per block that still blocks pixels 2 x 2 or more (a short
    map's stream per weight load is short: more channels per pass make it longer), and the
    best with a number of channels between. At most three: each costs a plan."""
    best: dict[int, Shape] = {}
    for sh in shapes:  # best first: the first of each channel count
        best.setdefault(_channels(sh), sh)
    wide = [g for g, sh in best.items() if g > 1 and all(
        d >= 2 for w, d in sh if w.tap is not None) and len(sh) > 2]
    picks = [1] if 1 in best else []
    if wide:
        most = max(wide)
        middle = min(wide, key=lambda g: abs(math.log(g) - math.log(most) / 2))
        for g in (most, middle):
            if g not in picks:
                picks.append(g)
    return [best[g] for g in picks][:SHAPES_PER_WIDTH]


def _channels(shape: Shape) -> int:
    return math.prod(d for w, d in shape if w.tap is None)


def block_forms(codelet: Codelet, acg: ACG, cons: Constraints
                ) -> list[tuple[BlockWindows, Codelet, Constraints]]:
    """The block pass, the codelet after it, and the constraints that keep the blocked stage
    on the unit it is blocked for (its zeros would only slow any other): per stage with
    windows, per array and width (:func:`_arrays`), the shapes :func:`_offered` picks. None
    for a stage the constraints put elsewhere."""
    out: list[tuple[BlockWindows, Codelet, Constraints]] = []
    pinned = dict(cons.capability)
    for stage in range(len(codelet.stages)):
        if not windows(codelet, stage):
            continue
        for unit, width in _arrays(acg):
            if pinned.get(stage) not in (None, unit, unit.split(".")[0]):
                continue
            for shape in _offered(block_shapes(codelet, stage, width)):
                step = BlockWindows(stage, tuple((w.out, d) for w, d in shape))
                where = replace(cons, capability=((stage, unit), *(
                    (k, v) for k, v in cons.capability if k != stage)))
                out.append((step, blocked(codelet, stage, shape), where))
    return out

