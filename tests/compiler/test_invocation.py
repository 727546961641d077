"""Cycles of one invocation (``compiler/invocation.py``) for a batch of candidate blocks: what
each block alone gives, also when no candidate of the batch has a partial fold (those folds
are then not timed at all)."""

from __future__ import annotations

import numpy as np

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.compiler.invocation import invocation_cycles


def test_a_batch_times_each_block_as_it_would_alone() -> None:
    # relu on the teaching vector unit: d1 on its 4 lanes, d0 streamed, ``stream + 2``
    # cycles per fold of the lanes. Blocks (d0, d1): (1, 4) one fold of 1 + 2 = 3;
    # (3, 8) two folds of 5 = 10; (1, 16) four folds of 3 = 12; (3, 6) a full fold and a
    # partial one (2 lanes), each 5 = 10
    acg = load_arch("teaching")
    m = compile(L.relu((6, 16)), acg).mapping
    b, spatial = m.binding(0), m.spatial[0]
    assert spatial.loops_on("lanes") == ("d1",) and spatial.stream == ("d0",)
    d0, d1 = np.array([1, 3, 1, 3]), np.array([4, 8, 16, 6])
    alone = [invocation_cycles(b.node, b.capability, spatial, {"d0": int(x), "d1": int(y)})
             for x, y in zip(d0, d1, strict=True)]
    assert alone == [3, 10, 12, 10]
    batch = invocation_cycles(b.node, b.capability, spatial, {"d0": d0, "d1": d1})
    np.testing.assert_array_equal(batch, alone)
    # no partial fold in the batch (multiples of 4 lanes): the same numbers
    whole = invocation_cycles(b.node, b.capability, spatial, {"d0": d0[:3], "d1": d1[:3]})
    np.testing.assert_array_equal(whole, alone[:3])


def test_passes_pay_the_overhead_each_or_once_per_invocation() -> None:
    """The docs' example on a 16 x 16 GeneSys-style array (``stream + 1`` per fold, a
    ``rows + cols - 2`` = 30 cycle skew): 72 rows of reduction in 5 folds (4 of 16, one of
    8), 16 columns, 49 streamed, and a repeat loop of 3 (three weight blocks): 5 x 50 = 250
    per pass. Paid per pass: 3 x (250 + 30) = 840; with ``overhead_per: invocation`` the
    passes run back to back: 3 x 250 + 30 = 780."""
    from dataclasses import replace

    from covenant_lab.acg.capabilities import OverheadPer
    from covenant_lab.compiler.mapping import Spatial

    acg = load_arch("genesys", params={"rows": 16, "cols": 16})
    node = acg.compute("pe_array")
    cap = node.capabilities[0]
    assert cap.overhead_per is OverheadPer.INVOCATION  # the shipped file (its header: SA_LOOP)
    spatial = Spatial((("rows", ("c",)), ("cols", ("k",))), ("p",), ("g",))
    sizes = {"c": 72, "k": 16, "p": 49, "g": 3}
    assert invocation_cycles(node, cap, spatial, sizes) == 780
    per_pass = replace(cap, overhead_per=OverheadPer.PASS)
    assert invocation_cycles(node, per_pass, spatial, sizes) == 840
    # one pass: the same either way
    assert invocation_cycles(node, per_pass, spatial, {**sizes, "g": 1}) == 280
    assert invocation_cycles(node, cap, spatial, {**sizes, "g": 1}) == 280
