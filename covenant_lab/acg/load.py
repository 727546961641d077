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
            overhead_cycles: 0           # optional: once per pass, over params, dims, stream
            overhead_per: pass           # optional: or `invocation` (passes run back to back)
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
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from covenant_lab.acg.build import NodeBuilder
from covenant_lab.acg.energy_load import read_energy
from covenant_lab.acg.graph import ACG, freeze
from covenant_lab.acg.homes import TensorHome, resolve
from covenant_lab.acg.schema import schema_issues
from covenant_lab.acg.validate import (
    Problems,
    check_acg_parts,
    check_homes,
)
from covenant_lab.errors import ArchError, ArchProblem, UsageError
from covenant_lab.limits import CLOCK_MHZ, NUMBER

__all__ = ["build_acg", "load_arch", "loads_arch", "resolve_arch", "shipped_archs", "shipped_dirs"]

_MAX_YAML_NODES = 200_000
# libyaml's safe loader when available (same safe constructors, ~5x faster)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
# YAML 1.1's numbers without base 60 (``1:30`` is the string "1:30", not 90)
_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""", re.X)
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
_LONGEST_INT = 40  # characters: any integer longer is out of every limit (limits.NUMBER)


class _OutOfRange(yaml.constructor.ConstructorError):
    """A number beyond the limits in the YAML itself."""


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader with numbers read as YAML 1.2 reads them: no base 60 (``1:30`` stays
    text, so a number field holding it is an error), ASCII digits only (as ever), and an
    integer longer than 40 characters refused with its line (Python's ``int()`` would refuse
    4300 digits with a ValueError)."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(node.value)
        if len(text) > _LONGEST_INT:
            size = -(10 ** len(text)) if text.startswith("-") else 10 ** len(text)
            raise _OutOfRange(
                None, None, f"integer of {len(text)} characters: {NUMBER.problem(size)}",
                node.start_mark)
        return int(super().construct_yaml_int(node))


_Loader.yaml_implicit_resolvers = {
    first: [(tag, _INT if tag == _INT_TAG else _FLOAT if tag == _FLOAT_TAG else rx)
            for tag, rx in resolvers]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(_INT_TAG, _Loader.construct_yaml_int)


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
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        kind = "" if isinstance(exc, _OutOfRange) else "YAML syntax error: "
        raise ArchError(source, [ArchProblem("<yaml>", kind + what, line=line)]) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    problems = Problems(lines)
    if node is not None:
        lines["<document>"] = node.start_mark.line + 1
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

    def walk(self, root: yaml.Node, root_path: str) -> None:
        """Record the line of every field, depth first in document order (with a stack of
        its own: a deeply nested file never exhausts Python's)."""
        todo: list[tuple[yaml.Node, str, yaml.Node | None]] = [(root, root_path, None)]
        while todo:
            node, path, key = todo.pop()
            if key is _DONE:
                self.stack.discard(id(node))
                continue
            if key is not None:  # a mapping entry: its line, then its value
                self._key(key, path)
            if not self._enter(node, path):
                return
            todo.append((node, path, _DONE))
            if isinstance(node, yaml.MappingNode):
                todo += [(value, f"{path}.{k.value}" if path else str(k.value), k)
                         for k, value in reversed(node.value)]
            elif isinstance(node, yaml.SequenceNode):
                for i, item in enumerate(node.value):
                    self.lines[f"{path}[{i}]"] = item.start_mark.line + 1
                todo += [(item, f"{path}[{i}]", None) for i, item in reversed(
                    list(enumerate(node.value)))]

    def _enter(self, node: yaml.Node, path: str) -> bool:
        self.count += 1
        if self.count > _MAX_YAML_NODES:
            if not self.fatal:
                self.problems.add("<yaml>", "document too large (too many nodes or aliases)")
            self.fatal = True
            return False
        if id(node) in self.stack:
            self.problems.add(path or "<yaml>", "recursive YAML alias")
            self.fatal = True
            return False
        self.stack.add(id(node))
        return True

    def _key(self, key: yaml.Node, sub: str) -> None:
        if sub in self.lines and self.lines[sub] != key.start_mark.line + 1:
            # the later entry wins (as in yaml.safe_load): forget the earlier lines
            for stale in [p for p in self.lines if p.startswith((sub + ".", sub + "["))]:
                del self.lines[stale]
            self.lines[sub] = key.start_mark.line + 1
            self.problems.add(sub, f"duplicate key '{key.value}'")
        self.lines[sub] = key.start_mark.line + 1


_DONE = yaml.ScalarNode("tag:covenant:done", "")  # marks a node whose children are walked


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
    builder = NodeBuilder(dict(doc.get("params") or {}), problems)
    clock = (builder.number("clock_mhz", doc["clock_mhz"], CLOCK_MHZ) if "clock_mhz" in doc
             else None)
    storage = tuple(builder.storage(k, v) for k, v in doc["storage"].items())
    comm = tuple(builder.comm(k, v) for k, v in (doc.get("communication") or {}).items())
    compute = tuple(builder.compute(k, v, clock) for k, v in doc["compute"].items())
    edges = tuple(builder.edge(i, e) for i, e in enumerate(doc["edges"]))
    energy = read_energy(doc, builder)
    given = {TensorHome(k): v for k, v in (doc.get("homes") or {}).items()}
    sizes = {n.name: n.size for n in compute}
    storage = tuple(
        replace(s, replicas=sizes[s.private_to]) if s.private_to in sizes else s for s in storage
    )
    for s in storage:
        if s.replicas > 1 and s.capacity_bytes is not None:
            builder.total(f"storage.{s.name}.capacity_bytes",
                          f"{s.capacity_bytes} bytes x {s.replicas} PEs",
                          s.capacity_bytes * s.replicas)
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
        energy=energy,
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
