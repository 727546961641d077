"""The covenant: a fourth architecture, written only as a test fixture, compiles every layer
of the suite and the models with no change to the compiler, and its programs are correct."""

from __future__ import annotations

import pytest

from covenant_lab.acg import load_arch
from covenant_lab.codelets.interpret import interpret
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler import compile, compile_model
from covenant_lab.frontends.onnx import load
from covenant_lab.models import BUILDERS
from covenant_lab.sim import Simulator
from covenant_lab.suite import SUITE, SuiteLayer, load_suite_layer
from tests.compiler.conftest import FIXTURES, random_inputs, small_layers

GEMMINI = load_arch(FIXTURES / "gemmini.yaml")


@pytest.mark.parametrize(("name", "codelet"), sorted(small_layers().items()))
def test_small_layers_are_correct_on_the_fixture(name: str, codelet: Codelet) -> None:
    result = compile(codelet, GEMMINI)
    inputs = random_inputs(codelet)
    Simulator(result.program, GEMMINI, inputs).run().check(interpret(codelet, inputs), layer=name)


@pytest.mark.parametrize("entry", SUITE, ids=[e.name for e in SUITE])
def test_suite_compiles_on_the_fixture(entry: SuiteLayer) -> None:
    for layer in load_suite_layer(entry):
        result = compile(layer, GEMMINI)
        assert result.program.instrs
        assert Simulator(result.program, GEMMINI).run().total_cycles > 0


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(BUILDERS))
def test_models_compile_on_the_fixture(model: str) -> None:
    result = compile_model(load(BUILDERS[model]()), GEMMINI)
    assert all(c.result.program.instrs for c in result.layers)
