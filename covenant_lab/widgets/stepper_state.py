"""The PassStepper's state: one compile-log step as plain data, and the constraint form.

``step_state(log, i)`` gives the pass's name and options, the mapping text after it with the
lines changed since the previous step marked (difflib), and the per-level tiling table once
tiles exist::

    {"index", "count", "name", "params", "passes": [{"index", "name"}],
     "lines": [{"kind": "same" | "add" | "del", "text"}], "changed", "table"}

``form_defaults(result)`` and ``constraints_from_form(...)`` connect the constraint editor
(tile size per loop, loop order, storage per operand) to
:class:`~covenant_lab.compiler.Constraints`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Mapping as CMapping
from covenant_lab.compiler.render import level_table
from covenant_lab.errors import UsageError

__all__ = ["constraints_from_form", "diff_lines", "form_defaults", "step_state"]


def diff_lines(before: str, after: str) -> list[dict[str, str]]:
    """``after`` line by line, each ``same`` or ``add`` (changed), with removed lines (``del``)
    placed where they were."""
    a, b = before.splitlines(), after.splitlines()
    out: list[dict[str, str]] = []
    for tag, i0, i1, j0, j1 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [{"kind": "same", "text": line} for line in b[j0:j1]]
            continue
        out += [{"kind": "del", "text": line} for line in a[i0:i1]]
        out += [{"kind": "add", "text": line} for line in b[j0:j1]]
    return out


def _has_tiles(m: CMapping) -> bool:
    return any(g.tiles for g in m.groups)


def step_state(log: Sequence[Any], index: int) -> dict[str, Any]:
    """The state of step ``index`` of a compile log (a sequence of LogStep)."""
    if not log:
        return {"index": 0, "count": 0, "name": "", "params": "", "passes": [], "lines": [],
                "changed": 0, "table": ""}
    if not 0 <= index < len(log):
        raise UsageError(f"step_state: no step {index} (the log has {len(log)})")
    step = log[index]
    lines = diff_lines(step.before_text, step.after_text)
    return {
        "index": index,
        "count": len(log),
        "name": step.name,
        "params": step.params,
        "passes": [{"index": s.index, "name": s.name} for s in log],
        "lines": lines,
        "changed": sum(1 for x in lines if x["kind"] == "add"),
        "table": level_table(step.after) if _has_tiles(step.after) else "",
    }


def form_defaults(mapping: CMapping) -> dict[str, Any]:
    """What the constraint editor starts from: the chosen tiles, order and storages.

    ``tiles``: loop -> chosen outermost-level tile; ``order``: level-0 order of the first
    group; ``storage``: operand -> (chosen storage, options) for operands whose capability
    port could use more than one storage.
    """
    tiles: dict[str, int] = {}
    order: tuple[str, ...] = ()
    for g in mapping.groups:
        if g.tiles:
            for lp, size in zip(g.tile_loops, g.tiles[0], strict=True):
                tiles.setdefault(lp, size)
        if g.orders and not order:
            order = g.orders[0]
    storage: dict[str, tuple[str, tuple[str, ...]]] = {}
    for b in mapping.bindings:
        for role, operand in b.roles:
            port = b.capability.port(role)
            if port is None:
                continue
            current = port.storage
            for g in mapping.groups:
                for p in g.placements:
                    if p.operand == operand and p.levels:
                        current = p.levels[-1].name
            known = storage.get(operand, (current, ()))[1]
            options = tuple(dict.fromkeys((*known, *port.storages)))
            storage[operand] = (current, options)
    return {"tiles": tiles, "order": ", ".join(order), "storage": storage}


def constraints_from_form(
    tiles: Mapping[str, int],
    order: str,
    storage: Mapping[str, str],
) -> Constraints:
    """Constraints from the editor's fields: a tile of 0 and an empty storage mean "free";
    ``order`` is loop names separated by commas or spaces ("" = free)."""
    chosen = {lp: int(v) for lp, v in tiles.items() if int(v) > 0}
    names = tuple(x for x in order.replace(",", " ").split() if x)
    stores = {op: s for op, s in storage.items() if s}
    return Constraints.of(tiles=chosen, order=names, storage=stores)
