"""Fuzz compiled programs altered after compilation: a field of an instruction or of one of its
tiles replaced (``dataclasses.replace``) by a nearby, extreme or ill-typed value, a node,
storage or edge swapped for another or altered, instructions deleted, duplicated or swapped.

Every case ends in a CovenantError (the Program's field checks, the sanitizer, the coverage
checks) or runs to outputs equal to the untouched program's, and then its assembly, trace and
figures are made without error. A tampered program that silently computes a wrong answer
fails the test.

What the sanitizer cannot know, and so accepts: the timing fields of an instruction within
their ranges (``cycles``, ``latency_cycles``, ``params``, ``kind``, ``origin``) describe the
hardware's timing, not the values, so a changed one gives other cycle counts with the same
result (the cases compare values only); and reordering, deleting or repeating instructions
whose effect is not needed (a reload of a tile still resident) changes nothing computed.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from hypothesis import given
from hypothesis import strategies as st

from covenant_lab.acg import ACG, load_arch
from covenant_lab.compiler import compile
from covenant_lab.compiler.asm import emit
from covenant_lab.compiler.program import Compute, Program, Transfer
from covenant_lab.frontends.onnx import load
from covenant_lab.sim import Simulator
from tests.frontends.onnx._build import make_model, node, weights
from tests.fuzz.conftest import FUZZ, run_case


@dataclass(frozen=True, repr=False)
class Base:
    """A compiled program with inputs and the outputs it computes untouched."""

    name: str
    arch: ACG
    program: Program
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _models() -> dict[str, onnx.ModelProto]:
    return {
        "gemm": make_model([node("Gemm", ["x", "w", "b"], transB=1)], {"x": (12, 40)}, ["y"],
                           {"w": weights((10, 40)), "b": weights((10,))}),
        "conv": make_model([node("Conv", ["x", "w"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                           {"x": (1, 4, 8, 8)}, ["y"], {"w": weights((6, 4, 3, 3))}),
        "add": make_model([node("Add", ["x", "z"])], {"x": (4, 6), "z": (4, 6)}, ["y"]),
        "pool": make_model([node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2])],
                           {"x": (1, 2, 6, 6)}, ["y"]),
        "softmax": make_model([node("Softmax", ["x"], axis=-1)], {"x": (3, 10)}, ["y"]),
    }


@functools.cache
def bases() -> tuple[Base, ...]:
    arch = load_arch("teaching", params={"spad_kib": 1})  # small: tiles, reloads, ping-pong
    out = []
    for name, proto in _models().items():
        model = load(proto)
        layer = model.layers[0]
        program = compile(layer, arch).program
        inputs = layer.operand_values(model.random_inputs(seed=1), model.initializers)
        outputs = Simulator(program, arch, inputs).run().outputs()
        out.append(Base(name, arch, program, inputs, outputs))
    return tuple(out)


class Case:
    """An altered program (built when called) and what was altered (its repr; a plain class:
    hypothesis would print a dataclass field by field)."""

    __slots__ = ("base", "build", "what")

    def __init__(self, base: Base, build: Any, what: str) -> None:
        self.base, self.build, self.what = base, build, what

    def __repr__(self) -> str:
        return self.what


def _renumber(instrs: list[Any]) -> tuple[Any, ...]:
    return tuple(dataclasses.replace(ins, index=i) if isinstance(ins, Transfer | Compute)
                 else ins for i, ins in enumerate(instrs))


def _check(base: Base, build: Any) -> None:
    """Build the altered program and run it: a CovenantError, or the untouched outputs."""
    program = build()
    sim = Simulator(program, base.arch, base.inputs).run()
    got = sim.outputs()
    for name, want in base.outputs.items():
        if not np.allclose(got[name], want, rtol=1e-6, atol=1e-9, equal_nan=True):
            raise AssertionError(f"{base.name}: output '{name}' is wrong and nothing said so")
    emit(program, base.arch)
    sim.trace()
    sim.utilisation()
    sim.bytes_moved()
    timing = Simulator(program, base.arch).run()
    assert timing.total_cycles >= 0


# -- values near, beyond and beside a field's --------------------------------------------------
ODD = (None, "x", 1.5, [], -1, 0, 1, True, 2**62, -(2**63), float("nan"))


def _variants(draw: st.DrawFn, value: object, base: Base) -> object:
    """A value for a field that now holds ``value``: close to it, extreme, or of a wrong type."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(ODD))
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.one_of(st.integers(-3, 3).map(lambda d: value + d),
                              st.sampled_from([0, -1, value * 2, value // 2, 2**40])))
    if isinstance(value, str):
        names = [o.name for o in base.program.codelet.operands]
        return draw(st.sampled_from([*names, "", value + "x", "load", "store", "mac"]))
    if isinstance(value, tuple):
        if not value or draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from([(), value[:-1], (*value, *value[-1:]),
                                         tuple(reversed(value))]))
        k = draw(st.integers(0, len(value) - 1))
        return (*value[:k], _variants(draw, value[k], base), *value[k + 1:])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _altered_part(draw, value, base)
    return draw(st.sampled_from(ODD))


def _altered_part(draw: st.DrawFn, part: Any, base: Base) -> object:
    """A node, storage, edge or tile: another of the architecture's, or one field changed."""
    arch = base.arch
    same_kind = [n for n in (*arch.nodes, *arch.edges) if type(n) is type(part) and n != part]
    if same_kind and draw(st.booleans()):
        return draw(st.sampled_from(same_kind))
    fields = [f.name for f in dataclasses.fields(part)]
    name = draw(st.sampled_from(fields))
    return dataclasses.replace(part, **{name: _variants(draw, getattr(part, name), base)})


def _change(old: object, new: object) -> str:
    """``addr 0 -> 64`` (the first field of a record that differs), else ``old -> new``."""
    if dataclasses.is_dataclass(old) and type(old) is type(new):
        for f in dataclasses.fields(old):  # type: ignore[arg-type]
            a, b = getattr(old, f.name), getattr(new, f.name)
            if a is not b and repr(a) != repr(b):
                return f"{f.name}: {_change(a, b)}"
        return "unchanged"
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new):
        for k, (a, b) in enumerate(zip(old, new, strict=True)):
            if repr(a) != repr(b):
                return f"[{k}]: {_change(a, b)}"
    return f"{old!r:.100} -> {new!r:.100}"


@st.composite
def altered_field(draw: st.DrawFn) -> Case:
    """One field of one instruction, or of one of its tiles, replaced."""
    base = draw(st.sampled_from(bases()))
    instrs = list(base.program.instrs)
    i = draw(st.integers(0, len(instrs) - 1))
    ins = instrs[i]
    name = draw(st.sampled_from([f.name for f in dataclasses.fields(ins)]))
    value = getattr(ins, name)
    if name == "tiles" and draw(st.booleans()):  # one tile of a compute
        k = draw(st.integers(0, len(value) - 1))
        role, tile = value[k]
        new = _altered_part(draw, tile, base)
        value = (*value[:k], (role, new), *value[k + 1:])
        what = f"{base.name}: instruction {i} tile '{role}' {_change(tile, new)}"
    else:
        old, value = value, _variants(draw, value, base)
        what = f"{base.name}: instruction {i} {name}: {_change(old, value)}"
    instrs[i] = dataclasses.replace(ins, **{name: value})
    return Case(base, lambda: dataclasses.replace(base.program, instrs=tuple(instrs)), what)


@st.composite
def altered_order(draw: st.DrawFn) -> Case:
    """Instructions deleted, duplicated or swapped (renumbered, or not)."""
    base = draw(st.sampled_from(bases()))
    instrs = list(base.program.instrs)
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "move"]))
    i = draw(st.integers(0, len(instrs) - 1))
    j = draw(st.integers(0, len(instrs) - 1))
    if kind == "delete":
        del instrs[i]
    elif kind == "duplicate":
        instrs.insert(j, instrs[i])
    elif kind == "swap":
        instrs[i], instrs[j] = instrs[j], instrs[i]
    else:
        instrs.insert(j, instrs.pop(i))
    renumber = draw(st.booleans())
    new = _renumber(instrs) if renumber else tuple(instrs)
    what = f"{base.name}: {kind} {i} {j} (renumbered: {renumber})"
    return Case(base, lambda: dataclasses.replace(base.program, instrs=new), what)


@st.composite
def altered_tensors(draw: st.DrawFn) -> Case:
    """A field of a DRAM home, or the homes reordered or dropped."""
    base = draw(st.sampled_from(bases()))
    tensors = list(base.program.tensors)
    k = draw(st.integers(0, len(tensors) - 1))
    if draw(st.integers(0, 3)) == 0:
        del tensors[k]
        what = f"{base.name}: home {k} dropped"
    else:
        name = draw(st.sampled_from([f.name for f in dataclasses.fields(tensors[k])]))
        value = _variants(draw, getattr(tensors[k], name), base)
        tensors[k] = dataclasses.replace(tensors[k], **{name: value})
        what = f"{base.name}: home {k} {name} = {value!r:.200}"
    return Case(base, lambda: dataclasses.replace(base.program, tensors=tuple(tensors)), what)


@FUZZ
@given(case=altered_field())
def test_an_altered_field_is_refused_or_harmless(case: Case) -> None:
    run_case("programs", lambda: _check(case.base, case.build), what=case.what)


@FUZZ
@given(case=altered_order())
def test_deleted_repeated_or_moved_instructions_are_refused_or_harmless(
        case: Case) -> None:
    run_case("programs", lambda: _check(case.base, case.build), what=case.what)


@FUZZ
@given(case=altered_tensors())
def test_an_altered_home_is_refused_or_harmless(case: Case) -> None:
    run_case("programs", lambda: _check(case.base, case.build), what=case.what)


def test_the_untouched_programs_run_clean() -> None:
    for base in bases():
        assert run_case("programs", lambda b=base: _check(b, lambda: b.program),
                        what=base.name) == "accepted"

