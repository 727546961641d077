"""The PassStepper's state: one compile-log step as plain data, and the constraint form.

``step_state(log, i, decisions)`` gives the pass's name and options, what it decided in words
with its estimated cost and the best alternatives it beat (``CompileResult.decisions``), the
mapping text after it with the lines changed since the previous step marked (difflib), and
the per-level tiling table once tiles exist::

    {"index", "count", "name", "params", "passes": [{"index", "name"}],
     "decision": {"words", "cost", "constrained",
                  "alternatives": [{"words", "cost", "change", "fallback",
                                    "constraints"}]},   # constraints that choose it, or ""
     "lines": [{"kind": "same" | "add" | "del", "text"}], "changed", "table"}

``form_defaults(result)`` and ``constraints_from_form(...)`` connect the constraint editor
(tile size per loop, loop order, storage per operand) to
:class:`~covenant_lab.compiler.Constraints`.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping, Sequence
from typing import Any

from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.explain import Decision
from covenant_lab.compiler.mapping import Mapping as CMapping
from covenant_lab.compiler.render import level_table
from covenant_lab.errors import UsageError

__all__ = ["constraints_from_form", "decision_state", "diff_lines", "form_defaults", "form_values",
           "mapping_diff_html", "step_state"]


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


def decision_state(decision: Decision | None) -> dict[str, Any]:
    """One step's decision as plain data (empty words when there is none)."""
    if decision is None:
        return {"words": "", "cost": None, "constrained": "", "alternatives": []}
    chosen = decision.chosen.cost if decision.chosen is not None else None
    return {
        "words": decision.words,
        "cost": chosen,
        "constrained": decision.constrained,
        "alternatives": [
            {"words": a.words, "cost": a.cost, "fallback": a.fallback,
             "change": (a.cost / chosen - 1) if chosen else None,
             "constraints": a.constraints.describe() if a.constraints is not None else ""}
            for a in decision.alternatives
        ],
    }


def step_state(log: Sequence[Any], index: int,
               decisions: Sequence[Decision] | None = None) -> dict[str, Any]:
    """The state of step ``index`` of a compile log (a sequence of LogStep), with its
    decision explained when ``decisions`` (``CompileResult.decisions``) is given."""
    if not log:
        return {"index": 0, "count": 0, "name": "", "params": "", "passes": [], "lines": [],
                "changed": 0, "table": "", "decision": decision_state(None)}
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
        "decision": decision_state(decisions[index] if decisions is not None
                                   and index < len(decisions) else None),
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


def form_values(constraints: Constraints) -> dict[str, Any]:
    """What the constraint form shows for the constraints a result was compiled under, so
    they stay in the form after a recompile: ``tiles`` loop -> size (the outermost level's),
    ``order`` (text), ``storage`` operand -> storage."""
    return {
        "tiles": {lp: sizes[0] for lp, sizes in constraints.tiles if sizes},
        "order": ", ".join(constraints.order),
        "storage": dict(constraints.storage),
    }


def mapping_diff_html(before: str, after: str) -> str:
    """The lines of a mapping's text that changed between two compiles, as HTML: removed
    lines struck through in red (``covenant-change-del``), added ones in green
    (``covenant-change-add``); a line that says so when nothing changed."""
    lines = [x for x in diff_lines(before, after) if x["kind"] != "same"]
    if not lines:
        return '<div style="color:#555">the new mapping is the same as the previous one</div>'
    style = {"add": "background:#e6ffec", "del": "background:#ffebe9;color:#a33;"
             "text-decoration:line-through"}
    body = "".join(f'<div class="covenant-change-{x["kind"]}" style="{style[x["kind"]]}">'
                   f'{"+ " if x["kind"] == "add" else "- "}{html.escape(x["text"])}</div>'
                   for x in lines)
    return ('<div style="font-size:12px"><b>what changed since the previous compile</b>'
            '<div style="font-family:monospace;font-size:11px;white-space:pre;'
            f'overflow-x:auto">{body}</div></div>')
