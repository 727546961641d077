"""What the Lab shows for a picked layer, as plain data: pure functions of a compiled (or
failed) unit of ``compile_model``, tested without a browser."""

from __future__ import annotations

import html
from dataclasses import dataclass

from covenant_lab.compiler.model import CompiledLayer, FailedLayer

__all__ = ["LayerView", "layer_view", "notes_html"]


@dataclass(frozen=True, slots=True)
class LayerView:
    """The line beside the layer picker, the fallback notes under it and the error (if any).

    ``notes``: one ``fallback: host — <reason>`` per stage on a fallback unit; ``error``: why
    no unit runs the layer ('' when it compiled).
    """

    info: str
    notes: tuple[str, ...] = ()
    error: str = ""


def layer_view(unit: CompiledLayer | FailedLayer) -> LayerView:
    """The Lab's view of one unit of a compiled model."""
    if isinstance(unit, FailedLayer):
        missing = ", ".join(op.value for op in unit.missing)
        info = f"{unit.op} · not compiled" + (f" · no unit performs {missing}" if missing else "")
        return LayerView(info, (), f"{unit.name} ({unit.op}): {unit.error}")
    r = unit.result
    info = (
        f"{unit.op} · {', '.join(r.capabilities)} · estimated {r.estimate.cycles:,.0f} cycles · "
        f"compiled in {1000 * r.compile_s:.0f} ms"
    )
    notes = tuple(
        f"fallback: {f.node} — stage {f.stage} ({f.op.value}): {f.reason}" for f in unit.fallback
    )
    return LayerView(info, notes)


def notes_html(notes: tuple[str, ...]) -> str:
    """The fallback notes as HTML, one block each ('' for none); hint lines stay on theirs."""
    style = (
        "background:#fff4e5;border-left:3px solid #e8871e;padding:2px 6px;margin:2px 0;"
        "white-space:pre-wrap;font-family:monospace;font-size:11px"
    )
    return "".join(
        f'<div class="covenant-fallback-note" style="{style}">{html.escape(n)}</div>'
        for n in notes
    )
