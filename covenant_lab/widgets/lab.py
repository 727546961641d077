"""Lab: one dashboard for a model on an architecture (layer picker, ACG, passes, simulation)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from covenant_lab.errors import CovenantError, MappingError
from covenant_lab.widgets.acg_view import ACGView, as_acg
from covenant_lab.widgets.common import error_box, error_html
from covenant_lab.widgets.player import SimPlayer, ensure_bokeh
from covenant_lab.widgets.sim_state import random_inputs
from covenant_lab.widgets.stepper import PassStepper

__all__ = ["Lab"]

TABS = ("architecture", "passes", "simulation")


class Lab(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``Lab(model, arch)``: pick a layer of ``model`` (a front-end Model); see its mapping on
    the ACG, step through its compile log, and play its simulation.

    Layers compile lazily (``compile_model(model, arch, only=[name])``) the first time they
    are picked, and the stepper and player are built when their tab is opened; everything is
    cached per layer.
    """

    def __init__(self, model: Any, arch: Any, *, layer: str | None = None, **kwargs: Any) -> None:
        ensure_bokeh()  # now, while a cell runs: the player may be built later, in a callback
        self.model = model
        self.arch = as_acg(arch)
        self.results: dict[str, Any] = {}
        self.steppers: dict[str, PassStepper] = {}
        self.players: dict[str, SimPlayer] = {}
        names = [la.name for la in model.layers]
        self.picker = w.Dropdown(options=names, value=layer or (names[0] if names else None),
                                 description="layer")
        self.picker.add_class("covenant-layer-picker")
        self.info = w.HTML("")
        self.error = error_box()
        self.acg = ACGView(self.arch)
        self.tabs = w.Tab(children=[self.acg, w.VBox(), w.VBox()], titles=TABS)
        self.tabs.add_class("covenant-lab-tabs")
        super().__init__([w.HBox([self.picker, self.info]), self.error, self.tabs], **kwargs)
        self.add_class("covenant-lab")
        self.picker.observe(lambda _: self._show(), "value")
        self.tabs.observe(lambda _: self._fill_tab(), "selected_index")
        self._show()

    @property
    def layer(self) -> Any:
        return self.model.layer(self.picker.value)

    def result(self, name: str | None = None) -> Any:
        """The CompileResult of layer ``name`` (default: the picked one), compiled on first use."""
        from covenant_lab.compiler.model import FailedLayer, compile_model

        name = name or self.picker.value
        if name not in self.results:
            (unit,) = compile_model(self.model, self.arch, only=[name]).units
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
            sim = Simulator(result.program, result.arch, random_inputs(result.codelet))
            self.players[name] = SimPlayer(sim)
        return self.players[name]

    def _show(self) -> None:
        name = self.picker.value
        if name is None:
            return
        try:
            result = self.result(name)
        except CovenantError as exc:
            self.error.value = error_html(str(exc))
            self.info.value = ""
            self.acg.update(self.arch, None)
            self.tabs.children = [self.acg, w.VBox(), w.VBox()]
            return
        self.error.value = ""
        layer = self.layer
        self.info.value = (f"{layer.op_type} · {', '.join(result.capabilities)} · "
                           f"estimated {result.estimate.cycles:,.0f} cycles · "
                           f"compiled in {1000 * result.compile_s:.0f} ms")
        self.acg.update(result.arch, result)
        self.tabs.children = [self.acg, w.VBox(), w.VBox()]
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
