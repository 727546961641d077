"""How many bytes each tile occupies, per storage node, for given tile sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence

from covenant_lab.acg.nodes import StorageNode
from covenant_lab.compiler.mapping import Group, Mapping


def elem_bytes(mapping: Mapping, group: Group, operand: str) -> int:
    """Element size of ``operand``: the dtype of the first capability port that touches it."""
    for i in group.stages:
        b = mapping.binding(i)
        for role, name in b.roles:
            if name == operand:
                port = b.capability.port(role)
                assert port is not None
                return port.dtype.itemsize
    return mapping.codelet.operand(operand).dtype.itemsize


def loop_sizes(mapping: Mapping, group: Group, tiles: Sequence[int]) -> dict[str, int]:
    """Block size of every loop of the group's stages for one tile (untiled loops: extent)."""
    sizes = {d.name: d.extent for d in mapping.codelet.dims}
    sizes.update(zip(group.tile_loops, tiles, strict=True))
    return sizes


def tile_elements(
    mapping: Mapping, group: Group, operand: str, sizes: MappingABC[str, int]
) -> float:
    """Elements of the largest tile of ``operand`` for loop blocks of ``sizes``: per axis the
    bounding box of every access to it (as lowering lays the tile out), clipped to the tensor."""
    shape = mapping.codelet.operand(operand).shape
    lo = [math.inf] * len(shape)
    hi = [-math.inf] * len(shape)
    for i in group.stages:
        st = mapping.codelet.stages[i]
        for acc in st.stmt.accesses:
            if acc.operand != operand:
                continue
            for k, expr in enumerate(acc.index):
                span = [c * (sizes.get(v, 1) - 1) for v, c in expr.terms]
                lo[k] = min(lo[k], expr.const + sum(min(0, s) for s in span))
                hi[k] = max(hi[k], expr.const + sum(max(0, s) for s in span))
    if not shape:
        return 1.0
    if lo[0] == math.inf:
        return 0.0
    return float(math.prod(min(h - low + 1, n) for low, h, n in zip(lo, hi, shape, strict=True)))


def footprint(
    mapping: Mapping, group: Group, tiles: Sequence[Sequence[int]]
) -> dict[StorageNode, list[tuple[str, int, int]]]:
    """Per storage: (operand, bytes of one tile, copies) for every tile held there."""
    out: dict[StorageNode, list[tuple[str, int, int]]] = {}
    for level in range(1, group.levels + 1):
        sizes = loop_sizes(mapping, group, tiles[level - 1])
        for p in group.placements:
            if not p.has_tile(level):
                continue
            store = p.at(level)
            nbytes = int(tile_elements(mapping, group, p.operand, sizes)) * elem_bytes(
                mapping, group, p.operand
            )
            word = max(store.word_bytes, 1)
            nbytes = -(-nbytes // word) * word  # tiles start on word boundaries
            copies = store.buffering if p.home is not None else 1
            out.setdefault(store, []).append((p.operand, nbytes, copies))
    return out


def overflow(mapping: Mapping, group: Group, tiles: Sequence[Sequence[int]]) -> str | None:
    """A message describing the first storage whose tiles do not fit, or None."""
    for store, items in footprint(mapping, group, tiles).items():
        if store.capacity_bytes is None:
            continue
        used = sum(n * c for _, n, c in items)
        if used > store.capacity_bytes:
            parts = ", ".join(f"{op} {_kib(n)}" + (f" x{c}" if c > 1 else "") for op, n, c in items)
            return (
                f"tiles need {_kib(used)} in {store.name} ({parts}), "
                f"which holds {_kib(store.capacity_bytes)}"
            )
    return None


def _kib(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"
