"""The checks of ``covenant arch check`` that need no compiling: data paths from the tensors'
homes to the ports, storages nothing uses, template fields, timing names.

Which home a port's tensors come from is read off the capability's probe codelet (the
library's own operand roles): for a GEMM, ``a`` is an input (activations), ``b`` and the bias
``init`` are weights, ``acc`` an output (activations).
"""

from __future__ import annotations

from collections.abc import Iterator

from covenant_lab.acg.capabilities import Capability, Port
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.homes import TensorHome
from covenant_lab.acg.nodes import ComputeNode
from covenant_lab.acg.validate import TemplateError, known_hint, template_fields
from covenant_lab.analysis.arch_warnings import WarningKind, Warnings
from covenant_lab.analysis.probes import capability_codelet
from covenant_lab.compiler.asm import (
    LOOP_FIELD_PREFIX,
    TRANSFER_FIELDS,
    compute_field_names,
    is_compute_field,
)
from covenant_lab.compiler.roles import stage_roles

__all__ = [
    "capabilities",
    "capability_field",
    "check_static",
    "port_homes",
    "unbound_timing_names",
]

_TIMING_PREFIXES = ("used_", "folds_")
# the homes a role's tensors may also come from (model inputs) or go to (model outputs)
_ALSO_LOADED = {TensorHome.ACTIVATIONS: TensorHome.MODEL_INPUTS}
_ALSO_STORED = {TensorHome.ACTIVATIONS: TensorHome.MODEL_OUTPUTS}


def capability_field(node: ComputeNode, index: int) -> str:
    """The YAML path of a capability."""
    return f"compute.{node.name}.capabilities[{index}]"


def capabilities(acg: ACG) -> Iterator[tuple[ComputeNode, int, Capability]]:
    """Every (node, index in the file, capability)."""
    for node in acg.compute_nodes:
        for index, cap in enumerate(node.capabilities):
            yield node, index, cap


def port_homes(cap: Capability) -> tuple[tuple[Port, TensorHome, bool], ...]:
    """(port, home of its tensors, True for a load / False for a store) per role of ``cap``."""
    codelet = capability_codelet(cap)
    stage = codelet.stages[0]
    destination = stage.stmt.op.roles[-1]
    out = []
    for role, access in stage_roles(stage):
        port = cap.port(role)
        if port is not None:
            kind = TensorHome.of(codelet.operand(access.operand).role)
            out.append((port, kind, role != destination))
    return tuple(out)


def unbound_timing_names(cap: Capability) -> tuple[tuple[str, str], ...]:
    """(field, name) of each ``used_<dim>``/``folds_<dim>`` in the timing expressions whose
    dimension has no spatial entry in ``cap`` (the compiler never sets it)."""
    dims = {s.dim for s in cap.spatial}
    out = []
    for key, expr in (("cycles", cap.cycles), ("overhead_cycles", cap.overhead_cycles)):
        for name in sorted(expr.names if expr is not None else ()):
            for prefix in _TIMING_PREFIXES:
                if name.startswith(prefix) and name.removeprefix(prefix) not in dims:
                    out.append((key, name))
    return tuple(out)


def check_static(acg: ACG, out: Warnings) -> None:
    """Every check that needs no compiling, in file order per kind."""
    _check_paths(acg, out)
    _check_unused(acg, out)
    _check_templates(acg, out)
    _check_timing(acg, out)


def _check_paths(acg: ACG, out: Warnings) -> None:
    homes = dict(acg.homes)
    for node, index, cap in capabilities(acg):
        for port, kind, load in port_homes(cap):
            home = homes.get(kind)
            if home is None:
                continue
            stores = port.storages
            if load and not any(acg.data_paths(home, s) for s in stores):
                what = f"cannot be loaded: no data path from {home} to {' or '.join(stores)}"
                fix = f"add edges from {home} to {stores[0]}"
            elif not load and not any(acg.data_paths(s, home) for s in stores):
                what = f"cannot be stored: no data path from {' or '.join(stores)} back to {home}"
                fix = f"add edges from {stores[0]} to {home}"
            else:
                continue
            out.add(
                WarningKind.NO_DATA_PATH,
                f"{capability_field(node, index)}.operands.{port.role}",
                f"role '{port.role}' ({kind.value}, home {home}) {what}",
                hint=f"{fix} (directly or through other storages), or change homes.{kind.value}",
            )


def _check_unused(acg: ACG, out: Warnings) -> None:
    homes = dict(acg.homes)
    used: set[str] = set()
    for _, _, cap in capabilities(acg):
        for port, kind, load in port_homes(cap):
            used.update(port.storages)
            kinds = (kind, (_ALSO_LOADED if load else _ALSO_STORED).get(kind, kind))
            for home in {homes[k] for k in kinds if k in homes}:
                for name in port.storages:
                    paths = acg.data_paths(home, name) if load else acg.data_paths(name, home)
                    used.update(n.name for p in paths for n in p.nodes)
    for store in acg.storage_nodes:
        if store.name not in used:
            out.add(
                WarningKind.UNUSED_STORAGE,
                f"storage.{store.name}",
                f"no capability uses '{store.name}': it is no operand's storage and lies on no "
                "data path between one and off-chip memory",
                hint="name it in a capability's operands (a list gives alternatives), connect "
                "it between off-chip memory and a port, or remove it",
            )


def _check_templates(acg: ACG, out: Warnings) -> None:
    for node, index, cap in capabilities(acg):
        known = [*sorted(compute_field_names(cap)), f"{LOOP_FIELD_PREFIX}<loop>"]
        for name in _fields(cap.template):
            if not is_compute_field(cap, name):
                _unknown_field(out, f"{capability_field(node, index)}.template", name, known)
    for index, edge in enumerate(acg.edges):
        for name in _fields(edge.template):
            if name not in TRANSFER_FIELDS:
                _unknown_field(out, f"edges[{index}].template", name, sorted(TRANSFER_FIELDS))


def _fields(template: str) -> tuple[str, ...]:
    try:
        return template_fields(template)
    except TemplateError:  # reported by validation; a loaded ACG never has one
        return ()


def _unknown_field(out: Warnings, field: str, name: str, known: list[str]) -> None:
    out.add(
        WarningKind.TEMPLATE_FIELD,
        field,
        f"unknown field {{{name}}}: the assembler does not fill it and would print <{name}?>",
        hint=known_hint(name, known),
    )


def _check_timing(acg: ACG, out: Warnings) -> None:
    for node, index, cap in capabilities(acg):
        for key, name in unbound_timing_names(cap):
            dim = name.split("_", 1)[1]
            out.add(
                WarningKind.TIMING_NAME,
                f"{capability_field(node, index)}.{key}",
                f"'{name}' refers to dimension '{dim}', but this capability has no spatial "
                f"entry for '{dim}': no loop is ever mapped there, so the compiler never sets it",
                hint=f"add a spatial entry for '{dim}', or write the number you mean instead "
                f"of {name}",
            )
