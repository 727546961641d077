"""One golden file per pass: the mapping just before the pass and just after it.

Each case compiles a small layer, takes the pass the compiler ran (with the options the
search chose) and the mapping it ran on from the compile log, runs that one pass again, and
writes ``before -> after`` to ``golden/pass_<pass>_<arch>_<layer>.txt``. The layers are
chosen so that the pass decides something visible: fusing a chain, an operand whose path
skips a tiling level, loops sharing a spatial dimension, a temp handed between two units.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

from covenant_lab.acg import ACG, load_arch
from covenant_lab.codelets import library as L
from covenant_lab.codelets.ir import Codelet, Role
from covenant_lab.codelets.printer import stmt_text
from covenant_lab.compiler import compile
from covenant_lab.compiler.api import CompileResult
from covenant_lab.compiler.asm import emit
from covenant_lab.compiler.lower import lower
from covenant_lab.compiler.mapping import Group, Mapping
from covenant_lab.compiler.parts import part_plan
from covenant_lab.compiler.passes.fuse import temp_storages
from covenant_lab.compiler.passes.match import candidates
from covenant_lab.compiler.pipeline import LogStep
from covenant_lab.compiler.render import level_table, loop_nest, mapping_text
from tests.compiler.conftest import small_layers

LAYERS = {
    **small_layers(),
    "conv_relu": L.chain(
        L.conv2d((1, 8, 10, 10), (12, 8, 3, 3), bias=True, pads=(1, 1, 1, 1)),
        L.relu((1, 12, 10, 10)),
        via=("y", "x"),
    ),
    "conv_big": L.conv2d((1, 32, 14, 14), (64, 32, 3, 3), bias=True, pads=(1, 1, 1, 1)),
    "layernorm_wide": L.layernorm((64, 96)),
}

# (pass, arch, layer): what the golden file shows
CASES = [
    # the conv on the array, the relu on the vector unit
    ("match", "teaching", "conv_relu"),
    # the array has no bias port: the bias add, split off, goes to the activation unit; the
    # array, not the host (a fallback unit), takes the convolution
    ("match", "tpu_v1", "conv"),
    # six stages in one loop nest, tiled on the two loops no stage reduces over
    ("fuse", "teaching", "softmax"),
    # the add (host) and the relu (relu unit) reach no common storage: two loop nests
    ("fuse", "eyeriss_v1", "add_relu"),
    # the weights through a FIFO at the inner level, the output through the accumulators
    ("place", "tpu_v1", "gemm"),
    # the weights straight into the PE scratchpad (level 2), the bias only in the global buffer
    ("place", "eyeriss_v1", "conv_big"),
    # the reduction folded onto the rows, the output channels on the columns, pixels stream
    ("spatial", "genesys", "conv"),
    # neither 12 channels nor 10 rows fill 32 lanes: oc and oh share them
    ("spatial", "hvx", "conv"),
    # the temp between the array and the vector unit gets two copies
    ("buffer", "teaching", "conv_relu"),
    ("buffer", "gemmini", "conv_relu"),
    # the rows' columns (d1 of the elementwise stages, r1 of the sums) in 2 parts
    ("split", "genesys", "layernorm_wide"),
    # oc and ic cut into tiles of 4 (the array is 4 x 4)
    ("tile", "teaching", "conv"),
    # two levels: global buffer tiles, then scratchpad tiles of one output column
    ("tile", "eyeriss_v1", "conv_big"),
    # kw outermost at level 1: a weight tile stays in the scratchpad while ow walks
    ("order", "eyeriss_v1", "conv_big"),
    # oc outside ic: each output tile stays while ic accumulates into it
    ("order", "teaching", "conv"),
]

# lowering: the final mapping in, the first instructions out
LOWERED = [("teaching", "conv_relu"), ("tpu_v1", "conv")]
ASM_LINES = 30


@functools.cache
def compiled(arch: str, layer: str) -> CompileResult:
    return compile(LAYERS[layer], load_arch(arch))


def step_of(result: CompileResult, name: str) -> LogStep:
    return next(s for s in result.log if s.name == name)


def codelet_text(codelet: Codelet) -> str:
    """The codelet in brief: its loop extents and one line per stage."""
    dims = ", ".join(f"{d.name}={d.extent}" for d in codelet.dims)
    lines = [f"codelet {codelet.name}({dims})"]
    for i, st in enumerate(codelet.stages):
        lines.append(f"  stage {i}: for {', '.join(st.loops)}: {stmt_text(st.stmt)}")
    return "\n".join(lines)


def candidates_text(before: Mapping, after: Mapping, acg: ACG) -> str:
    """Every capability able to run each stage, in the order ``choice`` indexes them (no
    constraint narrows them here)."""
    lines = []
    for b in after.bindings:
        for k, (node, cap) in enumerate(candidates(before, acg, b.stage)):
            chosen = node is b.node and cap is b.capability
            lines.append(
                f"  stage {b.stage} [{k}] {node.name}.{cap.label}"
                + (" (fallback unit)" if node.fallback else "")
                + ("   <- chosen" if chosen else "")
            )
    return "\n".join(lines)


def temps_text(mapping: Mapping) -> str:
    """The storages every capability using each temp can reach: fusing needs one per temp."""
    stages = tuple(range(len(mapping.codelet.stages)))
    return "\n".join(
        f"  {op.name}: {', '.join(temp_storages(mapping, op.name, stages)) or 'none'}"
        for op in mapping.codelet.operands_with(Role.TEMP)
    )


def dims_text(mapping: Mapping) -> str:
    """The spatial dimensions of each node the stages run on, with their sizes."""
    nodes = {b.node.name: b.node for b in mapping.bindings}
    return "\n".join(
        f"  {name}: {', '.join(f'{d}={n}' for d, n in node.dims)}" for name, node in nodes.items()
    )


def levels_text(mapping: Mapping) -> str:
    """The storage holding each operand at each tiling level (in brackets: no tile of its
    own there, it stays where the level above left it)."""
    lines = []
    for gi, g in enumerate(mapping.groups):
        lines.append(f"  group {gi}: {g.levels} level(s)")
        for p in g.placements:
            at = []
            for lv in range(1, g.levels + 1):
                if p.has_tile(lv):
                    at.append(f"L{lv} {p.at(lv).name}")
                else:
                    outside = p.home if lv < p.first_level and p.home is not None else p.at(lv)
                    at.append(f"L{lv} (in {outside.name})")
            lines.append(f"    {p.operand}: {', '.join(at)}")
    return "\n".join(lines)


def parts_text(mapping: Mapping, group: Group) -> str:
    """One tile's stage invocations in the order lowering issues them."""
    plan = part_plan(mapping, group)
    runs = []
    for run in plan.runs:
        runs.append(" ".join(f"{k}" if c is None else f"{k}#{c}"
                             for k, c in plan.order if k in run))
    return " | ".join(runs)


def extra(name: str, before: Mapping, after: Mapping, acg: ACG) -> list[str]:
    """What the mapping text leaves implicit about the pass's decision."""
    if name == "match":
        return ["-- candidates (choice picks one per stage)", candidates_text(before, after, acg)]
    if name == "fuse":
        return ["-- storages all users of each temp reach (fusing needs one)", temps_text(before)]
    if name == "place":
        return ["-- storage at each tiling level", levels_text(after)]
    if name == "spatial":
        return ["-- spatial dimensions", dims_text(after)]
    if name == "split":
        return ["-- a tile's stages in issue order (stage#part; runs between bars)",
                "\n".join(f"  group {gi}: {parts_text(after, g)}"
                          for gi, g in enumerate(after.groups))]
    if name == "tile":
        return ["-- tile bytes per storage", level_table(after)]
    if name == "order":
        return ["-- loop nest (each tile moves where its box changes)", loop_nest(after)]
    return []


@pytest.mark.parametrize(("name", "arch", "layer"), CASES)
def test_one_pass_before_and_after(
    name: str, arch: str, layer: str, golden: Callable[[str, str], None]
) -> None:
    result = compiled(arch, layer)
    step = step_of(result, name)
    after = result.passes[step.index].run(step.before, result.arch)  # type: ignore[attr-defined]
    assert after == step.after  # the pass alone does what it did in the compile
    before_text, after_text = mapping_text(step.before), mapping_text(after)
    assert before_text != after_text  # and its decision shows
    text = "\n".join(
        [
            f"# {name} on {arch}: {layer}",
            codelet_text(result.codelet),
            "-- before",
            before_text,
            f"-- after {name}({step.params})",
            after_text,
            *extra(name, step.before, after, result.arch),
            "",
        ]
    )
    golden(f"pass_{name}_{arch}_{layer}", text)


@pytest.mark.parametrize(("arch", "layer"), LOWERED)
def test_lower_before_and_after(arch: str, layer: str, golden: Callable[[str, str], None]) -> None:
    result = compiled(arch, layer)
    asm = emit(lower(result.mapping, result.arch), result.arch)
    assert asm == result.asm
    text = "\n".join(
        [
            f"# lower on {arch}: {layer}",
            codelet_text(result.codelet),
            "-- before",
            mapping_text(result.mapping),
            loop_nest(result.mapping),
            f"-- after lower (first {ASM_LINES} instructions)",
            "\n".join(asm.splitlines()[: ASM_LINES + 1]),
            "",
        ]
    )
    golden(f"pass_lower_{arch}_{layer}", text)
