"""A timing expression that is finite at every point the loader samples but not at some
invocation the search meets: the search never picks that invocation, and forcing it names the
capability, the value and the invocation (never 'no tiling fits', never a numpy warning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.acg.load import resolve_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import Constraints, compile
from covenant_lab.errors import MappingError
from covenant_lab.types import OpKind

# infinite at stream = 17 only (the loader samples 1..16 and a few powers of two)
BAD = 'cycles: "max(1, 1 / (stream - 17))", template: "VADD'


@pytest.fixture(scope="module")
def bad_teaching(tmp_path_factory: pytest.TempPathFactory) -> ACG:
    text = Path(resolve_arch("teaching")).read_text()
    assert 'cycles: stream + 2, template: "VADD' in text
    path = tmp_path_factory.mktemp("arch") / "bad_timing.yaml"
    path.write_text(text.replace('cycles: stream + 2, template: "VADD', BAD, 1))
    return load_arch(str(path))


def test_the_search_never_picks_an_invocation_whose_timing_is_infinite(bad_teaching: ACG) -> None:
    add = L.elementwise(OpKind.ADD, (17, 8), (17, 8))
    result = compile(add, bad_teaching, Constraints.of(spatial={"lanes": "d1"}))
    assert all(17 not in tiles for g in result.mapping.groups for tiles in g.tiles)
    assert result.estimate.cycles < float("inf")


def test_forcing_it_names_the_capability_the_value_and_the_invocation(bad_teaching: ACG) -> None:
    add = L.elementwise(OpKind.ADD, (17, 8), (17, 8))
    with pytest.raises(MappingError) as err:
        compile(add, bad_teaching, Constraints.of(spatial={"lanes": "d1"}, tiles={"d0": 17}))
    text = str(err.value)
    assert "capability 'add' on vector: its timing gives inf cycles" in text
    assert "'stream': 17" in text
    assert "no tiling fits" not in text
