"""What ``covenant dse`` is asked to sweep, checked before any work.

``--param NAME=V1,V2,...`` (repeatable) names an architecture parameter and its values; the
sweep is every combination (the last parameter varying fastest, as ``dse.grid`` does). Every
refusal is a UsageError naming the option and the value:

    dse: --param 'rows=8,x': 'x' is not an integer
    dse: --param 'row=8': genesys has no parameter 'row'  (hint: its parameters, or the
         closest one)
    dse: --param 'rows=0': genesys refuses rows=0: <the loader's message>
    dse: 4 combinations x 3 layer(s) = 12 design points, over --max-points 8
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import load_arch
from covenant_lab.errors import CovenantError, UsageError
from covenant_lab.quote import quote_text

__all__ = ["DEFAULT_MAX_POINTS", "Sweep", "parse_grid", "parse_sweep"]

DEFAULT_MAX_POINTS = 64  # design points (combinations x layers) without --max-points
_INTEGER = re.compile(r"[+-]?[0-9]{1,40}")
_EXAMPLE = "e.g. --param rows=16,32 --param wbuf_depth=256,512"


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: the architecture, each parameter's values (in the order given), the
    suite layers, and every combination as the parameter values it sets."""

    arch: str
    grid: dict[str, list[int]]
    layers: tuple[str, ...]
    combos: tuple[dict[str, int], ...]

    @property
    def points(self) -> int:
        return len(self.combos) * len(self.layers)


def _values(item: str) -> tuple[str, list[int]]:
    shown = quote_text(item)
    name, sep, text = item.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"dse: --param {shown}: expected NAME=V1,V2,...", hint=_EXAMPLE)
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise UsageError(f"dse: --param {shown}: no values for '{name.strip()}'", hint=_EXAMPLE)
    for part in parts:
        if not _INTEGER.fullmatch(part):
            what = "an empty value" if not part else f"{quote_text(part)} is not an integer"
            raise UsageError(f"dse: --param {shown}: {what} (values are integers of at most "
                             "40 ASCII digits, separated by commas)", hint=_EXAMPLE)
    values = [int(p) for p in parts]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise UsageError(f"dse: --param {shown}: {repeated[0]} is given twice",
                         hint="give each value once")
    return name.strip(), values


def parse_grid(items: Sequence[str], acg: ACG) -> dict[str, list[int]]:
    """``--param`` items as {parameter: values}, every name one of ``acg``'s parameters."""
    if not items:
        known = ", ".join(f"{k}={v}" for k, v in acg.params) or "none"
        raise UsageError("dse: nothing to sweep: give at least one --param NAME=V1,V2,...",
                         hint=f"{acg.name}'s parameters (defaults): {known}")
    grid: dict[str, list[int]] = {}
    names = [k for k, _ in acg.params]
    for item in items:
        name, values = _values(item)
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            raise UsageError(
                f"dse: --param {quote_text(item)}: {acg.name} has no parameter '{name}'",
                hint=(f"did you mean '{close[0]}'? " if close else "")
                + f"its parameters: {', '.join(names) or 'none'}")
        if name in grid:
            raise UsageError(f"dse: --param {quote_text(item)}: '{name}' is swept twice",
                             hint=f"give all of its values in one option: {name}=V1,V2,...")
        grid[name] = values
    return grid


def _check_layers(layers: Sequence[str]) -> tuple[str, ...]:
    from covenant_lab.suite import SUITE, suite_layer

    if not layers:
        raise UsageError("dse: no layer: give at least one --layer NAME (a suite layer)",
                         hint=f"e.g. --layer resnet50_3x3; the suite: "
                              f"{', '.join(e.name for e in SUITE)}")
    for name in layers:
        try:
            suite_layer(name)
        except UsageError as exc:
            raise UsageError(f"dse: --layer {quote_text(name)}: {exc.message}",
                             hint=exc.hint) from None
    return tuple(dict.fromkeys(layers))


def parse_sweep(arch: str, items: Sequence[str], layers: Sequence[str],
                max_points: int) -> Sweep:
    """The sweep the options describe, every combination loaded once to check that the
    architecture accepts its values (the loader's typed error, named by the option)."""
    if max_points < 1:
        raise UsageError(f"dse: --max-points {max_points}: must be at least 1")
    base = load_arch(arch)
    grid = parse_grid(items, base)
    names = list(grid)
    combos = tuple(dict(zip(names, c, strict=True))
                   for c in itertools.product(*(grid[n] for n in names)))
    chosen = _check_layers(layers)
    points = len(combos) * len(chosen)
    if points > max_points:
        raise UsageError(
            f"dse: {len(combos)} combinations x {len(chosen)} layer(s) = {points} design "
            f"points, over --max-points {max_points}",
            hint="sweep fewer values, or raise --max-points (each point compiles and "
                 "simulates a layer)")
    for name, values in grid.items():
        for v in values:
            try:
                load_arch(arch, params={name: v})
            except CovenantError as exc:
                raise UsageError(f"dse: --param {name}={v}: {base.name} refuses it: {exc}",
                                 hint="choose values the architecture accepts") from None
    for combo in combos:  # values each valid alone may still clash together
        try:
            load_arch(arch, params=combo)
        except CovenantError as exc:
            label = " ".join(f"{k}={v}" for k, v in combo.items())
            raise UsageError(f"dse: --param values {label}: {base.name} refuses them: {exc}",
                             hint="leave that combination out of the sweep") from None
    return Sweep(arch, grid, chosen, combos)
