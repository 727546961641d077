"""A model's layers with a structural gap, summed apart from the rest."""

from __future__ import annotations

from covenant_lab.analysis.gaps import gap_fields, gap_text


def test_a_model_splits_into_its_gap_layers_and_the_rest() -> None:
    # two depthwise convs whose loops cannot fill the array, and two 1x1 convs that can
    fields = gap_fields([(1000, 600.0, 900.0, True), (3000, 2700.0, 2700.0, False),
                         (500, 250.0, 400.0, True), (1000, 900.0, 900.0, False)])
    assert fields == {"gap_layers": 2, "gap_cycles": 1500, "gap_ideal_cycles": 850.0,
                      "gap_structural_cycles": 1300.0, "rest_cycles": 4000,
                      "rest_ideal_cycles": 3600.0}
    rec = {"model": "m", "arch": "a", "layers": 4, **fields}
    # 850 / 1500 = 0.567, 1300 / 1500 = 0.867, 3600 / 4000 = 0.9
    assert gap_text(rec) == ("m on a: 2 of 4 layers have a structural gap: 1,500 cycles, "
                             "Σideal/Σcycles 0.567, Σstructural/Σcycles 0.867; the other 2: "
                             "0.900 of Σideal")


def test_a_model_with_no_gap_or_only_gaps_gets_no_line() -> None:
    none = {"model": "m", "arch": "a", "layers": 1, **gap_fields([(10, 9.0, 9.0, False)])}
    every = {"model": "m", "arch": "a", "layers": 1, **gap_fields([(10, 5.0, 9.0, True)])}
    assert gap_text(none) is None and gap_text(every) is None
    assert gap_text({"model": "m", "arch": "a", "status": "error"}) is None
