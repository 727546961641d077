"""Floors (``compiler/floor.py``): no structural option's search costs less than the floors of
its groups, on suite layers of the shipped machines, groups of two levels (hvx's VTCM then
VRF) included; and a two-level floor derived by hand."""

from __future__ import annotations

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import compile
from covenant_lab.compiler import search as search_mod
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.floor import form_floor, group_floor
from covenant_lab.compiler.group_memo import GroupMemo
from covenant_lab.compiler.group_search import inner_beam, search_group
from covenant_lab.compiler.model import fused
from covenant_lab.compiler.objective import Objective
from covenant_lab.errors import ScheduleError
from covenant_lab.suite import load_suite_layer


def test_the_floor_of_a_two_level_group_by_hand() -> None:
    # y[8, 64] += a[8, 8] * b[8, 64] on hvx: the int32 outputs sit in VTCM (level 1) and VRF
    # (level 2); n on the 32 lanes, k on the group of 4 (folded), m streamed. A vrmpy fold
    # costs max(stream, 3) cycles and the search charges 4 cycles per instruction.
    acg = load_arch("hvx")
    m = compile(L.matmul((8, 8), (8, 64)), acg).mapping
    (g,) = m.groups
    assert g.levels == 2 and g.tile_loops == ("m", "n", "k")
    assert m.spatial[0].loops_on("lanes") == ("n",) and m.spatial[0].stream == ("m",)
    # The search's last step tries VTCM tiles over each VRF tiling its beam keeps:
    beam = inner_beam(m, g, acg, Constraints(), False, Objective.CYCLES, None)
    kept = sorted({tuple(int(v) for v in tiles[0][0]) for _, tiles, _ in beam})
    assert kept == [(4, 64, 8), (8, 32, 8), (8, 64, 8)]
    # over (8, 64, 8), the whole layer, the only VTCM tile is the whole layer too: one
    # invocation of 64 / 32 x 8 / 4 = 4 folds of max(8, 3) cycles = 32, + 4 = 36. Every other
    # one costs 32 cycles of vrmpy in two invocations or more, + 8: (8, 32, 8) 2 x 2 folds x 8;
    # (4, 64, 8) 2 x 4 folds x max(4, 3).
    floor = group_floor(m, g, acg, Constraints())
    assert floor == 36.0
    _, _, cost = search_group(m, g, acg, Constraints())
    assert floor <= cost  # its moves come on top


def _suite_codelet(name: str) -> Codelet:
    """The suite layer as ``covenant bench`` compiles it: fused when it can be."""
    layers = load_suite_layer(name)
    return (fused(layers) or layers[0]).codelet


@pytest.mark.parametrize("arch", ["genesys", "hvx", "teaching"])
@pytest.mark.parametrize("layer", ["resnet50_1x1", "bert_scores", "bert_gelu"])
def test_no_option_of_a_suite_layer_costs_less_than_its_floor(arch: str, layer: str) -> None:
    acg = load_arch(arch)
    codelet, cons = _suite_codelet(layer), Constraints()
    options, refused = search_mod._options(codelet, acg, cons, fallback=False, failed=[])
    assert refused is None and options
    memo = GroupMemo(search_group, group_floor)
    levels, compared = set(), 0
    for option in options:
        floors = [memo.floor(option.mapping, g, acg, cons) for g in option.mapping.groups]
        try:
            cost, _ = search_mod._score(option, memo, acg, cons, exhaustive=False,
                                        objective=Objective.CYCLES)
        except ScheduleError:
            continue
        assert 0 < sum(floors) <= cost
        levels |= {g.levels for g in option.mapping.groups}
        compared += 1
    assert compared
    if arch == "hvx" and layer != "bert_gelu":  # a MAC's accumulators: VTCM then VRF
        assert 2 in levels
    # no plan beats the form's floor either (its work at the peak of the fastest unit)
    assert form_floor(codelet, acg, cons) <= compile(codelet, acg).estimate.cycles
