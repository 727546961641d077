"""Sweeps over an architecture's parameters, and their Pareto fronts.

    from covenant_lab.dse.grid import param_grid, pareto_sweep
    archs = param_grid("genesys", {"rows": [16, 32], "wbuf_depth": [256, 512]})
    [label for label, _ in archs]      # ['rows=16 wbuf_depth=256', 'rows=16 wbuf_depth=512', ...]
    result = pareto_sweep("genesys", {"rows": [16, 32]}, ["resnet50_3x3"], scheduler="local")
    [p.arch for p in result.totals if p.optimal]

Each combination of the grid's values (the product, in the order given) is one architecture,
``load_arch(arch, params=...)``, labelled by the values it sets; an unknown parameter or a bad
value is the loader's typed error, naming the file, the parameter and the value.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import load_arch
from covenant_lab.dse.pareto import ParetoPoint, arch_totals, incomplete, layer_points
from covenant_lab.dse.point import Options
from covenant_lab.dse.sweep import sweep
from covenant_lab.errors import UsageError

__all__ = ["Grid", "ParetoSweep", "grid_params", "param_grid", "pareto_sweep"]


Grid = Mapping[str, Sequence[int]] | Sequence[Mapping[str, int]]


def grid_params(grid: Grid) -> list[dict[str, int]]:
    """Every combination of the grid's values, the last parameter varying fastest; a list of
    mappings gives the combinations themselves (e.g. square arrays: ``[{"rows": 16, "cols":
    16}, {"rows": 32, "cols": 32}]``)."""
    if isinstance(grid, Sequence) and not isinstance(grid, str | bytes):
        if not grid or not all(isinstance(g, Mapping) and g for g in grid):
            raise UsageError(f"dse grid: {grid!r} is not a non-empty list of parameter mappings",
                             hint='give e.g. [{"rows": 16, "cols": 16}, {"rows": 32, "cols": 32}]')
        return [dict(g) for g in grid]
    if not isinstance(grid, Mapping) or not grid:
        raise UsageError("dse grid: no parameters to sweep",
                         hint='give e.g. {"rows": [16, 32], "wbuf_depth": [256, 512]}')
    for name, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            raise UsageError(f"dse grid: parameter {name!r} has {values!r}, expected a "
                             "non-empty list of integers", hint=f'e.g. "{name}": [16, 32]')
    names = list(grid)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(grid[n] for n in names))]


def _label(params: Mapping[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


def param_grid(arch: str | Path, grid: Grid) -> list[tuple[str, ACG]]:
    """(label, architecture) per combination of ``grid`` (see :func:`grid_params`)."""
    return [(_label(p), load_arch(arch, params=p)) for p in grid_params(grid)]


@dataclass(frozen=True)
class ParetoSweep:
    """A parameter sweep's records and fronts: ``points`` per (arch, layer) flagged per
    layer, ``totals`` per architecture (sums over the layers) flagged among themselves,
    ``params`` per label, ``incomplete``: labels left out of the totals, and why."""

    rows: list[dict[str, Any]]
    points: list[ParetoPoint]
    totals: list[ParetoPoint]
    params: dict[str, dict[str, int]]
    incomplete: dict[str, str]

    def table(self) -> str:
        """The totals, one line each, the Pareto-optimal ones starred."""
        width = max([len("architecture"), *(len(p.arch) for p in self.totals)])
        lines = [f"{'':2}{'architecture':<{width}} {'cycles':>14} {'energy uJ':>12} "
                 f"{'area mm2':>9}"]
        for p in sorted(self.totals, key=lambda p: p.cycles):
            lines.append(f"{'*' if p.optimal else ' ':2}{p.arch:<{width}} {p.cycles:>14,.0f} "
                         f"{p.energy_pj / 1e6:>12,.3f} {p.area_mm2:>9.3f}")
        lines += [f"  {a}: left out ({why})" for a, why in self.incomplete.items()]
        return "\n".join(lines)


def pareto_sweep(
    arch: str | Path,
    grid: Grid,
    layers: Sequence[str],
    *,
    executor: Executor | None = None,
    scheduler: str | None = None,
    options: Options | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> ParetoSweep:
    """Sweep ``layers`` over every combination of ``grid`` on ``arch`` (see
    :func:`covenant_lab.dse.sweep.sweep` for ``executor``, ``scheduler``, ``options``) and
    flag the Pareto-optimal points of (cycles, energy, area)."""
    archs = param_grid(arch, grid)
    params = dict(zip((label for label, _ in archs), grid_params(grid), strict=True))
    rows = sweep(archs, layers, executor=executor, scheduler=scheduler, options=options,
                 on_result=on_result)
    return ParetoSweep(rows, layer_points(rows, params=params),
                       arch_totals(rows, params=params), params, incomplete(rows))
