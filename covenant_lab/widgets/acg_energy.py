"""A layer's energy drawn over its ACG as a heat overlay, as plain data.

``energy_heat(acg, report)`` puts each component of an
:class:`~covenant_lab.sim.energy.EnergyReport` on what the ACGView draws:

- a **node** (storage, compute, comm) gets its own energy: a storage its reads, writes and
  leakage, a compute node its operations, forwarding and static power, a comm node the
  bytes it carried;
- an **edge** gets the energy of the data moved along it: its own ``pj_per_byte`` and, for an
  edge routed via a comm node, that node's energy split over its edges by the bytes each
  carried (the comm node keeps its total: the edges show where it went).

Shares are of the layer's total; those of the nodes and of the edges' own energy sum to 1.
Colours follow the share on a log scale from ``MIN_SHARE`` (palest) to 100% (darkest red), so
a component spending a thousandth of the energy is still told apart from one spending none::

    heat = energy_heat(acg, sim.energy())
    heat.nodes["DRAM"], heat.share("DRAM"), heat_colour(heat.share("DRAM"))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.nodes import Edge, EdgeId
from covenant_lab.errors import UsageError
from covenant_lab.sim.energy import Action, EnergyReport
from covenant_lab.sim.energy_columns import format_pj

__all__ = [
    "MIN_SHARE", "EnergyHeat", "edge_heat", "energy_heat", "energy_legend", "energy_of",
    "heat_colour", "heat_text", "node_heat", "share_text",
]

MIN_SHARE = 1e-4  # the palest colour: 0.01% of the layer's energy (and anything below)
# ColorBrewer YlOrRd (sequential, colour-blind safe): pale yellow to red (darker reds
# would hide the text drawn over them)
_RAMP = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c")
_TICKS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
_LEGEND_ITEMS = 8


@dataclass(frozen=True)
class EnergyHeat:
    """pJ per drawn node and per edge ``(src, dst)`` (along it) of one layer."""

    layer: str
    total_pj: float
    nodes: dict[str, float]
    edges: dict[EdgeId, float]  # own energy + its share of its comm node's
    edge_own: dict[EdgeId, float]  # the edge's own component energy
    edge_bytes: dict[EdgeId, float]
    actions: dict[str, tuple[tuple[str, float, float], ...]]  # node: (action, amount, pJ)

    def share(self, pj_or_name: float | str) -> float:
        """A node's share of the total (by name), or the share of ``pj``."""
        pj = self.nodes.get(pj_or_name, 0.0) if isinstance(pj_or_name, str) else pj_or_name
        return pj / self.total_pj if self.total_pj else 0.0

    @property
    def hottest(self) -> str:
        """The node that spent the most energy."""
        return max(self.nodes, key=lambda n: self.nodes[n]) if self.nodes else ""


def energy_of(value: object) -> EnergyReport:
    """The EnergyReport of a report, a Simulator (run) or a LayerSim (``simulate_model``)."""
    if isinstance(value, EnergyReport):
        return value
    report = getattr(value, "energy", None)
    if callable(report):
        report = report()
    if isinstance(report, EnergyReport):
        return report
    if hasattr(value, "energy") and report is None:  # a LayerSim that was not simulated
        raise UsageError(
            f"argument 'energy' to ACGView.show_energy: layer {getattr(value, 'layer', '?')!r} "
            "has no energy: it was not simulated",
            hint=str(getattr(value, "message", "")) or None,
        )
    raise UsageError(
        "argument 'energy' to ACGView.show_energy: expected an EnergyReport, a Simulator or "
        f"a LayerSim, got {type(value).__name__}",
        hint="pass sim.energy() of a Simulator that has run, or None to remove the overlay",
    )


def energy_heat(acg: ACG, report: EnergyReport) -> EnergyHeat:
    """The heat of ``report``'s components on ``acg``'s nodes and edges; a UsageError naming
    any component ``acg`` does not have."""
    names = {n.name for n in acg.nodes}
    keys: dict[str, Edge] = {e.key: e for e in acg.edges}  # parts name edges by their ids
    unknown = sorted(set(report.by_component) - names - set(keys))
    if unknown:
        raise UsageError(
            f"ACGView.show_energy: the energy of {report.layer} names {', '.join(unknown)}, "
            f"which {acg.name} does not have",
            hint="show a layer's energy over the architecture it was simulated on",
        )
    by = report.by_component
    nodes = {n: by[n] for n in names if n in by}
    own: dict[EdgeId, float] = {}
    moved: dict[EdgeId, list[float]] = {}
    for p in report.parts:
        e = keys.get(p.component)
        if e is not None and p.action is Action.MOVE:
            moved.setdefault(e.key, []).append(p.amount)
    edge_bytes = {k: math.fsum(v) for k, v in moved.items()}
    via_bytes: dict[str, float] = {}
    for k, e in keys.items():
        own[e.key] = by.get(k, 0.0)
        if e.via:
            via_bytes[e.via] = via_bytes.get(e.via, 0.0) + edge_bytes.get(e.key, 0.0)
    along = {}
    for e in keys.values():
        through = via_bytes.get(e.via, 0.0) if e.via else 0.0
        via_pj = nodes.get(e.via, 0.0) if e.via and through else 0.0
        along[e.key] = own[e.key] + (via_pj * edge_bytes.get(e.key, 0.0) / through
                                     if via_pj else 0.0)
    actions: dict[str, list[tuple[str, float, float]]] = {}
    for (comp, action), (amount, pj) in sorted(report.breakdown.items(), key=lambda kv: -kv[1][1]):
        if comp in nodes:
            actions.setdefault(comp, []).append((action.value, amount, pj))
    return EnergyHeat(report.layer, report.total_pj, nodes, along, own, edge_bytes,
                      {k: tuple(v) for k, v in actions.items()})


def heat_colour(share: float) -> str | None:
    """The colour of a share of the layer's energy (None for none): log scale, YlOrRd."""
    if share <= 0:
        return None
    t = _position(share)
    x = t * (len(_RAMP) - 1)
    i = min(int(x), len(_RAMP) - 2)
    a, b = _rgb(_RAMP[i]), _rgb(_RAMP[i + 1])
    f = x - i
    return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b, strict=True))


def _position(share: float) -> float:
    """Where a share sits on the colour ramp, 0 (``MIN_SHARE`` or less) to 1 (all of it)."""
    lo = math.log10(MIN_SHARE)
    return min(max((math.log10(share) - lo) / -lo, 0.0), 1.0)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def share_text(share: float) -> str:
    """``0.977`` -> ``97.7%``; two decimals below 1%, ``<0.01%`` below that."""
    if share >= 0.01 or share == 0:
        return f"{100 * share:.1f}%"
    if share >= 1e-4:
        return f"{100 * share:.2f}%"
    return "<0.01%"


def heat_text(heat: EnergyHeat, pj: float) -> str:
    """``24.0 nJ 97.7%``: what a node or edge label says."""
    return f"{format_pj(pj)} {share_text(heat.share(pj))}"


def node_heat(heat: EnergyHeat, name: str) -> dict[str, Any] | None:
    """The heat record of a node (None when it spent nothing)."""
    pj = heat.nodes.get(name, 0.0)
    if not pj:
        return None
    share = heat.share(pj)
    actions = [[a, f"{format_pj(x)} ({amount:,.0f} {Action(a).unit})"]
               for a, amount, x in heat.actions.get(name, ()) if x]
    return {"pj": pj, "share": share, "text": heat_text(heat, pj), "colour": heat_colour(share),
            "actions": actions}


def edge_heat(heat: EnergyHeat, key: EdgeId) -> dict[str, Any] | None:
    """The heat record of an edge: energy along it, bytes, own energy (None for none)."""
    pj = heat.edges.get(key, 0.0)
    if not pj:
        return None
    share = heat.share(pj)
    return {"pj": pj, "share": share, "own_pj": heat.edge_own.get(key, 0.0),
            "bytes": heat.edge_bytes.get(key, 0.0), "text": heat_text(heat, pj),
            "colour": heat_colour(share), "width": round(2 + 6 * _position(share), 2)}


def energy_legend(heat: EnergyHeat) -> dict[str, Any]:
    """What the view's energy legend shows: the layer, its total, the ramp with ticks, and
    the components that spent the most (nodes, and edges with energy of their own)."""
    items: list[dict[str, Any]] = [
        {"name": n, "kind": "node", "pj": pj, "share": heat.share(pj),
         "text": heat_text(heat, pj), "colour": heat_colour(heat.share(pj))}
        for n, pj in heat.nodes.items() if pj
    ]
    items += [{"name": f"{e.src} → {e.dst}", "kind": "edge", "pj": pj, "share": heat.share(pj),
               "text": heat_text(heat, pj), "colour": heat_colour(heat.share(pj))}
              for e, pj in heat.edge_own.items() if pj]
    items.sort(key=lambda x: -x["pj"])
    return {
        "layer": heat.layer,
        "total_pj": heat.total_pj,
        "total": format_pj(heat.total_pj),
        "hottest": heat.hottest,
        "items": items[:_LEGEND_ITEMS],
        "more": max(len(items) - _LEGEND_ITEMS, 0),
        "ramp": list(_RAMP),
        "ticks": [{"t": _position(s), "text": f"{100 * s:g}%"} for s in _TICKS],
    }
