"""Static drawings of an ACG: Graphviz DOT text, and SVG through the ``dot`` binary.

Storage nodes are boxes (off-chip memory a cylinder), compute nodes filled rounded boxes
listing their dims and capabilities, communication nodes ellipses. Edges carry their
bandwidth, and the comm node they are routed through. The output is deterministic (file
order), so it can be compared as golden text. No bokeh/anywidget here.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import CommNode, ComputeNode, StorageNode
from covenant_lab.errors import CovenantError, UsageError

__all__ = ["to_dot", "to_svg"]

_COMPUTE_FILL = "#dbe9f6"
_COMM_FILL = "#f3f3f3"
_OFFCHIP_FILL = "#fdf1d6"
_MAX_CAP_LINES = 4


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _size(n: int | None) -> str:
    from covenant_lab.acg.save import format_bytes

    return format_bytes(n)


def _attrs(items: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={_quote(v)}" for k, v in items.items())


def _storage_label(s: StorageNode) -> list[str]:
    first = "off-chip" if s.off_chip and s.capacity_bytes is None else _size(s.capacity_bytes)
    if s.buffering > 1:
        first += f" x{s.buffering}"
    return [s.name, first, f"R {s.read_bytes_per_cycle} / W {s.write_bytes_per_cycle} B/cyc"]


def _compute_label(n: ComputeNode) -> list[str]:
    dims = " x ".join(f"{d}={s}" for d, s in n.dims) or "scalar"
    labels = [c.label for c in n.capabilities]
    lines = [n.name, dims]
    for i in range(0, min(len(labels), _MAX_CAP_LINES * 4), 4):
        lines.append(", ".join(labels[i : i + 4]))
    if len(labels) > _MAX_CAP_LINES * 4:
        lines.append(f"... {len(labels) - _MAX_CAP_LINES * 4} more")
    return lines


def _comm_label(c: CommNode) -> list[str]:
    lat = f", lat {c.latency_cycles}" if c.latency_cycles else ""
    return [c.name, f"{c.bytes_per_cycle} B/cyc{lat}"]


def _node_attrs(
    node: StorageNode | ComputeNode | CommNode, extra: str | None, colour: str | None
) -> dict[str, str]:
    attrs: dict[str, str]
    if isinstance(node, StorageNode):
        lines = _storage_label(node)
        if node.off_chip:
            attrs = {"shape": "cylinder", "style": "filled", "fillcolor": _OFFCHIP_FILL}
        else:
            attrs = {"shape": "box"}
    elif isinstance(node, ComputeNode):
        lines = _compute_label(node)
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": _COMPUTE_FILL}
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
    known = {n.name for n in acg.nodes} | {f"{e.src}->{e.dst}" for e in acg.edges}
    for key in (*highlight, *labels):
        if key not in known:
            raise UsageError(
                f"to_dot: {acg.name} has no node or edge {key!r}",
                hint="nodes: " + ", ".join(n.name for n in acg.nodes) + "; edges as 'SRC->DST'",
            )
    out = [
        f"digraph {_quote(acg.name)} {{",
        "  graph [rankdir=TB, fontname=Helvetica, nodesep=0.4, ranksep=0.5];",
        "  node [fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    for node in acg.nodes:
        attrs = _node_attrs(node, labels.get(node.name), highlight.get(node.name))
        out.append(f"  {_quote(node.name)} [{_attrs(attrs)}];")
    for e in acg.edges:
        text = f"{e.bytes_per_cycle} B/cyc" + (f"\nvia {e.via}" if e.via else "")
        attrs = {"label": text}
        if e.via:
            attrs["style"] = "dashed"
        colour = highlight.get(f"{e.src}->{e.dst}")
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
