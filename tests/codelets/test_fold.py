"""Folding a per-channel add into an accumulation's init (codelets/fold.py)."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.codelets import library as L
from covenant_lab.codelets.fold import fold_init, init_folds
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.ir import Codelet
from covenant_lab.codelets.printer import to_text
from covenant_lab.codelets.split import split_init
from covenant_lab.types import OpKind


def _matmul_add(bias_shape: tuple[int, ...], *, bias_first: bool = False) -> Codelet:
    add = L.elementwise(OpKind.ADD, *((bias_shape, (6, 5)) if bias_first else ((6, 5), bias_shape)))
    return L.chain(L.matmul((6, 4), (4, 5)), add, via=("y", "b" if bias_first else "a"))


def _values(c: Codelet, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {o.name: rng.standard_normal(o.shape) for o in c.inputs}


def _same_outputs(a: Codelet, b: Codelet) -> None:
    values = _values(a)
    got, want = interpret(b, values), interpret(a, values)
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12)


def test_a_bias_vector_after_a_matmul_becomes_its_init() -> None:
    c = _matmul_add((5,))
    assert init_folds(c) == ((0, 1),)
    folded = fold_init(c, 0, 1)
    stmt = folded.stages[0].stmt
    assert len(folded.stages) == 1
    assert str(stmt.dst) == "y[m, n]" and str(stmt.init) == "add_b[n]"
    assert "t0" not in {o.name for o in folded.operands}
    assert "y[m, n] += a[m, k] * b[k, n]   # init add_b[n]" in to_text(folded)
    _same_outputs(c, folded)


@pytest.mark.parametrize("shape", [(1, 5), (6, 1), (1,)], ids=["row", "column", "scalar"])
def test_broadcasts_of_one_axis_or_none_fold(shape: tuple[int, ...]) -> None:
    c = _matmul_add(shape)
    assert init_folds(c) == ((0, 1),)
    _same_outputs(c, fold_init(c, 0, 1))


def test_the_bias_may_be_the_first_operand() -> None:
    c = _matmul_add((5,), bias_first=True)
    assert init_folds(c) == ((0, 1),)
    _same_outputs(c, fold_init(c, 0, 1))


def test_a_full_tensor_is_not_folded() -> None:
    """A residual add reads as much as the output: it stays a stage of its own."""
    assert init_folds(_matmul_add((6, 5))) == ()


def test_a_conv_and_a_per_channel_add_fold_and_split_back() -> None:
    conv = L.conv2d((1, 3, 6, 6), (4, 3, 3, 3), pads=(1, 1, 1, 1))
    add = L.elementwise(OpKind.ADD, (1, 4, 6, 6), (4, 1, 1))
    c = L.chain(conv, add, via=("y", "a"))
    assert init_folds(c) == ((0, 1),)
    folded = fold_init(c, 0, 1)
    _same_outputs(c, folded)
    again = split_init(folded, 0)  # the inverse, for a unit with no init port
    assert [st.stmt.op for st in again.stages] == [OpKind.MAC, OpKind.ADD]
    _same_outputs(c, again)


def test_only_an_accumulation_from_its_identity_folds() -> None:
    """A conv whose init is already its own bias keeps the add after it."""
    conv = L.conv2d((1, 3, 6, 6), (4, 3, 3, 3), bias=True, pads=(1, 1, 1, 1))
    add = L.elementwise(OpKind.ADD, (1, 4, 6, 6), (4, 1, 1))
    assert init_folds(L.chain(conv, add, via=("y", "a"))) == ()


def test_other_combinations_do_not_fold() -> None:
    mul = L.chain(L.matmul((6, 4), (4, 5)), L.elementwise(OpKind.MUL, (6, 5), (5,)),
                  via=("y", "a"))
    relu = L.chain(L.matmul((6, 4), (4, 5)), L.relu((6, 5)), via=("y", "x"))
    assert init_folds(mul) == ()
    assert init_folds(relu) == ()


def test_a_temp_read_by_a_later_stage_too_is_not_folded() -> None:
    """matmul -> add bias -> relu: the add folds; the relu after it is untouched."""
    c = L.chain(_matmul_add((5,)), L.relu((6, 5)), via=("y", "x"))
    assert init_folds(c) == ((0, 1),)
    folded = fold_init(c, 0, 1)
    assert [st.stmt.op for st in folded.stages] == [OpKind.MAC, OpKind.RELU]
    _same_outputs(c, folded)
