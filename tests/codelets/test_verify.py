"""One test per rule of codelets.verify: each raises CodeletError with a precise message."""

from __future__ import annotations

import re

import pytest

from covenant_lab.codelets import (
    Access,
    Affine,
    Codelet,
    CodeletBuilder,
    Const,
    Dim,
    Operand,
    Stage,
    Stmt,
    verify,
)
from covenant_lab.codelets import library as lib
from covenant_lab.errors import CodeletError
from covenant_lab.types import DType, OpKind, Role

F32 = DType.FLOAT32
VI, VJ = Affine.of("i"), Affine.of("j")


DIM_I = (Dim("i", 4),)


def raw(stages, dims=DIM_I, operands=None) -> Codelet:
    """A codelet made without the builder, to reach rules the builder cannot break."""
    ops = operands or (Operand("x", (4,), F32, Role.INPUT), Operand("y", (4,), F32, Role.OUTPUT))
    return Codelet("bad", tuple(dims), tuple(ops), tuple(stages))


def copy_stage(**kw) -> Stage:
    return Stage(("i",), Stmt(OpKind.COPY, Access("y", (VI,)), (Access("x", (VI,)),), **kw))


def fails(message: str):
    return pytest.raises(CodeletError, match=re.escape(message))


def test_valid_codelets_pass() -> None:
    verify(raw([copy_stage()]))
    verify(lib.conv2d((1, 3, 8, 8), (4, 3, 3, 3), pads=(1, 1, 1, 1)))


def test_codelet_needs_a_stage() -> None:
    with fails("codelet 'bad': has no stages"):
        verify(raw([]))


def test_dims_are_unique_and_positive() -> None:
    with fails("codelet 'bad': dim 'i' is declared twice"):
        verify(raw([copy_stage()], dims=(Dim("i", 4), Dim("i", 4))))
    with fails("codelet 'bad': dim 'i' has extent 0; expected a positive int"):
        verify(raw([copy_stage()], dims=(Dim("i", 0),)))


def test_operands_are_unique_with_positive_shapes() -> None:
    x = Operand("x", (4,), F32, Role.INPUT)
    with fails("codelet 'bad': operand 'x' is declared twice"):
        verify(raw([copy_stage()], operands=(x, x, Operand("y", (4,), F32, Role.OUTPUT))))
    with fails("operand 'y' has shape (0, 4); expected positive ints"):
        verify(raw([copy_stage()], operands=(x, Operand("y", (0, 4), F32, Role.OUTPUT))))


def test_loops_are_dims_of_the_codelet() -> None:
    with fails("codelet 'bad', stage 0: loop 'q' is not a dim of the codelet"):
        verify(raw([Stage(("i", "q"), copy_stage().stmt)]))


def test_loops_do_not_repeat() -> None:
    with fails("stage 0: loops ('i', 'i') repeat a dim"):
        verify(raw([Stage(("i", "i"), copy_stage().stmt)]))


def test_arity_of_the_statement() -> None:
    stmt = Stmt(OpKind.ADD, Access("y", (VI,)), (Access("x", (VI,)),))
    with fails("codelet 'bad', stage 0 (sum): add takes 2 source(s), got 1"):
        verify(raw([Stage(("i",), stmt, "sum")]))


def test_sources_are_accesses_or_consts() -> None:
    stmt = Stmt(OpKind.EXP, Access("y", (VI,)), (3.0,))  # type: ignore[arg-type]
    with fails("source 0 of exp is 3.0; expected an Access or Const"):
        verify(raw([Stage(("i",), stmt)]))


def test_destination_has_no_fill() -> None:
    cb = CodeletBuilder("bad")
    i, = cb.dims(i=4)
    x, y = cb.input("x", (4,)), cb.output("y", (4,))
    cb.unary(OpKind.EXP, y[i].pad(0.0), x[i])
    with fails("codelet 'bad', stage 0: destination y[i] (pad 0.0) has a fill; only reads may pad"):
        cb.build()


def test_init_only_on_accumulating_ops() -> None:
    with fails("stage 0: init 0.0 given to elementwise copy; only accumulating ops"):
        verify(raw([copy_stage(init=Const(0.0))]))


def test_unknown_operand() -> None:
    stmt = Stmt(OpKind.COPY, Access("y", (VI,)), (Access("z", (VI,)),))
    with fails("stage 0: access z[i] names unknown operand 'z'\nhint: declared operands: x, y"):
        verify(raw([Stage(("i",), stmt)]))


def test_index_rank_matches_operand_rank() -> None:
    cb = CodeletBuilder("bad")
    i, = cb.dims(i=4)
    x, y = cb.input("x", (4, 2)), cb.output("y", (4,))
    cb.copy(y[i], x[i])
    with fails("access x[i] has 1 indices but operand 'x' has rank 2 (shape (4, 2))"):
        cb.build()


def test_index_variables_are_dims_and_loops_of_the_stage() -> None:
    stmt = Stmt(OpKind.COPY, Access("y", (VI,)), (Access("x", (Affine.of("q"),)),))
    with fails("access x[q] uses 'q', which is not a dim of the codelet"):
        verify(raw([Stage(("i",), stmt)]))
    stmt = Stmt(OpKind.COPY, Access("y", (VI,)), (Access("x", (VJ,)),))
    with fails("access x[j] uses 'j', which is not a loop of this stage (loops: i)"):
        verify(raw([Stage(("i",), stmt)], dims=(Dim("i", 4), Dim("j", 4))))


def test_out_of_bounds_read_needs_a_fill() -> None:
    cb = CodeletBuilder("conv")
    oh, kh = cb.dims(oh=8, kh=3)
    x, w, y = cb.input("x", (8,)), cb.weight("w", (3,)), cb.output("y", (8,))
    cb.mac(y[oh], x[oh + kh - 1], w[kh], init=0.0)
    with fails("codelet 'conv', stage 0: access x[oh + kh - 1] reaches -1..8 on axis 0 of 'x' "
               "(size 8), out of bounds\nhint: pad the read with .pad(fill)"):
        cb.build()


def test_out_of_bounds_write_is_an_error() -> None:
    stmt = Stmt(OpKind.COPY, Access("y", (VI + 1,)), (Access("x", (VI,)),))
    with fails("access y[i + 1] reaches 1..4 on axis 0 of 'y' (size 4), out of bounds"):
        verify(raw([Stage(("i",), stmt)]))


def test_destination_is_not_an_input() -> None:
    stmt = Stmt(OpKind.EXP, Access("x", (VI,)), (Access("x", (VI,)),))
    with fails("stage 0: destination x[i] is an input; only outputs and temps are written"):
        verify(raw([Stage(("i",), stmt), copy_stage()]))


def test_reduction_loops_only_for_accumulating_ops() -> None:
    cb = CodeletBuilder("bad")
    i, j = cb.dims(i=4, j=3)
    x, y = cb.input("x", (4, 3)), cb.output("y", (4,))
    cb.unary(OpKind.EXP, y[i], x[i, j], loops=(i, j))
    with fails("stage 0: elementwise exp has reduction loop(s) j (not used by y[i]); "
               "only accumulating ops (mac, reduce_*) reduce"):
        cb.build()


def test_elementwise_in_place_only_at_the_same_index() -> None:
    cb = CodeletBuilder("shift")
    i, = cb.dims(i=3)
    x, t, y = cb.input("x", (4,)), cb.temp("t0", (4,)), cb.output("y", (3,))
    cb.copy(t[i], x[i])
    cb.copy(t[i], t[i + 1])
    cb.copy(y[i], t[i])
    with fails("stage 1: elementwise copy reads t0[i + 1] while writing t0[i]"):
        cb.build()


def test_init_uses_only_destination_loops() -> None:
    cb = CodeletBuilder("bad")
    i, k = cb.dims(i=4, k=3)
    a, b, y = cb.input("a", (4, 3)), cb.weight("b", (3,)), cb.output("y", (4,))
    cb.reduce(OpKind.REDUCE_ADD, y[i], a[i, k], init=b[k])
    with fails("stage 0: init b[k] uses reduction loop(s) k; an init may only use loops of y[i]"):
        cb.build()


def test_accumulation_does_not_read_its_destination() -> None:
    cb = CodeletBuilder("bad")
    i, k = cb.dims(i=4, k=4)
    x, t, y = cb.input("x", (4,)), cb.temp("t0", (4,)), cb.output("y", (4,))
    cb.copy(t[i], x[i])
    cb.mac(t[i], t[k], x[k])
    cb.copy(y[i], t[i])
    with fails("stage 1: mac reads its destination operand 't0' (t0[k])"):
        cb.build()


def test_temp_read_before_write() -> None:
    cb = CodeletBuilder("bad")
    i, = cb.dims(i=4)
    x, t, y = cb.input("x", (4,)), cb.temp("t0", (4,)), cb.output("y", (4,))
    cb.binary(OpKind.ADD, y[i], x[i], t[i])
    cb.copy(t[i], x[i])
    with fails("codelet 'bad', stage 0: reads temp 't0' (t0[i]) before any stage writes it"):
        cb.build()


def test_accumulation_without_init_reads_its_destination() -> None:
    cb = CodeletBuilder("bad")
    i, k = cb.dims(i=4, k=2)
    x, y = cb.input("x", (4, 2)), cb.output("y", (4,))
    cb.reduce(OpKind.REDUCE_ADD, y[i], x[i, k], init=None)
    with fails("reads output 'y' (y[i]) before any stage writes it (init=None keeps the "
               "destination's contents)"):
        cb.build()


def test_every_output_is_written() -> None:
    ops = (Operand("x", (4,), F32, Role.INPUT), Operand("y", (4,), F32, Role.OUTPUT),
           Operand("z", (4,), F32, Role.OUTPUT))
    with fails("codelet 'bad': output 'z' is never written"):
        verify(raw([copy_stage()], operands=ops))
