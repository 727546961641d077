"""Write ACGs back out: YAML text (expressions kept as written), files, plain data, summaries."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.expr import Expr
from covenant_lab.acg.graph import ACG, thaw
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, Edge, StorageNode
from covenant_lab.errors import UsageError

__all__ = ["save_arch", "spec_of", "summary", "to_data", "to_yaml"]

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
    text = to_yaml(acg)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


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
    out["cycles"] = _expr_spec(c.cycles)
    stream: dict[str, Any] = {}
    if c.stream_requires:
        stream["requires"] = sorted(c.stream_requires)
    if c.stream_excludes:
        stream["excludes"] = sorted(c.stream_excludes)
    if stream:
        out["stream"] = stream
    if c.overhead_cycles is not None:
        out["overhead_cycles"] = _expr_spec(c.overhead_cycles)
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


def format_bytes(n: int | None) -> str:
    """``131072`` -> ``128 KiB``; None -> ``unbounded``."""
    if n is None:
        return "unbounded"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % (size // 16) == 0:
            value = n / size
            return f"{value:g} {unit}"
    return f"{n} B"


def _storage_line(s: StorageNode) -> str:
    size = "off-chip" if s.off_chip and s.capacity_bytes is None else format_bytes(s.capacity_bytes)
    extras = [f"x{s.buffering} buffered"] if s.buffering > 1 else []
    if s.banks > 1:
        extras.append(f"{s.banks} banks")
    if s.latency_cycles:
        extras.append(f"lat {s.latency_cycles}")
    bw = f"R {s.read_bytes_per_cycle} / W {s.write_bytes_per_cycle} B/cyc"
    return f"  {s.name:<10} {size:<12} {bw:<24} {', '.join(extras)}".rstrip()


def _capability_lines(caps: tuple[Capability, ...]) -> list[str]:
    """One line per group of capabilities that differ only in their op."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for c in caps:
        key = (
            c.ports,
            c.spatial,
            str(c.cycles),
            c.latency_cycles,
            c.stream_requires,
            c.stream_excludes,
            str(c.overhead_cycles),
        )
        groups.setdefault(key, []).append(c.label)
    lines = []
    for (ports, spatial, cycles, *_), labels in groups.items():
        port_text = " ".join(f"{p.role}:{'|'.join(p.storages)}({p.dtype.value})" for p in ports)
        spatial_text = " ".join(
            f"{s.dim}[{','.join(sorted(s.requires))}"
            + (f" -{','.join(sorted(s.excludes))}" if s.excludes else "")
            + (" fold" if s.fold else "")
            + "]"
            for s in spatial
        )
        lines.append(f"    {', '.join(labels)}")
        lines.append(f"        {port_text}  {spatial_text}  cycles={cycles}".rstrip())
    return lines


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary(acg: ACG) -> str:
    """A one-screen text summary of an ACG."""
    lines = [f"{acg.name}: {acg.description}".rstrip(": ") + f"  [{acg.source}]"]
    if acg.params:
        lines.append("params: " + " ".join(f"{k}={v}" for k, v in acg.params))
    lines.append("storage:")
    lines += [_storage_line(s) for s in acg.storage_nodes]
    if acg.comm_nodes:
        lines.append("communication:")
        lines += [
            f"  {c.name:<10} {c.bytes_per_cycle} B/cyc, latency {c.latency_cycles}"
            for c in acg.comm_nodes
        ]
    lines.append("compute:")
    for n in acg.compute_nodes:
        dims = " x ".join(f"{d}={s}" for d, s in n.dims) or "scalar"
        caps = _plural(len(n.capabilities), "capability", "capabilities")
        lines.append(f"  {n.name:<10} {dims} ({n.size} PEs), {caps}")
        lines += _capability_lines(n.capabilities)
    lines.append("edges:")
    groups: dict[tuple[str, float, str | None, int], list[str]] = {}
    for e in acg.edges:
        groups.setdefault((e.src, e.bytes_per_cycle, e.via, e.latency_cycles), []).append(e.dst)
    for (src, width, via, latency), dsts in groups.items():
        route = f"{src} -> {', '.join(dsts)}"
        extra = (f" via {via}" if via else "") + (f", latency {latency}" if latency else "")
        lines.append(f"  {route:<36} {width} B/cyc{extra}")
    read, write = acg.offchip_bytes_per_cycle
    lines.append(f"off-chip: read {read} B/cyc, write {write} B/cyc")
    return "\n".join(lines)
