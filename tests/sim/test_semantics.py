"""Functional simulation of hand-made programs against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.codelets.ir import Access, Affine, Codelet, Const, Dim, Operand, Stage, Stmt
from covenant_lab.compiler.program import Compute, Transfer
from covenant_lab.sim import Simulator
from covenant_lab.sim.semantics import _SEMANTICS, Machine, semantics
from covenant_lab.types import DType, OpKind, Role

from ._build import ProgramBuilder, conv_codelet, tiled_gemm, tiny

RNG = np.random.default_rng(7)


@pytest.mark.parametrize(("m", "n", "k", "double"), [(8, 8, 12, True), (8, 8, 8, False),
                                                      (7, 6, 9, True)])
def test_tiled_gemm_equals_matmul(m: int, n: int, k: int, double: bool) -> None:
    a, b = RNG.standard_normal((m, k)), RNG.standard_normal((k, n))
    sim = Simulator(tiled_gemm(m, n, k, 4, double_buffer=double), tiny(), {"a": a, "b": b})
    sim.run()
    np.testing.assert_allclose(sim.outputs()["c"], a @ b, rtol=1e-12)
    sim.check({"c": a @ b})


def test_gemm_with_bias_init_tile() -> None:
    a, b, bias = RNG.standard_normal((8, 8)), RNG.standard_normal((8, 8)), RNG.standard_normal(8)
    sim = Simulator(tiled_gemm(8, 8, 8, 4, bias=True), tiny(), {"a": a, "b": b, "bias": bias})
    np.testing.assert_allclose(sim.run().outputs()["c"], a @ b + bias, rtol=1e-12)


def _conv_reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    xp = np.pad(x, 1)
    h, wd = x.shape
    return np.array([[np.sum(xp[i:i + 3, j:j + 3] * w) for j in range(wd)] for i in range(h)])


def test_conv_tiles_read_padding_fill() -> None:
    """Two output row bands; each input tile is the clipped halo window, the rest is fill."""
    pb = ProgramBuilder(conv_codelet(6, 6, 3, 3), tiny())
    w = pb.load("w", ((0, 3), (0, 3)), 0)
    for band, (lo, hi) in enumerate(((0, 3), (3, 6))):
        rows = (max(lo - 1, 0), min(hi + 1, 6))  # oh + r - 1 clipped to the tensor
        x = pb.load("x", (rows, (0, 6)), 64 + 128 * band)
        y = pb.tile("y", ((lo, hi), (0, 6)), 512 + 128 * band)
        pb.compute({"oh": (lo, hi), "ow": (0, 6), "r": (0, 3), "s": (0, 3)},
                   {"a": x, "b": w, "acc": y}, init=True)
        pb.store(y)
    x_val, w_val = RNG.standard_normal((6, 6)), RNG.standard_normal((3, 3))
    sim = Simulator(pb.build(), tiny(), {"x": x_val, "w": w_val}).run()
    np.testing.assert_allclose(sim.outputs()["y"], _conv_reference(x_val, w_val), rtol=1e-12)


def test_accumulating_without_init_starts_from_memory() -> None:
    """c += a @ b over a c that already holds values (init=False on every compute)."""
    pb = ProgramBuilder(_gemm_keep(4), tiny())
    a = pb.load("a", ((0, 4), (0, 4)), 0)
    b = pb.load("b", ((0, 4), (0, 4)), 64)
    c = pb.load("c", ((0, 4), (0, 4)), 128)
    pb.compute({"m": (0, 4), "n": (0, 4), "k": (0, 4)}, {"a": a, "b": b, "acc": c})
    pb.store(c)
    av, bv, cv = (RNG.standard_normal((4, 4)) for _ in range(3))
    sim = Simulator(pb.build(), tiny(), {"a": av, "b": bv, "c": cv}).run()
    np.testing.assert_allclose(sim.outputs()["c"], cv + av @ bv, rtol=1e-12)


def _gemm_keep(n: int) -> Codelet:
    v = Affine.of
    stmt = Stmt(OpKind.MAC, Access("c", (v("m"), v("n"))),
                (Access("a", (v("m"), v("k"))), Access("b", (v("k"), v("n")))), None)
    f32 = DType.FLOAT32
    return Codelet("gemm_acc", (Dim("m", n), Dim("n", n), Dim("k", n)),
                   (Operand("a", (n, n), f32, Role.INPUT), Operand("b", (n, n), f32, Role.WEIGHT),
                    Operand("c", (n, n), f32, Role.OUTPUT)),
                   (Stage(("m", "n", "k"), stmt),))


def _row_reduce(op: OpKind) -> Codelet:
    v = Affine.of
    stmt = Stmt(op, Access("y", (v("i"),)), (Access("x", (v("i"), v("j"))),), Const(op.identity))
    f32 = DType.FLOAT32
    return Codelet("rowred", (Dim("i", 4), Dim("j", 8)),
                   (Operand("x", (4, 8), f32, Role.INPUT), Operand("y", (4,), f32, Role.OUTPUT)),
                   (Stage(("i", "j"), stmt),))


@pytest.mark.parametrize(("op", "fn"), [(OpKind.REDUCE_ADD, np.sum), (OpKind.REDUCE_MAX, np.max),
                                        (OpKind.REDUCE_MIN, np.min)])
def test_reductions_over_two_tiles(op: OpKind, fn: object) -> None:
    pb = ProgramBuilder(_row_reduce(op), tiny())
    y = pb.tile("y", ((0, 4),), 512)
    for half in range(2):
        x = pb.load("x", ((0, 4), (4 * half, 4 * half + 4)), 64 * half)
        pb.compute({"i": (0, 4), "j": (4 * half, 4 * half + 4)}, {"a": x, "acc": y},
                   init=half == 0, capability=op.value)
    pb.store(y)
    x_val = RNG.standard_normal((4, 8))
    sim = Simulator(pb.build(), tiny(), {"x": x_val}).run()
    np.testing.assert_allclose(sim.outputs()["y"], fn(x_val, axis=1), rtol=1e-12)  # type: ignore[operator]


def test_elementwise_relu() -> None:
    from ._build import relu_codelet

    pb = ProgramBuilder(relu_codelet(8, 4), tiny())
    for k in range(2):
        x = pb.load("x", ((4 * k, 4 * k + 4), (0, 4)), 64 * k)
        y = pb.tile("y", ((4 * k, 4 * k + 4), (0, 4)), 256 + 64 * k)
        pb.compute({"i": (4 * k, 4 * k + 4), "j": (0, 4)}, {"a": x, "out": y}, capability="relu")
        pb.store(y)
    x_val = RNG.standard_normal((8, 4))
    sim = Simulator(pb.build(), tiny(), {"x": x_val}).run()
    np.testing.assert_array_equal(sim.outputs()["y"], np.maximum(x_val, 0))


def test_semantics_are_a_table_per_instruction_type(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(_SEMANTICS) == {Transfer, Compute}
    original = _SEMANTICS[Compute]
    monkeypatch.setitem(_SEMANTICS, Compute, original)  # restored afterwards
    calls: list[int] = []

    @semantics(Compute)
    def traced(m: Machine, i: int, ins: Compute) -> None:
        calls.append(i)
        original(m, i, ins)

    assert _SEMANTICS[Compute] is traced
    ones = np.ones((4, 4))
    Simulator(tiled_gemm(4, 4, 4, 4), tiny(), {"a": ones, "b": ones}).run()
    assert calls == [2]
