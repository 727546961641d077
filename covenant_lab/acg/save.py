"""Write ACGs back out: YAML text (expressions kept as written), files, plain data, summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from covenant_lab.acg.capabilities import Capability, OverheadPer, SpatialDim
from covenant_lab.acg.describe import (
    arch_title,
    bandwidth_text,
    buffering_text,
    clock_text,
    dtype_text,
    format_bytes,
    home_text,
    private_text,
    rate_text,
    spatial_groups,
    storage_size,
)
from covenant_lab.acg.expr import Expr
from covenant_lab.acg.graph import ACG, thaw
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, Edge, StorageNode
from covenant_lab.errors import UsageError
from covenant_lab.fileio import write_atomic

__all__ = ["format_bytes", "save_arch", "spec_of", "summary", "to_data", "to_yaml"]

_ORDER = (
    "name", "description", "clock_mhz", "params", "homes", "storage", "communication",
    "compute", "edges",
)


def spec_of(acg: ACG) -> dict[str, Any]:
    """A mutable copy of the ACG's document (generated from its nodes if it has none)."""
    if acg.spec:
        return dict(thaw(acg.spec))
    return _spec_from_nodes(acg)


def to_yaml(acg: ACG) -> str:
    """The architecture as YAML: its leading comment, then name, description, params, nodes."""
    spec = spec_of(acg)
    ordered = {k: spec[k] for k in _ORDER if k in spec}
    ordered.update({k: v for k, v in spec.items() if k not in ordered})
    body = yaml.safe_dump(
        ordered, sort_keys=False, default_flow_style=None, width=100, allow_unicode=True
    )
    head = acg.comment.strip()
    return f"{head}\n{body}" if head else body


def _shipped_dirs() -> tuple[Path, ...]:
    from covenant_lab.acg.load import shipped_dirs

    return tuple(d.resolve() for d in shipped_dirs())


def save_arch(acg: ACG, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``to_yaml(acg)`` to ``path`` atomically (temp file + rename in the same directory).

    Refuses to replace an existing file, or to write into the shipped ``archs/`` directory,
    unless ``overwrite=True``.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise UsageError(
            f"save_arch: '{target}' already exists", hint="pass overwrite=True to replace it"
        )
    if not overwrite and target.parent.resolve() in _shipped_dirs():
        raise UsageError(
            f"save_arch: '{target}' is in the shipped architectures directory",
            hint="save edited architectures elsewhere, or pass overwrite=True",
        )
    if not target.parent.is_dir():
        raise UsageError(f"save_arch: directory '{target.parent}' does not exist")
    return write_atomic(target, to_yaml(acg), "save_arch")  # fileio: the one rule of writing


def _storage_spec(s: StorageNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if s.off_chip:
        out["off_chip"] = True
    if s.access is Access.FIFO:
        out["access"] = s.access.value
        out["entries"] = s.buffering
        out["entry_bytes"] = (s.capacity_bytes or 0) // s.buffering
    elif s.capacity_bytes is not None:
        out["capacity_bytes"] = s.capacity_bytes
    if s.private_to is not None:
        out["private_to"] = s.private_to
    out["read_bytes_per_cycle"] = s.read_bytes_per_cycle
    out["write_bytes_per_cycle"] = s.write_bytes_per_cycle
    defaults = {"latency_cycles": 0, "buffering": 1, "banks": 1, "word_bytes": 1, "description": ""}
    if s.access is Access.FIFO:
        del defaults["buffering"]
    for key, default in defaults.items():
        value = getattr(s, key)
        if value != default:
            out[key] = value
    return out


def _capability_spec(c: Capability) -> dict[str, Any]:
    out: dict[str, Any] = {"op": c.op.value}
    if c.name:
        out["name"] = c.name
    out["operands"] = {p.role: list(p.storages) if p.alternatives else p.storage for p in c.ports}
    out["dtypes"] = {p.role: p.dtype.value for p in c.ports}
    if c.spatial:
        spatial: dict[str, list[dict[str, Any]]] = {}
        for s in c.spatial:
            entry: dict[str, Any] = {"requires": sorted(s.requires)}
            if s.excludes:
                entry["excludes"] = sorted(s.excludes)
            if s.fold:
                entry["fold"] = True
            spatial.setdefault(s.dim, []).append(entry)
        out["spatial"] = {d: v[0] if len(v) == 1 else v for d, v in spatial.items()}
    return out | _timing_spec(c)


def _timing_spec(c: Capability) -> dict[str, Any]:
    """A capability's stream rule, timing and template, as the file writes them."""
    out: dict[str, Any] = {"cycles": _expr_spec(c.cycles)}
    stream: dict[str, Any] = {}
    if c.stream_requires:
        stream["requires"] = sorted(c.stream_requires)
    if c.stream_excludes:
        stream["excludes"] = sorted(c.stream_excludes)
    if stream:
        out["stream"] = stream
    if c.overhead_cycles is not None:
        out["overhead_cycles"] = _expr_spec(c.overhead_cycles)
    if c.overhead_per is not OverheadPer.PASS:
        out["overhead_per"] = c.overhead_per.value
    if c.latency_cycles:
        out["latency_cycles"] = c.latency_cycles
    if c.template:
        out["template"] = c.template
    return out


def _expr_spec(e: Expr) -> int | float | str:
    const = e.const_value
    return const if const is not None else str(e)


def _edge_spec(e: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {"from": e.src, "to": e.dst, "bytes_per_cycle": e.bytes_per_cycle}
    if e.latency_cycles:
        out["latency_cycles"] = e.latency_cycles
    if e.via is not None:
        out["via"] = e.via
    if e.template:
        out["template"] = e.template
    if e.dtype is not None:
        out["dtype"] = e.dtype.value
    return out


def _described(out: dict[str, Any], node: ComputeNode | CommNode) -> dict[str, Any]:
    if node.description:
        out["description"] = node.description
    return out


def _compute_spec(acg: ACG, n: ComputeNode) -> dict[str, Any]:
    out: dict[str, Any] = {
        "dims": dict(n.dims),
        "capabilities": [_capability_spec(c) for c in n.capabilities],
    }
    if n.period_cycles != 1.0 and acg.clock_mhz is not None:
        out["clock_mhz"] = acg.clock_mhz / n.period_cycles
    if n.fallback:
        out["fallback"] = True
    return _described(out, n)


def _spec_from_nodes(acg: ACG) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": acg.name}
    if acg.description:
        spec["description"] = acg.description
    if acg.clock_mhz is not None:
        spec["clock_mhz"] = acg.clock_mhz
    if acg.params:
        spec["params"] = dict(acg.params)
    if len(acg.offchip) > 1:
        spec["homes"] = {k.value: v for k, v in acg.homes}
    spec["storage"] = {s.name: _storage_spec(s) for s in acg.storage_nodes}
    if acg.comm_nodes:
        spec["communication"] = {
            c.name: _described(
                {"bytes_per_cycle": c.bytes_per_cycle, "latency_cycles": c.latency_cycles}, c
            )
            for c in acg.comm_nodes
        }
    spec["compute"] = {n.name: _compute_spec(acg, n) for n in acg.compute_nodes}
    spec["edges"] = [_edge_spec(e) for e in acg.edges]
    return spec


def _capability_data(c: Capability) -> dict[str, Any]:
    return {
        "name": c.label,
        "op": c.op.value,
        "ports": [
            {
                "role": p.role,
                "storage": p.storage,
                "alternatives": list(p.alternatives),
                "dtype": p.dtype.value,
            }
            for p in c.ports
        ],
        "spatial": [
            {
                "dim": s.dim,
                "size": s.size,
                "requires": sorted(s.requires),
                "excludes": sorted(s.excludes),
                "fold": s.fold,
            }
            for s in c.spatial
        ],
        "cycles": str(c.cycles),
        "stream_requires": sorted(c.stream_requires),
        "stream_excludes": sorted(c.stream_excludes),
        "overhead_cycles": None if c.overhead_cycles is None else str(c.overhead_cycles),
        "overhead_per": c.overhead_per.value,
        "latency_cycles": c.latency_cycles,
        "template": c.template,
        "peak_ops_per_cycle": c.peak_ops_per_cycle,
    }


def to_data(acg: ACG) -> dict[str, Any]:
    """A JSON-able description: params, nodes (kind + attributes), capabilities, edges."""
    nodes: list[dict[str, Any]] = []
    for s in acg.storage_nodes:
        nodes.append({"name": s.name, "kind": "storage", **_storage_attrs(s)})
    for n in acg.compute_nodes:
        nodes.append(
            {
                "name": n.name,
                "kind": "compute",
                "dims": dict(n.dims),
                "description": n.description,
                "period_cycles": n.period_cycles,
                "fallback": n.fallback,
                "capabilities": [_capability_data(c) for c in n.capabilities],
            }
        )
    for c in acg.comm_nodes:
        nodes.append(
            {
                "name": c.name,
                "kind": "comm",
                "bytes_per_cycle": c.bytes_per_cycle,
                "latency_cycles": c.latency_cycles,
                "description": c.description,
            }
        )
    return {
        "name": acg.name,
        "description": acg.description,
        "source": acg.source,
        "params": dict(acg.params),
        "clock_mhz": acg.clock_mhz,
        "homes": {k.value: v for k, v in acg.homes},
        "nodes": nodes,
        "edges": [
            {
                "src": e.src,
                "dst": e.dst,
                "bytes_per_cycle": e.bytes_per_cycle,
                "latency_cycles": e.latency_cycles,
                "via": e.via,
                "template": e.template,
                "dtype": None if e.dtype is None else e.dtype.value,
            }
            for e in acg.edges
        ],
    }


def _storage_attrs(s: StorageNode) -> dict[str, Any]:
    keys = (
        "capacity_bytes",
        "read_bytes_per_cycle",
        "write_bytes_per_cycle",
        "latency_cycles",
        "buffering",
        "banks",
        "word_bytes",
        "off_chip",
        "description",
        "private_to",
    )
    return {**{k: getattr(s, k) for k in keys}, "access": s.access.value}


def _storage_line(acg: ACG, s: StorageNode) -> tuple[str, str, str, str]:
    """Name, size (``FIFO 4 x 64 KiB``, ``448 B per PE x 168 (private to pe_array)``),
    bandwidth and extras (buffering, banks, latency, ``home of weights``) of a storage."""
    size = storage_size(s)
    if s.private_to is not None:
        size += f" ({private_text(s)})"
    extras = [f"x{s.buffering} buffered"] if buffering_text(s) else []
    if s.banks > 1:
        extras.append(f"{s.banks} banks")
    if s.latency_cycles:
        extras.append(f"lat {s.latency_cycles}")
    if s.off_chip and home_text(acg, s):
        extras.append(home_text(acg, s))
    return s.name, size, bandwidth_text(s), ", ".join(extras)


def _storage_lines(acg: ACG) -> list[str]:
    """One line per storage, in columns as wide as their widest entry."""
    rows = [_storage_line(acg, s) for s in acg.storage_nodes]
    widths = [max([w, *(len(r[k]) for r in rows)]) for k, w in enumerate((10, 12, 24))]
    return [
        f"  {name:<{widths[0]}} {size:<{widths[1]}} {bw:<{widths[2]}} {extras}".rstrip()
        for name, size, bw, extras in rows
    ]


def _entry_short(e: SpatialDim) -> str:
    """``a,b -acc fold``: the roles a loop needs, those it must not have, and fold."""
    return (",".join(sorted(e.requires)) + (f" -{','.join(sorted(e.excludes))}" if e.excludes
                                             else "") + (" fold" if e.fold else ""))


def _capability_lines(caps: tuple[Capability, ...]) -> list[str]:
    """One line per group of capabilities that differ only in their op; a spatial dimension
    with several entries lists them in one bracket (``cols[a,acc -b | acc,b -a]``)."""
    groups: dict[tuple[Any, ...], list[Capability]] = {}
    for c in caps:
        key = (
            c.ports,
            c.spatial,
            str(c.cycles),
            c.latency_cycles,
            c.stream_requires,
            c.stream_excludes,
            str(c.overhead_cycles),
            c.overhead_per,
        )
        groups.setdefault(key, []).append(c)
    lines = []
    for group in groups.values():
        first = group[0]
        port_text = " ".join(
            f"{p.role}:{'|'.join(p.storages)}({p.dtype.value})" for p in first.ports
        )
        spatial_text = " ".join(
            f"{dim}[" + " | ".join(_entry_short(e) for e in entries) + "]"
            for dim, _, entries in spatial_groups(first)
        )
        lines.append(f"    {', '.join(c.label for c in group)}")
        overhead = ("" if first.overhead_cycles is None else
                    f" + {first.overhead_cycles} per {first.overhead_per.value}")
        lines.append(f"        {port_text}  {spatial_text}  cycles={first.cycles}{overhead}"
                     .rstrip())
    return lines


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _compute_line(acg: ACG, n: ComputeNode) -> str:
    """``host       lanes=8 (8 PEs), 20 capabilities, 2300 MHz, 3.29x, fallback unit``."""
    dims = " x ".join(f"{d}={s}" for d, s in n.dims) or "scalar"
    parts = [f"{dims} ({n.size} PEs)", _plural(len(n.capabilities), "capability", "capabilities")]
    if clock_text(acg, n):
        parts.append(clock_text(acg, n))
    if n.fallback:
        parts.append("fallback unit")
    return f"  {n.name:<10} {', '.join(parts)}"


def _edge_lines(acg: ACG) -> list[str]:
    """Edges grouped by source, width, route, latency and conversion."""
    groups: dict[tuple[str, float, str | None, int, str], list[str]] = {}
    for e in acg.edges:
        key = (e.src, e.bytes_per_cycle, e.via, e.latency_cycles, dtype_text(e))
        groups.setdefault(key, []).append(e.dst)
    lines = []
    for (src, width, via, latency, dtype), dsts in groups.items():
        route = f"{src} -> {', '.join(dsts)}"
        extra = (f" via {via}" if via else "") + (f", latency {latency}" if latency else "")
        extra += f", {dtype}" if dtype else ""
        lines.append(f"  {route:<36} {rate_text(width)}{extra}")
    return lines


def summary(acg: ACG) -> str:
    """A one-screen text summary of an ACG: the title carries the reference clock, off-chip
    memories their homes, compute nodes their own clock and whether they are a fallback unit,
    converting edges their type (``-> int8``)."""
    title = arch_title(acg)
    lines = [f"{title}: {acg.description}".rstrip(": ") + f"  [{acg.source}]"]
    if acg.params:
        lines.append("params: " + " ".join(f"{k}={v}" for k, v in acg.params))
    lines.append("storage:")
    lines += _storage_lines(acg)
    if acg.comm_nodes:
        lines.append("communication:")
        lines += [
            f"  {c.name:<10} {rate_text(c.bytes_per_cycle)}, latency {c.latency_cycles}"
            for c in acg.comm_nodes
        ]
    lines.append("compute:")
    for n in acg.compute_nodes:
        lines.append(_compute_line(acg, n))
        lines += _capability_lines(n.capabilities)
    lines.append("edges:")
    lines += _edge_lines(acg)
    read, write = acg.offchip_bytes_per_cycle
    lines.append(f"off-chip: read {rate_text(read)}, write {rate_text(write)}")
    return "\n".join(lines)
