"""Load architecture files (YAML) into validated ACGs. Loading never executes code.

File format::

    # what it models, where the numbers come from   (a leading comment is kept on save)
    name: teaching                       # an identifier
    description: free text
    params: {rows: 4, cols: 4}           # named integers; every other number may be an
                                         # expression over them, e.g. ``rows * 1024``
    storage:                             # memories the compiler manages explicitly
      DRAM: {off_chip: true, read_bytes_per_cycle: 8, write_bytes_per_cycle: 8}
      SPAD: {capacity_bytes: 16 * 1024, read_bytes_per_cycle: 16,
             write_bytes_per_cycle: 16, buffering: 2}
            # optional: latency_cycles (0), buffering (1), banks (1), word_bytes (1),
            # description; on-chip storage must give capacity_bytes
    communication:                       # optional: shared buses / DMA engines
      bus: {bytes_per_cycle: 8, latency_cycles: 0}
    compute:
      mac_array:
        dims: {rows: rows, cols: cols}   # spatial dimensions and their sizes
        capabilities:
          - op: mac                      # an OpKind value
            name: mac                    # optional; unique per node (default: the op)
            operands: {a: SPAD, b: SPAD, init: SPAD, acc: SPAD}   # role -> storage, or a
                                         # list the role may use, preferred first: [VMEM1, OBUF]
            dtypes: {a: int8, b: int8, init: int32, acc: int32}   # role -> DType value
            spatial:                     # which loops may occupy which dim (SpatialDim)
              rows: {requires: [a, b], excludes: [acc], fold: true}
              cols: {requires: [b, acc], excludes: [a]}
            stream: {excludes: [b]}      # optional: which unmapped loops may stream through
                                         # one invocation (the rest repeat it)
            cycles: rows + stream + rows + cols - 2   # busy cycles per invocation
            overhead_cycles: 0           # optional: once per pass of the node, over params, dims, stream
            latency_cycles: 0
            template: "MAC a={a_addr} ..."            # str.format with plain {name} fields
    edges:                               # directed data paths
      - {from: DRAM, to: SPAD, bytes_per_cycle: 8, via: bus, latency_cycles: 0, template: ""}

Operand roles are ``OpKind.roles`` (``a``, ``b`` sources; ``acc`` or ``out`` destination)
plus an optional ``init`` source for accumulating ops. ``cycles`` may use the params, the
node's dims, and the invocation variables ``stream``, ``elems`` and ``used_<dim>``; params
and dims are substituted at load time, so only invocation variables remain in
``Capability.cycles``.

Rules checked (``acg.validate``): node names unique across kinds; at least one off-chip
storage; edges join existing storage/compute nodes (comm nodes are named by ``via`` only),
no self-loops or duplicates; each port's storage has an edge to the node (sources ``a``,
``b``, ``init``) or from it (``acc``, ``out``), is loadable from off-chip memory (sources)
or drains back to it (destinations); spatial entries name dims of the node and roles of the
capability; every compute node is reachable from off-chip memory; templates use only
plain ``{name}`` fields; sizes, dims and buffering are positive integers, bandwidths and
clocks positive numbers (fractions allowed). The full reference: ``docs/arch-format.md``.

Errors: every problem found (schema, expressions, graph rules) is raised at once as an
:class:`~covenant_lab.errors.ArchError` whose problems name the YAML path and line.
"""

from __future__ import annotations

import importlib.resources
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from covenant_lab.acg.capabilities import Capability, Port, SpatialDim
from covenant_lab.acg.expr import Expr, ExprError, Num, parse
from covenant_lab.acg.graph import ACG, freeze
from covenant_lab.acg.homes import TensorHome, resolve
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, Edge, StorageNode
from covenant_lab.acg.schema import field_path, schema_issues
from covenant_lab.acg.validate import (
    Problems,
    check_acg_parts,
    check_homes,
    known_hint,
    reserved_name,
)
from covenant_lab.errors import ArchError, ArchProblem, UsageError
from covenant_lab.types import DType, OpKind

__all__ = ["build_acg", "load_arch", "loads_arch", "resolve_arch", "shipped_archs", "shipped_dirs"]

_MAX_YAML_NODES = 200_000
# libyaml's safe loader when available (same safe constructors, ~5x faster)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped_dirs() -> tuple[Path, ...]:
    """Where shipped architectures live: the repository's archs/ and the wheel's _archs/."""
    dirs = [Path(__file__).resolve().parents[2] / "archs"]
    packaged = importlib.resources.files("covenant_lab") / "_archs"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    return tuple(d for d in dirs if d.is_dir())


def shipped_archs() -> tuple[str, ...]:
    """The names of the shipped architectures (``load_arch(name)`` accepts them)."""
    names = {p.stem for d in shipped_dirs() for p in d.glob("*.yaml")}
    return tuple(sorted(names))


def resolve_arch(name_or_path: str | Path) -> Path:
    """The file of a shipped name (no slash, no .yaml) or of a path."""
    text = str(name_or_path)
    is_path = isinstance(name_or_path, Path) or "/" in text or "\\" in text
    if is_path or text.endswith((".yaml", ".yml")):
        path = Path(text)
        if not path.is_file():
            raise UsageError(f"architecture file '{text}' not found")
        return path
    for directory in shipped_dirs():
        candidate = directory / f"{text}.yaml"
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no shipped architecture named '{text}'",
        hint=f"shipped: {', '.join(shipped_archs()) or 'none'}; or give a path to a .yaml file",
    )


def load_arch(name_or_path: str | Path, *, params: Mapping[str, int] | None = None) -> ACG:
    """Load a shipped architecture by name, or a file by path; ``params`` overrides params."""
    path = resolve_arch(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read architecture file '{path}': {exc}") from None
    return loads_arch(text, source=str(path), params=params)


def loads_arch(
    text: str, source: str = "<string>", *, params: Mapping[str, int] | None = None
) -> ACG:
    """Parse and validate an architecture from YAML text."""
    doc, lines, problems = read_yaml(text, source)
    return build_acg(
        doc,
        source=source,
        lines=lines,
        comment=_leading_comment(text),
        params=params,
        problems=problems,
    )


def read_yaml(text: str, source: str) -> tuple[Any, dict[str, int], Problems]:
    """The document, a map from YAML path to line (1-based), and duplicate-key problems."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise ArchError(
            source, [ArchProblem("<yaml>", f"YAML syntax error: {what}", line=line)]
        ) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    problems = Problems(lines)
    if node is not None:
        mapper = _LineMapper(lines, problems)
        mapper.walk(node, "")
        if mapper.fatal:
            problems.raise_if_any(source)
    return data, lines, problems


class _LineMapper:
    def __init__(self, lines: dict[str, int], problems: Problems) -> None:
        self.lines = lines
        self.problems = problems
        self.count = 0
        self.stack: set[int] = set()
        self.fatal = False

    def walk(self, node: yaml.Node, path: str) -> None:
        self.count += 1
        if self.count > _MAX_YAML_NODES:
            if not self.fatal:
                self.problems.add("<yaml>", "document too large (too many nodes or aliases)")
            self.fatal = True
            return
        if id(node) in self.stack:
            self.problems.add(path or "<yaml>", "recursive YAML alias")
            self.fatal = True
            return
        self.stack.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = f"{path}.{key.value}" if path else str(key.value)
                if sub in self.lines and self.lines[sub] != key.start_mark.line + 1:
                    # the later entry wins (as in yaml.safe_load): forget the earlier lines
                    for stale in [p for p in self.lines if p.startswith((sub + ".", sub + "["))]:
                        del self.lines[stale]
                    self.lines[sub] = key.start_mark.line + 1
                    self.problems.add(sub, f"duplicate key '{key.value}'")
                self.lines[sub] = key.start_mark.line + 1
                self.walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = f"{path}[{i}]"
                self.lines[sub] = item.start_mark.line + 1
                self.walk(item, sub)
        self.stack.discard(id(node))


def _leading_comment(text: str) -> str:
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("#") or (out and not line.strip()):
            out.append(line)
        else:
            break
    return "\n".join(out).rstrip()


def build_acg(
    doc: Any,
    *,
    source: str,
    lines: Mapping[str, int] | None = None,
    comment: str = "",
    params: Mapping[str, int] | None = None,
    problems: Problems | None = None,
) -> ACG:
    """Validate a parsed document and build the ACG (ArchError listing every problem)."""
    problems = problems if problems is not None else Problems(lines)
    doc = _apply_overrides(doc, params or {}, problems)
    issues = schema_issues(doc)
    for issue in sorted(issues, key=lambda i: problems.line(i.field) or 0):
        problems.add(issue.field, issue.message, issue.hint)
    problems.raise_if_any(source)
    builder = _Builder(dict(doc.get("params") or {}), problems)
    clock = builder.number("clock_mhz", doc["clock_mhz"]) if "clock_mhz" in doc else None
    storage = tuple(builder.storage(k, v) for k, v in doc["storage"].items())
    comm = tuple(builder.comm(k, v) for k, v in (doc.get("communication") or {}).items())
    compute = tuple(builder.compute(k, v, clock) for k, v in doc["compute"].items())
    edges = tuple(builder.edge(i, e) for i, e in enumerate(doc["edges"]))
    given = {TensorHome(k): v for k, v in (doc.get("homes") or {}).items()}
    sizes = {n.name: n.size for n in compute}
    storage = tuple(
        replace(s, replicas=sizes[s.private_to]) if s.private_to in sizes else s for s in storage
    )
    check_acg_parts(storage, compute, comm, edges, problems)
    check_homes(given, storage, problems)
    problems.raise_if_any(source)
    homes = resolve(given, tuple(s.name for s in storage if s.off_chip))
    return ACG(
        name=doc["name"],
        description=doc.get("description", ""),
        params=tuple(builder.params.items()),
        storage_nodes=storage,
        compute_nodes=compute,
        comm_nodes=comm,
        edges=edges,
        homes=homes,
        clock_mhz=clock,
        source=source,
        spec=freeze(doc),
        comment=comment,
    )


def _apply_overrides(doc: Any, overrides: Mapping[str, int], problems: Problems) -> Any:
    if not overrides:
        return doc
    if not isinstance(doc, dict) or not isinstance(doc.get("params"), dict):
        raise UsageError("params overrides given, but the architecture declares no params")
    known = doc["params"]
    for key, value in overrides.items():
        if key not in known:
            problems.add(
                f"params.{key}", "no such parameter to override", hint=f"params: {', '.join(known)}"
            )
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.add(f"params.{key}", f"override must be an integer, got {value!r}")
    return {**doc, "params": {**known, **{k: v for k, v in overrides.items() if k in known}}}


class _Builder:
    """Evaluates fields over the params and builds nodes; records problems by YAML path."""

    def __init__(self, params: dict[str, int], problems: Problems) -> None:
        self.params = params
        self.problems = problems
        for name in params:
            if reserved_name(name):
                problems.add(f"params.{name}", f"'{name}' is a reserved name")

    def _evaluate(self, path: str, value: Any, env: Mapping[str, int]) -> Any:
        """A literal, or an expression's value over ``env``; None after reporting a problem."""
        if not isinstance(value, str):
            return value
        try:
            expr = parse(value)
            unknown = sorted(expr.names - set(env))
            if unknown:
                self.problems.add(
                    path,
                    f"unknown parameter '{unknown[0]}' in {value!r}",
                    hint=known_hint(unknown[0], env),
                )
                return None
            return expr.evaluate(env)
        except ExprError as exc:
            self.problems.add(path, exc.message, hint=exc.hint)
            return None

    def integer(
        self, path: str, value: Any, env: Mapping[str, int] | None = None, *, minimum: int = 1
    ) -> int:
        """The integer value of a number or expression field (a placeholder after a problem)."""
        value = self._evaluate(path, value, self.params if env is None else env)
        if value is None:
            return max(minimum, 1)
        if isinstance(value, float):
            if not value.is_integer():
                self.problems.add(path, f"must be a whole number, got {value}")
                return max(minimum, 1)
            value = int(value)
        if value < minimum:
            word = "positive" if minimum == 1 else f">= {minimum}"
            self.problems.add(path, f"must be {word}, got {value}")
            return max(minimum, 1)
        return int(value)

    def number(self, path: str, value: Any) -> float:
        """A positive bandwidth or clock: a number or expression, whole or fractional."""
        value = self._evaluate(path, value, self.params)
        if value is None:
            return 1
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number) or number <= 0:
            self.problems.add(path, f"must be a positive number, got {value}")
            return 1
        return int(number) if number.is_integer() else number

    def storage(self, name: str, spec: Mapping[str, Any]) -> StorageNode:
        path = f"storage.{name}"
        access = Access(spec.get("access", Access.RAM.value))

        def num(key: str, default: int, minimum: int = 1) -> int:
            return self.integer(f"{path}.{key}", spec.get(key, default), minimum=minimum)

        cap = None if spec.get("capacity_bytes") is None else num("capacity_bytes", 1)
        buffering = num("buffering", 1)
        if access is Access.FIFO:
            for key in ("capacity_bytes", "buffering"):
                if key in spec:
                    self.problems.add(
                        f"{path}.{key}",
                        "a FIFO's size is its entries x entry_bytes",
                        hint=f"remove {key}; give entries and entry_bytes",
                    )
            buffering = num("entries", 1)
            cap = buffering * num("entry_bytes", 1)
        for key in ("entries", "entry_bytes"):
            if key in spec and access is not Access.FIFO:
                self.problems.add(
                    f"{path}.{key}",
                    "entries and entry_bytes size a FIFO only",
                    hint="add access: fifo, or give capacity_bytes (and buffering) instead",
                )
        return StorageNode(
            name=name,
            capacity_bytes=cap,
            read_bytes_per_cycle=self.number(
                f"{path}.read_bytes_per_cycle", spec["read_bytes_per_cycle"]
            ),
            write_bytes_per_cycle=self.number(
                f"{path}.write_bytes_per_cycle", spec["write_bytes_per_cycle"]
            ),
            latency_cycles=num("latency_cycles", 0, 0),
            buffering=buffering,
            banks=num("banks", 1),
            word_bytes=num("word_bytes", 1),
            off_chip=bool(spec.get("off_chip", False)),
            description=spec.get("description", ""),
            access=access,
            private_to=spec.get("private_to"),
        )

    def comm(self, name: str, spec: Mapping[str, Any]) -> CommNode:
        path = f"communication.{name}"
        return CommNode(
            name=name,
            bytes_per_cycle=self.number(f"{path}.bytes_per_cycle", spec["bytes_per_cycle"]),
            latency_cycles=self.integer(
                f"{path}.latency_cycles", spec.get("latency_cycles", 0), minimum=0
            ),
            description=spec.get("description", ""),
        )

    def compute(self, name: str, spec: Mapping[str, Any], clock_mhz: float | None) -> ComputeNode:
        path = f"compute.{name}"
        period = 1.0
        if "clock_mhz" in spec:
            own = self.number(f"{path}.clock_mhz", spec["clock_mhz"])
            if clock_mhz is None:
                self.problems.add(
                    f"{path}.clock_mhz",
                    "a node's own clock needs the architecture's reference clock",
                    hint="give the file a top-level clock_mhz (the clock every cycle count uses)",
                )
            else:
                period = clock_mhz / own
        dims = tuple(
            (d, self.integer(f"{path}.dims.{d}", v)) for d, v in (spec.get("dims") or {}).items()
        )
        caps = tuple(
            self.capability(f"{path}.capabilities[{i}]", c, dict(dims))
            for i, c in enumerate(spec["capabilities"])
        )
        return ComputeNode(
            name,
            dims,
            caps,
            description=spec.get("description", ""),
            period_cycles=period,
            fallback=bool(spec.get("fallback", False)),
        )

    def capability(self, path: str, spec: Mapping[str, Any], dims: dict[str, int]) -> Capability:
        dtypes: Mapping[str, str] = spec["dtypes"]
        ports = []
        for role, where in spec["operands"].items():
            dtype = dtypes.get(role)
            if dtype is None:
                self.problems.add(f"{path}.dtypes", f"no dtype for operand role '{role}'")
            first, *rest = [where] if isinstance(where, str) else where
            ports.append(
                Port(role, first, DType(dtype) if dtype else DType.INT8, alternatives=tuple(rest))
            )
        for role in dtypes:
            if role not in spec["operands"]:
                self.problems.add(
                    f"{path}.dtypes.{role}", f"dtype for role '{role}' with no operand"
                )
        spatial = tuple(
            SpatialDim(
                dim,
                dims.get(dim, 1),
                frozenset(s.get("requires", ())),
                frozenset(s.get("excludes", ())),
                bool(s.get("fold", False)),
            )
            for dim, entries in (spec.get("spatial") or {}).items()
            for s in (entries if isinstance(entries, list) else [entries])
        )
        return Capability(
            op=OpKind(spec["op"]),
            ports=tuple(ports),
            spatial=spatial,
            cycles=self.cycles(f"{path}.cycles", spec["cycles"], dims),
            latency_cycles=self.integer(
                f"{path}.latency_cycles", spec.get("latency_cycles", 0), minimum=0
            ),
            template=spec.get("template", ""),
            name=spec.get("name", ""),
            stream_requires=frozenset((spec.get("stream") or {}).get("requires", ())),
            stream_excludes=frozenset((spec.get("stream") or {}).get("excludes", ())),
            overhead_cycles=(
                self.cycles(f"{path}.overhead_cycles", spec["overhead_cycles"], dims)
                if "overhead_cycles" in spec
                else None
            ),
        )

    def cycles(self, path: str, value: int | float | str, dims: Mapping[str, int]) -> Expr:
        """A timing expression with params and the node's dims substituted."""
        if not isinstance(value, str):
            return Num(value)
        try:
            return parse(value).substitute({**self.params, **dims})
        except ExprError as exc:
            self.problems.add(path, exc.message, hint=exc.hint)
            return Num(0)

    def edge(self, index: int, spec: Mapping[str, Any]) -> Edge:
        path = field_path(("edges", index))
        return Edge(
            src=spec["from"],
            dst=spec["to"],
            bytes_per_cycle=self.number(f"{path}.bytes_per_cycle", spec["bytes_per_cycle"]),
            latency_cycles=self.integer(
                f"{path}.latency_cycles", spec.get("latency_cycles", 0), minimum=0
            ),
            via=spec.get("via"),
            template=spec.get("template", ""),
            dtype=DType(spec["dtype"]) if "dtype" in spec else None,
        )
