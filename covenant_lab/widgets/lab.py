"""Lab: one dashboard for a model on an architecture (layer picker, ACG, passes, simulation)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from covenant_lab.errors import CovenantError, MappingError
from covenant_lab.widgets.acg_view import ACGView, as_acg
from covenant_lab.widgets.common import error_box, error_html
from covenant_lab.widgets.lab_state import LayerView, layer_view, notes_html
from covenant_lab.widgets.player import SimPlayer, ensure_bokeh
from covenant_lab.widgets.sim_state import random_inputs
from covenant_lab.widgets.stepper import PassStepper

__all__ = ["Lab"]

TABS = ("architecture", "passes", "simulation")


class Lab(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``Lab(model, arch)``: pick a layer of ``model`` (a front-end Model); see its mapping on
    the ACG, step through its compile log, and play its simulation.

    Picking another layer keeps the open tab (its content follows the new layer).
    Layers compile lazily (``compile_model(model, arch, only=[name])``) the first time they
    are picked, and the stepper and player are built when their tab is opened; everything is
    cached per layer. A layer on a fallback unit shows ``fallback: host — <reason>`` under the
    picker (``.covenant-lab-note``) and on the ACG; one no unit can run shows why in the error
    box.
    """

    def __init__(self, model: Any, arch: Any, *, layer: str | None = None, **kwargs: Any) -> None:
        ensure_bokeh()  # now, while a cell runs: the player may be built later, in a callback
        self.model = model
        self.arch = as_acg(arch)
        self.results: dict[str, Any] = {}
        self.units: dict[str, Any] = {}
        self.steppers: dict[str, PassStepper] = {}
        self.players: dict[str, SimPlayer] = {}
        names = [la.name for la in model.layers]
        self.picker = w.Dropdown(options=names, value=layer or (names[0] if names else None),
                                 description="layer")
        self.picker.add_class("covenant-layer-picker")
        self.info = w.HTML("")
        self.note = w.HTML("")
        self.note.add_class("covenant-lab-note")
        self.error = error_box()
        self.acg = ACGView(self.arch)
        # the tabs keep these children for good: replacing a Tab's children makes the browser
        # pick another tab (picking a layer on "simulation" jumped to "passes")
        self.holders = (w.VBox(), w.VBox())  # passes, simulation: filled per picked layer
        self.tabs = w.Tab(children=[self.acg, *self.holders], titles=TABS)
        self.tabs.add_class("covenant-lab-tabs")
        super().__init__([w.HBox([self.picker, self.info]), self.note, self.error, self.tabs],
                         **kwargs)
        self.add_class("covenant-lab")
        self.picker.observe(lambda _: self._show(), "value")
        self.tabs.observe(lambda _: self._fill_tab(), "selected_index")
        self._show()

    @property
    def layer(self) -> Any:
        return self.model.layer(self.picker.value)

    def unit(self, name: str | None = None) -> Any:
        """Layer ``name`` (default: the picked one) compiled on first use: a CompiledLayer, or
        a FailedLayer when no unit of the architecture can run it."""
        from covenant_lab.compiler.model import compile_model

        name = name or self.picker.value
        if name not in self.units:
            (self.units[name],) = compile_model(self.model, self.arch, only=[name]).units
        return self.units[name]

    def result(self, name: str | None = None) -> Any:
        """The CompileResult of layer ``name`` (default: the picked one), compiled on first use;
        a layer no unit can run raises its MappingError."""
        from covenant_lab.compiler.model import FailedLayer

        name = name or self.picker.value
        if name not in self.results:
            unit = self.unit(name)
            if isinstance(unit, FailedLayer):
                raise MappingError(unit.error)
            self.results[name] = unit.result
        return self.results[name]

    def stepper(self, name: str | None = None) -> PassStepper:
        name = name or self.picker.value
        if name not in self.steppers:
            self.steppers[name] = PassStepper(self.result(name), self.model.layer(name))
        return self.steppers[name]

    def player(self, name: str | None = None) -> SimPlayer:
        from covenant_lab.sim import Simulator

        name = name or self.picker.value
        if name not in self.players:
            result = self.result(name)
            sim = Simulator(result.program, result.arch, random_inputs(result.source))
            self.players[name] = SimPlayer(sim)
        return self.players[name]

    def _show(self) -> None:
        name = self.picker.value
        if name is None:
            return
        result = None
        try:
            view = layer_view(self.unit(name))
            result = None if view.error else self.result(name)
        except CovenantError as exc:
            view = LayerView("", (), str(exc))
        self.info.value = html.escape(view.info)
        self.note.value = notes_html(view.notes)
        self.error.value = error_html(view.error) if view.error else ""
        for holder in self.holders:
            holder.children = ()
        if result is None:
            self.acg.update(self.arch, None)
            return
        self.acg.update(result.arch, result)
        self._fill_tab()

    def _fill_tab(self) -> None:
        k = self.tabs.selected_index
        name = self.picker.value
        if k in (None, 0) or name not in self.results:
            return
        holder = self.tabs.children[k]
        if holder.children:
            return
        try:
            child = self.stepper(name) if k == 1 else self.player(name)
        except CovenantError as exc:
            self.error.value = error_html(str(exc))
            return
        holder.children = [child]
