"""Static drawings of an ACG: Graphviz DOT text, and SVG through the ``dot`` binary.

Storage nodes are boxes (off-chip memory a cylinder, a per-PE private storage a stack of
boxes), compute nodes filled rounded boxes listing their dims, own clock and capabilities (a
fallback unit dashed and marked "fallback unit"), communication nodes ellipses. Off-chip
memories say which tensors live there ("home of weights"), FIFOs their entries ("FIFO 4 x 64
KiB"). Edges carry their bandwidth, the type a converting edge stores ("-> int8") and the comm
node they are routed through; the graph's title carries the reference clock. The texts come
from :mod:`covenant_lab.acg.describe`, as in the summary and the ACGView. The output is
deterministic (file order), so it can be compared as golden text. No bokeh/anywidget here.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.describe import (
    arch_title,
    clock_text,
    dtype_text,
    rate_text,
    spatial_note,
    storage_lines,
)
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import CommNode, ComputeNode, Edge, StorageNode
from covenant_lab.errors import CovenantError, UsageError

__all__ = ["to_dot", "to_svg"]

_COMPUTE_FILL = "#dbe9f6"
_COMM_FILL = "#f3f3f3"
_OFFCHIP_FILL = "#fdf1d6"
_MAX_CAP_LINES = 4


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(items: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={_quote(v)}" for k, v in items.items())



def _cap_label(c: Capability) -> str:
    note = spatial_note(c)
    return f"{c.label} ({note})" if note else c.label


def _compute_label(acg: ACG, n: ComputeNode) -> list[str]:
    dims = " x ".join(f"{d}={s}" for d, s in n.dims) or "scalar"
    labels = [_cap_label(c) for c in n.capabilities]
    lines = [n.name]
    if n.fallback:
        lines.append("fallback unit")
    lines.append(dims)
    if clock_text(acg, n):
        lines.append(clock_text(acg, n))
    for i in range(0, min(len(labels), _MAX_CAP_LINES * 4), 4):
        lines.append(", ".join(labels[i : i + 4]))
    if len(labels) > _MAX_CAP_LINES * 4:
        lines.append(f"... {len(labels) - _MAX_CAP_LINES * 4} more")
    return lines


def _comm_label(c: CommNode) -> list[str]:
    lat = f", lat {c.latency_cycles}" if c.latency_cycles else ""
    return [c.name, f"{rate_text(c.bytes_per_cycle)}{lat}"]


def _edge_label(e: Edge) -> str:
    lines = [rate_text(e.bytes_per_cycle), dtype_text(e), f"via {e.via}" if e.via else ""]
    return "\n".join(t for t in lines if t)


def _node_attrs(
    acg: ACG, node: StorageNode | ComputeNode | CommNode, extra: str | None, colour: str | None
) -> dict[str, str]:
    attrs: dict[str, str]
    if isinstance(node, StorageNode):
        lines = storage_lines(acg, node)
        if node.off_chip:
            attrs = {"shape": "cylinder", "style": "filled", "fillcolor": _OFFCHIP_FILL}
        else:
            attrs = {"shape": "box3d" if node.private_to is not None else "box"}
    elif isinstance(node, ComputeNode):
        lines = _compute_label(acg, node)
        style = "rounded,filled,dashed" if node.fallback else "rounded,filled"
        attrs = {"shape": "box", "style": style, "fillcolor": _COMPUTE_FILL}
    else:
        lines = _comm_label(node)
        attrs = {"shape": "ellipse", "style": "filled,dashed", "fillcolor": _COMM_FILL}
    if extra:
        lines.append(extra)
    attrs["label"] = "\n".join(lines)
    if colour:
        attrs.update(color=colour, penwidth="2.5")
    return attrs


def to_dot(
    acg: ACG,
    highlight: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Graphviz DOT text of ``acg``.

    ``highlight`` maps a node name (or an edge ``"SRC->DST"``) to a colour; ``labels`` maps a
    node name to an extra line of its label.
    """
    highlight = dict(highlight or {})
    labels = dict(labels or {})
    known = {n.name for n in acg.nodes} | {e.key for e in acg.edges}
    for key in (*highlight, *labels):
        if key not in known:
            raise UsageError(
                f"to_dot: {acg.name} has no node or edge {key!r}",
                hint="nodes: " + ", ".join(n.name for n in acg.nodes) + "; edges as 'SRC->DST'",
            )
    out = [
        f"digraph {_quote(acg.name)} {{",
        "  graph [rankdir=TB, fontname=Helvetica, nodesep=0.4, ranksep=0.5, "
        f"label={_quote(arch_title(acg))}, labelloc=t];",
        "  node [fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    for node in acg.nodes:
        attrs = _node_attrs(acg, node, labels.get(node.name), highlight.get(node.name))
        out.append(f"  {_quote(node.name)} [{_attrs(attrs)}];")
    for e in acg.edges:
        attrs = {"label": _edge_label(e)}
        if e.via:
            attrs["style"] = "dashed"
        colour = highlight.get(e.key)
        if colour:
            attrs.update(color=colour, fontcolor=colour, penwidth="2.5")
        out.append(f"  {_quote(e.src)} -> {_quote(e.dst)} [{_attrs(attrs)}];")
    offchip = {s.name for s in acg.offchip}
    for comm in acg.comm_nodes:
        mems = sorted(
            {n for e in acg.edges if e.via == comm.name for n in (e.src, e.dst) if n in offchip}
        )
        if mems:  # draw a DMA engine beside the memory it serves
            members = "; ".join(_quote(n) for n in (*mems, comm.name))
            out.append(f"  {{rank=same; {members};}}")
    out.append("}")
    return "\n".join(out) + "\n"


def to_svg(
    acg: ACG,
    highlight: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """SVG text of :func:`to_dot`, drawn by Graphviz (the ``dot`` binary, else pygraphviz)."""
    dot_text = to_dot(acg, highlight, labels)
    binary = shutil.which("dot")
    if binary is not None:
        return _run_dot(binary, dot_text)
    try:
        pygraphviz: Any = importlib.import_module("pygraphviz")
    except ImportError:
        raise CovenantError(
            "to_svg: Graphviz is not available (no `dot` binary on PATH, no pygraphviz)",
            hint="install graphviz (apt-get install graphviz, brew install graphviz, "
            "conda install graphviz), or use to_dot() and render the text elsewhere",
        ) from None
    graph = pygraphviz.AGraph(string=dot_text)
    data = graph.draw(format="svg", prog="dot")
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def _run_dot(binary: str, dot_text: str) -> str:
    try:
        done = subprocess.run(
            [binary, "-Tsvg"],
            input=dot_text,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CovenantError(f"to_svg: running Graphviz failed: {exc}") from None
    if done.returncode != 0:
        raise CovenantError(f"to_svg: Graphviz failed: {done.stderr.strip()}")
    return done.stdout
