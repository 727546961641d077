"""viz.occupancy: live bytes per storage over time, from the simulator's states."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from bokeh.models import ColumnDataSource, NumeralTickFormatter, Span

from covenant_lab.sim import Simulator
from covenant_lab.viz.occupancy import (
    CURSOR,
    OccupancySeries,
    occupancy_figure,
    occupancy_series,
    series_from_states,
)


def test_series_follow_the_simulator_and_leave_it_alone(sim: Simulator) -> None:
    sim.step()
    series = occupancy_series(sim)
    assert sim.position == 1  # read from the dataflow, never stepped
    spad = series["SPAD"]
    assert spad.capacity_bytes == 16 * 1024
    assert spad.cycles[0] == 0 and spad.nbytes[0] == 0
    assert np.all(np.diff(spad.cycles) > 0)
    assert 0 < spad.peak_bytes <= spad.capacity_bytes
    # tiles are freed: the SPAD empties at the end, and drops before that (tiles used up)
    assert spad.nbytes[-1] == 0
    drops = np.flatnonzero(np.diff(spad.nbytes) < 0)
    assert drops.size >= 2 and spad.cycles[drops[0] + 1] < sim.total_cycles
    # a tile in use is a tile held: never more in use than the SPAD holds
    fresh = Simulator(sim.program, sim.acg)
    while fresh.step() is not None:
        assert spad.at(fresh.cycle) <= fresh.state.storage("SPAD").occupancy_bytes
    assert series["DRAM"].capacity_bytes is None


def _state(cycle: int, used: int) -> SimpleNamespace:
    store = SimpleNamespace(name="S", occupancy_bytes=used, capacity_bytes=100)
    return SimpleNamespace(cycle=cycle, storages=(store,))


def test_series_from_states_keeps_changes_and_the_last_state_of_a_cycle() -> None:
    series = series_from_states([_state(0, 0), _state(5, 10), _state(5, 20), _state(7, 20),
                                 _state(9, 5)])
    s = series["S"]
    assert s.cycles.tolist() == [0, 5, 9]
    assert s.nbytes.tolist() == [0, 20, 5]
    assert s.at(6) == 20 and s.at(-1) == 0


def test_figure_has_one_named_source_per_onchip_storage(sim: Simulator) -> None:
    fig = occupancy_figure(occupancy_series(sim))
    sources = {m.name for m in fig.select({"type": ColumnDataSource})}
    assert sources == {"covenant-occupancy-SPAD"}
    src = fig.select_one({"name": "covenant-occupancy-SPAD"})
    assert max(src.data["percent"]) <= 100
    assert fig.select_one({"name": CURSOR, "type": Span}) is not None


def test_explicit_storages() -> None:
    s = OccupancySeries("X", None, np.array([0, 4]), np.array([0, 8]))
    fig = occupancy_figure({"X": s}, storages=["X"])
    assert fig.select_one({"name": "covenant-occupancy-X"}).data["percent"][-1] == 100.0


def test_figure_stretches_and_ticks_cycles_as_integers(sim: Simulator) -> None:
    fig = occupancy_figure(occupancy_series(sim))
    assert fig.sizing_mode == "stretch_width" and fig.frame_height == 140
    assert fig.legend[0] in fig.above  # the legend above the plot, never on a line
    (axis,) = fig.xaxis
    assert isinstance(axis.formatter, NumeralTickFormatter) and axis.formatter.format == "0,0"
    fixed = occupancy_figure(occupancy_series(sim), sizing_mode="fixed", width=640)
    assert fixed.sizing_mode == "fixed" and fixed.width == 640
