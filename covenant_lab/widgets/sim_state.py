"""The SimPlayer's state: the simulator at its current step as plain JSON-able data.

Pure functions of a :class:`~covenant_lab.sim.Simulator` (read only: they never step it) and
the last event it processed. ``codelet_lines`` is sent once; ``player_state`` after each
step::

    {"step", "steps", "cycle", "total_cycles", "done",
     "event": {"kind", "index", "cycle"} | None,
     "instr": {"index", "kind", "text", "statement", "stage", "operand", "resource",
               "start", "end", "wait"} | None,
     "busy": [{"resource", "index", "text"}],
     "storages": [{"name", "used", "capacity", "fraction", "tiles"}]}

``used`` is the bytes in use at the current cycle (tiles whose last reader has not ended:
the occupancy plot's rule) for the storages the caller passes them for (on-chip ones), else
the bytes held. ``selection``
describes one instruction for the details pane: its timing, what it waited for, and the
instructions it reads from (producers) and that read it (consumers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.program import Compute, Program, Transfer

__all__ = [
    "codelet_lines",
    "cycle_text",
    "instruction_text",
    "player_state",
    "random_inputs",
    "selection",
    "statement_text",
]


def _stmt_text(codelet: Codelet, stage: int) -> str:
    st = codelet.stages[stage]
    try:
        from covenant_lab.codelets.printer import stmt_text
    except ImportError:  # pragma: no cover - the printer always has it today
        return str(st.stmt)
    return stmt_text(st.stmt, st.loops)


def codelet_lines(codelet: Codelet) -> list[dict[str, Any]]:
    """The codelet's text, one record per line with the stage it belongs to (-1: header)."""
    from covenant_lab.codelets.printer import stage_text, to_text

    head = to_text(codelet).split("  stage 0", 1)[0].rstrip("\n").splitlines()
    out = [{"text": line, "stage": -1} for line in head]
    for i, st in enumerate(codelet.stages):
        out += [{"text": line, "stage": i} for line in stage_text(codelet, st, i).splitlines()]
    return out


def _box(box: tuple[tuple[Any, ...], ...]) -> str:
    return "[" + ", ".join(":".join(str(x) for x in b) for b in box) + "]"


def instruction_text(program: Program, index: int) -> str:
    """One line describing instruction ``index``."""
    ins = program.instrs[index]
    if isinstance(ins, Transfer):
        return (f"#{index} {ins.kind} {ins.dst.operand}{_box(ins.dst.box)} "
                f"{ins.src.storage.name} -> {ins.dst.storage.name}, {ins.nbytes} B")
    assert isinstance(ins, Compute)
    return (f"#{index} {ins.node.name}.{ins.capability} stage {ins.stage} "
            f"{_box(ins.box)}, {ins.operations} ops, {ins.cycles} cyc")


def statement_text(program: Program, index: int) -> str:
    """The codelet statement a compute instruction runs; for a transfer, what it moves."""
    ins = program.instrs[index]
    if isinstance(ins, Compute):
        return _stmt_text(program.codelet, ins.stage)
    operand = ins.dst.operand
    stages_ = enumerate(program.codelet.stages)
    if ins.kind == "store":
        stages = [i for i, st in stages_ if st.stmt.dst.operand == operand]
        word = "from"
    else:
        stages = [i for i, st in stages_ if any(a.operand == operand for a in st.stmt.accesses)]
        word = "for"
    where = f" {word} stage {', '.join(map(str, stages))}" if stages else ""
    return f"{ins.kind} tile {operand}{_box(ins.dst.box)}{where}"


def cycle_text(sim: Any) -> str:
    """``cycle 120 / 1692 · event 5 / 38`` (what the player's ``.covenant-cycle`` shows)."""
    return f"cycle {sim.cycle:,} / {sim.total_cycles:,} · event {sim.position} / {sim.steps}"


def _dst_operand(ins: Compute) -> str:
    tile = ins.destination
    return tile.operand if tile is not None else ""


def _instr(sim: Any, index: int) -> dict[str, Any]:
    ins = sim.program.instrs[index]
    s = sim.schedule
    return {
        "index": index,
        "kind": "transfer" if isinstance(ins, Transfer) else "compute",
        "text": instruction_text(sim.program, index),
        "statement": statement_text(sim.program, index),
        "stage": ins.stage if isinstance(ins, Compute) else -1,
        "operand": ins.dst.operand if isinstance(ins, Transfer) else _dst_operand(ins),
        "resource": s.resource(index),
        "start": int(s.start[index]),
        "end": int(s.end[index]),
        "wait": _wait_text(sim, index),
    }


def _wait_text(sim: Any, index: int) -> str:
    wait = sim.dataflow.wait(index)
    return "" if wait is None else wait.text


MAX_LISTED = 12  # producers / consumers listed in the details pane


def _links(sim: Any, indices: tuple[int, ...]) -> dict[str, Any]:
    from covenant_lab.sim.deps import instr_label

    shown = indices[:MAX_LISTED]
    return {"items": [{"index": i, "label": instr_label(sim.program, i),
                       "start": int(sim.schedule.start[i]), "end": int(sim.schedule.end[i])}
                      for i in shown],
            "more": len(indices) - len(shown)}


def selection(sim: Any, index: int) -> dict[str, Any]:
    """Instruction ``index`` for the details pane (see the module docstring)."""
    s = sim.schedule
    flow = sim.dataflow
    return {
        **_instr(sim, index),
        "ready": int(s.ready[index]),
        "stall": int(s.stall(index)),
        "producers": _links(sim, flow.producers(index)),
        "consumers": _links(sim, flow.consumers(index)),
    }


def player_state(sim: Any, event: Any = None,
                 in_use: dict[str, int] | None = None) -> dict[str, Any]:
    """The simulator after its last processed ``event`` (a SimEvent, or None at the start);
    ``in_use``: bytes in use per storage at this cycle (else the bytes held)."""
    st = sim.state
    busy = [
        {"resource": r, "index": i, "text": "" if i is None else instruction_text(sim.program, i)}
        for r, i in st.busy
    ]
    storages = []
    for s in st.storages:
        cap = s.capacity_bytes
        used = in_use.get(s.name, s.occupancy_bytes) if in_use else s.occupancy_bytes
        storages.append({
            "name": s.name, "used": used, "capacity": cap,
            "fraction": None if not cap else round(used / cap, 4),
            "tiles": len(s.tiles),
        })
    return {
        "step": st.step, "steps": sim.steps, "cycle": st.cycle,
        "total_cycles": sim.total_cycles, "done": st.step == sim.steps,
        "event": None if event is None else {
            "kind": event.kind, "index": event.index, "cycle": event.cycle},
        "instr": None if event is None else _instr(sim, event.index),
        "busy": busy,
        "storages": storages,
    }


def random_inputs(codelet: Codelet, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard-normal values for every input and weight of ``codelet``."""
    rng = np.random.default_rng(seed)
    return {o.name: rng.standard_normal(o.shape) for o in codelet.inputs}
