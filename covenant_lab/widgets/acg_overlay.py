"""A mapping drawn over its ACG, as plain data: operand paths, tiles, occupancy, capabilities.

Pure functions of a :class:`~covenant_lab.compiler.Mapping` (complete, or a snapshot from the
compile log: a field not filled yet is simply not drawn). Stages the compiler put on a fallback
unit get a line on that unit and a note (``fallback: host — <reason>``). ``acg_state`` merges
the result into the node and edge records the ACGView draws.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.compiler.footprint import footprint
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.sites import read_before_written
from covenant_lab.errors import UsageError
from covenant_lab.types import DESTINATIONS, PortRole

__all__ = [
    "PALETTE",
    "Overlay",
    "StorageUse",
    "fallback_notes",
    "human_bytes",
    "mapping_overlay",
    "operand_colours",
    "storage_use",
]

# Tableau 10: distinguishable, colour-blind aware, readable on white
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)


@dataclass(frozen=True)
class StorageUse:
    """Tiles a mapping keeps in one storage: (group, operand, bytes of a tile, copies)."""

    storage: str
    capacity_bytes: int | None
    items: tuple[tuple[int, str, int, int], ...]
    used_bytes: int  # the largest group's total (groups run one after another)

    @property
    def fraction(self) -> float | None:
        if not self.capacity_bytes:
            return None
        return self.used_bytes / self.capacity_bytes


@dataclass
class Overlay:
    """What the ACGView draws over the graph for one mapping."""

    operands: list[dict[str, object]] = field(default_factory=list)
    node_lines: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    node_operands: dict[str, list[str]] = field(default_factory=dict)
    edge_operands: dict[EdgeId, list[str]] = field(default_factory=dict)
    usage: dict[str, StorageUse] = field(default_factory=dict)
    bindings: list[dict[str, object]] = field(default_factory=list)
    notes: list[dict[str, object]] = field(default_factory=list)  # fallback notes


def operand_colours(mapping: Mapping) -> dict[str, str]:
    """A colour per operand of the codelet, in operand order (the palette repeats after 10)."""
    return {o.name: PALETTE[i % len(PALETTE)] for i, o in enumerate(mapping.codelet.operands)}


def storage_use(mapping: Mapping) -> dict[str, StorageUse]:
    """Per storage: the footprint of the mapping's tiles (``compiler.footprint``).

    Only groups that have tiles count; ``used_bytes`` is the largest total over the groups,
    since groups run one after another.
    """
    items: dict[str, list[tuple[int, str, int, int]]] = {}
    totals: dict[str, list[int]] = {}
    capacity: dict[str, int | None] = {}
    for gi, g in enumerate(mapping.groups):
        if not g.tiles or not g.placements:
            continue
        for store, tiles in footprint(mapping, g, g.tiles).items():
            capacity[store.name] = store.capacity_bytes
            items.setdefault(store.name, []).extend((gi, op, n, c) for op, n, c in tiles)
            totals.setdefault(store.name, []).append(sum(n * c for _, n, c in tiles))
    return {
        name: StorageUse(name, capacity[name], tuple(items[name]), max(totals[name]))
        for name in items
    }


def human_bytes(n: int | None) -> str:
    """``2112`` -> ``2.1 KiB``; None -> ``unbounded``."""
    if n is None:
        return "unbounded"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} B"


def _written(mapping: Mapping) -> set[str]:
    return {st.stmt.dst.operand for st in mapping.codelet.stages}


def _check_names(acg: ACG, mapping: Mapping) -> None:
    known = {n.name for n in acg.nodes}
    used = {b.node.name for b in mapping.bindings}
    for g in mapping.groups:
        for p in g.placements:
            used.update(s.name for s in (p.home, *p.levels) if s is not None)
    missing = sorted(used - known)
    if missing:
        raise UsageError(
            f"ACGView: the mapping of {mapping.codelet.name} uses {', '.join(missing)}, "
            f"which {acg.name} does not have",
            hint="draw a result over the architecture it was compiled for (result.arch)",
        )


def _add_edge(acg: ACG, ov: Overlay, src: str, dst: str, operand: str, path: list[str]) -> None:
    e = acg.edge(src, dst)
    if e is None:
        return
    names = ov.edge_operands.setdefault(EdgeId(src, dst), [])
    if operand not in names:
        names.append(operand)
    if e.via and e.via not in path:
        path.append(e.via)


def _chains(mapping: Mapping) -> dict[str, list[str]]:
    """Storage names of each operand, off-chip home first (ports only, before placement)."""
    chains: dict[str, list[str]] = {}
    for g in mapping.groups:
        for p in g.placements:
            chain = chains.setdefault(p.operand, [])
            for s in (p.home, *p.levels):
                if s is not None and s.name not in chain:
                    chain.append(s.name)
    for b in mapping.bindings:
        for role, operand in b.roles:
            chain = chains.setdefault(operand, [])
            port = b.capability.port(role)
            if not chain and port is not None:
                chain.append(port.storage)
    return chains


def _compute_edges(
    acg: ACG, mapping: Mapping, ov: Overlay, operand: str, last: str, path: list[str]
) -> None:
    for bnd in mapping.bindings:
        for role, name in bnd.roles:
            if name != operand:
                continue
            if role in DESTINATIONS:
                _add_edge(acg, ov, bnd.node.name, last, operand, path)
            if role not in DESTINATIONS or role == PortRole.ACC:
                _add_edge(acg, ov, last, bnd.node.name, operand, path)
            if bnd.node.name not in path:
                path.append(bnd.node.name)


def _read(mapping: Mapping) -> set[str]:
    """Operands some stage reads before writing them (loaded from their home: inputs,
    weights, an accumulator without an init that starts from its stored values)."""
    return read_before_written(mapping.codelet.stages)


def _operand_paths(acg: ACG, mapping: Mapping, ov: Overlay, colours: dict[str, str]) -> None:
    """Each operand's edges in the direction its data moves: toward the compute node when
    it is read, back toward its home when it is written (an output only that way)."""
    written, read = _written(mapping), _read(mapping)
    chains = _chains(mapping)
    for o in mapping.codelet.operands:
        chain = chains.get(o.name)
        if not chain:
            continue
        loaded = o.name in read or o.name not in written
        path = list(chain)
        for a, b in itertools.pairwise(chain):
            if loaded:
                _add_edge(acg, ov, a, b, o.name, path)
            if o.name in written:
                _add_edge(acg, ov, b, a, o.name, path)
        _compute_edges(acg, mapping, ov, o.name, chain[-1], path)
        for name in path:
            ov.node_operands.setdefault(name, []).append(o.name)
        home = chain[0] if acg.storage(chain[0]).off_chip else None
        shown = chain if loaded else chain[::-1]  # an output: where it goes, home last
        ov.operands.append({
            "name": o.name,
            "colour": colours[o.name],
            "role": o.role.value,
            "shape": list(o.shape),
            "path": path,
            "chain": (" ⇄ " if loaded and o.name in written else " → ").join(shown),
            "home": home,
        })


def _storage_lines(mapping: Mapping, ov: Overlay, colours: dict[str, str]) -> None:
    for name, use in ov.usage.items():
        lines = ov.node_lines.setdefault(name, [])
        multi = len({g for g, *_ in use.items}) > 1
        for gi, op, nbytes, copies in use.items:
            text = f"{op}: {human_bytes(nbytes)}" + (f" x{copies}" if copies > 1 else "")
            lines.append({"text": (f"g{gi} " if multi else "") + text, "colour": colours[op]})
        cap = use.capacity_bytes
        total = f"{human_bytes(use.used_bytes)} / {human_bytes(cap)}"
        pct = f" ({100 * use.fraction:.0f}%)" if use.fraction is not None else ""
        lines.append({"text": f"used {total}{pct}", "colour": ""})
    for g in mapping.groups:
        if not g.tiles:
            continue
        for level, tiles in enumerate(g.tiles, start=1):
            sizes = " ".join(f"{lp}={t}" for lp, t in zip(g.tile_loops, tiles, strict=True))
            stores = dict.fromkeys(p.at(level).name for p in g.placements if p.has_tile(level))
            for store in stores:
                ov.node_lines.setdefault(store, []).append(
                    {"text": f"tile L{level}: {sizes}", "colour": ""}
                )
    for o in ov.operands:
        home = o["home"]
        if isinstance(home, str):
            ov.node_lines.setdefault(home, []).append(
                {"text": f"home of {o['name']}", "colour": str(o["colour"])}
            )


def _binding_lines(mapping: Mapping, ov: Overlay) -> None:
    for b in mapping.bindings:
        roles = ", ".join(f"{r}={o}" for r, o in b.roles)
        spatial = ""
        if b.stage < len(mapping.spatial):
            sp = mapping.spatial[b.stage]
            spatial = " ".join(f"{d}<-{'*'.join(v) or '-'}" for d, v in sp.dims)
        ov.bindings.append({
            "stage": b.stage, "node": b.node.name, "capability": b.capability.label,
            "roles": roles, "spatial": spatial,
        })
        lines = ov.node_lines.setdefault(b.node.name, [])
        lines.append({"text": f"stage {b.stage}: {b.capability.label}({roles})", "colour": ""})
        if spatial:
            lines.append({"text": f"  {spatial}", "colour": ""})


def fallback_notes(fallback: Sequence[Fallback]) -> list[dict[str, object]]:
    """One note per stage on a fallback unit: ``{"node", "stage", "op", "text"}``, the text
    being ``fallback: host — <reason>`` (the reason's first line)."""
    return [{"node": f.node, "stage": f.stage, "op": f.op.value, "text": f.note()}
            for f in fallback]


def _fallback_lines(ov: Overlay, fallback: Sequence[Fallback]) -> None:
    for f in fallback:
        ov.node_lines.setdefault(f.node, []).append(
            {"text": f"fallback unit of stage {f.stage} ({f.op.value})", "colour": ""}
        )
    ov.notes = fallback_notes(fallback)


def mapping_overlay(acg: ACG, mapping: Mapping, fallback: Sequence[Fallback] = ()) -> Overlay:
    """The overlay of ``mapping`` on ``acg`` (node and edge names must exist in ``acg``);
    stages on a fallback unit (``CompileResult.fallback``) are marked on the unit and noted."""
    _check_names(acg, mapping)
    colours = operand_colours(mapping)
    ov = Overlay()
    _operand_paths(acg, mapping, ov, colours)
    ov.usage = storage_use(mapping)
    _storage_lines(mapping, ov, colours)
    _binding_lines(mapping, ov)
    _fallback_lines(ov, fallback)
    return ov
