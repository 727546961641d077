"""The SCALE-Sim comparison: closed form, our systolic ACG, the optional tool."""

from __future__ import annotations

import importlib.util

import pytest

from covenant_lab.bench.oracles import GEMMS, Gemm, closed_form, ours, run_oracles


def test_closed_form_values():
    # folds x (R + M + R + C - 2) - 1 with folds = ceil(K/R) * ceil(N/C)
    assert closed_form(Gemm("g", 64, 32, 32, 8, 8)) == 16 * (8 + 64 + 8 + 8 - 2) - 1
    assert closed_form(Gemm("g", 10, 9, 5, 4, 4)) == 3 * 2 * (4 + 10 + 4 + 4 - 2) - 1


@pytest.mark.parametrize("gemm", GEMMS, ids=lambda g: g.name)
def test_our_cycles_are_close_to_the_stall_free_closed_form(gemm):
    # ours also counts the first load and the last store (1 cycle each at this bandwidth)
    assert closed_form(gemm) <= ours(gemm) <= closed_form(gemm) * 1.05


def test_without_scalesim_the_comparison_says_it_skipped(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "scalesim" else real(name, *a))
    lines: list[str] = []
    rows = run_oracles(lines.append)
    assert "SCALE-Sim is not installed" in lines[0]
    assert all(r["scalesim"] is None and r["scalesim_note"] == "not installed" for r in rows)
    assert [r["closed_form"] for r in rows] == [closed_form(g) for g in GEMMS]


@pytest.mark.oracle
def test_scalesim_matches_the_closed_form(tmp_path):
    # run by `make oracles` (a venv with the `oracles` extra); deselected from `make test`
    from covenant_lab.bench.oracles import scalesim_cycles

    gemm = GEMMS[0]
    assert scalesim_cycles(gemm, tmp_path) == closed_form(gemm)
