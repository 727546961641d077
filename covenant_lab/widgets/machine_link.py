"""The SimPlayer driving an ACGView: the machine animated, cycle by cycle.

``link(player, view)`` observes the player's position (its ``scrub`` slider's ``value``, which
the player moves on every step, back, play tick and scrub) and sets the view's ``machine``
trait to the machine at the simulator's cycle (:mod:`covenant_lab.widgets.machine_state`):
the edges moving a tile and the units computing light up with the operand's name, each
storage lists its tiles, and the array shows the PEs the current instruction uses over a heat
map of the whole run. The returned :class:`MachineLink` is also a row of controls that step
the player by ``N`` cycles (to the last event at or before the new cycle) or by one event::

    player = cl.widgets.SimPlayer(sim)
    view = cl.widgets.ACGView(result.arch, result)
    controls = cl.widgets.link(player, view)   # display(player, controls, view)
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from covenant_lab.errors import UsageError
from covenant_lab.widgets.acg_view import ACGView
from covenant_lab.widgets.common import button
from covenant_lab.widgets.machine_state import (
    MachineRun,
    event_position,
    machine_run,
    machine_state,
)

__all__ = ["MachineLink", "link"]

DEFAULT_CYCLES = 100


class MachineLink(w.HBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Controls stepping ``player`` by events or by ``cycles`` cycles, and the link that keeps
    ``view.machine`` at the player's cycle (see the module)."""

    def __init__(self, player: Any, view: ACGView, *, cycles: int = DEFAULT_CYCLES,
                 **kwargs: Any) -> None:
        if not isinstance(view, ACGView):
            raise UsageError(f"argument 2, 'view' to link: expected an ACGView, got "
                             f"{type(view).__name__}")
        sim = getattr(player, "sim", None)
        scrub = getattr(player, "scrub", None)
        if sim is None or scrub is None:
            raise UsageError(f"argument 1, 'player' to link: expected a SimPlayer, got "
                             f"{type(player).__name__}")
        if sim.program.arch != view.arch.name:
            raise UsageError(
                f"link: the player simulates a program for {sim.program.arch}, the view draws "
                f"{view.arch.name}", hint="draw the architecture the program was compiled for")
        self.player, self.view = player, view
        self.run: MachineRun = machine_run(sim)
        self.cycles = w.BoundedIntText(value=max(int(cycles), 1), min=1, max=10**9,
                                       description="cycles", layout=w.Layout(width="160px"))
        self.cycles.add_class("covenant-machine-cycles")
        back_n = button("◀ −N cycles", "covenant-machine-back", "go back N cycles")
        ahead_n = button("+N cycles ▶", "covenant-machine-ahead", "go ahead N cycles")
        back_e = button("◀ event", "covenant-machine-back-event", "undo the last event")
        ahead_e = button("event ▶", "covenant-machine-event", "process the next event")
        super().__init__([back_e, ahead_e, back_n, self.cycles, ahead_n], **kwargs)
        self.add_class("covenant-machine-link")
        back_n.on_click(lambda _: self.step_cycles(-int(self.cycles.value)))
        ahead_n.on_click(lambda _: self.step_cycles(int(self.cycles.value)))
        back_e.on_click(lambda _: player.back())
        ahead_e.on_click(lambda _: player.step())
        scrub.observe(self._on_position, "value")
        self.update()

    def _on_position(self, _change: dict[str, Any]) -> None:
        self.update()

    def update(self) -> None:
        """Show the machine at the simulator's current cycle."""
        cycle = int(self.player.sim.cycle)
        self.view.machine = machine_state(self.run, cycle).to_json(self.run)

    def step_cycles(self, n: int) -> None:
        """Move the player ``n`` cycles (negative: back) to the last event at or before the
        new cycle; always at least one event, so a step never stands still."""
        sim = self.player.sim
        target = max(0, min(int(sim.cycle) + n, self.run.total_cycles))
        position = event_position(self.run, target)
        if n > 0:
            position = max(position, sim.position + 1)
        elif n < 0:
            position = min(position, sim.position - 1)
        self.player.goto(max(0, min(position, sim.steps)))


def link(player: Any, view: ACGView, *, cycles: int = DEFAULT_CYCLES) -> MachineLink:
    """Drive ``view`` (an ACGView of the program's architecture) from ``player`` (a SimPlayer);
    the controls to display with them (see the module)."""
    return MachineLink(player, view, cycles=cycles)
