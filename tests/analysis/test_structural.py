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
    # the array does 192 MACs a cycle, the SIMD's 16 lanes 16 more on other output channels:
    # the bound divides the MACs between them, 2,709,504 / 208 = 13,026.5 cycles
    assert s.bound.compute_cycles == pytest.approx(macs / (256 * 0.75 + 16))
    assert s.bound.cycles == 13027 > strict.memory_cycles
    assert s.reasons == (
        "stage 0: pe_array fills rows 75%, cols 100% (192 of 256 per cycle); simd fills "
        "lanes 100% (16 of 16 per cycle)",
        "stage 0 divided among units, each on its own outputs: 92% on pe_array, 8% on simd")


def test_depthwise_conv_is_bounded_by_blocks_on_genesys_array() -> None:
    genesys = load_arch("genesys")
    dw = L.conv2d((1, 32, 112, 112), (32, 1, 3, 3), pads=(1, 1, 1, 1), group=32)
    # as written, the array reduces over kh x kw = 9 of 32 rows and no loop indexes w and y
    # without x (channels index all three): one column of 32, 9 MACs per cycle
    array = genesys.compute("pe_array").capabilities[0]
    assert spatial_fill(dw, dw.stages[0], array) == {"rows": 9 / 32, "cols": 1 / 32}
    # blocked (compiler/passes/block.py), each output costs a window of MACs with the band's
    # zeros, and the band moves over the one AXI port (64 B/cycle) with everything else. The
    # layer moves 2,007,328 bytes, its weights 288 of them: 31,364.5 cycles. Blocks of
    # - 4 x 7 outputs: 6 x 9 = 54 rows in 2 folds (54 of 64), 28 of 32 columns:
    #   32 * 112 * 112 * 54 / (1024 * 54/64 * 28/32) = 28,672 cycles; a band of
    #   32 * 54 * 28 = 48,384 bytes: (2,007,040 + 48,384) / 64 = 32,116 cycles of memory;
    # - 2 x 4 outputs: 4 x 6 = 24 of 32 rows, 8 of 32 columns: 72 useful MACs a cycle,
    #   50,176 cycles; a band of 32 * 24 * 8 = 6,144 bytes: 31,456 cycles of memory;
    # and the SIMD's 32 lanes take 112,896 cycles for all of it, moving x and y as int32
    # words (its ports' type) and w too: 2 * 1,605,632 + 1,152 bytes, 50,194 cycles of
    # memory, so the bound gives it no part. The array's two forms share it, each on its
    # own channels, the array and the memory taking the same time T:
    #   50,176 a + 28,672 b = T = 31,364.5 + 91.5 a + 751.5 b,  a + b = 1
    #   ->  a = 3,444 / 22,164,  T = 32,013.4 (16% in blocks of 2 x 4, 84% of 4 x 7)
    # (whole, the best was the 4 x 7 blocks' 32,116; strict compute is 3,528)
    a = 3_444 / 22_164
    tight = 28_672 + 21_504 * a
    s = structural_bound(dw, genesys)
    assert ideal_bound(dw, genesys).compute_cycles == 32 * 112 * 112 * 9 / 1024
    assert ideal_bound(dw, genesys).memory_cycles == 2_007_328 / 64
    assert s.bound.compute_cycles == pytest.approx(tight)
    assert s.bound.memory_cycles == pytest.approx(tight)
    assert s.parts[0] == (("pe_array", pytest.approx(1.0)),)
    assert s.reasons == (
        "stage 0: pe_array fills rows 84%, cols 88% in blocks of 4 x 7 outputs (126 of 1024 "
        "per cycle); simd fills lanes 100% (32 of 32 per cycle)",)


def test_a_blocked_depthwise_conv_names_its_blocks_on_genesys16(genesys16: ACG) -> None:
    # 4 x 4 outputs on 16 columns, a 6 x 6 window in 3 folds of 16 rows (36 of 48):
    # 16 * 9 / 3 = 48 useful MACs per cycle; the SIMD's 16 lanes do 16 on other channels:
    # 144 * 56 * 56 * 9 / (48 + 16) = 63,504 cycles, three quarters of it on the array
    dw = L.conv2d((1, 144, 56, 56), (144, 1, 3, 3), pads=(1, 1, 1, 1), group=144)
    s = structural_bound(dw, genesys16)
    assert s.bound.compute_cycles == 144 * 56 * 56 * 9 / 64 == 63504
    assert s.reasons == (
        "stage 0: pe_array fills rows 75%, cols 100% in blocks of 4 x 4 outputs (48 of 256 "
        "per cycle); simd fills lanes 100% (16 of 16 per cycle)",
        "stage 0 divided among units, each on its own outputs: 75% on pe_array in blocks of "
        "4 x 4 outputs, 25% on simd")


def test_a_gemm_that_fills_the_array_has_no_structural_gap() -> None:
    genesys = load_arch("genesys")
    gemm = L.matmul((128, 256), (256, 64))
    s = structural_bound(gemm, genesys)
    assert s.bound == ideal_bound(gemm, genesys)
    assert s.reasons == ()


def test_a_divided_stage_leaves_its_units_room_for_the_stages_only_one_runs() -> None:
    # a depthwise conv on a 1 x 1 map (nothing to block) with a ReLU6 fused: the clip's max
    # and min run only on the SIMD (2 * 1024 / 32 = 64 cycles), the MACs on the SIMD at 32 a
    # cycle or the array at 9 (9 of its 1024 PEs). Divided so both are busy as long:
    # 9216 s / 32 + 64 = 9216 (1 - s) / 9  ->  s = 960 / 1312, 274.7 cycles (the SIMD alone
    # took 352; the strict formula, each stage at its best unit apart, says 288 for the MACs).
    # The DRAM port is 4096 bits wide here, so the bytes do not bound it: the SIMD reads x and
    # w as int32 words (its port's type), 1024 * 4 + 9216 * 4 bytes, and y leaves as int32:
    # 45,056 bytes, 88 cycles at 512 B/cycle (at GeneSys's own 64 B/cycle they bound it, below)
    genesys = load_arch("genesys", params={"dram_bits": 4096})
    dw = L.conv2d((1, 1024, 1, 1), (1024, 1, 3, 3), pads=(1, 1, 1, 1), group=1024)
    fused = L.chain(dw, L.clip((1, 1024, 1, 1), 0.0, 6.0), via=("y", "x"))
    s = structural_bound(fused, genesys)
    assert s.bound.compute_cycles == pytest.approx(1024 * (1 - 960 / 1312))
    assert s.reasons[1] == ("stage 0 divided among units, each on its own outputs: 73% on simd, "
                            "27% on pe_array")


def test_a_unit_of_lanes_moves_its_operands_at_its_ports_width() -> None:
    # the layer above on GeneSys's 64 B/cycle port: on the array x and w move as int8
    # (1024 + 9216 bytes), y as int32 from the SIMD's clip (4096): 224 cycles of memory; the
    # SIMD's part moves its x and w as int32 words, 4 * (1024 + 9216) + 4096 = 45,056 bytes,
    # 704 cycles for all of it. With a part s on the SIMD:
    #   array 1024 (1 - s),  SIMD 288 s + 64,  memory 224 + (704 - 224) s
    # array = memory at s = 800 / 1504: 479.3 cycles (the SIMD busy 217)
    genesys = load_arch("genesys")
    dw = L.conv2d((1, 1024, 1, 1), (1024, 1, 3, 3), pads=(1, 1, 1, 1), group=1024)
    fused = L.chain(dw, L.clip((1, 1024, 1, 1), 0.0, 6.0), via=("y", "x"))
    s = structural_bound(fused, genesys)
    assert ideal_bound(fused, genesys).memory_cycles == (1024 + 9216 + 4096) / 64 == 224
    assert s.bound.compute_cycles == pytest.approx(1024 * 704 / 1504)
    assert s.bound.memory_cycles == pytest.approx(224 + 480 * 800 / 1504)
    assert s.parts[0] == (("simd", pytest.approx(800 / 1504)),
                          ("pe_array", pytest.approx(704 / 1504)))
    assert s.reasons[1:] == (
        "stage 0 divided among units, each on its own outputs: 53% on simd, 47% on pe_array",
        "memory: 479 cycles with simd's part moving its operands at its ports' widths (224 at "
        "the fastest unit's)")


def test_traffic_every_path_to_a_unit_carries_counts_on_that_comm_node() -> None:
    # tpu_v1 keeps activations in host memory; every path from there to the matrix unit's
    # Unified Buffer (and from its accumulators back) goes over PCIe at 21.47 B/cycle,
    # which the strict bound does not charge (the host's own cache path bypasses it):
    # 56 x 56 x 64 int8 in + 56 x 56 x 256 int8 out = 1,003,520 bytes / 21.47 = 46,741
    tpu = load_arch("tpu_v1")
    conv = L.conv2d((1, 64, 56, 56), (256, 64, 1, 1))
    strict = ideal_bound(conv, tpu)
    s = structural_bound(conv, tpu)
    assert strict.cycles == 11019  # the output's 802,816 bytes at the host's 72.86 B/cycle
    assert s.bound.memory_cycles == pytest.approx((56 * 56 * 64 + 56 * 56 * 256) / 21.47)
    assert s.bound.cycles == 46741
    assert ("memory: 46,741 cycles over pcie: every data path between the homes of x, y and "
            "the ports of the units they use crosses it (11,019 in the strict bound)"
            in s.reasons)


def test_a_fallback_unit_counts_only_where_no_other_unit_can_run_the_stage() -> None:
    # Eyeriss's ReLU unit reads the global buffer, behind the 2.4 B/cycle link; the host
    # (a fallback unit) reaches DRAM directly, but the search uses it only where no other
    # unit can, so the structural bound takes the ReLU unit: 2 x 200,704 bytes / 2.4
    eyeriss = load_arch("eyeriss_v1")
    relu = L.relu((1, 64, 56, 56))
    assert ideal_bound(relu, eyeriss).cycles == 12544  # the host's path
    s = structural_bound(relu, eyeriss)
    assert s.bound.memory_cycles == pytest.approx(2 * 56 * 56 * 64 * 4 / 2.4)
    assert s.bound.cycles == 669014
