"""What a pass decided, in words: one sentence per pass, read from the mapping after it.

``decision_words("tile", mapping)`` gives ``"level 1 (BUF): oc in tiles of 4 (of 16), ic in
tiles of 3 (of 6); whole: n, oh, ow, kh, kw"``; the PassStepper shows these instead of the
passes' raw options, and :mod:`covenant_lab.compiler.explain` uses them to name alternatives.
"""

from __future__ import annotations

from collections.abc import Callable

from covenant_lab.codelets.ir import Access
from covenant_lab.codelets.library.constants import derived_specs
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.parts import part_plan
from covenant_lab.compiler.sites import operand_loops
from covenant_lab.types import Role

__all__ = ["decision_words", "group_order_words", "group_tile_words"]


def _match(m: Mapping) -> str:
    return "; ".join(
        f"stage {b.stage} ({m.codelet.stages[b.stage].stmt.op.value}) runs on "
        f"{b.node.name}.{b.capability.label}" for b in m.bindings) or "no stage bound"


def _fold(m: Mapping) -> str:
    parts = [
        f"stage {i} ({st.stmt.op.value}) starts its accumulators at {st.stmt.init} instead "
        f"of {st.stmt.op.identity:g}: the add after it is folded into its init"
        for i, st in enumerate(m.codelet.stages) if isinstance(st.stmt.init, Access)]
    return "; ".join(parts) or "nothing folded: each add stays a stage of its own"


def _block(m: Mapping) -> str:
    parts = [
        f"{name}[{', '.join(axes)}] = {source}"
        + "".join(f" where {x} == {y}" for x, y in equal)
        + f" (0 elsewhere): the weights as a band from each block's input window to its "
        f"outputs, {m.codelet.operand(name).size:,} values made before the program runs"
        for name, (axes, source, equal) in derived_specs(m.codelet)]
    return "; ".join(parts) or "no stage blocked"


def _fuse(m: Mapping) -> str:
    if len(m.codelet.stages) == 1:
        return "one stage: nothing to fuse"
    if all(len(g.stages) == 1 for g in m.groups):
        return (f"each of the {len(m.groups)} stages has a loop nest of its own "
                "(a stage starts once the one before has finished its temps)")
    parts = []
    for g in m.groups:
        stages = ", ".join(str(s) for s in g.stages)
        parts.append(f"stages {stages} share one loop nest (temps stay on chip)"
                     if len(g.stages) > 1 else f"stage {stages} has a loop nest of its own")
    return "; ".join(parts)


def _place(m: Mapping) -> str:
    parts = []
    for g in m.groups:
        for p in g.placements:
            chain = [p.home.name] if p.home is not None else ["on chip"]
            chain += [s.name for s in p.levels]
            if p.home is not None and m.codelet.operand(p.operand).role is Role.OUTPUT:
                chain.reverse()  # an output is stored to its home, not loaded from it
            parts.append(f"{p.operand}: {' → '.join(chain)}")
        walked = [p.operand for p in g.placements if g.inner and p.last_level < g.levels]
        if walked:
            parts.append(f"an inner level walks the tiles of {', '.join(walked)}")
    return "; ".join(parts)


def _spatial(m: Mapping) -> str:
    parts = []
    for si, sp in enumerate(m.spatial):
        node = m.binding(si).node.name
        dims = ", ".join(f"{d} ← {' × '.join(loops)}" for d, loops in sp.dims) or "no loop"
        extra = "".join(f"; {what}: {', '.join(loops)}"
                        for what, loops in (("streamed", sp.stream), ("one pass each",
                                                                      sp.repeat)) if loops)
        parts.append(f"stage {si} on {node}: {dims}{extra}")
    return "; ".join(parts)


def _buffer(m: Mapping) -> str:
    doubled = [f"{p.operand} (group {gi})" for gi, g in enumerate(m.groups)
               for p in g.placements if p.home is None and p.buffered]
    if not doubled:
        return "temps handed between units keep one copy (the units take turns)"
    return "a copy per unit (double buffered) for " + ", ".join(doubled)


def _split(m: Mapping) -> str:
    parts = []
    for gi, g in enumerate(m.groups):
        if g.parts < 2:
            continue
        plan = part_plan(m, g)
        stages = [str(g.stages[k]) for k, lp in enumerate(plan.stage_loop) if lp is not None]
        label = f"group {gi}: " if len(m.groups) > 1 else ""
        moved = [p.operand for p in g.placements if p.home is not None and p.operand in plan.axes]
        parts.append(f"{label}each tile in {g.parts} parts along {', '.join(g.part_loops)}: "
                     f"stages {', '.join(stages)} run one part at a time"
                     + (f", {', '.join(moved)} move part by part" if moved else ""))
    return "; ".join(parts) or "every tile whole"


def _storages(g: Group, level: int) -> str:
    names = dict.fromkeys(p.at(level).name for p in g.placements if p.has_tile(level))
    return ", ".join(names) or "-"


def group_tile_words(m: Mapping, g: Group, tiles: tuple[tuple[int, ...], ...]) -> str:
    """One group's tiles per level: the loops cut into tiles, then the ones kept whole."""
    parts = []
    prev = {lp: m.codelet.extent(lp) for lp in g.tile_loops}
    for level, sizes in enumerate(tiles, start=1):
        cut = [f"{lp} in tiles of {t} (of {prev[lp]})"
               for lp, t in zip(g.tile_loops, sizes, strict=True) if t < prev[lp]]
        whole = [lp for lp, t in zip(g.tile_loops, sizes, strict=True) if t >= prev[lp]]
        text = ", ".join(cut) or "every loop whole"
        if cut and whole:
            text += f"; whole: {', '.join(whole)}"
        parts.append(f"level {level} ({_storages(g, level)}): {text}")
        prev = dict(zip(g.tile_loops, sizes, strict=True))
    return "; ".join(parts)


def group_order_words(m: Mapping, g: Group, tiles: tuple[tuple[int, ...], ...],
                      orders: tuple[tuple[str, ...], ...]) -> str:
    """One group's loop order per level: the loops with more than one trip, outermost first
    (``oc ×4 → ic ×2``), and the operands that stay on chip while the innermost one runs."""
    stages = m.stages_of(g)
    parts = []
    prev = {lp: m.codelet.extent(lp) for lp in g.tile_loops}
    for level, (sizes, order) in enumerate(zip(tiles, orders, strict=True), start=1):
        size = dict(zip(g.tile_loops, sizes, strict=True))
        trips = {lp: -(-prev[lp] // size[lp]) for lp in g.tile_loops}
        moving = [lp for lp in order if trips[lp] > 1]
        if not moving:
            parts.append(f"level {level}: one tile (no loop repeats)")
        else:
            chain = " → ".join(f"{lp} ×{trips[lp]}" for lp in moving)
            inner = moving[-1]
            stay = [p.operand for p in g.placements
                    if p.home is not None and inner not in operand_loops(stages, p.operand)]
            resident = (f"; {', '.join(stay)} stay{'s' if len(stay) == 1 else ''} on chip "
                        f"while {inner} runs") if stay else ""
            parts.append(f"level {level}, outermost first: {chain}{resident}")
        prev = size
    return "; ".join(parts)


def _tile(m: Mapping) -> str:
    return " | ".join(
        (f"group {gi}: " if len(m.groups) > 1 else "") + group_tile_words(m, g, g.tiles)
        for gi, g in enumerate(m.groups))


def _order(m: Mapping) -> str:
    return " | ".join(
        (f"group {gi}: " if len(m.groups) > 1 else "")
        + group_order_words(m, g, g.tiles, g.orders) for gi, g in enumerate(m.groups))


_WORDS: dict[str, Callable[[Mapping], str]] = {
    "block": _block, "fold": _fold, "match": _match, "fuse": _fuse, "place": _place,
    "spatial": _spatial, "buffer": _buffer, "split": _split, "tile": _tile, "order": _order,
}


def decision_words(pass_name: str, after: Mapping) -> str:
    """What pass ``pass_name`` decided, read from the mapping after it ("" for a pass this
    module does not know)."""
    words = _WORDS.get(pass_name)
    return words(after) if words is not None else ""
