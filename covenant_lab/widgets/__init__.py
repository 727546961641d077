"""Notebook widgets: anywidget views plus ipywidgets composites, with state from pure functions.

Widgets (import from here; the package itself imports nothing heavy until a name is used)::

    ACGView(arch, result=None)      the ACG as SVG: pan (drag), zoom (wheel), hover, click a node
                                    (trait ``selected``); a CompileResult's mapping overlaid;
                                    ``show_energy(sim.energy())``: a layer's energy as heat
    ArchEditor(arch, layer=None)    parameters and node attributes, validated on each edit
                                    (``.arch`` = last valid ACG), recompile, save as YAML
    PassStepper(result, target=None) the compile log pass by pass, constraint editor, recompile
    SimPlayer(sim)                  play / pause / step / back / scrub / speed over a Simulator,
                                    with the Bokeh timeline and buffer occupancy
    Lab(model, arch)                layer picker + the three views above for a model
    CompareView(before, after)      two CompileResults simulated side by side: cycles, bytes per
                                    edge, utilisation per unit, both timelines on one axis
    show(arch, result=None)         an ACGView (also ``covenant_lab.show``)
    link(player, view)              a SimPlayer drives an ACGView: the machine at each cycle
                                    (active edges and units, tiles, array use); step by N cycles
    ModelGraph(model, arch=None)    a model's layers as a graph (coloured by efficiency or
                                    unit); click a layer to compile it (trait ``layer``)

State lives in Python; the browser only draws it. Pure state functions (tested without a
browser): ``acg_state``, ``acg_overlay``, ``acg_energy``, ``stepper_state``, ``editor_state``,
``sim_state``, ``lab_state``.

DOM contract (what browser tests may rely on)
---------------------------------------------
- Every anywidget root gets ``class="covenant-<name>"`` and ``data-ready="1"`` once rendered:
  ``.covenant-acg`` (ACGView), ``.covenant-stepper`` (the PassStepper's log view),
  ``.covenant-player`` (the SimPlayer's instruction view).
- ipywidgets composites carry a class on their box: ``.covenant-editor`` (ArchEditor),
  ``.covenant-stepper-panel`` (PassStepper), ``.covenant-player-panel`` (SimPlayer),
  ``.covenant-lab`` (Lab; its layer picker ``.covenant-layer-picker``, its tabs
  ``.covenant-lab-tabs``, the picked layer's fallback notes ``.covenant-lab-note``, each a
  ``.covenant-fallback-note``).
- ACGView: each node is ``<g class="covenant-node" data-name="NAME"
  data-kind="storage|compute|comm">`` (off-chip storage also ``covenant-offchip-node``); the
  clicked node gets ``covenant-selected``; edges are ``<g class="covenant-edge" data-src
  data-dst data-via>``; the attributes panel ``.covenant-attrs`` (below the graph, or beside
  it in a wide output) shows the selected node's name (in ``.covenant-attrs-title``) and its
  attributes and capabilities; the operand legend is ``.covenant-legend`` with one
  ``.covenant-legend-item[data-operand]`` per operand; buttons ``.covenant-zoom-in``,
  ``.covenant-zoom-out``, ``.covenant-fit``; above the graph, ``.covenant-acg-notes`` holds
  one ``.covenant-fallback-note[data-node]`` per stage on a fallback unit ("fallback: host —
  <reason>"; hidden when there is none). Each operand of a mapping has its own lane per hop,
  ``path.covenant-edge-overlay[data-operand]``; hovering a lane or a legend item gives that
  operand's lanes ``covenant-lane-focus`` and the others ``covenant-lane-dim``; an edge label
  ``text.covenant-edge-label[data-src][data-dst]`` hovered lights its edge (``covenant-hover``).
  The machine at a cycle (trait ``machine``, see ``link``): ``path.covenant-active-edge
  [data-src][data-dst][data-operand]`` over each active edge (whose ``g.covenant-edge`` gets
  ``covenant-active``), active units ``g.covenant-node.covenant-active``, and under the graph
  ``.covenant-machine`` with ``.covenant-machine-head[data-cycle]``, one
  ``.covenant-machine-tiles tr[data-storage]`` per on-chip storage holding tiles and a
  ``.covenant-heat[data-node]`` per compute array (the current instruction's PEs:
  ``rect.covenant-heat-used[data-rows][data-cols]``).
  A layer's energy (``show_energy``): nodes that spent some are
  ``g.covenant-heat-node[data-share]`` (filled while the root has ``covenant-energy-on``),
  edges get ``path.covenant-energy-edge``, energy text is ``.covenant-energy-line``, the legend
  ``.covenant-energy-legend[data-hottest]`` lists ``.covenant-energy-item[data-name]`` hottest
  first, the toolbar's ``.covenant-energy-toggle`` hides and shows the colours.
- link(player, view): ``.covenant-machine-link`` with ``.covenant-machine-ahead`` /
  ``.covenant-machine-back`` (N cycles, ``.covenant-machine-cycles``) and
  ``.covenant-machine-event`` / ``.covenant-machine-back-event``.
- ModelGraph: root ``.covenant-model-graph``; units ``g.covenant-mg-node[data-id][data-kind]``
  (``unit``, ``input``, ``output``; the selected one ``covenant-selected``), edges
  ``path.covenant-mg-edge[data-src][data-dst]``, colour picker ``select.covenant-mg-colour``,
  status line ``.covenant-mg-status`` ("<unit>: compiled in N ms · estimated C cycles ...").
- ArchEditor: parameter rows ``.covenant-param``, node attribute rows ``.covenant-attr`` (each:
  the name ``.covenant-field-name[title=NAME]``, the ``input``, the inline error
  ``.covenant-error``, empty when valid), node picker ``.covenant-node-picker``, the notice of
  fields not applied ``.covenant-pending`` with ``.covenant-discard``, internal errors
  ``.covenant-internal-error``, save button ``.covenant-save``, cycles text ``.covenant-cycles``;
  a refused field's input box ``.covenant-not-applied`` (its error ends "not applied; showing
  the last valid value (…)", and the graph has a ``.covenant-fallback-note`` "not applied: …"
  and the value in its info box); after a recompile ``.covenant-compare-button`` (a
  CompareView below it).
- PassStepper: buttons ``.covenant-prev``, ``.covenant-next``, ``.covenant-recompile``; pass
  breadcrumbs ``button.covenant-pass[data-index]`` (current: ``covenant-current``); the
  decision ``.covenant-decision`` (words, ``.covenant-cost``, one ``.covenant-alternative``
  per alternative it beat, its ``.covenant-cost[data-cost]`` and, when constraints can ask
  for it, a ``button.covenant-try``); changed lines
  ``.covenant-diff-add``; errors ``.covenant-error``; after a recompile
  ``.covenant-recompile-diff`` (``.covenant-change-add`` / ``-del``) and
  ``.covenant-compare-button``.
- CompareView: ``.covenant-compare`` with the table ``.covenant-compare-table`` (rows
  ``.covenant-compare-cycles``, ``-estimate``, ``-edge``, ``-busy``) and the Bokeh widget
  ``.covenant-compare-timeline`` (two figures sharing one x range).
- SimPlayer: cycle text ``.covenant-cycle`` ("cycle C / TOTAL · event S / STEPS"), buttons
  ``.covenant-step`` and ``.covenant-back``, play ``button.covenant-play[data-playing]`` (a
  clock in the browser: ``speed`` events every 100 ms tick, always ending on the last
  event), scrub slider ``.covenant-scrub`` (sends on release), speed ``.covenant-speed``, the
  Bokeh widget ``.covenant-timeline`` (toolbar above, reset included; a click on a bar
  selects its instruction). The details pane ``.covenant-details[data-index]`` lists its
  producers and consumers as ``.covenant-link[data-role]`` buttons; ``.covenant-wait`` says
  what an instruction waited for. Python cursor traits: ``position``, ``cycle``, ``selected``.
  Only timelines of more than ``max_bars`` bars send a RangesUpdate to Python (coalesced),
  which replies with the bars of the visible range.
  Bokeh models by name (unique per document): ``covenant-timeline-bars`` (the bars' source;
  its renderer ``covenant-timeline-renderer``), ``covenant-timeline-links`` (outlines of the
  selected instruction, its producers and consumers), ``covenant-cursor`` (Span),
  ``covenant-occupancy-<STORAGE>`` (sources), ``covenant-occupancy-cursor``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ACGView", "ArchEditor", "CompareView", "Lab", "ModelGraph", "PassStepper",
           "SimPlayer", "link", "show"]

_WHERE = {
    "ACGView": "covenant_lab.widgets.acg_view",
    "ArchEditor": "covenant_lab.widgets.editor",
    "CompareView": "covenant_lab.widgets.compare_view",
    "Lab": "covenant_lab.widgets.lab",
    "ModelGraph": "covenant_lab.widgets.model_graph",
    "link": "covenant_lab.widgets.machine_link",
    "PassStepper": "covenant_lab.widgets.stepper",
    "SimPlayer": "covenant_lab.widgets.player",
    "show": "covenant_lab.widgets.acg_view",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        try:
            module = importlib.import_module(_WHERE[name])
        except ModuleNotFoundError as exc:  # anywidget, ipywidgets, bokeh: the lab extra
            from covenant_lab.extras import missing_extra

            error = missing_extra(exc, f"covenant_lab.widgets.{name}")
            if error is None:
                raise
            raise error from None
        return getattr(module, name)
    raise AttributeError(f"module 'covenant_lab.widgets' has no attribute {name!r}")
