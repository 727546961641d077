"""CompareView: two compiled runs side by side, their timelines on one cycle axis."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from covenant_lab.analysis.compare import Comparison, Row, change_text, compare, points, summarise

__all__ = ["CompareView", "comparison_html"]

_CELL = "padding:1px 10px;text-align:right;white-space:nowrap"
_NAME = "padding:1px 10px 1px 0;text-align:left;white-space:nowrap"


def _colour(delta: float, lower_is_better: bool) -> str:
    if not round(delta, 6):
        return "#555"
    return "#2e7d32" if (delta < 0) == lower_is_better else "#b00020"


def _row(name: str, before: str, after: str, change: str, colour: str, css: str) -> str:
    return (f'<tr class="{css}"><th style="{_NAME}">{html.escape(name)}</th>'
            f'<td style="{_CELL}">{before}</td><td style="{_CELL}">{after}</td>'
            f'<td style="{_CELL};color:{colour}">{html.escape(change)}</td></tr>')


def _count_row(r: Row, name: str, css: str) -> str:
    return _row(name, f"{r.before:,.0f}", f"{r.after:,.0f}", change_text(r),
                _colour(r.delta, True), css)


def comparison_html(c: Comparison) -> str:
    """The comparison as an HTML table: cycles, bytes per edge, busy fraction per resource
    (compute units first); the change coloured green when better, red when worse."""
    b, a = html.escape(c.before.label), html.escape(c.after.label)
    head = (f'<tr><th style="{_NAME}">metric</th><th style="{_CELL}">{b}</th>'
            f'<th style="{_CELL}">{a}</th><th style="{_CELL}">change</th></tr>')
    rows = [_count_row(c.cycles, "simulated cycles", "covenant-compare-cycles")]
    if c.before.estimate is not None and c.after.estimate is not None:
        rows.append(_count_row(Row("estimate", c.before.estimate, c.after.estimate),
                               "estimated cycles", "covenant-compare-estimate"))
    section = '<tr><th colspan="4" style="{}">{}</th></tr>'
    rows.append(section.format(_NAME + ";padding-top:6px", "bytes moved per edge"))
    rows += [_count_row(r, r.name, "covenant-compare-edge") for r in c.traffic]
    rows.append(section.format(_NAME + ";padding-top:6px", "busy (share of the run's cycles)"))
    units = set(c.before.units) | set(c.after.units)
    rows += [_row(r.name + (" (unit)" if r.name in units else ""), f"{r.before:.0%}",
                  f"{r.after:.0%}", points(r), _colour(-r.delta if r.name in units else 0, True),
                  "covenant-compare-busy") for r in c.utilisation]
    return ('<table class="covenant-compare-rows" style="border-collapse:collapse;'
            f'font-size:12px">{head}{"".join(rows)}</table>')


class CompareView(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``CompareView(before, after, labels=("before", "after"))``: two CompileResults
    simulated (timing only) and compared (``analysis.compare``): a table (class
    ``covenant-compare-table``) of cycles, bytes per edge and utilisation per unit, and both
    timelines stacked on one shared cycle axis (``covenant-compare-timeline``; pan or zoom
    one, the other follows)."""

    def __init__(self, before: Any, after: Any, labels: tuple[str, str] = ("before", "after"),
                 **kwargs: Any) -> None:
        self.comparison = compare(summarise(before, labels[0]), summarise(after, labels[1]))
        self.table = w.HTML(comparison_html(self.comparison))
        self.table.add_class("covenant-compare-table")
        self.figures, self.timeline = _timelines(self.comparison)
        self.timeline.add_class("covenant-compare-timeline")
        super().__init__([self.table, self.timeline], **kwargs)
        self.add_class("covenant-compare")


def _timelines(c: Comparison) -> tuple[list[Any], Any]:
    """Both runs' timelines (``viz.timeline.timeline_figure``), one above the other, with
    the same rows and one x range spanning the longer run: the figures and their widget."""
    from bokeh.layouts import column
    from jupyter_bokeh import BokehModel

    from covenant_lab.viz.timeline import resource_rows, timeline_figure
    from covenant_lab.widgets.player import ensure_bokeh

    ensure_bokeh()
    rows = resource_rows((*c.before.events, *c.after.events))
    figures = [timeline_figure(run.events, rows, title=f"{run.label}: {run.cycles:,} cycles")
               for run in (c.before, c.after)]
    shared = figures[0].x_range
    pad = max(c.axis_end * 0.01, 1)
    shared.start, shared.end, shared.bounds = 0, c.axis_end + pad, (-pad, c.axis_end + pad)
    figures[1].x_range = shared
    return figures, BokehModel(column(figures, sizing_mode="stretch_width"))
