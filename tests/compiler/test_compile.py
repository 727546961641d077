"""The compiler on the shipped architectures: functional results, golden logs, no arch names."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import covenant_lab.compiler as compiler_pkg
from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.interpret import interpret
from covenant_lab.compiler import Constraints, compile
from covenant_lab.sim import Simulator
from tests.compiler.conftest import SHIPPED, random_inputs, small_layers

LAYERS = small_layers()


def test_compiler_never_names_an_architecture_or_buffer() -> None:
    names: set[str] = set()
    for arch in SHIPPED:
        acg = load_arch(arch)
        names.add(acg.name)
        names.update(n.name for n in acg.nodes)
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names))) + r")\b")
    root = Path(compiler_pkg.__file__).parent
    hits = [
        f"{path.relative_to(root)}:{i}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for i, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert hits == []


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_compiled_program_computes_the_codelet(shipped_arch: ACG, layer: str) -> None:
    codelet = LAYERS[layer]
    result = compile(codelet, shipped_arch)
    inputs = random_inputs(codelet)
    sim = Simulator(result.program, shipped_arch, inputs).run()
    sim.check(interpret(codelet, inputs), layer=layer)
    assert sim.total_cycles > 0
    # the cost model plays the simulator's rules (overlap.py): on these small layers it lands
    # within 1% of the simulator but for two element-wise chains (teaching: +15-17%)
    assert 0.97 < result.estimate.cycles / sim.total_cycles < 1.2


@pytest.mark.parametrize("layer", ["conv", "gemm", "softmax"])
def test_golden_compile_log_and_assembly(
    shipped_arch: ACG, layer: str, golden: Callable[[str, str], None]
) -> None:
    result = compile(LAYERS[layer], shipped_arch)
    text = "\n".join(
        [
            result.log_text(),
            "-- table",
            result.table(),
            "-- loop nest",
            result.loop_nest(),
            "-- assembly (first 40 lines)",
            "\n".join(result.asm.splitlines()[:40]),
            "",
        ]
    )
    golden(f"{shipped_arch.name}_{layer}", text)


def test_compile_log_records_every_pass_with_before_and_after() -> None:
    result = compile(LAYERS["conv"], "teaching")
    names = [s.name for s in result.log]
    assert names == ["match", "fuse", "place", "spatial", "tile", "order"]
    assert result.log[0].before.bindings == ()
    assert result.log[0].after.bindings
    for prev, step in zip(result.log, result.log[1:], strict=False):
        assert step.before is prev.after
    assert "mac_array.mac" in result.log[0].after_text


def test_compile_reports_table_nest_and_estimate() -> None:
    result = compile(LAYERS["gemm"], "teaching")
    table = result.table()
    for loop in ("m", "n", "k"):
        assert re.search(rf"^{loop}\s", table, re.M)
    assert "load a" in result.loop_nest() and "store y" in result.loop_nest()
    assert result.estimate.cycles > 0
    assert dict(result.estimate.compute)["mac_array"] > 0
    assert result.asm.splitlines()[0].startswith("; matmul on teaching")


def test_a_tile_wholly_in_the_padding_moves_nothing() -> None:
    # 5 input columns padded by 4 on the right, 3-wide filter: output columns 5 and 6 read
    # only padding; with one output column per tile their input boxes are empty
    conv = L.conv2d((1, 2, 5, 5), (3, 2, 3, 3), pads=(0, 0, 0, 4))
    acg = load_arch("teaching")
    result = compile(conv, acg, Constraints.of(tiles={"ow": 1}))
    assert all(t.nbytes for t in result.program.transfers)
    inputs = random_inputs(conv)
    Simulator(result.program, acg, inputs).run().check(interpret(conv, inputs))


@pytest.mark.parametrize("arch", ["genesys", "hvx"])
def test_a_depthwise_conv_and_its_clip_share_one_loop_nest(arch: str) -> None:
    """MobileNetV2's depthwise + ReLU6: the conv indexes its output y[n, g, oh, ow], so the
    Clip's channel loop is the conv's group loop and the temp between them stays on chip
    (with the conv's former ``g*1 + oc`` index they ran apart, through DRAM)."""
    layer = L.chain(L.conv2d((1, 16, 10, 10), (16, 1, 3, 3), pads=(1, 1, 1, 1), group=16),
                    L.clip((1, 16, 10, 10), 0.0, 6.0), via=("y", "x"))
    r = compile(layer, load_arch(arch))
    assert [g.stages for g in r.mapping.groups] == [(0, 1, 2)]
    # the group loop is shared by all three (blocked on genesys's array: g_blk, g_pos)
    assert {"g", "g_blk"} & set(r.mapping.groups[0].tile_loops)
    inputs = random_inputs(r.source)
    Simulator(r.program, r.arch, inputs).run().check(interpret(r.source, inputs))
