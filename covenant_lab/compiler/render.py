"""Text views of a mapping: the decisions, a ZigZag-style per-level table, the mapped loop nest."""

from __future__ import annotations

from covenant_lab.codelets.printer import stmt_text
from covenant_lab.compiler.footprint import loop_sizes, tile_elements
from covenant_lab.compiler.mapping import Group, Mapping, Placement
from covenant_lab.compiler.parts import PartPlan, part_plan
from covenant_lab.compiler.sites import move_counts, operand_loops


def mapping_text(m: Mapping) -> str:
    """Every decision made so far, one section per kind (what the compile log shows)."""
    out = [f"mapping of {m.codelet.name}"]
    if not m.bindings:  # nothing decided yet: the statements (what a fold pass changes)
        out += [f"  stage {i}: {stmt_text(st.stmt, st.loops)}"
                for i, st in enumerate(m.codelet.stages)]
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
            + (f"; tiles in {g.parts} parts along {', '.join(g.part_loops)}" if g.parts > 1
               else "")
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
            whole = f"all in {g.parts} parts" if lp in g.part_loops and g.parts > 1 else "all"
            tiles = [
                str(g.tile(j, lp)) if lp in g.tile_loops else whole for j in range(1, g.levels + 1)
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
    """The nest of loops that iterate, each tile move printed at its site
    (``sites.move_counts``: inside the innermost loop that changes its box)."""
    stages = m.stages_of(g)
    written = {st.stmt.dst.operand for st in stages}
    plan = part_plan(m, g)
    positions = [(level, lp) for level, order in enumerate(g.orders) for lp in order]
    prev = {lp: m.codelet.extent(lp) for lp in g.tile_loops}
    trips = []
    for level, lp in positions:
        trips.append(-(-prev[lp] // g.tile(level + 1, lp)))
        if lp == g.orders[level][-1]:
            prev = {x: g.tile(level + 1, x) for x in g.tile_loops}
    moves: dict[int, list[str]] = {}
    for level in range(1, g.levels + 1):
        for p in g.placements:
            if p.home is None or not p.has_tile(level):
                continue
            uses = set(operand_loops(stages, p.operand))
            above = [k for k, (lvl, _) in enumerate(positions) if lvl < level]
            site, _, _ = move_counts([positions[k][1] in uses for k in above],
                                     [trips[k] for k in above])
            moves.setdefault(int(site), []).append(_move(p, level, written, plan))
    lines = list(moves.get(-1, []))
    depth = 0
    for k, (level, lp) in enumerate(positions):
        if trips[k] == 1:
            continue
        outer = m.codelet.extent(lp) if level == 0 else g.tile(level, lp)
        step = g.tile(level + 1, lp)
        lines.append("  " * depth + f"for {lp}{level} in 0..{outer} step {step}:")
        depth += 1
        lines += ["  " * depth + line for line in moves.get(k, [])]
    sizes = {lp: g.tile(g.levels, lp) for lp in g.tile_loops} if g.levels else {}
    for run in plan.runs:  # in issue order (parts.py): a split run loops over the parts
        inner = depth
        if plan.stage_loop[run[0]] is not None:
            lines.append("  " * depth + f"for part in 0..{plan.count}:  # "
                         + ", ".join(sorted(plan.loops)) + " in parts")
            inner += 1
        for k in run:
            si = g.stages[k]
            b = m.binding(si)
            size = dict(sizes)
            split = plan.stage_loop[k]
            if split is not None:
                size[split] = m.codelet.extent(split) // plan.count
            shown = ", ".join(f"{lp}={size.get(lp, m.codelet.extent(lp))}"
                              for lp in m.codelet.stages[si].loops)
            lines.append("  " * inner
                         + f"{b.node.name}.{b.capability.label}({shown})  # stage {si}")
    return lines


def _move(p: Placement, level: int, written: set[str], plan: PartPlan) -> str:
    src = p.home.name if level == p.first_level and p.home else p.at(level - 1).name
    dst = p.at(level).name
    parts = f"in {plan.count} parts" if p.operand in plan.axes else ""
    if p.operand in written:
        return f"store {p.operand}: {dst} -> {src}  (when its tile changes{', ' * bool(parts)}" \
               f"{parts})"
    return f"load {p.operand}: {src} -> {dst}" + (f"  ({parts})" if parts else "")


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in rows
    ]
