"""The machine at a cycle: what moves on which edge, what each unit computes, what each storage
holds, and how much of each compute array the run used. Plain data for the ACGView.

:func:`machine_run` gathers, once per simulated program, the schedule (start and end of every
instruction), the tiles each storage holds after every completion (a timing-only replay, so
the caller's simulator keeps its position) and a heat map per compute node;
:func:`machine_state` is then a pure function of that record and a cycle::

    state = machine_state(run, 1_234)
    state.edges   # (ActiveEdge(src="DRAM", dst="IBUF", via="axi", operand="x", kind="load",
                  #             index=0), ...)
    state.units   # (ActiveUnit(node="pe_array", operand="y", used=(32, 16), ...), ...)
    state.tiles   # (("IBUF", ("x[0:1, 0:16, 0:8, 0:14]",)), ...)   on-chip storages

An instruction is active at cycle ``c`` when ``start <= c < end``. The heat map of a compute
node with dimensions ``d0 x d1`` (a 1-D unit: ``1 x d0``) is, per PE, the fraction of the
run's cycles it computed: every compute instruction on the node adds its ``cycles`` to the PEs
``[0, used_d0) x [0, used_d1)`` it used (``used_<dim>`` in its timing parameters; all of a
dimension when the instruction does not say).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.errors import UsageError
from covenant_lab.types import DESTINATIONS
from covenant_lab.widgets.acg_overlay import PALETTE

__all__ = [
    "ActiveEdge",
    "ActiveUnit",
    "MachineRun",
    "MachineState",
    "event_position",
    "machine_run",
    "machine_state",
    "tile_text",
]

MAX_TILES = 8  # per storage in the view; the rest are counted


@dataclass(frozen=True, slots=True)
class ActiveEdge:
    """A transfer in flight: instruction ``index`` moving a tile of ``operand`` along
    ``src -> dst`` (through ``via`` when the edge goes through a comm node)."""

    src: str
    dst: str
    via: str
    operand: str
    kind: str  # "load" or "store"
    index: int
    nbytes: int


@dataclass(frozen=True, slots=True)
class ActiveUnit:
    """A compute instruction running: ``used`` PEs of each of the node's ``dims``."""

    node: str
    operand: str  # the tile it writes
    reads: tuple[str, ...]  # the operands it reads
    capability: str
    index: int
    dims: tuple[tuple[str, int], ...]
    used: tuple[int, ...]


@dataclass(frozen=True)
class MachineRun:
    """What :func:`machine_state` needs of one simulated program (see the module)."""

    program: Program
    start: tuple[int, ...]
    end: tuple[int, ...]
    total_cycles: int
    tile_cycles: tuple[int, ...]  # the cycle of each snapshot of the storages, ascending
    tiles: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]  # per snapshot: storage -> tiles
    heat: Mapping[str, np.ndarray]  # compute node -> fraction of the run each PE computed
    colours: Mapping[str, str]  # operand -> colour (the ACGView's legend colours)


@dataclass(frozen=True, slots=True)
class MachineState:
    """The machine at ``cycle`` (see the module)."""

    cycle: int
    edges: tuple[ActiveEdge, ...]
    units: tuple[ActiveUnit, ...]
    tiles: tuple[tuple[str, tuple[str, ...]], ...]

    def to_json(self, run: MachineRun) -> dict[str, Any]:
        """The ACGView's ``machine`` trait: this state, the heat maps and the colours."""
        colour = run.colours.get
        return {
            "cycle": self.cycle,
            "total_cycles": run.total_cycles,
            "edges": [{"src": e.src, "dst": e.dst, "via": e.via, "operand": e.operand,
                       "kind": e.kind, "index": e.index, "nbytes": e.nbytes,
                       "colour": colour(e.operand, "#d33")} for e in self.edges],
            "units": [{"node": u.node, "operand": u.operand, "reads": list(u.reads),
                       "capability": u.capability, "index": u.index,
                       "dims": [list(d) for d in u.dims], "used": list(u.used),
                       "colour": colour(u.operand, "#d33")} for u in self.units],
            "tiles": [{"storage": name, "tiles": list(texts[:MAX_TILES]),
                       "more": max(len(texts) - MAX_TILES, 0)} for name, texts in self.tiles],
            "heat": [_heat_json(name, grid) for name, grid in run.heat.items()],
        }


MAX_CELLS = 32  # a heat map has at most this many cells a side (blocks of PEs beyond)


def _heat_json(name: str, grid: np.ndarray) -> dict[str, Any]:
    """A heat map for the view: blocks of ``block`` PEs averaged, at most ``MAX_CELLS`` a side."""
    rows, cols = grid.shape
    br, bc = -(-rows // MAX_CELLS), -(-cols // MAX_CELLS)
    padded = np.full((-(-rows // br) * br, -(-cols // bc) * bc), np.nan)
    padded[:rows, :cols] = grid
    cells = np.nanmean(padded.reshape(padded.shape[0] // br, br, -1, bc), axis=(1, 3))
    return {"node": name, "shape": [rows, cols], "block": [br, bc],
            "grid": np.round(cells, 3).tolist()}


def tile_text(operand: str, box: tuple[tuple[int, int], ...]) -> str:
    """``x[0:1, 0:16, 0:8, 0:14]``."""
    return f"{operand}[{', '.join(f'{a}:{b}' for a, b in box)}]"


def _grid_shape(dims: tuple[tuple[str, int], ...]) -> tuple[int, int]:
    sizes = [s for _, s in dims] or [1]
    return (sizes[0], sizes[1]) if len(sizes) > 1 else (1, sizes[0])


def _used(ins: Compute) -> tuple[int, ...]:
    params = dict(ins.params)
    return tuple(min(params.get(f"used_{d}", s), s) for d, s in ins.node.dims)


def _heat(program: Program, total_cycles: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for ins in program.instrs:
        if not isinstance(ins, Compute):
            continue
        grid = out.setdefault(ins.node.name, np.zeros(_grid_shape(ins.node.dims)))
        used = _used(ins) or (1,)
        rows, cols = (used[0], used[1]) if len(used) > 1 else (1, used[0])
        grid[:rows, :cols] += ins.cycles
    return {name: grid / max(total_cycles, 1) for name, grid in out.items()}


def _snapshot(state: Any, on_chip: frozenset[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The tiles of each on-chip storage (off-chip memory holds every home all along)."""
    return tuple((s.name, tuple(tile_text(t.operand, t.box) for t in s.tiles))
                 for s in state.storages if s.name in on_chip)


def machine_run(sim: Any) -> MachineRun:
    """The record of ``sim``'s program (a :class:`~covenant_lab.sim.Simulator`) that
    :func:`machine_state` reads; replays the program timing-only, ``sim`` is not moved."""
    from covenant_lab.sim import Simulator

    if not isinstance(sim, Simulator):
        raise UsageError(f"argument 'sim' to machine_run: expected a Simulator, got "
                         f"{type(sim).__name__}", hint="pass cl.Simulator(program, arch, inputs)")
    replay = Simulator(sim.program, sim.acg)
    on_chip = frozenset(n.name for n in sim.acg.storage_nodes if not n.off_chip)
    cycles, snaps = [0], [_snapshot(replay.state, on_chip)]
    while (ev := replay.step()) is not None:
        if ev.kind != "complete":
            continue
        if cycles[-1] == ev.cycle:
            snaps[-1] = _snapshot(replay.state, on_chip)  # the last state of a cycle wins
        else:
            cycles.append(ev.cycle)
            snaps.append(_snapshot(replay.state, on_chip))
    s = sim.schedule
    operands = sim.program.codelet.operands
    return MachineRun(
        program=sim.program, start=tuple(s.start), end=tuple(s.end),
        total_cycles=int(sim.total_cycles), tile_cycles=tuple(cycles), tiles=tuple(snaps),
        heat=_heat(sim.program, int(sim.total_cycles)),
        colours={o.name: PALETTE[i % len(PALETTE)] for i, o in enumerate(operands)},
    )


def _active(run: MachineRun, i: int, cycle: int) -> bool:
    return run.start[i] <= cycle < run.end[i]


def machine_state(run: MachineRun, cycle: int) -> MachineState:
    """The machine at ``cycle`` (a pure function of ``run``; see the module)."""
    edges: list[ActiveEdge] = []
    units: list[ActiveUnit] = []
    for i, ins in enumerate(run.program.instrs):
        if not _active(run, i, cycle):
            continue
        if isinstance(ins, Transfer):
            e = ins.edge
            edges.append(ActiveEdge(e.src, e.dst, e.via or "", ins.dst.operand, ins.kind, i,
                                    ins.nbytes))
        else:
            dst = ins.destination
            reads = tuple(dict.fromkeys(t.operand for r, t in ins.tiles
                                        if r not in DESTINATIONS))
            units.append(ActiveUnit(ins.node.name, dst.operand if dst else "", reads,
                                    ins.capability, i, ins.node.dims, _used(ins)))
    k = bisect.bisect_right(run.tile_cycles, cycle) - 1
    tiles = tuple((name, texts) for name, texts in run.tiles[max(k, 0)] if texts)
    return MachineState(cycle, tuple(edges), tuple(units), tiles)


def event_position(run: MachineRun, cycle: int) -> int:
    """How many of the simulator's events (an issue and a completion per instruction) happen
    at or before ``cycle``: the player position showing the machine at that cycle."""
    return sum(1 for s in run.start if s <= cycle) + sum(1 for e in run.end if e <= cycle)
