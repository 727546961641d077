"""ZigZag beside our simulator on energy: accesses per memory level and picojoules, per layer.

Both tools price the shared machine (:mod:`~covenant_lab.bench.zigzag_machine`) with the same
per-access energies (SRAM 0.8 / 0.88 pJ per byte read / written, DRAM 43.75 / 46.875, the PE
registers 0.021 pJ per access: 0.021 per byte of w_reg, 0.0105 of o_reg; a MAC 0.04 pJ). For each
layer and each of the two mappings each tool picks (fastest, and least energy), the table shows,
per memory level and operand (the PE registers included: ours are ``W_REG`` and ``O_REG``), the
bytes read and written and their energy in both tools, then the MACs, the registers' share and
the totals.

Ours comes from the simulator's energy events (``Simulator.energy()``): the bytes each storage
read and wrote per operand. ZigZag's from its cost model (``zigzag_runner.py``): elements moved
in its four directions times their precision. Our operands are matched to ZigZag's by the
on-chip memory they go through (IFMAP is ``I``, FILTER ``W``, OFMAP ``O``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.bench.output import format_table
from covenant_lab.bench.zigzag_layers import SharedLayer
from covenant_lab.compiler.api import compile
from covenant_lab.sim.energy import Action, EnergyReport
from covenant_lab.sim.simulator import Simulator

__all__ = ["LEVELS", "LevelFigures", "MappingEnergy", "energy_rows", "energy_table",
           "ours_energy", "zigzag_energy"]

# our storage -> ZigZag's memory (zigzag_machine.ZIGZAG_ACCELERATOR)
LEVELS = {"DRAM": "dram", "IFMAP": "ifmap_sram", "FILTER": "filter_sram", "OFMAP": "ofmap_sram",
          "W_REG": "w_reg", "O_REG": "o_reg"}
# the on-chip memory that holds each of ZigZag's operands on the shared machine
_HOME = {"IFMAP": "I", "FILTER": "W", "OFMAP": "O", "W_REG": "W", "O_REG": "O"}
REGISTERS = ("w_reg", "o_reg")
_READS = ("rd_out_to_low", "rd_out_to_high")
_WRITES = ("wr_in_by_low", "wr_in_by_high")


@dataclass(frozen=True, slots=True)
class LevelFigures:
    """Bytes read and written at one memory level for one operand, and their energy."""

    read_bytes: float = 0.0
    write_bytes: float = 0.0
    pj: float = 0.0

    def __add__(self, other: LevelFigures) -> LevelFigures:
        return LevelFigures(self.read_bytes + other.read_bytes,
                            self.write_bytes + other.write_bytes, self.pj + other.pj)


@dataclass(frozen=True, slots=True)
class MappingEnergy:
    """One tool's mapping of one layer: cycles, per (memory, operand) figures (the PE registers
    included), MAC energy and the total as the tool reports it."""

    cycles: float
    levels: dict[tuple[str, str], LevelFigures]
    mac_pj: float
    total_pj: float

    @property
    def register_pj(self) -> float:
        """The PE registers' share (w_reg and o_reg)."""
        return sum(f.pj for k, f in self.levels.items() if k[0] in REGISTERS)

    @property
    def memories_pj(self) -> float:
        """The memories both tools model, without the PE registers, plus the MACs."""
        return sum(f.pj for k, f in self.levels.items() if k[0] not in REGISTERS) + self.mac_pj

    @property
    def like_for_like_pj(self) -> float:
        """Every level (registers included) plus the MACs: what both tools charge."""
        return sum(f.pj for f in self.levels.values()) + self.mac_pj


def _operands(report: EnergyReport) -> dict[str, str]:
    """Our operand name -> ZigZag's (I, W, O), from the on-chip memory it goes through."""
    out = {}
    for p in report.parts:
        if p.component in _HOME and p.operand:
            out[p.operand] = _HOME[p.component]
    return out


def ours_energy(report: EnergyReport, cycles: int) -> MappingEnergy:
    """Our simulated energy events grouped like ZigZag's breakdown."""
    names = _operands(report)
    levels: dict[tuple[str, str], LevelFigures] = {}
    mac = 0.0
    for p in report.parts:
        if p.component in LEVELS and p.action in (Action.READ, Action.WRITE):
            key = (LEVELS[p.component], names.get(p.operand, p.operand))
            read = p.amount if p.action is Action.READ else 0.0
            levels[key] = levels.get(key, LevelFigures()) + LevelFigures(
                read, p.amount - read, p.pj)
        elif p.action is Action.OP:
            mac += p.pj
    return MappingEnergy(cycles, levels, mac, report.total_pj)


def zigzag_energy(record: dict[str, Any]) -> MappingEnergy:
    """A ZigZag record (``zigzag_runner.py``, with ``levels``) grouped per memory and operand."""
    levels: dict[tuple[str, str], LevelFigures] = {}
    for lv in record["levels"]:
        pj = sum(lv["energy_pj"].values())
        nbytes = {d: lv["elements"][d] * lv["bits"][d] / 8 for d in lv["elements"]}
        levels[(lv["memory"], lv["operand"])] = LevelFigures(
            sum(nbytes.get(d, 0.0) for d in _READS), sum(nbytes.get(d, 0.0) for d in _WRITES), pj)
    return MappingEnergy(record["cycles"], levels, record["mac_energy_pj"], record["energy_pj"])


def _simulated(layer: SharedLayer, acg: ACG, objective: str) -> MappingEnergy:
    result = compile(layer.layer(), acg, objective=objective)
    sim = Simulator(result.program, acg).run()
    return ours_energy(sim.energy(), sim.total_cycles)


def energy_rows(layers: Sequence[SharedLayer], acg: ACG,
                zigzag: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per layer and objective ("latency" = our cycles objective, "energy"): both tools'
    :class:`MappingEnergy` (ZigZag's None when it did not run or failed)."""
    rows = []
    for layer in layers:
        for objective, ours_objective in (("latency", "cycles"), ("energy", "energy")):
            record = zigzag.get(objective, {}).get(layer.name)
            theirs = zigzag_energy(record) if record and "levels" in record else None
            rows.append({"layer": layer.name, "objective": objective,
                         "ours": _simulated(layer, acg, ours_objective), "zigzag": theirs})
    return rows


def _mu(pj: float | None) -> str:
    return "-" if pj is None else f"{pj / 1e6:,.2f}"


def _kib(n: float | None) -> str:
    return "-" if n is None else f"{n / 1024:,.0f}"


def _level_lines(ours: MappingEnergy, theirs: MappingEnergy | None) -> Iterable[list[str]]:
    keys = sorted(set(ours.levels) | set(theirs.levels if theirs else ()),
                  key=lambda k: (list(LEVELS.values()).index(k[0]), k[1]))
    for key in keys:
        o = ours.levels.get(key, LevelFigures())
        z = theirs.levels.get(key) if theirs else None
        yield [f"  {key[0]} {key[1]}", _kib(o.read_bytes), _kib(z.read_bytes if z else None),
               _kib(o.write_bytes), _kib(z.write_bytes if z else None), _mu(o.pj),
               _mu(z.pj if z else None)]


def energy_table(rows: Sequence[dict[str, Any]]) -> str:
    """Per layer and objective: the levels, MACs, registers and totals of both tools."""
    header = ["layer / level", "rd KiB ours", "rd KiB ZZ", "wr KiB ours", "wr KiB ZZ",
              "uJ ours", "uJ ZZ"]
    body: list[list[str]] = []
    for r in rows:
        ours, theirs = r["ours"], r["zigzag"]
        zc = f"{theirs.cycles:,.0f}" if theirs else "-"
        body.append([f"{r['layer']} ({r['objective']}-optimal; cycles {ours.cycles:,} vs {zc})",
                     "", "", "", "", "", ""])
        body.extend(_level_lines(ours, theirs))
        body.append(["  MACs", "", "", "", "", _mu(ours.mac_pj),
                     _mu(theirs.mac_pj if theirs else None)])
        body.append(["  of which PE registers", "", "", "", "", _mu(ours.register_pj),
                     _mu(theirs.register_pj if theirs else None)])
        body.append(["  without the registers (SRAMs, DRAM, MACs)", "", "", "", "",
                     _mu(ours.memories_pj), _mu(theirs.memories_pj if theirs else None)])
        body.append(["  total (every level + MACs)", "", "", "", "",
                     _mu(ours.like_for_like_pj),
                     _mu(theirs.like_for_like_pj if theirs else None)])
    return format_table(body, header, "l" + "r" * 6)


def print_energy_comparison(rows: Sequence[dict[str, Any]],
                            print_fn: Callable[[str], Any] = print) -> None:
    print_fn("Energy on the shared 32x32 machine, the same per-access energies in both tools "
             "(uJ; KiB read / written per memory level and operand)")
    for line in energy_table(rows).splitlines():
        print_fn(line)
