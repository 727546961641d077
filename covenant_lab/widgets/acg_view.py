"""ACGView: the architecture graph as interactive SVG, optionally with a mapping overlaid."""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import traitlets as t

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import load_arch
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.errors import UsageError
from covenant_lab.widgets.acg_energy import EnergyHeat, energy_heat, energy_of
from covenant_lab.widgets.acg_state import acg_state
from covenant_lab.widgets.esm import STATIC, esm

__all__ = ["ACGView", "fallback_of", "mapping_of"]



def mapping_of(result: object) -> Mapping | None:
    """The Mapping of a CompileResult, a LogStep (its ``after``), or a Mapping itself."""
    if result is None or isinstance(result, Mapping):
        return result
    for attr in ("mapping", "after"):
        value = getattr(result, attr, None)
        if isinstance(value, Mapping):
            return value
    raise UsageError(
        f"argument 'result' to ACGView: expected a CompileResult, LogStep or Mapping, "
        f"got {type(result).__name__}"
    )


def fallback_of(result: object) -> tuple[Fallback, ...]:
    """A CompileResult's stages on a fallback unit (nothing for a LogStep or a Mapping)."""
    found = getattr(result, "fallback", ())
    return tuple(f for f in found if isinstance(f, Fallback)) if isinstance(found, tuple) else ()


def as_acg(arch: ACG | str) -> ACG:
    if isinstance(arch, ACG):
        return arch
    if isinstance(arch, str | pathlib.Path):
        return load_arch(arch)
    raise UsageError(
        "argument 'arch': expected an ACG, an architecture name or a path, "
        f"got {type(arch).__name__}"
    )


class ACGView(anywidget.AnyWidget):
    """The ACG drawn in the browser: drag to pan, wheel to zoom, click a node for its details.

    ``ACGView(arch, result=None)``: ``arch`` is an ACG (or a shipped name / path); ``result``
    a CompileResult (or Mapping) whose operand paths, tiles, occupancy and capabilities are
    drawn over the graph; a stage it put on a fallback unit gets a note above the graph
    (``fallback: host — <reason>``). ``selected`` is the name of the clicked node ("" for none).

    The view opens fitted to the drawing, as tall as its aspect ratio asks for at the output's
    width (within the bounds in ``graph["style"]``); ``height`` (px) fixes the height instead.

    ``machine`` is the machine at one cycle of a simulation (``MachineState.to_json``, set by
    :func:`covenant_lab.widgets.machine_link.link`): its active edges and units light up with
    the operand they move or write, and a panel under the graph lists each storage's tiles
    and draws each compute array's PEs (heat map of the run, current instruction outlined).

    ``show_energy(sim.energy())`` (or ``energy=`` at construction) draws a layer's energy as
    heat: each node filled and each edge stroked by its share of the layer's energy (log
    scale, :mod:`~covenant_lab.widgets.acg_energy`), the pJ and % on every label, a legend
    with the components that spent most; ``show_energy(None)`` removes it, and the toolbar's
    ``energy`` button hides and shows the colours.
    """

    _esm = esm("acg.js")
    _css = STATIC / "acg.css"

    graph = t.Dict().tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    height = t.Int(0).tag(sync=True)  # 0: from the drawing's aspect ratio
    machine = t.Dict().tag(sync=True)  # {} for none; see machine_state.MachineState.to_json

    def __init__(
        self,
        arch: ACG | str,
        result: object = None,
        *,
        backend: str = "auto",
        energy: object = None,
        **kwargs: Any,
    ) -> None:
        self._arch = as_acg(arch)
        self._mapping = mapping_of(result)
        self._fallback = fallback_of(result)
        self._backend = backend
        self._heat = None if energy is None else energy_heat(self._arch, energy_of(energy))
        super().__init__(graph=self._state(), **kwargs)

    def _state(self) -> dict[str, Any]:
        return acg_state(self._arch, self._mapping, backend=self._backend,
                         fallback=self._fallback, energy=self._heat)

    @property
    def arch(self) -> ACG:
        return self._arch

    @property
    def mapping(self) -> Mapping | None:
        return self._mapping

    @property
    def energy(self) -> EnergyHeat | None:
        """The energy drawn as heat (pJ per node and edge), None when none is."""
        return self._heat

    def show_energy(self, energy: object) -> None:
        """Draw a layer's energy as heat: an EnergyReport (``sim.energy()``), a Simulator that
        has run, or a LayerSim of ``simulate_model``; ``None`` removes the overlay. The layer
        must have run on this view's architecture."""
        self._heat = None if energy is None else energy_heat(self._arch, energy_of(energy))
        self.graph = self._state()

    def update(self, arch: ACG | str | None = None, result: object = None) -> None:
        """Redraw with a new architecture and/or mapping (``result=None`` removes the overlay);
        a new architecture drops the machine state and the energy drawn over the old one."""
        if arch is not None:
            new = as_acg(arch)
            if new.name != self._arch.name:
                self.machine = {}
                self._heat = None
            self._arch = new
        self._mapping = mapping_of(result)
        self._fallback = fallback_of(result)
        self.graph = self._state()
        if self.selected and self.selected not in {n["name"] for n in self.graph["nodes"]}:
            self.selected = ""

    @t.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> str:
        name = str(proposal["value"])
        known = {n["name"] for n in self.graph.get("nodes", [])}
        return name if name in known else ""

    @property
    def selected_node(self) -> dict[str, Any] | None:
        """The state record of the selected node (attributes, capabilities, overlay)."""
        for n in self.graph.get("nodes", []):
            if n["name"] == self.selected:
                return dict(n)
        return None


def show(arch: ACG | str, result: object = None, *, backend: str = "auto",
         energy: object = None) -> ACGView:
    """An :class:`ACGView` of ``arch`` with ``result``'s mapping overlaid (``cl.show``).

    ``arch`` is an ACG, a shipped architecture name or a path; ``result`` a CompileResult
    (or a Mapping, or a compile-log step); ``energy`` a layer's energy drawn as heat (an
    EnergyReport, a Simulator that has run, a LayerSim). Display it as the last expression
    of a cell.
    """
    return ACGView(arch, result, backend=backend, energy=energy)
