"""How many bytes each tile occupies, per storage node, for given tile sizes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any

import numpy as np

from covenant_lab.acg.nodes import StorageNode
from covenant_lab.codelets.ir import Stage
from covenant_lab.compiler.mapping import Group, Mapping, Placement
from covenant_lab.types import DType


def port_dtype(mapping: Mapping, group: Group, operand: str) -> DType:
    """The element type of ``operand`` at the compute units: the dtype of the first capability
    port that touches it (its width elsewhere follows the edges, ``ACG.element_bytes``)."""
    for i in group.stages:
        b = mapping.binding(i)
        for role, name in b.roles:
            if name == operand:
                port = b.capability.port(role)
                assert port is not None
                return port.dtype
    return mapping.codelet.operand(operand).dtype


def loop_sizes(mapping: Mapping, group: Group, tiles: Sequence[int]) -> dict[str, int]:
    """Block size of every loop of the group's stages for one tile (untiled loops: extent)."""
    sizes = {d.name: d.extent for d in mapping.codelet.dims}
    sizes.update(zip(group.tile_loops, tiles, strict=True))
    return sizes


Axes = list[set[tuple[int, tuple[tuple[str, int], ...]]]]  # per axis: (const, terms) indices


def access_axes(stages: Iterable[Stage], operand: str) -> Axes | None:
    """Per tensor axis, the distinct index expressions the stages access ``operand`` with
    (None: they do not access it)."""
    axes: Axes | None = None
    for st in stages:
        for acc in st.stmt.accesses:
            if acc.operand == operand:
                if axes is None:
                    axes = [set() for _ in acc.index]
                for k, expr in enumerate(acc.index):
                    axes[k].add((expr.const, expr.terms))
    return axes


def bounding_elements(axes: Axes | None, shape: tuple[int, ...],
                      sizes: MappingABC[str, Any]) -> Any:
    """Elements of a tile: per axis the bounding box of every access (as lowering lays the
    tile out), clipped to the tensor, for loop blocks of ``sizes``. Sizes are ints, or arrays
    of candidates (the cost model's batches), and so is the result."""
    if axes is None:
        return 0
    n: Any = 1
    for exprs, dim in zip(axes, shape, strict=True):
        lo: Any = None
        hi: Any = None
        for const, terms in exprs:
            a: Any = const
            b: Any = const
            for v, c in terms:
                step = c * (sizes.get(v, 1) - 1)
                a, b = a + np.minimum(step, 0), b + np.maximum(step, 0)
            lo = a if lo is None else np.minimum(lo, a)
            hi = b if hi is None else np.maximum(hi, b)
        n = n * np.minimum(hi - lo + 1, dim)
    return n


def tile_elements(
    mapping: Mapping, group: Group, operand: str, sizes: MappingABC[str, int]
) -> float:
    """Elements of the tile of ``operand`` for loop blocks of ``sizes``."""
    axes = access_axes(mapping.stages_of(group), operand)
    return float(bounding_elements(axes, mapping.codelet.operand(operand).shape, sizes))


def pe_sizes(
    mapping: Mapping, group: Group, sizes: MappingABC[str, Any], node: str
) -> dict[str, Any]:
    """The loop blocks one PE of compute node ``node`` handles: a loop on a spatial dimension
    is spread over that dimension's PEs (several loops on one dimension share it, outermost
    first), so each PE holds ``ceil(block / PEs it spreads over)``."""
    out = dict(sizes)
    for si in group.stages:
        b = mapping.binding(si)
        if b.node.name != node:
            continue
        for dim, size in b.capability.dims:
            free: Any = size
            for lp in mapping.spatial[si].loops_on(dim):
                block = out.get(lp, 1)
                share = np.minimum(block, free)
                out[lp] = -(-block // share)
                free = np.maximum(free // share, 1)
    return out


def stored(
    mapping: Mapping, group: Group, p: Placement, level: int, sizes: MappingABC[str, Any],
    elements: Any = None,
) -> tuple[StorageNode, Any, int, Any]:
    """How the operand's tile at ``level`` sits in its storage, for loop blocks ``sizes``
    (ints, or arrays of candidates): (storage, bytes of one copy rounded up to the storage's
    word, copies, bytes of one copy counted against ``capacity_bytes``). A private storage
    counts what one PE holds; the copies are the placement's (``Placement.copies``).
    ``elements``: the tile's elements for ``sizes``, when the caller has them already."""
    store = p.at(level)
    word = max(store.word_bytes, 1)
    width = p.bytes_at(level)

    def words(elements: Any) -> Any:
        return -(-(elements * width) // word) * word

    def count(sizes: MappingABC[str, Any]) -> Any:
        axes = access_axes(mapping.stages_of(group), p.operand)
        return bounding_elements(axes, mapping.codelet.operand(p.operand).shape, sizes)

    nbytes = words(count(sizes) if elements is None else elements)
    need = nbytes
    if store.private_to is not None:
        need = words(count(pe_sizes(mapping, group, sizes, store.private_to)))
    copies = p.copies(level)
    return store, nbytes, copies, need


@dataclass(frozen=True, slots=True)
class TileUse:
    """The tile of one operand at one tiling level: where it sits and its bytes."""

    operand: str
    level: int
    storage: StorageNode
    nbytes: int  # one copy, rounded up to the storage's word (tiles start on word boundaries)
    copies: int  # Placement.copies: the storage's buffering, or 1
    need: int  # bytes of one copy counted against capacity_bytes (one PE's, when private)


def tile_uses(mapping: Mapping, group: Group, tiles: Sequence[Sequence[int]]) -> list[TileUse]:
    """Every tile the group holds, level by level (outermost first)."""
    out: list[TileUse] = []
    for level in range(1, group.levels + 1):
        sizes = loop_sizes(mapping, group, tiles[level - 1])
        for p in group.placements:
            if p.has_tile(level):
                store, nbytes, copies, need = stored(mapping, group, p, level, sizes)
                out.append(TileUse(p.operand, level, store, int(nbytes), copies, int(need)))
    return out


def footprint(
    mapping: Mapping, group: Group, tiles: Sequence[Sequence[int]]
) -> dict[StorageNode, list[tuple[str, int, int]]]:
    """Per storage: (operand, bytes of one tile, copies) for every tile held there."""
    out: dict[StorageNode, list[tuple[str, int, int]]] = {}
    for use in tile_uses(mapping, group, tiles):
        out.setdefault(use.storage, []).append((use.operand, use.nbytes, use.copies))
    return out


def overflow(mapping: Mapping, group: Group, tiles: Sequence[Sequence[int]]) -> str | None:
    """A message describing the first storage whose tiles do not fit, or None."""
    by_store: dict[StorageNode, list[TileUse]] = {}
    for use in tile_uses(mapping, group, tiles):
        by_store.setdefault(use.storage, []).append(use)
    for store, uses in by_store.items():
        if store.capacity_bytes is None:
            continue
        used = sum(u.need * u.copies for u in uses)
        if used > store.capacity_bytes:
            parts = ", ".join(
                f"{u.operand} {_kib(u.need)}" + (f" x{u.copies}" if u.copies > 1 else "")
                for u in uses
            )
            each = " per PE" if store.private_to is not None else ""
            return (
                f"tiles need {_kib(used)}{each} in {store.name} ({parts}), "
                f"which holds {_kib(store.capacity_bytes)}{each}"
            )
    return None


def _kib(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"
