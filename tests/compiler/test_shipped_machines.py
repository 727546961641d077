"""The shipped machines modelled on published accelerators use their units as the papers do."""

from __future__ import annotations

from covenant_lab.acg import load_arch
from covenant_lab.compiler import compile
from covenant_lab.sim import Simulator
from covenant_lab.suite import SUITE, load_suite_layer


def _layer(suite_name: str, layer: str):  # type: ignore[no-untyped-def]
    entry = next(e for e in SUITE if e.name == suite_name)
    return next(la for la in load_suite_layer(entry) if la.name == layer)


def test_bert_qkv_weights_stream_through_the_tpu_weight_fifo() -> None:
    # 768 x 2304 int8 weights (1.7 MiB) live in the weight DRAM; the weight FIFO holds four
    # 64 KiB tiles: the array runs the GEMM with the weights split into FIFO-sized tiles
    tpu = load_arch("tpu_v1")
    r = compile(_layer("bert_qkv", "attention.qkv"), tpu)
    assert r.capabilities == ("mmu.mac",)
    pushes = [t for t in r.program.transfers if t.dst.storage.name == "WFIFO"]
    assert {t.src.storage.name for t in pushes} == {"WDRAM"}
    assert max(t.nbytes for t in pushes) <= 64 * 1024
    assert sum(t.nbytes for t in pushes) >= 768 * 2304
    assert Simulator(r.program, tpu).run().total_cycles > 0
