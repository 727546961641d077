"""Machines the compiler was not written for (``fixtures/simba.yaml``: Simba, MICRO 2019, as
an outside reviewer wrote it): layers map onto the accelerator's own units, not a fallback."""

from __future__ import annotations

from pathlib import Path

from covenant_lab.acg import load_arch
from covenant_lab.compiler import compile
from covenant_lab.sim import Simulator
from covenant_lab.suite import load_suite_layer

SIMBA = Path(__file__).parent / "fixtures" / "simba.yaml"


def test_inner_buffers_larger_than_the_outer_one_still_take_the_convolution() -> None:
    # Simba's 16 input buffers together (128 KiB) exceed the 64 KiB global buffer they are
    # filled from: an inner tile chosen for them alone may not fit the global buffer's tile
    # around it. The search keeps only inner tiles the outer storages could hold
    # (GroupModel.nests), so the stride-2 3x3 conv runs on the PEs; it fell back to the
    # RISC-V controller at 463,289,260 cycles before
    acg = load_arch(SIMBA)
    (layer,) = load_suite_layer("resnet50_3x3_s2")
    result = compile(layer, acg)
    assert result.capabilities == ("pes.mac",)
    assert not result.fallback
    cycles = Simulator(result.program, acg).total_cycles
    assert cycles < 150_000
    assert abs(result.estimate.cycles / cycles - 1) < 0.03
