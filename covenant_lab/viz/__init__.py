"""Drawings of ACGs and traces: DOT/SVG text, node layout, Bokeh timelines and occupancy.

``to_dot``/``to_svg`` (:mod:`.dot`) and ``layout.layout`` (node positions) need no
plotting library; ``timeline_figure``/``Timeline`` (:mod:`.timeline`) and ``occupancy_figure``/
``occupancy_series`` (:mod:`.occupancy`) import Bokeh when first used; ``bokeh_inline`` and
``show_timeline`` (:mod:`.notebook`) load BokehJS into a notebook with no network.
"""

from __future__ import annotations

import importlib
from typing import Any

from covenant_lab.viz.dot import to_dot, to_svg
from covenant_lab.viz.layout import Layout

__all__ = [
    "Layout",
    "Timeline",
    "bokeh_inline",
    "occupancy_figure",
    "occupancy_series",
    "show_timeline",
    "timeline_figure",
    "to_dot",
    "to_svg",
]

_LAZY = {
    "Timeline": "covenant_lab.viz.timeline",
    "timeline_figure": "covenant_lab.viz.timeline",
    "occupancy_figure": "covenant_lab.viz.occupancy",
    "occupancy_series": "covenant_lab.viz.occupancy",
    "bokeh_inline": "covenant_lab.viz.notebook",
    "show_timeline": "covenant_lab.viz.notebook",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'covenant_lab.viz' has no attribute {name!r}")
