"""The structural bound: unit peaks scaled by the spatial fill a layer's loops allow, checked
against fills and cycles derived by hand."""

from __future__ import annotations

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.analysis.bounds import ideal_bound
from covenant_lab.analysis.structural import spatial_fill, structural_bound
from covenant_lab.codelets import library as L


@pytest.fixture(scope="module")
def genesys16() -> ACG:
    return load_arch("genesys", params={"rows": 16, "cols": 16})


def test_pointwise_conv_with_24_channels_fills_three_quarters_of_16_rows(genesys16: ACG) -> None:
    conv = L.conv2d((1, 24, 28, 28), (144, 24, 1, 1))
    array = genesys16.compute("pe_array").capabilities[0]
    fill = spatial_fill(conv, conv.stages[0], array)
    # rows: ic = 24 in two passes of 16 -> 24 / 32; cols: oc = 144 = 9 x 16 -> full
    assert fill == {"rows": 0.75, "cols": 1.0}
    strict = ideal_bound(conv, genesys16)
    s = structural_bound(conv, genesys16)
    macs = 24 * 144 * 28 * 28
    assert strict.compute_cycles == macs / 256
    assert s.bound.compute_cycles == pytest.approx(macs / (256 * 0.75))
    assert s.bound.cycles == max(s.bound.compute_cycles, strict.memory_cycles)
    assert "pe_array fills rows 75%, cols 100%" in s.reasons[0]


def test_depthwise_conv_is_bounded_by_the_simd_lanes_on_genesys() -> None:
    genesys = load_arch("genesys")
    dw = L.conv2d((1, 32, 112, 112), (32, 1, 3, 3), pads=(1, 1, 1, 1), group=32)
    # the array reduces over kh x kw = 9 of 32 rows; no loop indexes w and y without x
    # (channels index all three), so one column of 32: 9 MACs per cycle; the SIMD's 32 lanes
    # take the channels (or pixels) whole: 32 per cycle, the better unit
    array = genesys.compute("pe_array").capabilities[0]
    assert spatial_fill(dw, dw.stages[0], array) == {"rows": 9 / 32, "cols": 1 / 32}
    s = structural_bound(dw, genesys)
    assert s.bound.compute_cycles == 32 * 112 * 112 * 9 / 32
    assert ideal_bound(dw, genesys).compute_cycles == 32 * 112 * 112 * 9 / 1024
    assert "simd fills lanes 100% (32 of 32 per cycle)" in s.reasons[0]


def test_a_gemm_that_fills_the_array_has_no_structural_gap() -> None:
    genesys = load_arch("genesys")
    gemm = L.matmul((128, 256), (256, 64))
    s = structural_bound(gemm, genesys)
    assert s.bound == ideal_bound(gemm, genesys)
    assert s.reasons == ()


def test_stages_that_share_their_best_unit_add_up() -> None:
    # MobileNetV2 features.3.conv.1 with its ReLU6 fused: the depthwise MACs go to the SIMD
    # (the array fills 9 of 1024 PEs), and the clip's max and min run only on the SIMD: they
    # take turns there, 56*56*144*9/32 + 2 * 56*56*144/32 cycles (the strict formula, each
    # stage at its best unit apart, said 127,008)
    from covenant_lab.compiler.model import fuse_pair
    from covenant_lab.frontends.onnx import load
    from covenant_lab.models import BUILDERS

    genesys = load_arch("genesys")
    layers = {la.name: la for la in load(BUILDERS["mobilenetv2"]()).layers}
    fused = fuse_pair(layers["features.3.conv.1"], layers["features.3.conv.1.clip"])
    assert fused is not None
    s = structural_bound(fused.codelet, genesys)
    assert s.bound.compute_cycles == 56 * 56 * 144 * 9 / 32 + 2 * 56 * 56 * 144 / 32 == 155232
    assert "stages 0, 1, 2 take turns on one unit: 155,232 cycles together" in s.reasons
