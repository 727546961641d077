"""Text views of a mapping: the decisions, a ZigZag-style per-level table, the mapped loop nest."""

from __future__ import annotations

from covenant_lab.compiler.footprint import loop_sizes, tile_elements
from covenant_lab.compiler.mapping import Group, Mapping, Placement


def mapping_text(m: Mapping) -> str:
    """Every decision made so far, one section per kind (what the compile log shows)."""
    out = [f"mapping of {m.codelet.name}"]
    for b in m.bindings:
        roles = ", ".join(f"{r}={o}" for r, o in b.roles)
        out.append(f"  stage {b.stage}: {b.node.name}.{b.capability.label} ({roles})")
    for i, sp in enumerate(m.spatial):
        listed = [d for d, _ in m.binding(i).node.dims]  # as the node lists its dimensions
        entries = sorted(sp.dims, key=lambda dv: listed.index(dv[0]) if dv[0] in listed else 0)
        dims = ", ".join(f"{d} <- {'*'.join(v) or '-'}" for d, v in entries)
        out.append(
            f"  stage {i} spatial: {dims}; stream {'*'.join(sp.stream) or '-'}"
            + (f"; repeat {'*'.join(sp.repeat)}" if sp.repeat else "")
        )
    for gi, g in enumerate(m.groups):
        out.append(
            f"  group {gi}: stages {list(g.stages)}, tiled loops {', '.join(g.tile_loops) or '-'}"
        )
        for p in g.placements:
            chain = [p.home.name] if p.home else []
            chain += [s.name for s in p.levels]
            where = "" if p.home else " (on chip" + (
                f", x{p.copies(g.levels)})" if p.copies(g.levels) > 1 else ")")
            out.append(f"    {p.operand}: {' -> '.join(chain)}{where}")
        for level, tiles in enumerate(g.tiles, start=1):
            shown = ", ".join(f"{lp}={t}" for lp, t in zip(g.tile_loops, tiles, strict=True))
            out.append(f"    level {level} tiles: {shown}")
        for level, order in enumerate(g.orders):
            out.append(f"    level {level} order: {', '.join(order)}")
    return "\n".join(out)


def level_table(m: Mapping) -> str:
    """Per group: for each loop its tile per level and spatial use; for each operand, where it
    sits at each level with its tile shape and bytes."""
    out: list[str] = []
    for gi, g in enumerate(m.groups):
        if not g.tiles:
            continue
        out.append(f"group {gi} (stages {', '.join(map(str, g.stages))})")
        head = ["loop", "extent"] + [f"L{j}" for j in range(1, g.levels + 1)] + ["spatial"]
        rows = []
        for lp in sorted(
            {lp for si in g.stages for lp in m.codelet.stages[si].loops},
            key=[d.name for d in m.codelet.dims].index,
        ):
            tiles = [
                str(g.tile(j, lp)) if lp in g.tile_loops else "all" for j in range(1, g.levels + 1)
            ]
            use = sorted({d for si in g.stages for d, v in m.spatial[si].dims if lp in v})
            rows.append([lp, str(m.codelet.extent(lp)), *tiles, ",".join(use) or "-"])
        out.extend(_table(head, rows))
        head = ["operand"] + [f"L{j}" for j in range(1, g.levels + 1)]
        rows = []
        for p in g.placements:
            cells = []
            for j in range(1, g.levels + 1):
                if not p.has_tile(j):
                    outside = p.home if j < p.first_level and p.home is not None else p.at(j)
                    cells.append(f"(in {outside.name})")
                    continue
                n = int(tile_elements(m, g, p.operand, loop_sizes(m, g, g.tiles[j - 1])))
                cells.append(f"{p.at(j).name} {n * p.bytes_at(j)} B")
            rows.append([p.operand, *cells])
        out.extend(_table(head, rows))
    return "\n".join(out)


def loop_nest(m: Mapping) -> str:
    """The mapped loop nest with the point where each operand's tile is loaded or stored."""
    out: list[str] = []
    for gi, g in enumerate(m.groups):
        if not g.orders:
            continue
        out.append(f"# group {gi}")
        out.extend(_group_nest(m, g))
    return "\n".join(out)


def _group_nest(m: Mapping, g: Group) -> list[str]:
    lines: list[str] = []
    depth = 0
    uses = {
        p.operand: {
            lp
            for si in g.stages
            for a in m.codelet.stages[si].stmt.accesses
            if a.operand == p.operand
            for lp in a.vars
        }
        for p in g.placements
    }
    written = {m.codelet.stages[si].stmt.dst.operand for si in g.stages}
    prev = {lp: m.codelet.extent(lp) for lp in g.tile_loops}
    for level, order in enumerate(g.orders):
        movers = [
            p
            for p in g.placements
            if (p.has_tile(level + 1) and p.home is not None)
            or (p.has_tile(level + 1) and level + 1 > p.first_level)
        ]
        live = [lp for lp in order if -(-prev[lp] // g.tile(level + 1, lp)) > 1]
        last = {
            p.operand: max((live.index(lp) for lp in live if lp in uses[p.operand]), default=-1)
            for p in movers
        }
        for p in movers:
            if last[p.operand] == -1:
                lines.append("  " * depth + _move(p.operand, p, level, written))
        for k, lp in enumerate(live):
            step = g.tile(level + 1, lp)
            lines.append("  " * depth + f"for {lp}{level} in 0..{prev[lp]} step {step}:")
            depth += 1
            for p in movers:
                if last[p.operand] == k:
                    lines.append("  " * depth + _move(p.operand, p, level, written))
        prev = {lp: g.tile(level + 1, lp) for lp in g.tile_loops}
    for si in g.stages:
        b = m.binding(si)
        sizes = ", ".join(
            f"{lp}={prev.get(lp, m.codelet.extent(lp))}" for lp in m.codelet.stages[si].loops
        )
        lines.append("  " * depth + f"{b.node.name}.{b.capability.label}({sizes})  # stage {si}")
    return lines


def _move(operand: str, p: Placement, level: int, written: set[str]) -> str:
    src = p.home.name if level + 1 == p.first_level and p.home else p.at(level).name
    dst = p.at(level + 1).name
    if operand in written:
        return f"store {operand}: {dst} -> {src}  (when its tile changes)"
    return f"load {operand}: {src} -> {dst}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in rows
    ]
