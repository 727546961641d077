"""Codelet-level fusion: run one codelet into another through a temp.

``chain(first, second, via=("y", "x"))`` feeds ``first``'s output ``y`` to ``second``'s input
``x``. The tensor becomes a TEMP of the fused codelet and the stages are concatenated::

    conv2d (y = conv(x, w))  +  relu (y = relu(x))   ->   conv2d_relu
        stage 0: t0[n, oc, oh, ow] += x[...] * w[...]        # init 0.0
        stage 1: y[n, oc, oh, ow] = relu(t0[n, oc, oh, ow])

Names stay readable:

- the tensor in between is the first free temp name ``t<k>``; ``second``'s temps are
  renumbered after it;
- when both sides index the tensor plainly (each axis one distinct loop variable over the
  whole axis), ``second``'s loop variables on it are renamed to ``first``'s (``d0 -> n``), so
  the stages share their outer loops;
- ``second``'s other dims and operands keep their names unless they collide with ``first``'s;
  then they get the prefix ``<second.name>_``.

Attributes of the result: ``chain`` (the two names), ``first_names`` / ``second_names`` (each
operand's ``(old, new)`` name), ``first_attrs`` / ``second_attrs``, and the operand-keyed
attributes (``constants``, ``flat_shapes``) merged under the new names.
"""

from __future__ import annotations

import itertools
import re

from covenant_lab.codelets.ir import Access, Affine, Codelet, Dim, Operand, Source, Stage, Stmt
from covenant_lab.codelets.verify import verify
from covenant_lab.errors import CodeletError
from covenant_lab.types import Role

__all__ = ["CONSTANTS_ATTR", "FLAT_ATTR", "OPERAND_KEYED_ATTRS", "chain"]

# Attributes whose value is a tuple of (operand name, payload) pairs; chain renames them.
CONSTANTS_ATTR = "constants"  # generated constant operands, see library.constants
FLAT_ATTR = "flat_shapes"  # operands stored as flat 1-D views, with their tensor shapes
OPERAND_KEYED_ATTRS = frozenset({CONSTANTS_ATTR, FLAT_ATTR})

_TEMP = re.compile(r"t\d+")


def chain(first: Codelet, second: Codelet, *, via: tuple[str, str],
          name: str | None = None) -> Codelet:
    """Fuse ``second`` after ``first``; ``via = (first's output, second's input)``."""
    out_name, in_name = via
    _check_via(first, second, out_name, in_name)
    first_names, second_names = _rename_operands(first, second, out_name, in_name)
    dim_names = _rename_dims(first, second, out_name, in_name)
    operands = [Operand(first_names[o.name], o.shape, o.dtype,
                        Role.TEMP if o.name == out_name else o.role) for o in first.operands]
    operands += [Operand(second_names[o.name], o.shape, o.dtype, o.role)
                 for o in second.operands if o.name != in_name]
    first_dims = {d.name for d in first.dims}
    dims = first.dims + tuple(Dim(dim_names[d.name], d.extent) for d in second.dims
                              if dim_names[d.name] not in first_dims)
    same = {d.name: d.name for d in first.dims}
    stages = tuple(_rename_stage(st, first_names, same) for st in first.stages) + tuple(
        _rename_stage(st, second_names, dim_names) for st in second.stages)
    fused = Codelet(name or f"{first.name}_{second.name}", dims, tuple(operands), stages,
                    _attrs(first, second, first_names, second_names))
    verify(fused)
    return fused


def _check_via(first: Codelet, second: Codelet, out_name: str, in_name: str) -> None:
    where = f"chain {first.name} -> {second.name}"
    try:
        out, inp = first.operand(out_name), second.operand(in_name)
    except KeyError as e:
        raise CodeletError(f"{where}: no operand {e} on its side of via=({out_name!r}, "
                           f"{in_name!r})") from None
    if out.role is not Role.OUTPUT or inp.role not in (Role.INPUT, Role.WEIGHT):
        raise CodeletError(f"{where}: via must link an output of the first ('{out_name}' is "
                           f"{out.role.value}) to an input of the second ('{in_name}' is "
                           f"{inp.role.value})")
    if out.shape != inp.shape or out.dtype != inp.dtype:
        raise CodeletError(f"{where}: '{out_name}' is {out.dtype.value}{list(out.shape)} but "
                           f"'{in_name}' is {inp.dtype.value}{list(inp.shape)}")


def _is_numbered_temp(o: Operand) -> bool:
    return o.role is Role.TEMP and _TEMP.fullmatch(o.name) is not None


def _rename_operands(first: Codelet, second: Codelet, out_name: str,
                     in_name: str) -> tuple[dict[str, str], dict[str, str]]:
    """New names of each side's operands (see the module docstring)."""
    kept = {o.name for o in second.operands if not _is_numbered_temp(o)} - {in_name}
    avoid = {o.name for o in first.operands} | kept
    fresh = (t for t in (f"t{k}" for k in itertools.count()) if t not in avoid)
    link = next(fresh)
    first_names = {o.name: (link if o.name == out_name else o.name) for o in first.operands}
    used = set(first_names.values())
    second_names = {in_name: link}
    for o in second.operands:
        if o.name == in_name:
            continue
        if _is_numbered_temp(o):
            new = next(fresh)
        elif o.name in used:
            new = _unique(f"{second.name}_{o.name}", used | kept)
        else:
            new = o.name
        second_names[o.name] = new
        used.add(new)
    return first_names, second_names


def _unique(base: str, used: set[str]) -> str:
    new, k = base, 1
    while new in used:
        new, k = f"{base}{k}", k + 1
    return new


def _plain_vars(index: tuple[Affine, ...], shape: tuple[int, ...], c: Codelet) -> list[str] | None:
    """The loop variable of each axis when every axis is one distinct variable over it all."""
    out: list[str] = []
    for expr, size in zip(index, shape, strict=True):
        if expr.const or len(expr.terms) != 1 or expr.terms[0][1] != 1:
            return None
        var = expr.terms[0][0]
        if var in out or c.extent(var) != size:
            return None
        out.append(var)
    return out


def _rename_dims(first: Codelet, second: Codelet, out_name: str, in_name: str) -> dict[str, str]:
    alias = _alias(first, second, out_name, in_name)
    own = {d.name for d in second.dims}
    used = {d.name for d in first.dims}
    names: dict[str, str] = {}
    for d in second.dims:
        if d.name in alias:
            new = alias[d.name]
        elif d.name in used:
            new = _unique(f"{second.name}_{d.name}", used | own)
        else:
            new = d.name
        names[d.name] = new
        used.add(new)
    return names


def _alias(first: Codelet, second: Codelet, out_name: str, in_name: str) -> dict[str, str]:
    """Map ``second``'s loop variables on the linked tensor to ``first``'s, if both are plain."""
    shape = first.operand(out_name).shape
    writes = [st.stmt.dst.index for st in first.stages if st.stmt.dst.operand == out_name]
    reads = {a.index for st in second.stages for a in st.stmt.accesses if a.operand == in_name}
    if len(reads) != 1:
        return {}
    producer = _plain_vars(writes[-1], shape, first)
    consumer = _plain_vars(next(iter(reads)), shape, second)
    if producer is None or consumer is None:
        return {}
    return dict(zip(consumer, producer, strict=True))


def _rename_affine(expr: Affine, dims: dict[str, str]) -> Affine:
    out = Affine((), expr.const)
    for var, coef in expr.terms:
        out = out + Affine.of(dims[var]) * coef
    return out


def _rename_access(acc: Access, operands: dict[str, str], dims: dict[str, str]) -> Access:
    index = tuple(_rename_affine(e, dims) for e in acc.index)
    return Access(operands[acc.operand], index, acc.fill)


def _rename_source(src: Source, operands: dict[str, str], dims: dict[str, str]) -> Source:
    return _rename_access(src, operands, dims) if isinstance(src, Access) else src


def _rename_stage(st: Stage, operands: dict[str, str], dims: dict[str, str]) -> Stage:
    s = st.stmt
    init = None if s.init is None else _rename_source(s.init, operands, dims)
    stmt = Stmt(s.op, _rename_access(s.dst, operands, dims),
                tuple(_rename_source(x, operands, dims) for x in s.srcs), init)
    return Stage(tuple(dims[lp] for lp in st.loops), stmt, st.label)


def _attrs(first: Codelet, second: Codelet, first_names: dict[str, str],
           second_names: dict[str, str]) -> tuple[tuple[str, object], ...]:
    keyed: dict[str, list[tuple[str, object]]] = {}
    for c, names in ((first, first_names), (second, second_names)):
        for key, value in c.attrs:
            if key in OPERAND_KEYED_ATTRS:
                keyed.setdefault(key, []).extend((names[n], v) for n, v in value)  # type: ignore[attr-defined]
    plain = [(key, tuple(kv for kv in c.attrs if kv[0] not in OPERAND_KEYED_ATTRS))
             for key, c in (("first_attrs", first), ("second_attrs", second))]
    return (
        ("chain", (first.name, second.name)),
        ("first_names", tuple(first_names.items())),
        ("second_names", tuple(second_names.items())),
        *plain,
        *((key, tuple(v)) for key, v in keyed.items()),
    )
