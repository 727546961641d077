"""Several loops sharing one spatial dimension, when no loop alone fills it evenly."""

from __future__ import annotations

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import compile
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.passes.spatial import preferences
from covenant_lab.compiler.program import Compute
from covenant_lab.sim import Simulator
from tests.compiler.conftest import random_inputs

HVX = load_arch("hvx")


def _lanes(result: object) -> list[int]:
    return [dict(i.params)["used_lanes"] for i in result.program.instrs  # type: ignore[attr-defined]
            if isinstance(i, Compute)]


def test_two_loops_share_the_lanes_where_neither_fills_them() -> None:
    # 1x1 conv on 14x14 pixels, 16 output channels: no loop's extent is a multiple of the 32
    # lanes, so one loop alone leaves lanes idle in every pass; two loops together fill them
    conv = L.conv2d((1, 8, 14, 14), (16, 8, 1, 1))
    shared = compile(conv, HVX)
    (lanes,) = [loops for dim, loops in shared.mapping.spatial[0].dims if dim == "lanes"]
    assert len(lanes) == 2
    # 16 output channels x 14 rows = 224 = 7 passes of all 32 lanes in every invocation
    rows = [dict((lp, hi - lo) for lp, lo, hi in i.box)["oh"]
            for i in shared.program.instrs if isinstance(i, Compute)]
    assert all(16 * n % 32 == 0 for n in rows) and set(_lanes(shared)) == {32}
    alone = compile(conv, HVX, Constraints(spatial=(("lanes", ("oh",)),)))
    assert max(_lanes(alone)) == 14
    run_shared = Simulator(shared.program, HVX).run()
    assert run_shared.total_cycles < Simulator(alone.program, HVX).run().total_cycles
    inputs = random_inputs(conv)
    Simulator(shared.program, HVX, inputs).run().check(interpret(conv, inputs), layer="conv")


def test_pairs_are_offered_only_where_no_loop_fills_the_dimension() -> None:
    from covenant_lab.compiler.mapping import Mapping
    from covenant_lab.compiler.passes.match import MatchCapabilities

    def options(codelet: object) -> list[tuple[str, ...]]:
        m = MatchCapabilities().run(Mapping(codelet), HVX)  # type: ignore[arg-type]
        return preferences(codelet, m)  # type: ignore[arg-type]

    assert any(len(o) == 2 for o in options(L.conv2d((1, 8, 14, 14), (16, 8, 1, 1))))
    assert all(len(o) < 2 for o in options(L.conv2d((1, 8, 32, 32), (16, 8, 1, 1))))
