"""viz.notebook: BokehJS inline (no CDN) and a timeline shown without a Bokeh warning."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from covenant_lab.sim import Simulator
from covenant_lab.viz import notebook


def test_bokeh_inline_embeds_bokehjs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("bokeh.io.output_notebook", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setattr(notebook, "_loaded", False)
    notebook.bokeh_inline()
    (args, kwargs), = calls
    assert args[0].mode == "inline" and kwargs == {"hide_banner": True}
    notebook.ensure_bokeh()  # already loaded: nothing more
    assert len(calls) == 1


def test_show_timeline_of_a_simulator_logs_no_warning(
        sim: Simulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    shown: list[Any] = []
    monkeypatch.setattr("bokeh.io.show", shown.append)
    notebook.show_timeline(sim, title="t")
    (fig,) = shown
    labels = list(fig.yaxis[0].major_label_overrides.values())
    assert labels[-1] == "bus"  # transfers also on their comm node's row
    with caplog.at_level(logging.WARNING, logger="bokeh"):
        html = file_html(fig, INLINE)  # what show() embeds: warns about Python callbacks
    assert "real Python callbacks" not in caplog.text and caplog.records == []
    assert "cdn.bokeh.org" not in html
