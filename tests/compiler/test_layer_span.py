"""A layer's groups run in order, each waiting only for the resources it shares and the
tiles it reads (``compiler/layer_span.py``): derived by hand, then GELU on NVDLA-small, whose
host runs the erf between three SDP stages, against the simulator."""

from __future__ import annotations

import math

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.compiler import compile
from covenant_lab.compiler.layer_span import GroupRun, layer_cycles
from covenant_lab.compiler.model import fused
from covenant_lab.sim import Simulator
from covenant_lab.suite import load_suite_layer


def _run(cycles: float, tiles: float, resources: str, reads: str = "", writes: str = "",
         order: tuple[str, ...] = ("d1",)) -> GroupRun:
    """A run whose tiles of every operand come in ``order``."""
    operands = sorted({*reads.split(), *writes.split()})
    return GroupRun(cycles, tiles, frozenset(resources.split()), frozenset(reads.split()),
                    frozenset(writes.split()), tuple((op, order) for op in operands))


def test_groups_on_one_resource_add_up() -> None:
    assert layer_cycles([_run(100, 4, "sdp dma", "x", "t"),
                         _run(50, 2, "sdp dma", "t", "y")]) == 150


def test_a_group_on_other_resources_follows_its_producer_tile_by_tile() -> None:
    # the producer ends at 100; the consumer (40 cycles in 4 tiles) runs beside it and ends
    # one of its tiles after it: 110; a third group back on the producer's unit starts when
    # that unit is free (100) and reads the consumer's output as it comes: max(100 + 30,
    # 110 + 30 / 3) = 130
    runs = [_run(100, 10, "sdp dma", "x", "t"), _run(40, 4, "host hdma", "t", "u"),
            _run(30, 3, "sdp dma", "u", "y")]
    assert layer_cycles(runs) == 130


def test_a_group_reading_in_another_order_waits_for_the_end() -> None:
    runs = [_run(100, 10, "sdp", "x", "t", ("d1",)), _run(40, 4, "host", "t", "u", ("d0",))]
    assert layer_cycles(runs) == 140
    # independent groups on different resources overlap whole
    assert layer_cycles([_run(100, 10, "sdp", "x", "t"), _run(40, 4, "host", "z", "u")]) == 100


def test_a_group_whose_tiles_are_whole_rows_of_the_producers_follows_it() -> None:
    # the producer iterates d1 then d2, the consumer d1 only (each tile a whole row): the
    # tiles of a row come one after the other, so it follows: 100 + 40 / 4
    runs = [_run(100, 10, "host", "x", "t", ("d1", "d2")), _run(40, 4, "relu", "t", "y")]
    assert layer_cycles(runs) == 110


def test_a_reduction_loop_does_not_count_in_the_order() -> None:
    # the producer writes t[d0, d1] iterating d0, d1 and the reduction r2 (not indexing t);
    # the consumer reads it iterating d0, d1, d2: t comes in the order d0, d1 for both
    producer = GroupRun(100, 10, frozenset({"pdp"}), frozenset({"x"}), frozenset({"t"}),
                        (("t", ("d0", "d1")), ("x", ("d0", "d1", "r2"))))
    consumer = GroupRun(40, 4, frozenset({"host"}), frozenset({"t"}), frozenset({"u"}),
                        (("t", ("d0", "d1")), ("u", ("d0", "d1", "d2"))))
    assert consumer.follows(producer)
    assert layer_cycles([producer, consumer]) == 110


def test_a_floor_follows_at_once() -> None:
    # a floor's run knows no tiles: it follows whatever it reads with no delay (a lower bound)
    runs = [GroupRun(100, math.inf, frozenset({"sdp"}), frozenset({"x"}), frozenset({"t"})),
            GroupRun(40, math.inf, frozenset({"host"}), frozenset({"t"}), frozenset({"u"}))]
    assert layer_cycles(runs) == 100


def test_gelu_on_nvdla_with_the_erf_on_the_host_is_estimated_as_simulated() -> None:
    # four groups: SDP mul, host erf, SDP add and mul (fused: their temp stays in the SDP's
    # buffer), SDP mul. Added up, the estimate of five groups was 5,396,424 cycles against
    # 3,908,644 simulated (1.38); fused so, 3,153,992 simulated
    acg = load_arch("nvdla_small")
    layers = load_suite_layer("bert_gelu")
    result = compile(fused(layers) or layers[0], acg)
    assert [g.stages for g in result.mapping.groups] == [(0,), (1,), (2, 3), (4,)]
    simulated = Simulator(result.program, acg).total_cycles
    assert result.estimate.cycles == pytest.approx(simulated, rel=0.02)
