"""Assembly text from the instruction templates of the architecture file."""

from __future__ import annotations

import string
from collections.abc import Mapping

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Const, Stmt
from covenant_lab.compiler.program import Compute, Program, TileRef, Transfer
from covenant_lab.types import SOURCE_ROLES

# The fields the assembler fills, in one place (``covenant arch check`` warns on any other).
TRANSFER_FIELDS = frozenset(
    {"operand", "src", "dst", "src_addr", "dst_addr", "nbytes", "kind", "shape", "box",
     "src_strides"}
)
_COMPUTE_FIELDS = ("node", "capability", "cycles", "init", "box", "elems")
_TIMING_FIELDS = ("stream", "passes")  # with used_<dim>, folds_<dim>: invocation_params
LOOP_FIELD_PREFIX = "n_"  # n_<loop>: the invocation's extent of each loop of the stage


class _Fields(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return f"<{key}?>"


_FORMATTER = string.Formatter()


def _box(tile: TileRef) -> str:
    return "[" + ", ".join(f"{a}:{b}" for a, b in tile.box) + "]"


def transfer_fields(t: Transfer) -> Mapping[str, object]:
    return _Fields(
        operand=t.src.operand,
        src=t.src.storage.name,
        dst=t.dst.storage.name,
        src_addr=t.src.addr,
        dst_addr=t.dst.addr,
        nbytes=t.nbytes,
        kind=t.kind,
        shape="x".join(map(str, t.dst.shape)),
        box=_box(t.dst),
        src_strides=",".join(str(s * t.src.elem_bytes) for s in t.src.layout_strides),
    )


def compute_field_names(cap: Capability) -> frozenset[str]:
    """The fields :func:`compute_fields` fills for an invocation of ``cap``, besides
    ``n_<loop>`` for every loop of the stage (see :func:`is_compute_field`): the fixed
    fields, ``<role>`` and ``<role>_addr`` per operand role, ``stream``, ``passes``, and
    ``used_<dim>``, ``folds_<dim>`` per spatial dimension of the capability."""
    names = [*_COMPUTE_FIELDS, *_TIMING_FIELDS]
    for role in cap.roles:
        names += [role, f"{role}_addr"]
    for dim, _ in cap.dims:
        names += [f"used_{dim}", f"folds_{dim}"]
    return frozenset(names)


def is_compute_field(cap: Capability, name: str) -> bool:
    """Whether a template field of ``cap`` is filled (any ``n_<loop>`` is accepted: the loops
    are the codelet's)."""
    loop = name.removeprefix(LOOP_FIELD_PREFIX)
    return name in compute_field_names(cap) or (loop != name and loop.isidentifier())


def immediate(value: float) -> str:
    """How a constant source is written in place of an operand: ``#6``, ``#0.5``."""
    return f"#{value:g}"


def compute_fields(c: Compute, stmt: Stmt | None = None) -> Mapping[str, object]:
    """The fields of one invocation; with its statement, a constant source (a Clip's bound)
    fills its role's ``<role>`` and ``<role>_addr`` as an immediate."""
    f = _Fields(
        node=c.node.name,
        capability=c.capability,
        cycles=c.cycles,
        init=int(c.init),
        box=" ".join(f"{lp}={a}:{b}" for lp, a, b in c.box),
        elems=c.operations,
    )
    for role, src in zip(SOURCE_ROLES, stmt.srcs if stmt else (), strict=False):
        if isinstance(src, Const):
            f[f"{role}"] = f[f"{role}_addr"] = immediate(src.value)
    for role, tile in c.tiles:
        f[f"{role}_addr"] = tile.addr
        f[f"{role}"] = f"{tile.storage.name}@{tile.addr}"
    for lp, a, b in c.box:
        f[f"{LOOP_FIELD_PREFIX}{lp}"] = b - a
    f.update(c.params)
    return f


def _default_transfer(t: Transfer) -> str:
    return ("LD" if t.kind == "load" else "ST") + (
        " {operand} {src}@{src_addr} -> {dst}@{dst_addr} {shape} {nbytes}B"
    )


def emit(program: Program, acg: ACG) -> str:
    """One line per instruction, from the edge or capability template (or a readable default)."""
    caps = {(n.name, c.label): c for n in acg.compute_nodes for c in n.capabilities}
    lines = [f"; {program.codelet.name} on {acg.name}: {len(program.instrs)} instructions"]
    for ins in program.instrs:
        if isinstance(ins, Transfer):
            tpl = ins.edge.template or _default_transfer(ins)
            fields = transfer_fields(ins)
        else:
            cap = caps.get((ins.node.name, ins.capability))
            tpl = (
                cap.template if cap else ""
            ) or "{node}.{capability} {box} init={init} ; {cycles} cycles"
            fields = compute_fields(ins, program.codelet.stages[ins.stage].stmt)
        lines.append(f"{ins.index:6d}  " + _FORMATTER.vformat(tpl, (), fields))
    return "\n".join(lines) + "\n"
