"""The notebooks' sheets on the notebooks' own objects: right answers pass, wrong ones say why."""

from __future__ import annotations

import re

import pytest

from covenant_lab import acg, compiler
from covenant_lab.codelets.library import matmul
from covenant_lab.compiler import Constraints
from covenant_lab.exercises import Status, codelet_exercises, tour_exercises
from covenant_lab.frontends import onnx as frontend
from covenant_lab.models import BUILDERS
from covenant_lab.sim import Simulator


@pytest.fixture(scope="module")
def teaching() -> acg.ACG:
    return acg.load_arch("teaching")


def test_codelets_sheet(teaching: acg.ACG) -> None:
    codelet = matmul((32, 64), (64, 48))
    sheet = codelet_exercises(codelet, teaching, compiler.compile(codelet, teaching))
    assert sheet.check("1", "k").correct
    assert str(sheet.check("1", "m")) == ("exercise 1: not yet: read the 'spatial' step of the "
                                          "compile log")
    # issue 14: the string 'n' is not the set {'n'}
    assert str(sheet.check("2", "n")) == ("exercise 2: not yet: a set of loop names is asked "
                                          "for, got the string 'n' (a set is written {'n'})")
    assert sheet.check("2", {"n"}).correct
    assert sheet.check("2", {"n", "k"}).status is Status.WRONG
    assert sheet.check("3", Constraints.of(tiles={"m": 32, "n": 48, "k": 64})).correct
    assert str(sheet.check("3", Constraints.of(tiles={"m": 4}))) == (
        "exercise 3: not yet: that mapping is legal: the tiles (times their buffering) must "
        "exceed the SPAD")
    assert str(sheet.check("3", {"m": 32})).endswith(
        "a Constraints (e.g. Constraints.of(tiles={...})) is asked for, got a dict {'m': 32}")
    assert str(sheet.check("3", Constraints.of(tiles={"m": 64}))).startswith(
        "exercise 3: not yet: that fails for another reason: tile: tile 64 of loop 'm'")


def test_tour_sheet(teaching: acg.ACG) -> None:
    layer = frontend.load(BUILDERS["lenet"]()).layer("conv2")
    result = compiler.compile(layer, teaching)
    sim = Simulator(result.program, teaching)
    sheet = tour_exercises(layer, result, sim)
    assert sheet.check("1", 240_000).correct
    assert sheet.check("2", "mac_array").correct
    assert str(sheet.check("2", "SPAD")) == ("exercise 2: not yet: 'SPAD' is not a compute node "
                                             "of teaching: choose among mac_array, vector")
    assert sheet.check("3", teaching.with_param("cols", 8)).correct
    slower = str(sheet.check("3", teaching.with_param("bus_bytes", 16)))
    m = re.fullmatch(r"exercise 3: not yet: ([\d,]+) cycles against ([\d,]+) \(1\.5x faster is "
                     r"under ([\d,]+)\): which resource is busiest\? try sim\.utilisation\(\)",
                     slower)
    assert m, slower
    assert int(m.group(2).replace(",", "")) == sim.total_cycles
    assert str(sheet.check("3", "teaching")).endswith(
        "an architecture (an ACG, e.g. arch.with_param(...)) is asked for, got the string "
        "'teaching'")
