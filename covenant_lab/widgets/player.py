"""SimPlayer: play, pause, step, step back and scrub a simulation, with its timeline.

Python is the authority: the :class:`~covenant_lab.sim.Simulator` holds the state and every
control moves it with ``seek``/``step``; the views are redrawn from it. While playing, the
``ipywidgets.Play`` control ticks at most 10 times a second (``interval=100`` ms) and each
tick advances ``speed`` events, so the browser gets at most 10 updates a second whatever the
speed.
"""

from __future__ import annotations

import html
import os
import pathlib
from typing import Any, cast

import anywidget
import ipywidgets as w
import traitlets as t

from covenant_lab.widgets.common import button
from covenant_lab.widgets.sim_state import codelet_lines, cycle_text, player_state

__all__ = ["PlayerView", "SimPlayer", "ensure_bokeh"]

_STATIC = pathlib.Path(__file__).parent / "static"
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
TICK_MS = 100
_bokeh_loaded = False


def ensure_bokeh() -> None:
    """Load BokehJS into the notebook page once per kernel (BokehModel needs it).

    Uses ``bokeh.io.output_notebook`` with BokehJS inline (so it works offline) unless
    ``BOKEH_RESOURCES`` chooses otherwise (e.g. ``cdn``); does nothing outside a kernel.
    """
    global _bokeh_loaded
    if _bokeh_loaded:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets depends on IPython
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE

    output_notebook(INLINE if "BOKEH_RESOURCES" not in os.environ else None, hide_banner=True)
    _bokeh_loaded = True


class PlayerView(anywidget.AnyWidget):
    """The current instruction, statement, resources and storages (see ``sim_state``)."""

    _esm = _STATIC / "player.js"
    _css = _STATIC / "player.css"

    state = t.Dict().tag(sync=True)
    codelet = t.List(t.Dict()).tag(sync=True)


class SimPlayer(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``SimPlayer(sim)``: controls, the current cycle, the instruction view, and the Bokeh
    timeline (with buffer occupancy) of a :class:`~covenant_lab.sim.Simulator`.

    ``max_bars`` and ``output_backend`` are passed to :class:`covenant_lab.viz.timeline.Timeline`;
    ``occupancy=False`` skips the occupancy plot (it replays the program once to build it).
    The plots stretch to the output area's width; ``width`` is the timeline's number of
    aggregation columns (and the plots' width with ``sizing_mode="fixed"``).
    """

    def __init__(
        self,
        sim: Any,
        *,
        max_bars: int = 20_000,
        output_backend: str = "canvas",
        width: int = 900,
        occupancy: bool = True,
        sizing_mode: str = "stretch_width",
        **kwargs: Any,
    ) -> None:
        self.sim = sim
        self.event: Any = None
        self._busy = False
        self.play = w.Play(value=0, min=0, max=sim.steps, step=1, interval=TICK_MS,
                           show_repeat=False, description="play")
        self.play.add_class("covenant-play")
        self.back_button = button("◀ back", "covenant-back", "undo the last event")
        self.step_button = button("step ▶", "covenant-step", "process the next event")
        self.scrub = w.IntSlider(value=0, min=0, max=sim.steps, description="event",
                                 continuous_update=False, layout=w.Layout(width="360px"))
        self.scrub.add_class("covenant-scrub")
        self.speed = w.Dropdown(options=SPEEDS, value=1, description="events/tick",
                                layout=w.Layout(width="180px"))
        self.speed.add_class("covenant-speed")
        self.cycle_label = w.HTML()
        self.cycle_label.add_class("covenant-cycle")
        self.view = PlayerView(codelet=codelet_lines(sim.program.codelet))
        plots = self._plots(max_bars, output_backend, width, occupancy, sizing_mode)
        self.timeline, self.occupancy, plot = plots
        controls = w.HBox([self.play, self.back_button, self.step_button, self.scrub, self.speed])
        super().__init__([controls, self.cycle_label, self.view, *plot], **kwargs)
        self.add_class("covenant-player-panel")
        self.back_button.on_click(lambda _: self.back())
        self.step_button.on_click(lambda _: self.step())
        self.play.observe(self._on_control, "value")
        self.scrub.observe(self._on_control, "value")
        self.speed.observe(self._on_speed, "value")
        self.goto(sim.position)

    def _plots(
        self, max_bars: int, backend: str, width: int, occupancy: bool, sizing_mode: str
    ) -> tuple[Any, ...]:
        from bokeh.layouts import column
        from jupyter_bokeh import BokehModel

        from covenant_lab.viz.occupancy import occupancy_figure, occupancy_series
        from covenant_lab.viz.timeline import Timeline

        ensure_bokeh()
        via = {f"{e.src}->{e.dst}": e.via for e in self.sim.acg.edges if e.via}
        timeline = Timeline(self.sim.trace(), via=via, max_bars=max_bars,
                            output_backend=backend, width=width, sizing_mode=sizing_mode)
        figures = [timeline.figure]
        occ = None
        if occupancy:
            occ = occupancy_figure(occupancy_series(self.sim), x_range=timeline.figure.x_range,
                                   width=width, end_cycle=timeline.end_cycle,
                                   sizing_mode=sizing_mode)
            figures.append(occ)
        # the column stretches with its figures, and the widget holding it spans the output
        self.plot = BokehModel(column(figures, sizing_mode=cast(Any, sizing_mode)))
        if sizing_mode != "fixed":
            self.plot.layout.width = "100%"
        self.plot.add_class("covenant-timeline")
        return timeline, occ, [self.plot]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # BokehModel sends its document once, when built; a view opened later (a second
        # display, a reloaded page) would show that first state, so send the current one.
        self.plot.update_from_model(self.plot._model)
        return super()._repr_mimebundle_(**kwargs)

    # -- navigation (the only places that move the simulator) ---------------------------------
    def goto(self, position: int) -> None:
        """Show the state after ``position`` events (clamped to the run)."""
        position = max(0, min(int(position), self.sim.steps))
        if position == 0:
            self.sim.seek(0)
            self.event = None
        else:
            self.sim.seek(position - 1)
            self.event = self.sim.step()
        self._refresh()

    def step(self) -> None:
        self.goto(self.sim.position + 1)

    def back(self) -> None:
        self.goto(self.sim.position - 1)

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        self.goto(int(change["new"]))

    def _on_speed(self, change: dict[str, Any]) -> None:
        self.play.step = int(change["new"])

    def _refresh(self) -> None:
        self._busy = True
        try:
            pos = self.sim.position
            self.play.value = pos
            self.scrub.value = pos
            self.cycle_label.value = f"<span>{html.escape(cycle_text(self.sim))}</span>"
            self.view.state = player_state(self.sim, self.event)
            self.timeline.set_cursor(self.sim.cycle)
            if self.occupancy is not None:
                from covenant_lab.viz.occupancy import CURSOR

                span = self.occupancy.select_one({"name": CURSOR})
                if span is not None:
                    span.location = self.sim.cycle
        finally:
            self._busy = False
