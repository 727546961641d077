"""Fixtures of the widget tests: shipped architectures, a small compiled layer, a simulator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import CompileResult, compile

SHIPPED = ("teaching", "genesys", "hvx")


def small_layer() -> Codelet:
    return L.matmul((16, 40), (40, 24))


def inputs_of(codelet: Codelet) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {o.name: rng.standard_normal(o.shape) for o in codelet.inputs}


@pytest.fixture(scope="session")
def teaching() -> ACG:
    return load_arch("teaching")


@pytest.fixture(scope="session")
def layer() -> Codelet:
    return small_layer()


@pytest.fixture(scope="session")
def result(teaching: ACG, layer: Codelet) -> CompileResult:
    return compile(layer, teaching)


@pytest.fixture(scope="session")
def genesys_result(layer: Codelet) -> CompileResult:
    return compile(layer, load_arch("genesys"))


@pytest.fixture
def sim(result: CompileResult) -> Any:
    from covenant_lab.sim import Simulator

    return Simulator(result.program, result.arch, inputs_of(result.codelet))
