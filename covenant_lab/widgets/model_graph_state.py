"""The ModelGraph's state: a model's layers as a graph, as plain JSON-able data.

Nodes are the units ``compile_model`` compiles (layers fused with their elementwise consumers,
``fuse=True``, named like its units: ``conv1+relu``), plus one node per graph input and output;
an edge joins the unit writing a tensor to every unit reading it (weights and other constants
are not drawn). Positions come from :func:`covenant_lab.viz.dag_layout.dag_layout` (top to
bottom, like Netron)::

    {"name", "bounds": [x, y, w, h], "colour_by", "legend": [{"label", "colour"}],
     "nodes": [{"id", "kind": "unit"|"input"|"output", "layers", "op", "shape", "x", "y", "w",
                "h", "rows": [text], "colour", "efficiency", "unit", "error"}],
     "edges": [{"src", "dst", "tensor", "shape", "d"}],
     "style": {"title_px", "line_px", "line_h", "pad"}}

Colours (``colour_by``): ``"op"`` by the unit's first operator; ``"efficiency"`` by
ideal / estimated cycles of its compile (red 0 .. green 1; grey: not compiled);
``"unit"`` by the compute nodes it ran on (``pe_array+simd``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from covenant_lab.compiler.model import CompiledLayer, FailedLayer, fusion_candidates
from covenant_lab.errors import CovenantError, UsageError
from covenant_lab.viz.dag_layout import curve, dag_layout
from covenant_lab.widgets.acg_overlay import PALETTE

__all__ = [
    "COLOUR_BY",
    "efficiency_colour",
    "model_edges",
    "model_graph_state",
    "model_runs",
    "tint",
    "unit_efficiency",
]

COLOUR_BY = ("op", "efficiency", "unit")
TITLE_PX, LINE_PX = 14.0, 13.0
LINE_H = round(LINE_PX * 1.3)
PAD = 6.0
CHAR_EM = 0.61
MAX_TITLE = 30  # longer unit names are clipped (the full name is in the tooltip)
_GREY = "#d9d9d9"
_IO = "#f3f3f3"
_MARGIN = 12.0
Unit = CompiledLayer | FailedLayer


def model_runs(model: Any, *, fuse: bool = True) -> list[list[Any]]:
    """The model's layers grouped as ``compile_model`` compiles them."""
    return fusion_candidates(model) if fuse else [[la] for la in model.layers]


def run_name(run: Sequence[Any]) -> str:
    """A unit's name, as ``compile_model`` names it (``conv1+relu``)."""
    return "+".join(la.name for la in run)


def model_edges(model: Any, runs: Sequence[Sequence[Any]]) -> list[tuple[str, str, str]]:
    """(writer, reader, tensor) for every tensor read by a unit or a graph output; the graph
    inputs write theirs. Tensors inside a unit (fused away) and constants are not edges."""
    writer = {t.name: f"input:{t.name}" for t in model.inputs}
    for run in runs:
        for la in run:
            for t in la.output_tensors:
                writer[t.name] = run_name(run)
    out: list[tuple[str, str, str]] = []
    for run in runs:
        name = run_name(run)
        for la in run:
            for t in la.input_tensors:
                src = writer.get(t.name)
                if src is not None and src != name and (src, name, t.name) not in out:
                    out.append((src, name, t.name))
    for t in model.outputs:
        if t.name in writer:
            out.append((writer[t.name], f"output:{t.name}", t.name))
    return out


def unit_efficiency(unit: Unit, arch: Any) -> float | None:
    """Ideal / estimated cycles of a compiled unit (None: failed, or no bound)."""
    from covenant_lab.analysis import ideal_bound

    if not isinstance(unit, CompiledLayer):
        return None
    try:
        ideal = ideal_bound(unit.result.source, arch).cycles
    except CovenantError:
        return None
    cycles = unit.result.estimate.cycles
    return float(ideal / cycles) if cycles > 0 else None


def efficiency_colour(value: float | None) -> str:
    """Red (0) through yellow to green (1); grey for None."""
    if value is None:
        return _GREY
    v = max(0.0, min(1.0, value))
    r, g = (230, round(80 + 150 * v / 0.5)) if v < 0.5 else (round(230 - 160 * (v - 0.5) / 0.5),
                                                               200)
    return f"#{r:02x}{g:02x}60"


def tint(colour: str, white: float = 0.55) -> str:
    """``colour`` (``#rrggbb``) mixed with ``white`` parts of white: dark text stays readable."""
    rgb = [int(colour[k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in rgb)


def _unit_nodes(unit: Unit) -> str:
    if not isinstance(unit, CompiledLayer):
        return ""
    return "+".join(dict.fromkeys(b.node.name for b in unit.result.mapping.bindings))


def _shape(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _node(nid: str, kind: str, rows: list[str], **extra: Any) -> dict[str, Any]:
    w = max(len(rows[0]) * TITLE_PX * (CHAR_EM + 0.01),
            max(len(r) for r in rows) * LINE_PX * CHAR_EM) + 2 * PAD
    h = len(rows) * LINE_H + 2 * PAD
    return {"id": nid, "kind": kind, "rows": rows, "w": round(w, 1), "h": round(h, 1),
            "x": 0.0, "y": 0.0, "layers": [], "op": "", "shape": "", "colour": _IO,
            "efficiency": None, "unit": "", "error": "", **extra}


def _colours(nodes: list[dict[str, Any]], colour_by: str) -> list[dict[str, str]]:
    """Set each unit node's colour; the legend."""
    units = [n for n in nodes if n["kind"] == "unit"]
    if colour_by == "efficiency":
        for n in units:
            n["colour"] = efficiency_colour(n["efficiency"])
        return [{"label": f"{p}%", "colour": efficiency_colour(p / 100)} for p in (0, 50, 100)] \
            + [{"label": "not compiled", "colour": _GREY}]
    key = "op" if colour_by == "op" else "unit"
    names = list(dict.fromkeys(n[key].split("+")[0] if key == "op" else n[key] for n in units))
    colour = {name: tint(PALETTE[i % len(PALETTE)]) if name else _GREY
              for i, name in enumerate(names)}
    for n in units:
        n["colour"] = colour[n[key].split("+")[0] if key == "op" else n[key]]
    return [{"label": name or "not compiled", "colour": c} for name, c in colour.items()]


def require_colour_by(colour_by: str) -> None:
    """A UsageError unless ``colour_by`` is one of COLOUR_BY."""
    if colour_by not in COLOUR_BY:
        raise UsageError(f"argument 'colour_by' to ModelGraph: expected one of "
                         f"{', '.join(COLOUR_BY)}, got {colour_by!r}")


def model_graph_state(
    model: Any, units: Mapping[str, Unit] | None = None, *, arch: Any = None,
    colour_by: str = "op", fuse: bool = True,
) -> dict[str, Any]:
    """Everything the ModelGraph draws for ``model`` (see the module); ``units``: the
    compiled units by name (from ``compile_model`` on ``arch``), those known so far."""
    require_colour_by(colour_by)
    units = units or {}
    runs = model_runs(model, fuse=fuse)
    nodes: dict[str, dict[str, Any]] = {}
    for t in model.inputs:
        nodes[f"input:{t.name}"] = _node(f"input:{t.name}", "input",
                                         [t.name, f"input · {_shape(t.shape)}"])
    for run in runs:
        name = run_name(run)
        op = "+".join(la.op_type for la in run)
        shape = _shape(run[-1].output_tensors[0].shape) if run[-1].output_tensors else ""
        unit = units.get(name)
        eff = unit_efficiency(unit, arch) if unit is not None and arch is not None else None
        rows = [_clip(run[0].name + (f" +{len(run) - 1}" if len(run) > 1 else ""), MAX_TITLE),
                f"{op} · {shape}"]
        if eff is not None:
            rows.append(f"efficiency {100 * eff:.0f}%")
        elif isinstance(unit, FailedLayer):
            rows.append("not compiled")
        nodes[name] = _node(name, "unit", rows, layers=[la.name for la in run], op=op,
                            shape=shape, efficiency=None if eff is None else round(eff, 4),
                            unit=_unit_nodes(unit) if unit is not None else "",
                            error=unit.error if isinstance(unit, FailedLayer) else "")
    for t in model.outputs:
        nodes[f"output:{t.name}"] = _node(f"output:{t.name}", "output",
                                          [t.name, f"output · {_shape(t.shape)}"])
    edges = model_edges(model, runs)
    lay = dag_layout(list(nodes), [(a, b) for a, b, _ in edges],
                     {k: (v["w"], v["h"]) for k, v in nodes.items()})
    for k, (x, y) in lay.positions.items():
        nodes[k]["x"], nodes[k]["y"] = x, y
    legend = _colours(list(nodes.values()), colour_by)
    shapes = model.tensors
    return {
        "name": model.name,
        "bounds": _bounds(list(nodes.values())),
        "colour_by": colour_by,
        "legend": legend,
        "nodes": list(nodes.values()),
        "edges": [{"src": a, "dst": b, "tensor": t,
                   "shape": _shape(shapes[t].shape) if t in shapes else "",
                   "d": curve(lay.routes[(a, b)])} for a, b, t in edges],
        "style": {"title_px": TITLE_PX, "line_px": LINE_PX, "line_h": LINE_H, "pad": PAD},
    }


def _bounds(nodes: list[dict[str, Any]]) -> list[float]:
    if not nodes:
        return [0.0, 0.0, 100.0, 100.0]
    x0 = min(n["x"] - n["w"] / 2 for n in nodes) - _MARGIN
    y0 = min(n["y"] - n["h"] / 2 for n in nodes) - _MARGIN
    x1 = max(n["x"] + n["w"] / 2 for n in nodes) + _MARGIN
    y1 = max(n["y"] + n["h"] / 2 for n in nodes) + _MARGIN
    return [round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1)]
