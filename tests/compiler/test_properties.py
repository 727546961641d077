"""Property: for random shapes and random legal tile constraints, the compiled program computes
what the codelet interpreter computes (functional simulation), on every shipped architecture."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import Constraints, compile
from covenant_lab.errors import MappingError
from covenant_lab.sim import Simulator
from covenant_lab.types import OpKind
from tests.compiler.conftest import SHIPPED, random_inputs

ARCHS = {name: load_arch(name) for name in SHIPPED}
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_and_check(codelet: Codelet, arch_name: str, tiles: dict[str, int]) -> None:
    acg = ARCHS[arch_name]
    try:
        result = compile(codelet, acg, Constraints.of(tiles=tiles))
    except MappingError:
        result = compile(codelet, acg)  # the random tiles did not fit: search freely
    inputs = random_inputs(codelet)
    sim = Simulator(result.program, acg, inputs).run()
    sim.check(interpret(codelet, inputs), layer=codelet.name)


def random_tiles(draw: Callable[[st.SearchStrategy[int]], int], codelet: Codelet) -> dict[str, int]:
    return {d.name: draw(st.integers(1, d.extent)) for d in codelet.dims if draw(st.booleans())}


@SETTINGS
@given(data=st.data(), arch=st.sampled_from(SHIPPED))
def test_conv(data: st.DataObject, arch: str) -> None:
    ic, oc = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 9))
    h, w = data.draw(st.integers(3, 9)), data.draw(st.integers(3, 9))
    k = data.draw(st.sampled_from([1, 3]))
    s = data.draw(st.sampled_from([1, 2]))
    p = data.draw(st.integers(0, k // 2))
    conv = L.conv2d(
        (1, ic, h, w),
        (oc, ic, k, k),
        bias=data.draw(st.booleans()),
        strides=(s, s),
        pads=(p, p, p, p),
    )
    run_and_check(conv, arch, random_tiles(data.draw, conv))


@SETTINGS
@given(data=st.data(), arch=st.sampled_from(SHIPPED))
def test_matmul(data: st.DataObject, arch: str) -> None:
    m, k, n = (data.draw(st.integers(1, 20)) for _ in range(3))
    mm = L.matmul((m, k), (k, n))
    run_and_check(mm, arch, random_tiles(data.draw, mm))


@SETTINGS
@given(data=st.data(), arch=st.sampled_from(SHIPPED))
def test_elementwise(data: st.DataObject, arch: str) -> None:
    shape = tuple(data.draw(st.integers(1, 12)) for _ in range(data.draw(st.integers(1, 3))))
    bshape = tuple(1 if data.draw(st.booleans()) else n for n in shape)
    op = data.draw(st.sampled_from([OpKind.ADD, OpKind.SUB, OpKind.MUL, OpKind.MAX]))
    ew = L.elementwise(op, shape, bshape)
    run_and_check(ew, arch, random_tiles(data.draw, ew))


def test_inputs_are_not_modified() -> None:
    mm = L.matmul((4, 5), (5, 6))
    inputs = random_inputs(mm)
    before = {k: v.copy() for k, v in inputs.items()}
    acg = ARCHS["teaching"]
    Simulator(compile(mm, acg).program, acg, inputs).run()
    for k, v in before.items():
        np.testing.assert_array_equal(inputs[k], v)
