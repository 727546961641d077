"""Design-space sweeps: records, error recording, and the same rows from every executor."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import covenant_lab.dse.point as point
from covenant_lab.acg import load_arch
from covenant_lab.dse import Options, arch_specs, evaluate, sweep
from covenant_lab.errors import UsageError

LAYERS = ("lenet_pool1", "lenet_fc1")


def _archs():
    teaching = load_arch("teaching")
    return [teaching, ("teaching_32k", teaching.with_param("spad_kib", 32))]


def _without_times(rows):
    return [{k: v for k, v in r.items() if not k.endswith("_s")} for r in rows]


@pytest.fixture(scope="module")
def pooled():
    return sweep(_archs(), LAYERS)  # default: 2 worker processes


def test_sweep_rows_in_arch_layer_order(pooled):
    assert [(r["arch"], r["layer"]) for r in pooled] == [
        ("teaching", "lenet_pool1"), ("teaching", "lenet_fc1"),
        ("teaching_32k", "lenet_pool1"), ("teaching_32k", "lenet_fc1")]
    for r in pooled:
        assert r["status"] == "ok", r["error"]
        assert r["check"] == "skipped"  # timing only by default
        assert r["efficiency"] == pytest.approx(r["ideal_cycles"] / r["cycles"])
        assert "table" not in r


def test_dask_local_cluster_gives_identical_rows(pooled):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster) as client:
        rows = sweep(_archs(), LAYERS, executor=client.get_executor())
    assert _without_times(rows) == _without_times(pooled)


def test_tasks_are_plain_data():
    specs = arch_specs(_archs())
    assert [label for label, _ in specs] == ["teaching", "teaching_32k"]
    assert all(isinstance(text, str) for _, text in specs)
    pickle.dumps((specs, LAYERS, Options()))
    dup = arch_specs([load_arch("teaching"), load_arch("teaching")])
    assert [label for label, _ in dup] == ["teaching", "teaching#1"]


def test_on_result_sees_every_record():
    from concurrent.futures import ThreadPoolExecutor

    seen = []
    with ThreadPoolExecutor(1) as ex:
        rows = sweep([load_arch("teaching")], ["lenet_pool1"], executor=ex, on_result=seen.append)
    assert seen == rows


def test_executor_and_scheduler_are_exclusive():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as ex, pytest.raises(UsageError, match="either 'executor'"):
        sweep([load_arch("teaching")], ["lenet_pool1"], executor=ex, scheduler="local")
    with pytest.raises(UsageError, match="expected an ACG"):
        arch_specs(["teaching"])  # type: ignore[list-item]


def test_unmappable_layer_is_recorded_not_raised():
    no_vector_unit = load_arch("teaching").remove_node("vector")
    rec = evaluate(no_vector_unit, "lenet_pool1")
    assert rec["status"] == "unmapped"
    assert "reduce_max" in rec["error"]
    assert rec["check"] == "skipped"


def test_wrong_values_are_a_failed_check(monkeypatch):
    def wrong(codelet, inputs):
        return {o.name: np.full(o.shape, 1e9) for o in codelet.outputs}

    monkeypatch.setattr(point, "interpret", wrong)
    rec = evaluate(load_arch("teaching"), "lenet_pool1", Options(functional=True))
    assert rec["status"] == "ok"
    assert rec["check"] == "fail"
    assert "differs at index" in rec["check_note"]


def test_a_library_bug_is_recorded_as_a_crash(monkeypatch):
    def boom(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(point, "ideal_bound", boom)
    rec = evaluate(load_arch("teaching"), "lenet_pool1")
    assert rec["status"] == "crash"
    assert rec["error"].startswith("ZeroDivisionError: boom")
