"""Fixtures of the compiler tests: shipped architectures, small layers, golden files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet
from covenant_lab.types import OpKind

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = ("teaching", "genesys", "hvx")


def small_layers() -> dict[str, Codelet]:
    """Layers small enough to simulate functionally in milliseconds, one per codelet family."""
    return {
        "conv": L.conv2d((1, 8, 10, 10), (12, 8, 3, 3), bias=True, pads=(1, 1, 1, 1)),
        "conv_s2": L.conv2d(
            (1, 3, 17, 17), (8, 3, 5, 5), bias=True, strides=(2, 2), pads=(2, 2, 2, 2)
        ),
        "depthwise": L.conv2d((1, 8, 9, 9), (8, 1, 3, 3), bias=True, pads=(1, 1, 1, 1), group=8),
        "gemm": L.matmul((16, 40), (40, 24)),
        "bmm": L.matmul((3, 8, 16), (3, 16, 8), b_is_weight=False),
        "softmax": L.softmax((2, 8, 16)),
        "layernorm": L.layernorm((6, 32)),
        "gelu": L.gelu((8, 40)),
        "maxpool": L.maxpool2d((1, 4, 11, 11), kernel=(3, 3), strides=(2, 2), pads=(1, 1, 1, 1)),
        "add_relu": L.chain(
            L.elementwise(OpKind.ADD, (1, 8, 6, 6), (1, 8, 6, 6)),
            L.relu((1, 8, 6, 6)),
            via=("y", "x"),
        ),
    }


def random_inputs(codelet: Codelet, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = {o.name: rng.standard_normal(o.shape) for o in codelet.inputs}
    values.update(L.constants(codelet))
    return values


@pytest.fixture(scope="session", params=SHIPPED)
def shipped_arch(request: pytest.FixtureRequest) -> ACG:
    return load_arch(request.param)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: compare with ``golden/<name>.txt``; ``--update-golden`` writes."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / f"{name}.txt"
        if update:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"missing golden file {path.name}; run pytest with --update-golden")
        assert text == path.read_text(encoding="utf-8")

    return check
