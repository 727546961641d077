"""ModelGraph: a model's layers drawn as a graph (Netron-like); click a layer to compile it.

``ModelGraph(model, arch)`` draws the units ``compile_model`` would compile (layers fused
with their elementwise consumers) as nodes joined by the tensors between them, top to bottom,
coloured by operator; ``ModelGraph(compile_model(model, arch))`` (or ``colour_by=
"efficiency"``, which compiles the model) colours them by ideal / estimated cycles, and
``colour_by="unit"`` by the compute nodes they ran on.

Clicking a node (trait ``selected``: the unit's name) compiles that unit on ``arch`` (once;
fused as ``compile_model`` fuses it) and sets the observable trait ``unit`` to its
CompiledLayer (or FailedLayer, when no compute node can run it); ``result`` is then its
CompileResult. Other widgets follow it through :meth:`on_select` (a callback taking the
unit) or :meth:`link_lab` (a Lab picks the unit's first layer)::

    g = ModelGraph(model, "genesys")
    view = ACGView("genesys")
    g.on_select(lambda unit: view.update(result=unit.result))     # the mapping on the ACG
    g.observe(lambda change: ..., "unit")                          # or observe the trait
    stepper = PassStepper(g.result)                                # after a click
    player = SimPlayer(cl.Simulator(g.result.program, g.result.arch))
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import anywidget
import traitlets as t

from covenant_lab.compiler.model import CompiledLayer, FailedLayer, ModelResult
from covenant_lab.errors import UsageError
from covenant_lab.widgets.acg_view import as_acg
from covenant_lab.widgets.esm import STATIC, esm
from covenant_lab.widgets.model_graph_state import (
    model_graph_state,
    model_runs,
    require_colour_by,
    run_name,
    unit_efficiency,
)

__all__ = ["ModelGraph"]

Unit = CompiledLayer | FailedLayer


class ModelGraph(anywidget.AnyWidget):
    """A model's layers as a graph; click one to compile it (see the module)."""

    _esm = esm("model_graph.js")
    _css = STATIC / "model_graph.css"

    graph = t.Dict().tag(sync=True)
    selected = t.Unicode("").tag(sync=True)  # the clicked unit's name ("" for none)
    colour_by = t.Unicode("op").tag(sync=True)
    status = t.Unicode("").tag(sync=True)  # what the last click did, or why it failed
    height = t.Int(640).tag(sync=True)  # px; the drawing scrolls inside
    unit = t.Any(None)  # the selected unit, compiled: CompiledLayer | FailedLayer | None

    def __init__(self, model: Any, arch: Any = None, *, colour_by: str | None = None,
                 fuse: bool = True, **kwargs: Any) -> None:
        self.units: dict[str, Unit] = {}
        if isinstance(model, ModelResult):
            self.units = {u.name: u for u in model.units}
            model, arch = model.model, model.arch
            colour_by = colour_by or "efficiency"
        if not hasattr(model, "layers") or not hasattr(model, "inputs"):
            raise UsageError(f"argument 1, 'model' to ModelGraph: expected a Model "
                             f"(cl.onnx.load) or a ModelResult, got {type(model).__name__}")
        self.model = model
        self.arch = as_acg(arch) if arch is not None else None
        self._fuse = fuse
        self._runs = {run_name(r): r for r in model_runs(model, fuse=fuse)}
        self._callbacks: list[Callable[[Unit], None]] = []
        colour_by = colour_by or "op"
        self._check_colour(colour_by)
        if colour_by != "op" and not self.units:
            self._compile_all()
        super().__init__(graph=self._state(colour_by), colour_by=colour_by, **kwargs)

    # -- state ---------------------------------------------------------------------------------
    def _state(self, colour_by: str) -> dict[str, Any]:
        return model_graph_state(self.model, self.units, arch=self.arch, colour_by=colour_by,
                                 fuse=self._fuse)

    def _check_colour(self, colour_by: str) -> None:
        require_colour_by(colour_by)
        if colour_by != "op" and self.arch is None:
            raise UsageError(f"ModelGraph: colour_by={colour_by!r} needs a compile",
                             hint="pass an architecture: ModelGraph(model, 'genesys')")

    def _compile_all(self) -> None:
        from covenant_lab.compiler.model import compile_model

        assert self.arch is not None
        result = compile_model(self.model, self.arch, fuse=self._fuse)
        self.units.update({u.name: u for u in result.units})

    @t.validate("colour_by")
    def _valid_colour(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"])
        self._check_colour(value)
        return value

    @t.observe("colour_by")
    def _recolour(self, change: dict[str, Any]) -> None:
        if change["new"] != "op" and not self.units:
            self._compile_all()
        self.graph = self._state(change["new"])

    # -- selection -----------------------------------------------------------------------------
    @t.validate("selected")
    def _valid_selected(self, proposal: dict[str, Any]) -> str:
        name = str(proposal["value"])
        return name if name in self._runs else ""

    @t.observe("selected")
    def _on_select(self, change: dict[str, Any]) -> None:
        name = change["new"]
        if not name:
            self.unit = None
            self.status = ""
            return
        if self.arch is None:
            self.status = f"{name}: pass an architecture to compile it (ModelGraph(model, arch))"
            return
        t0 = time.perf_counter()
        fresh = name not in self.units
        unit = self.compile(name)
        ms = 1000 * (time.perf_counter() - t0)
        self.status = self._status(unit, ms if fresh else None)
        if fresh:
            self.graph = self._state(self.colour_by)
        self.unit = unit
        for callback in self._callbacks:
            callback(unit)

    def compile(self, name: str) -> Unit:
        """Unit ``name`` compiled on the architecture (cached), fused as compile_model fuses
        it: a CompiledLayer, or a FailedLayer when no compute node can run it."""
        from covenant_lab.compiler.model import compile_model

        if name not in self._runs:
            raise UsageError(f"ModelGraph: no unit named {name!r} in {self.model.name}",
                             hint=f"units: {', '.join(list(self._runs)[:5])}, ...")
        if self.arch is None:
            raise UsageError("ModelGraph: no architecture to compile on",
                             hint="pass one: ModelGraph(model, 'genesys')")
        if name not in self.units:
            part = replace(self.model, layers=tuple(self._runs[name]))
            units = compile_model(part, self.arch, fuse=self._fuse).units
            self.units.update({u.name: u for u in units})
            if name not in self.units:  # the fused unit failed: its first layer stands for it
                self.units[name] = units[0]
        return self.units[name]

    def _status(self, unit: Unit, ms: float | None) -> str:
        took = f"compiled in {ms:,.0f} ms · " if ms is not None else ""
        if isinstance(unit, FailedLayer):
            return f"{unit.name}: not compiled · {unit.error.splitlines()[0]}"
        eff = unit_efficiency(unit, self.arch)
        cycles = unit.result.estimate.cycles
        text = f"{unit.name}: {took}estimated {cycles:,.0f} cycles"
        return text + (f" · efficiency {100 * eff:.0f}%" if eff is not None else "")

    @property
    def result(self) -> Any:
        """The CompileResult of the selected unit (None: nothing selected, or not compiled)."""
        return self.unit.result if isinstance(self.unit, CompiledLayer) else None

    def on_select(self, callback: Callable[[Unit], None]) -> None:
        """Call ``callback(unit)`` with the compiled unit after every click."""
        self._callbacks.append(callback)

    def link_lab(self, lab: Any) -> None:
        """A click picks the unit's first layer in ``lab`` (a Lab of the same model)."""
        names = set(lab.picker.options)

        def pick(_unit: Unit) -> None:
            first = self._runs[self.selected][0].name
            if first in names:
                lab.picker.value = first

        self.on_select(pick)
