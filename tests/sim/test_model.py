"""run_model: layer programs chained through a tensor environment."""

from __future__ import annotations

import numpy as np
import pytest

from covenant_lab.errors import SimulationError
from covenant_lab.sim import run_model

from ._build import ProgramBuilder, relu_codelet, tiled_gemm, tiny


def _relu_program():
    pb = ProgramBuilder(relu_codelet(8, 8), tiny())
    for k in range(4):
        rows, cols = (4 * (k // 2), 4 * (k // 2) + 4), (4 * (k % 2), 4 * (k % 2) + 4)
        x = pb.load("x", (rows, cols), 64 * (k % 2))
        y = pb.tile("y", (rows, cols), 256 + 64 * (k % 2))
        pb.compute({"i": rows, "j": cols}, {"a": x, "out": y}, capability="relu")
        pb.store(y)
    return pb.build()


LAYERS = [
    ("fc", tiled_gemm(8, 8, 12, 4), {"a": "input", "b": "fc.w", "c": "t0"}),
    ("relu", _relu_program(), {"x": "t0", "y": "output"}),
]


def test_layers_chain_through_the_environment() -> None:
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((8, 12)), rng.standard_normal((12, 8))
    result = run_model(LAYERS, tiny(), {"input": x, "fc.w": w})
    np.testing.assert_allclose(result.env["output"], np.maximum(x @ w, 0), rtol=1e-12)
    np.testing.assert_allclose(result.env["t0"], x @ w, rtol=1e-12)
    assert list(result.cycles) == ["fc", "relu"]
    assert result.total_cycles == sum(result.cycles.values())
    assert result.layers[1].instructions == 12
    assert result.layers[1].bytes_moved == 2 * 8 * 8 * 4


def test_timing_only_model() -> None:
    result = run_model(LAYERS, tiny(), {}, functional=False)
    assert result.env == {}
    assert all(layer.cycles > 0 for layer in result.layers)


def test_missing_tensor_names_the_layer() -> None:
    with pytest.raises(SimulationError, match=r"layer 'fc': tensor 'fc.w' \(operand 'b'\) is not "
                                              r"available"):
        run_model(LAYERS, tiny(), {"input": np.ones((8, 12))})
