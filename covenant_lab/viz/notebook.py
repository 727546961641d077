"""Bokeh in a notebook with no network: BokehJS inline, and a one-call timeline.

``bokeh_inline()`` replaces ``bokeh.io.output_notebook()`` (whose default loads BokehJS from
a CDN: offline, every plot is then "Javascript Error: timeout"): it embeds BokehJS in the
notebook, so later ``bokeh.io.show`` calls and the widgets' plots work without a network.
``show_timeline(sim)`` loads it if needed and shows a simulator's timeline::

    from covenant_lab.viz import bokeh_inline, show_timeline
    bokeh_inline()
    show_timeline(sim, title="lenet conv1 on teaching")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from covenant_lab.acg.nodes import EdgeId

__all__ = ["bokeh_inline", "ensure_bokeh", "show_timeline"]

_loaded = False


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets depends on IPython
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def bokeh_inline() -> None:
    """Embed BokehJS in the notebook (no CDN, no banner); call it once, in the first cell."""
    global _loaded
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE

    output_notebook(INLINE, hide_banner=True)
    _loaded = True


def ensure_bokeh() -> None:
    """``bokeh_inline()`` once per kernel, unless already done; nothing outside a kernel."""
    if not _loaded and _in_kernel():
        bokeh_inline()


def show_timeline(source: Any, *, via: Mapping[EdgeId, str] | None = None,
                  resources: Sequence[str] | None = None, **kwargs: Any) -> None:
    """Show the timeline of a :class:`~covenant_lab.sim.Simulator` (its trace; transfers
    also on the rows of the comm nodes they go through) or of a sequence of trace events.
    ``kwargs`` go to :func:`~covenant_lab.viz.timeline.timeline_figure`."""
    from bokeh.io import show

    from covenant_lab.viz.timeline import comm_rows, timeline_figure

    if hasattr(source, "trace") and hasattr(source, "acg"):
        via = via if via is not None else comm_rows(source.acg)
        events = source.trace()
    else:
        events = source
    ensure_bokeh()
    show(timeline_figure(events, resources, via=via, **kwargs))
