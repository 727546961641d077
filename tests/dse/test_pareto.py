"""Pareto fronts: hand-checked on small made-up sets (ties, duplicates), per layer and summed per
architecture; energy and area of a design point against the simulator's; a parameter sweep on
Dask against the process pool; the Bokeh figure's data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from covenant_lab.acg import load_arch
from covenant_lab.acg.energy import energy_model
from covenant_lab.compiler import compile
from covenant_lab.dse import Options, evaluate
from covenant_lab.dse.grid import grid_params, param_grid, pareto_sweep
from covenant_lab.dse.pareto import TOTAL, arch_totals, dominates, front, incomplete, layer_points
from covenant_lab.errors import ArchError, UsageError
from covenant_lab.sim import Simulator
from covenant_lab.sim.energy_classes import EnergyClass, by_class
from covenant_lab.suite import load_suite_layer
from covenant_lab.viz.pareto import DOMINATED_ALPHA, OPTIMAL_ALPHA, pareto_data, pareto_figure


def test_dominates_needs_better_somewhere():
    assert dominates((1, 2, 3), (1, 2, 4))
    assert dominates((0, 0, 0), (1, 1, 1))
    assert not dominates((1, 2, 3), (1, 2, 3))  # equal: neither dominates
    assert not dominates((1, 5, 3), (2, 4, 3))  # a trade-off
    with pytest.raises(UsageError, match="2 and 3 objectives"):
        dominates((1, 2), (1, 2, 3))


def test_front_by_hand_with_ties_and_duplicates():
    pts = [
        (10, 100, 1.0),  # 0: fastest
        (20, 50, 1.0),   # 1: trades cycles for energy
        (20, 50, 1.0),   # 2: duplicate of 1: both stay
        (20, 60, 1.0),   # 3: tie on cycles and area with 1, worse energy: dominated by 1
        (30, 40, 2.0),   # 4: least energy, more area: optimal
        (30, 40, 3.0),   # 5: as 4 with more area: dominated by 4
        (10, 100, 0.5),  # 6: as 0 with less area: dominates 0
        (40, 200, 4.0),  # 7: worse than everything
        (5, 300, 9.0),   # 8: fastest of all, worst area: optimal
    ]
    assert front(pts) == [False, True, True, False, True, False, True, False, True]
    assert front([]) == []
    assert front([(1, 1, 1)]) == [True]
    assert front([(1, 1, 1), (1, 1, 1)]) == [True, True]  # duplicates only: all optimal
    with pytest.raises(UsageError, match="point 1 has the value nan"):
        front([(1, 1, 1), (1, math.nan, 1)])
    with pytest.raises(UsageError, match="point 0 has the value '3'"):
        front([(1, 2, "3")])
    assert front([(np.int64(2), np.float64(1.0), 1), (2, 1.0, 1)]) == [True, True]


def _rec(arch, layer, cycles, energy, area, status="ok"):
    return {"arch": arch, "layer": layer, "status": status, "cycles": cycles,
            "energy_pj": energy, "area_mm2": area}


ROWS = [
    _rec("A", "l1", 100, 10.0, 1.0), _rec("A", "l2", 50, 30.0, 1.0),
    _rec("B", "l1", 80, 20.0, 2.0), _rec("B", "l2", 60, 25.0, 2.0),
    _rec("C", "l1", 120, 12.0, 1.0), _rec("C", "l2", 55, 31.0, 1.0),
    _rec("D", "l1", 90, 9.0, 0.5), _rec("D", "l2", 0, 0.0, 0.5, status="unmapped"),
]


def test_layer_points_are_flagged_within_their_layer():
    pts = layer_points(ROWS, params={"A": {"rows": 8}})
    assert [(p.arch, p.layer, p.optimal) for p in pts] == [
        ("A", "l1", False),  # D: fewer cycles, less energy, less area
        ("A", "l2", True), ("B", "l1", True), ("B", "l2", True),
        ("C", "l1", False), ("C", "l2", False),  # A beats C on l2 (50 < 55, 30 < 31)
        ("D", "l1", True)]  # D's unmapped l2 takes no part
    assert pts[0].params == {"rows": 8} and pts[2].params == {}
    assert (pts[0].cycles, pts[0].energy_pj, pts[0].area_mm2) == (100, 10.0, 1.0)


def test_totals_sum_each_architectures_layers():
    assert incomplete(ROWS) == {"D": "l2: unmapped"}
    totals = arch_totals(ROWS)
    assert [(p.arch, p.layer, p.values, p.optimal) for p in totals] == [
        ("A", TOTAL, (150, 40.0, 1.0), True),
        ("B", TOTAL, (140, 45.0, 2.0), True),   # fewest cycles
        ("C", TOTAL, (175, 43.0, 1.0), False)]  # A: fewer cycles, less energy, same area
    with pytest.raises(UsageError, match="A/l1 has no energy_pj"):
        arch_totals([{"arch": "A", "layer": "l1", "status": "ok", "cycles": 1, "area_mm2": 1}])


def test_point_energy_is_the_simulators():
    acg = load_arch("teaching")
    rec = evaluate(acg, "lenet_conv2_relu", Options(table=False))
    assert rec["status"] == "ok", rec["error"]
    (layer,) = load_suite_layer_single("lenet_conv2_relu")
    sim = Simulator(compile(layer, acg).program, acg)
    report = sim.energy()
    assert rec["cycles"] == sim.total_cycles
    assert rec["energy_pj"] == report.total_pj > 0
    classes = by_class(report.parts, acg)
    assert {c: rec[c.field] for c in EnergyClass} == classes
    assert rec["energy_dram_pj"] > 0 and rec["energy_compute_pj"] > 0
    assert math.fsum(classes.values()) == pytest.approx(report.total_pj, rel=1e-12)
    assert rec["energy_by_component"] == report.by_component
    assert rec["area_mm2"] == energy_model(acg).area_mm2 > 0


def load_suite_layer_single(name):
    """The suite entry as one layer (fused when it has two nodes, as evaluate does)."""
    from covenant_lab.compiler.model import fuse_pair

    layers = load_suite_layer(_entry(name))
    if len(layers) == 1:
        return layers
    fused = fuse_pair(layers[0], layers[1])
    assert fused is not None
    return (fused,)


def _entry(name):
    from covenant_lab.suite import suite_layer

    return suite_layer(name)


def test_grid_combinations_and_bad_grids():
    assert grid_params({"rows": [8, 16], "spad_kib": [4, 8]}) == [
        {"rows": 8, "spad_kib": 4}, {"rows": 8, "spad_kib": 8},
        {"rows": 16, "spad_kib": 4}, {"rows": 16, "spad_kib": 8}]
    assert grid_params([{"rows": 8, "cols": 8}]) == [{"rows": 8, "cols": 8}]
    with pytest.raises(UsageError, match="'rows' has 16, expected a non-empty list"):
        grid_params({"rows": 16})  # type: ignore[dict-item]
    with pytest.raises(UsageError, match="no parameters"):
        grid_params({})
    with pytest.raises(UsageError, match="not a non-empty list of parameter mappings"):
        grid_params([])
    with pytest.raises(ArchError, match=r"params\.rowz: no such parameter"):
        param_grid("teaching", {"rowz": [1]})


GRID = {"spad_kib": [4, 32]}
LAYERS = ["lenet_conv2_relu", "lenet_fc1"]


@pytest.fixture(scope="module")
def pooled():
    return pareto_sweep("teaching", GRID, LAYERS)  # 2 worker processes


def test_parameter_sweep_labels_and_params(pooled):
    assert [(r["arch"], r["layer"]) for r in pooled.rows] == [
        ("spad_kib=4", "lenet_conv2_relu"), ("spad_kib=4", "lenet_fc1"),
        ("spad_kib=32", "lenet_conv2_relu"), ("spad_kib=32", "lenet_fc1")]
    assert pooled.params == {"spad_kib=4": {"spad_kib": 4}, "spad_kib=32": {"spad_kib": 32}}
    assert pooled.incomplete == {}
    small, big = pooled.totals
    assert small.area_mm2 < big.area_mm2  # a bigger scratchpad costs area
    assert small.params == {"spad_kib": 4}
    for p in pooled.totals:
        mine = [r for r in pooled.rows if r["arch"] == p.arch]
        assert p.cycles == sum(r["cycles"] for r in mine)
        assert p.energy_pj == math.fsum(r["energy_pj"] for r in mine)
    assert front([p.values for p in pooled.totals]) == [p.optimal for p in pooled.totals]
    assert "spad_kib=4" in pooled.table()


def test_dask_local_cluster_gives_the_same_front(pooled):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster) as client:
        dask = pareto_sweep("teaching", GRID, LAYERS, executor=client.get_executor())
    assert dask.totals == pooled.totals
    assert dask.points == pooled.points
    assert [r["energy_pj"] for r in dask.rows] == [r["energy_pj"] for r in pooled.rows]


def test_figure_data_fades_dominated_points(pooled):
    pts = layer_points(ROWS, params={"A": {"rows": 8, "cols": 8}})
    l1 = [p for p in pts if p.layer == "l1"]
    data = pareto_data(l1)
    assert data["arch"] == ["A", "B", "C", "D"]
    assert data["alpha"] == [DOMINATED_ALPHA, OPTIMAL_ALPHA, DOMINATED_ALPHA, OPTIMAL_ALPHA]
    assert data["params"] == ["rows=8, cols=8", "-", "-", "-"]
    assert data["energy_uj"] == [1e-5, 2e-5, 1.2e-5, 9e-6]
    assert data["size"][3] == min(data["size"]) and data["size"][1] == max(data["size"])
    fig = pareto_figure(l1)
    # drawn largest area first (B 2.0, then A and C 1.0 in order, then D 0.5)
    assert fig.select_one({"name": "covenant-pareto"}).data["cycles"] == [80, 100, 120, 90]
    pareto_figure(pooled.totals)  # real sweep totals draw too
    with pytest.raises(UsageError, match="2 groups"):
        pareto_figure(pts)
    with pytest.raises(UsageError, match="no points"):
        pareto_figure([])
