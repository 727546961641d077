"""The tile sizes the search tries for a loop (``candidates.candidate_sizes``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from covenant_lab.compiler.candidates import candidate_sizes


def test_a_multiple_of_the_array_is_never_thinned_away() -> None:
    # 128 on a 32-wide dimension: ten candidates for eight places; 32 used to be dropped, and
    # 96 (three folds, the last ragged) goes before 8, a divisor leaving 24 of 32 idle
    assert candidate_sizes(128, 1, (32,), 8) == [1, 2, 4, 16, 32, 64, 96, 128]
    # whole folds of the 32 columns: 2304 = 72 x 32 (BERT's QKV width) gets 64, 128, 256...
    assert candidate_sizes(2304, 1, (32,), 12) == [1, 2, 4, 12, 24, 32, 64, 128, 256, 576,
                                                   1152, 2304]
    # and sizes below the array for a tight storage: a weight FIFO holding 85 columns of 768
    # bytes (TPU-like, 256 columns) still gets 48 to try
    assert candidate_sizes(3072, 1, (256,), 12) == [1, 2, 8, 48, 192, 256, 512, 768, 1024,
                                                    1280, 1536, 3072]


def test_without_a_spatial_size_the_divisors_are_spread_geometrically() -> None:
    assert candidate_sizes(56, 1, (), 8) == [1, 2, 4, 7, 8, 14, 28, 56]
    # then at most four ragged sizes (the last block smaller) where places are left, each
    # the least making its number of blocks: 12 has a divisor for every count (6, 4, 3, 2)
    assert candidate_sizes(12, 1, (), 64) == [1, 2, 3, 4, 6, 12]
    assert candidate_sizes(14, 1, (), 64) == [1, 2, 3, 4, 5, 7, 14]  # 5 + 5 + 4, not 13 + 1


def test_a_streamed_loop_without_divisors_gets_ragged_sizes() -> None:
    # a 7x7 feature map streamed through 32 accumulators: rows of 4 (4 + 3) make a stream of
    # 28; 7 has no divisor between 1 and 7 (HVX-like MobileNetV2 features.18: 0.76 -> 0.91)
    assert candidate_sizes(7, 1, (), 8) == [1, 2, 3, 4, 7]
    # above an inner block of 2, only its multiples (no block split across two tiles)
    assert candidate_sizes(7, 2, (), 8) == [2, 4, 7]
    # a loop on a spatial dimension keeps its multiples of the dimension instead
    assert candidate_sizes(7, 1, (4,), 8) == [1, 4, 7]


@given(
    extent=st.integers(1, 5000),
    low=st.integers(1, 64),
    quanta=st.lists(st.integers(1, 256), max_size=3),
    limit=st.integers(2, 64),
)
def test_candidates_are_bounded_sorted_and_keep_the_ends(
    extent: int, low: int, quanta: list[int], limit: int
) -> None:
    low = min(low, extent)
    out = candidate_sizes(extent, low, quanta, limit)
    assert out == sorted(set(out))
    assert len(out) <= max(limit, len(set(quanta)) + 2)  # the kept sizes: quanta and ends
    assert extent in out and all(low <= s <= extent for s in out)
    for q in quanta:
        if low <= q < extent and len({*quanta, extent}) <= limit - 1:
            assert q in out


def test_a_reduction_loop_gets_no_ragged_sizes() -> None:
    # a 7x7 kernel's kh: its divisors only (a ragged window grows no accumulator tile)
    assert candidate_sizes(7, 1, (), 8, ragged_stream=False) == [1, 7]


def test_a_spatial_loop_keeps_multiples_of_its_dimension_before_idle_divisors() -> None:
    # k = 400 on 32 rows: no multiple of 32 divides 400, so whole folds are none; multiples of
    # 32 (the last fold ragged, priced at its size) come before divisors such as 50 or 100,
    # which leave rows idle in every fold
    sizes = candidate_sizes(400, 1, [32], 12)
    assert {32, 64, 160, 384} <= set(sizes) and 400 in sizes
    assert not {50, 100, 200} & set(sizes)


def test_the_search_finds_what_the_exhaustive_search_finds_on_a_ragged_reduction() -> None:
    from covenant_lab.acg import load_arch
    from covenant_lab.bench.search_quality import search_codelet
    from covenant_lab.compiler.search import plan

    acg = load_arch("genesys")
    fc = search_codelet("lenet_fc1")  # 400 -> 120: k = 160 + 160 + 80 on the 32 rows
    assert plan(fc, acg).estimate == plan(fc, acg, exhaustive=True).estimate


def test_sizes_asked_again_are_the_same_and_a_list_of_ones_own() -> None:
    # the sizes are remembered per (extent, low, quanta, limit, ragged_stream); a caller may
    # change its list without changing what the next caller gets
    first = candidate_sizes(56, 1, (), 8)
    first.append(1000)
    assert candidate_sizes(56, 1, (), 8) == [1, 2, 4, 7, 8, 14, 28, 56]
    # other arguments, other sizes: 56 on an 8-wide dimension keeps its multiples of 8
    assert candidate_sizes(56, 1, (8,), 8) != candidate_sizes(56, 1, (), 8)
    assert candidate_sizes(56, 1, [8], 8) == candidate_sizes(56, 1, (8,), 8)
