"""CompileResult.decisions: each pass's decision in words, its cost and the alternatives it beat."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import Constraints, compile
from covenant_lab.compiler.explain import Decision
from covenant_lab.compiler.search import plan

CONV = L.conv2d((1, 6, 14, 14), (16, 6, 5, 5), bias=True)  # lenet's conv2


def _costs(d: Decision) -> list[float]:
    assert d.chosen is not None
    return [d.chosen.cost, *(a.cost for a in d.alternatives)]


@pytest.mark.parametrize("arch", ["teaching", "genesys", "hvx"])
def test_alternatives_are_cheapest_first_and_the_choice_beats_them(arch: str) -> None:
    acg = load_arch(arch)
    result = compile(CONV, acg)
    decisions = result.decisions
    assert [d.name for d in decisions] == [s.name for s in result.log]
    search_cost = plan(result.codelet, acg).estimate  # what the search minimised
    listed = 0
    for d in decisions:
        costs = _costs(d)
        assert costs[0] == pytest.approx(search_cost)  # the whole layer's cost, every step
        assert costs == sorted(costs), f"{d.name}: {costs}"
        assert d.constrained == ""
        listed += len(d.alternatives)
        assert "((" not in d.words and d.words  # words, not the pass's raw tuples
    assert listed >= 3


def test_teaching_conv_decisions_in_words(teaching: ACG) -> None:
    by_name = {d.name: d for d in compile(CONV, teaching).decisions}
    assert by_name["match"].words == "stage 0 (mac) runs on mac_array.mac"
    assert by_name["place"].words.endswith("y: SPAD → DRAM")
    assert by_name["tile"].words == ("level 1 (SPAD): oc in tiles of 4 (of 16), ic in tiles "
                                     "of 3 (of 6); whole: n, oh, ow, kh, kw")
    order = by_name["order"]
    assert order.words == "level 1, outermost first: oc ×4 → ic ×2; b, y stay on chip while ic runs"
    (alt,) = order.alternatives  # only one other order of the two loops that repeat
    assert alt.words.startswith("level 1, outermost first: ic ×2 → oc ×4")
    assert alt.cost > order.chosen.cost * 1.1  # type: ignore[union-attr]
    assert "beat 1: level 1, outermost first: ic ×2 → oc ×4" in order.text()


def test_each_alternative_costs_what_compiling_it_costs(teaching: ACG) -> None:
    """An alternative's cost is the search cost of the layer compiled under the constraints
    that force it (the same cost model, the same numbers)."""
    result = compile(CONV, teaching)
    checked = 0
    for d in result.decisions:
        for alt in d.alternatives:
            if alt.constraints is None:
                continue
            forced = plan(result.codelet, teaching, alt.constraints)
            assert forced.estimate == pytest.approx(alt.cost)
            checked += 1
    assert checked >= 4


def test_a_capability_alternative_costs_its_own_compile() -> None:
    genesys = load_arch("genesys")
    match = compile(CONV, genesys).decisions[0]
    assert match.words == "stage 0 (mac) runs on pe_array.mac"
    (simd,) = [a for a in match.alternatives if "simd" in a.words]
    forced = plan(CONV, genesys, Constraints.of(capability={0: "simd"}))
    assert simd.cost == pytest.approx(forced.estimate)
    assert simd.cost > 5 * match.chosen.cost  # type: ignore[union-attr]


def test_a_constrained_decision_says_so(teaching: ACG) -> None:
    order = ("n", "ic", "oc", "oh", "ow", "kh", "kw")
    result = compile(CONV, teaching, Constraints.of(order=order, tiles={"oc": 8}))
    by_name = {d.name: d for d in result.decisions}
    assert by_name["order"].constrained == "order n,ic,oc,oh,ow,kh,kw"
    assert by_name["order"].alternatives == ()  # the constraint leaves no other order
    assert "fixed by the constraint order" in by_name["order"].text()
    assert by_name["tile"].constrained == "tiles oc=8"
    for alt in by_name["tile"].alternatives:  # they respect the constraint too
        assert "oc in tiles of 8" in alt.words
    free = compile(CONV, teaching)
    assert by_name["order"].chosen.cost > free.decisions[-1].chosen.cost  # type: ignore[union-attr]


def test_log_text_with_why(teaching: ACG) -> None:
    result = compile(CONV, teaching)
    text = result.log_text(why=True)
    assert "chose: level 1 (SPAD): oc in tiles of 4" in text
    assert text.count("  beat ") == sum(len(d.alternatives) for d in result.decisions)
    assert "chose:" not in result.log_text()


def test_a_compile_for_energy_says_its_decisions_have_no_cycle_costs() -> None:
    from covenant_lab.acg import load_arch
    from covenant_lab.compiler import compile as compile_layer
    from covenant_lab.suite import load_suite_layer, suite_layer

    layer = load_suite_layer(suite_layer("resnet50_3x3"))[0]
    result = compile_layer(layer, load_arch("teaching"), objective="energy")
    assert result.decisions and all(
        d.chosen is None and d.alternatives == () and "least energy" in d.note
        for d in result.decisions)
    assert "searched for the least energy" in result.log_text(why=True)
