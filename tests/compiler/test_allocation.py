"""Property: one liveness-aware allocator gives every tile of every stage group, temp and fused
layer bytes no other live tile uses. Random fusion and tile constraints on every shipped and
fixture architecture; the simulator's sanitizer (live-tile overlap) is the judge."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from covenant_lab.acg import ACG, load_arch, shipped_archs
from covenant_lab.compiler import Constraints, compile
from covenant_lab.errors import MappingError
from covenant_lab.sim import Simulator
from tests.compiler.conftest import FIXTURES, small_layers

ARCHS: dict[str, ACG] = {name: load_arch(name) for name in shipped_archs()}
ARCHS.update({p.stem: load_arch(p) for p in sorted(FIXTURES.glob("*.yaml"))})
LAYERS = small_layers()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), arch=st.sampled_from(sorted(ARCHS)), name=st.sampled_from(sorted(LAYERS)))
def test_no_two_live_tiles_share_a_byte(data: st.DataObject, arch: str, name: str) -> None:
    codelet, acg = LAYERS[name], ARCHS[arch]
    tiles = {d.name: data.draw(st.integers(1, d.extent), label=d.name)
             for d in codelet.dims if data.draw(st.booleans())}
    fuse = data.draw(st.sampled_from([None, True, False]), label="fuse")
    try:
        result = compile(codelet, acg, Constraints.of(tiles=tiles, fuse=fuse))
    except MappingError:
        assume(False)  # constraints no mapping meets: nothing to allocate
        return
    Simulator(result.program, acg).run()  # raises on any overlap of live tiles


def test_a_blocked_output_is_tiled_in_whole_blocks() -> None:
    # found by the test above: a 9 x 9 depthwise conv blocked 3 x 3 on the Simba file, its
    # ow_pos tiled 2 of 3, stored columns 0-9 of which its tiles wrote 0, 1, 3, 4, 6, 7
    codelet, acg = LAYERS["depthwise"], ARCHS["simba"]
    result = compile(codelet, acg, Constraints.of(tiles={"kh": 1}, fuse=False))
    Simulator(result.program, acg).run()
    tiles = [dict(zip(g.tile_loops, g.tiles[-1], strict=True)) for g in result.mapping.groups]
    assert all(t[lp] == 3 for t in tiles for lp in ("oh_pos", "ow_pos") if lp in t)
