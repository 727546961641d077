"""The checks of ``covenant arch check`` that need no compiling: data paths from the tensors'
homes to the ports, storages nothing uses, template fields, timing names.

Which home a port's tensors come from is read off the capability's probe codelet (the
library's own operand roles): for a GEMM, ``a`` is an input (activations), ``b`` and the bias
``init`` are weights, ``acc`` an output (activations); both inputs of an elementwise op are
activations.

An activations port nothing loads from memory is still fed when a unit writes its storage
(:func:`on_chip_writers`): a fused layer's earlier stage leaves its result there for the
later one, as a TPU's matrix unit fills the accumulators its activation unit reads. Weights
(``b`` and ``init`` of a ``mac``) come only from memory: no unit produces them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

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
from covenant_lab.types import OpKind

__all__ = [
    "capabilities",
    "capability_field",
    "check_static",
    "on_chip_feeder",
    "on_chip_writers",
    "port_homes",
    "unbound_timing_names",
]

Writers = Mapping[str, Sequence[tuple[ComputeNode, Capability]]]

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
    destination = stage.stmt.op.dst_role
    out = []
    for role, access in stage_roles(stage):
        port = cap.port(role)
        if port is not None:
            kind = TensorHome.of(codelet.operand(access.operand).role)
            out.append((port, kind, role != destination))
    return tuple(out)


def _written(acg: ACG, node: ComputeNode, cap: Capability) -> tuple[str, ...]:
    """The storages ``cap`` writes its results into: its ``acc``/``out`` port's storages that
    ``node`` has an edge to."""
    port = cap.port(cap.op.dst_role)
    if port is None:
        return ()
    return tuple(s for s in port.storages if acg.edge(node, s) is not None)


def on_chip_writers(acg: ACG) -> dict[str, tuple[tuple[ComputeNode, Capability], ...]]:
    """Storage -> the capabilities that write results into it and can get their own inputs
    (loaded from their homes, or written on chip in turn), in file order. A fixpoint: a unit
    that reads only what it writes itself feeds nothing."""
    homes = dict(acg.homes)
    pending = [
        (node, cap, [(p, k) for p, k, load in port_homes(cap) if load])
        for node, _, cap in capabilities(acg)
    ]
    found: dict[str, list[tuple[ComputeNode, Capability]]] = {}
    while True:
        ready = [
            (node, cap)
            for node, cap, ports in pending
            if all(_fed(acg, homes.get(kind), port, kind, found) for port, kind in ports)
        ]
        if not ready:
            return {name: tuple(w) for name, w in found.items()}
        for node, cap in ready:
            for name in _written(acg, node, cap):
                found.setdefault(name, []).append((node, cap))
        pending = [(n, c, p) for n, c, p in pending if (n, c) not in ready]


def on_chip_feeder(acg: ACG, cap: Capability, writers: Writers) -> Capability | None:
    """A capability writing what ``cap`` reads when that is the only way in: an activations
    port nothing loads from its home, whose storage a unit writes (a ``mac`` first)."""
    homes = dict(acg.homes)
    for port, kind, load in port_homes(cap):
        if not load or _loadable(acg, homes.get(kind), port):
            continue
        found = [c for s in port.storages for _, c in writers.get(s, ())]
        if kind is TensorHome.ACTIVATIONS and found:
            return min(found, key=lambda c: c.op is not OpKind.MAC)
    return None


def _loadable(acg: ACG, home: str | None, port: Port) -> bool:
    return home is None or any(acg.data_paths(home, s) for s in port.storages)


def _fed(acg: ACG, home: str | None, port: Port, kind: TensorHome, writers: Writers) -> bool:
    if _loadable(acg, home, port):
        return True
    return kind is TensorHome.ACTIVATIONS and any(s in writers for s in port.storages)


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
    writers = on_chip_writers(acg)
    for node, index, cap in capabilities(acg):
        for port, kind, load in port_homes(cap):
            home = homes.get(kind)
            if home is None:
                continue
            stores = port.storages
            if load and not _fed(acg, home, port, kind, writers):
                what = f"cannot be loaded: no data path from {home} to {' or '.join(stores)}"
                fix = f"add edges from {home} to {stores[0]} (directly or through other storages)"
                if kind is TensorHome.ACTIVATIONS:
                    what += _no_writer(acg, stores)
                    fix += f", let a compute node write {stores[0]} (a fused layer's earlier "
                    fix += "stage then feeds it on chip)"
            elif not load and not any(acg.data_paths(s, home) for s in stores):
                what = f"cannot be stored: no data path from {' or '.join(stores)} back to {home}"
                fix = f"add edges from {stores[0]} to {home} (directly or through other storages)"
            else:
                continue
            out.add(
                WarningKind.NO_DATA_PATH,
                f"{capability_field(node, index)}.operands.{port.role}",
                f"role '{port.role}' ({kind.value}, home {home}) {what}",
                hint=f"{fix}, or change homes.{kind.value}",
            )


def _no_writer(acg: ACG, stores: tuple[str, ...]) -> str:
    names = sorted(
        {n.name for n, _, c in capabilities(acg) if set(_written(acg, n, c)) & set(stores)}
    )
    if not names:
        return f", and no compute node writes {' or '.join(stores)}"
    return f", and the units writing it ({', '.join(names)}) cannot get their own inputs"


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
