"""What the ArchEditor's graph says about edits not applied: pure functions of the ACGView's
state (``acg_state``) and the editor's pending fields.

The graph, its attributes panel and the estimate show the last valid architecture; a field
whose text was refused is marked there too, so no value on screen passes for what the user
typed::

    notes:   "not applied: spad_kib = -5 (refused); the graph shows the last valid value, 16"
    params:  ["spad_kib", "16 (not applied: -5 was refused; showing the last valid value)"]
    node:    attrs gets ["not applied", "capacity_bytes = 'abc' was refused; showing the last
             valid value"] first
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covenant_lab.widgets.editor_fields import FieldKey, shown

__all__ = ["NOT_APPLIED", "field_note", "mark_not_applied"]

NOT_APPLIED = "not applied; showing the last valid value"


def field_note(valid: str) -> str:
    """The line under a refused field's error: it was not applied, and what is shown instead."""
    return f"{NOT_APPLIED} ({valid or 'none'}) in the graph, its info box and the estimate"


def mark_not_applied(graph: Mapping[str, Any], typed: Mapping[FieldKey, str],
                     valid: Mapping[FieldKey, str]) -> dict[str, Any]:
    """``graph`` (an ACGView state) with every refused field marked: a note above the graph,
    the parameter's row in the architecture's table, a first row in the node's attributes.
    ``typed``: field -> the refused text; ``valid``: field -> the value shown instead."""
    out = dict(graph)
    if not typed:
        return out
    notes = [n for n in graph.get("notes", []) if not n.get("not_applied")]
    for key, text in typed.items():
        notes.append({"node": key.node or "", "stage": -1, "op": "", "not_applied": True,
                      "text": f"not applied: {key.label} = {shown(text.strip())} (refused); the "
                              f"graph shows the last valid value, {valid.get(key) or 'none'}"})
    out["notes"] = notes
    params = {k.field: t for k, t in typed.items() if k.node is None}
    out["params"] = [
        [k, f"{v} (not applied: {shown(params[k].strip())} was refused; showing the last "
            "valid value)"] if k in params else [k, v]
        for k, v in graph.get("params", [])
    ]
    by_node: dict[str, list[str]] = {}
    for k, t in typed.items():
        if k.node is not None:
            by_node.setdefault(k.node, []).append(f"{k.field} = {shown(t.strip())}")
    nodes = []
    for n in graph.get("nodes", []):
        refused = by_node.get(n.get("name", ""))
        if refused:
            n = {**n, "attrs": [["not applied", f"{', '.join(refused)} refused; showing the "
                                                "last valid values"], *n.get("attrs", [])]}
        nodes.append(n)
    out["nodes"] = nodes
    return out
