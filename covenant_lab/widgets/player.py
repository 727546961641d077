"""SimPlayer: play, pause, step, step back and scrub a simulation, with its timeline.

Python is the authority: the :class:`~covenant_lab.sim.Simulator` holds the state and every
control moves it with ``seek``/``step``; the views are redrawn from it. Play runs in the
browser on a clock (``static/play.js``): every ``TICK_MS`` it asks for ``speed`` more events,
only once the last position asked for is drawn, so it keeps its nominal rate when the kernel
keeps up, skips ahead when it does not, and always ends on the last event.

The cursor, for other widgets to follow (``player.observe(f, names=["position", "cycle"])``):
``position`` (events processed, 0..``sim.steps``) and ``cycle`` (the simulator's cycle);
``selected`` is the instruction clicked on the timeline or in the details pane (None: none).
"""

from __future__ import annotations

import html
from typing import Any, cast

import anywidget
import ipywidgets as w
import traitlets as t

from covenant_lab.errors import UsageError
from covenant_lab.viz.notebook import ensure_bokeh
from covenant_lab.widgets.common import button
from covenant_lab.widgets.esm import STATIC, esm
from covenant_lab.widgets.sim_state import codelet_lines, cycle_text, player_state, selection

__all__ = ["PlayControl", "PlayerView", "SimPlayer", "ensure_bokeh"]

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
TICK_MS = 100


class PlayerView(anywidget.AnyWidget):
    """The current instruction, the selected one, the codelet, resources and storages (see
    ``sim_state``); a click on an instruction in the details sends ``{"select": index}``."""

    _esm = esm("player.js")
    _css = STATIC / "player.css"

    state = t.Dict().tag(sync=True)
    codelet = t.List(t.Dict()).tag(sync=True)
    selection = t.Dict().tag(sync=True)  # {} when nothing is selected


class PlayControl(anywidget.AnyWidget):
    """The play / pause button (``static/play.js``): asks for ``value``, Python draws it and
    answers with ``shown``."""

    _esm = esm("play.js")
    _css = STATIC / "player.css"

    value = t.Int(0).tag(sync=True)
    shown = t.Int(0).tag(sync=True)
    max = t.Int(0).tag(sync=True)
    speed = t.Int(1).tag(sync=True)
    interval_ms = t.Int(TICK_MS).tag(sync=True)
    playing = t.Bool(False).tag(sync=True)


class SimPlayer(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``SimPlayer(sim)``: controls, the current cycle, the Bokeh timeline (with buffer
    occupancy) and the instruction view of a :class:`~covenant_lab.sim.Simulator`.

    ``max_bars`` and ``output_backend`` are passed to :class:`covenant_lab.viz.timeline.Timeline`;
    ``occupancy=False`` skips the occupancy plot. The plots stretch to the output area's
    width; ``width`` is the timeline's number of aggregation columns (and the plots' width
    with ``sizing_mode="fixed"``). ``colour_by="energy"`` colours each bar by the picojoules
    of its event instead of its kind (``viz/energy_colours.py``).
    """

    position = t.Int(0)
    cycle = t.Int(0)
    selected = t.Int(None, allow_none=True)

    def __init__(
        self,
        sim: Any,
        *,
        max_bars: int = 20_000,
        output_backend: str = "canvas",
        width: int = 900,
        occupancy: bool = True,
        sizing_mode: str = "stretch_width",
        colour_by: str = "kind",
        **kwargs: Any,
    ) -> None:
        from covenant_lab.viz.energy_colours import colour_by as parse_colour_by
        from covenant_lab.viz.occupancy import occupancy_series

        self._colour_by = parse_colour_by(colour_by, "SimPlayer")
        self.sim = sim
        self.event: Any = None
        self._busy = False
        self.series = occupancy_series(sim)
        self.play = PlayControl(max=sim.steps)
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
        self._occ_cursor = None  # found once: select_one walks the whole document
        if self.occupancy is not None:
            from covenant_lab.viz.occupancy import CURSOR

            self._occ_cursor = self.occupancy.select_one({"name": CURSOR})
        controls = w.HBox([self.play, self.back_button, self.step_button, self.scrub, self.speed])
        super().__init__([controls, self.cycle_label, *plot, self.view], **kwargs)
        self.add_class("covenant-player-panel")
        self.back_button.on_click(lambda _: self.back())
        self.step_button.on_click(lambda _: self.step())
        self.play.observe(self._on_control, "value")
        self.scrub.observe(self._on_control, "value")
        t.link((self.speed, "value"), (self.play, "speed"))
        self.view.on_msg(self._on_view_msg)
        self.timeline.on_select = self._on_bar
        self.observe(self._on_selected, "selected")
        self.goto(sim.position)

    def _plots(
        self, max_bars: int, backend: str, width: int, occupancy: bool, sizing_mode: str
    ) -> tuple[Any, ...]:
        from bokeh.layouts import column
        from jupyter_bokeh import BokehModel

        from covenant_lab.viz.occupancy import occupancy_figure
        from covenant_lab.viz.timeline import Timeline, comm_rows, label_width

        ensure_bokeh()
        timeline = Timeline(self.sim.trace(), via=comm_rows(self.sim.acg), max_bars=max_bars,
                            output_backend=backend, width=width, sizing_mode=sizing_mode,
                            colour_by=self._colour_by)
        figures = [timeline.figure]
        occ = None
        if occupancy:
            occ = occupancy_figure(self.series, x_range=timeline.figure.x_range,
                                   width=width, end_cycle=timeline.end_cycle,
                                   sizing_mode=sizing_mode, left_px=label_width(timeline.rows))
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

    def _refresh(self) -> None:
        self._busy = True
        try:
            pos, cycle = self.sim.position, self.sim.cycle
            self.scrub.value = pos
            self.cycle_label.value = f"<span>{html.escape(cycle_text(self.sim))}</span>"
            in_use = {name: s.at(cycle) for name, s in self.series.items() if s.capacity_bytes}
            self.view.state = player_state(self.sim, self.event, in_use)
            self.timeline.set_cursor(cycle)
            if self._occ_cursor is not None:
                self._occ_cursor.location = cycle
            self.play.value = pos
            self.play.shown = pos  # last: the play button asks for more once it sees this
            self.cycle = cycle
            self.position = pos
        finally:
            self._busy = False

    # -- selection (a bar clicked, or an instruction in the details pane) ---------------------
    def _on_bar(self, index: int | None) -> None:
        self.selected = index

    def _on_view_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and "select" in content:
            index = content["select"]
            n = len(self.sim.program.instrs)
            self.selected = index if isinstance(index, int) and 0 <= index < n else None

    @t.validate("selected")
    def _valid_selected(self, proposal: Any) -> int | None:
        index = proposal["value"]
        n = len(self.sim.program.instrs)
        if index is not None and not 0 <= index < n:
            raise UsageError(f"SimPlayer.selected: no instruction {index} (the program has {n}: "
                             f"0..{n - 1})", hint="choose an instruction index, or None")
        return cast(int | None, index)

    def _on_selected(self, change: dict[str, Any]) -> None:
        index = change["new"]
        flow = self.sim.dataflow
        if index is None:
            self.timeline.highlight(None)
            self.view.selection = {}
            return
        self.timeline.highlight(index, flow.producers(index), flow.consumers(index))
        self.view.selection = selection(self.sim, index)
