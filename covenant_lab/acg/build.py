"""Nodes, capabilities and edges built from a parsed architecture document.

Every number field may be an expression over the file's ``params`` (``acg/expr.py``, never
``eval``); a field that cannot be evaluated or is out of range is recorded as a problem with its
YAML path (:class:`~covenant_lab.acg.validate.Problems`) and replaced by a placeholder, so one
pass reports every problem of a file. The ranges are the interface limits of
``covenant_lab.limits`` (a capacity at most 2^48 bytes, buffering at most 8, ...); timing
expressions are checked by ``acg.timing``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from covenant_lab import limits
from covenant_lab.acg.capabilities import Capability, OverheadPer, Port, SpatialDim
from covenant_lab.acg.expr import Expr, ExprError, Num, parse
from covenant_lab.acg.nodes import Access, CommNode, ComputeNode, Edge, StorageNode
from covenant_lab.acg.schema import field_path
from covenant_lab.acg.timing import timing_problem
from covenant_lab.acg.validate import Problems, known_hint, reserved_name
from covenant_lab.limits import Limit
from covenant_lab.quote import quote_text, show_number
from covenant_lab.types import DType, OpKind

__all__ = ["NodeBuilder"]


class NodeBuilder:
    """Evaluates fields over the params and builds nodes; records problems by YAML path."""

    def __init__(self, params: dict[str, int], problems: Problems) -> None:
        self.params = params
        self.problems = problems
        for name, value in params.items():
            if reserved_name(name):
                problems.add(f"params.{name}", f"'{name}' is a reserved name")
            self.within(f"params.{name}", value, value, limits.NUMBER)

    def within(self, path: str, raw: Any, value: int | float, limit: Limit) -> bool:
        """Whether ``value`` (of the field written ``raw``) is within ``limit``; else a problem
        naming the expression, its value and the limit."""
        problem = limit.problem(value)
        if problem is None:
            return True
        written = f"{quote_text(raw)} = " if isinstance(raw, str) else ""
        self.problems.add(path, written + problem)
        return False

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
                    f"unknown parameter '{unknown[0]}' in {quote_text(value)}",
                    hint=known_hint(unknown[0], env),
                )
                return None
            return expr.evaluate(env)
        except ExprError as exc:
            self.problems.add(path, exc.message, hint=exc.hint)
            return None

    def integer(
        self,
        path: str,
        value: Any,
        env: Mapping[str, int] | None = None,
        *,
        minimum: int = 1,
        limit: Limit = limits.NUMBER,
    ) -> int:
        """The integer value of a number or expression field, within ``limit`` (a placeholder
        after a problem)."""
        raw = value
        value = self._evaluate(path, value, self.params if env is None else env)
        if value is None:
            return max(minimum, 1)
        if isinstance(value, float):
            if not value.is_integer():
                self.problems.add(path, f"must be a whole number, got {show_number(value)}")
                return max(minimum, 1)
            value = int(value)
        if value < minimum:
            word = "positive" if minimum == 1 else f">= {minimum}"
            self.problems.add(path, f"must be {word}, got {show_number(value)}")
            return max(minimum, 1)
        if not self.within(path, raw, value, limit):
            return max(minimum, 1)
        return int(value)

    def number(self, path: str, value: Any, limit: Limit) -> float:
        """A positive bandwidth or clock within ``limit``: a number or expression, whole or
        fractional."""
        raw = value
        value = self._evaluate(path, value, self.params)
        if value is None:
            return 1
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number) or number <= 0:
            self.problems.add(path, f"must be a positive number, got {show_number(value)}")
            return 1
        if not self.within(path, raw, number, limit):
            return 1
        return int(number) if number.is_integer() else number

    def amount(self, path: str, value: Any, limit: Limit) -> float:
        """A non-negative energy or area within ``limit``: a number or expression (0 after a
        problem)."""
        raw = value
        value = self._evaluate(path, value, self.params)
        if value is None:
            return 0.0
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number) or number < 0:
            self.problems.add(path, f"must be a number >= 0, got {show_number(value)}")
            return 0.0
        if not self.within(path, raw, int(number) if number.is_integer() else number, limit):
            return 0.0
        return number

    def storage(self, name: str, spec: Mapping[str, Any]) -> StorageNode:
        path = f"storage.{name}"
        access = Access(spec.get("access", Access.RAM.value))

        def num(key: str, default: int, limit: Limit, minimum: int = 1) -> int:
            return self.integer(f"{path}.{key}", spec.get(key, default), minimum=minimum,
                                limit=limit)

        capacity = limits.CAPACITY_BYTES
        cap = None if spec.get("capacity_bytes") is None else num("capacity_bytes", 1, capacity)
        buffering = num("buffering", 1, limits.BUFFERING)
        if access is Access.FIFO:
            for key in ("capacity_bytes", "buffering"):
                if key in spec:
                    self.problems.add(
                        f"{path}.{key}",
                        "a FIFO's size is its entries x entry_bytes",
                        hint=f"remove {key}; give entries and entry_bytes",
                    )
            buffering = num("entries", 1, limits.BUFFERING)
            entry = num("entry_bytes", 1, capacity)
            cap = self.total(f"{path}.entry_bytes", f"{buffering} entries x {entry} bytes",
                             buffering * entry)
        for key in ("entries", "entry_bytes"):
            if key in spec and access is not Access.FIFO:
                self.problems.add(
                    f"{path}.{key}",
                    "entries and entry_bytes size a FIFO only",
                    hint="add access: fifo, or give capacity_bytes (and buffering) instead",
                )
        rate = limits.BYTES_PER_CYCLE
        return StorageNode(
            name=name,
            capacity_bytes=cap,
            read_bytes_per_cycle=self.number(
                f"{path}.read_bytes_per_cycle", spec["read_bytes_per_cycle"], rate
            ),
            write_bytes_per_cycle=self.number(
                f"{path}.write_bytes_per_cycle", spec["write_bytes_per_cycle"], rate
            ),
            latency_cycles=num("latency_cycles", 0, limits.LATENCY_CYCLES, 0),
            buffering=buffering,
            banks=num("banks", 1, limits.BANKS),
            word_bytes=num("word_bytes", 1, limits.WORD_BYTES),
            off_chip=bool(spec.get("off_chip", False)),
            description=spec.get("description", ""),
            access=access,
            private_to=spec.get("private_to"),
        )

    def comm(self, name: str, spec: Mapping[str, Any]) -> CommNode:
        path = f"communication.{name}"
        return CommNode(
            name=name,
            bytes_per_cycle=self.number(
                f"{path}.bytes_per_cycle", spec["bytes_per_cycle"], limits.BYTES_PER_CYCLE
            ),
            latency_cycles=self.latency(f"{path}.latency_cycles", spec),
            description=spec.get("description", ""),
        )

    def total(self, path: str, how: str, nbytes: int) -> int:
        """Bytes of several copies (a FIFO's entries, a private storage's PEs) within
        ``limits.CAPACITY_BYTES``, named by ``how`` (a placeholder after a problem)."""
        problem = limits.CAPACITY_BYTES.problem(nbytes)
        if problem is not None:
            self.problems.add(path, f"{how} = {problem}")
            return 1
        return nbytes

    def latency(self, path: str, spec: Mapping[str, Any]) -> int:
        """A ``latency_cycles`` field: an integer from 0 to ``limits.LATENCY_CYCLES``."""
        return self.integer(path, spec.get("latency_cycles", 0), minimum=0,
                            limit=limits.LATENCY_CYCLES)

    def compute(self, name: str, spec: Mapping[str, Any], clock_mhz: float | None) -> ComputeNode:
        path = f"compute.{name}"
        period = 1.0
        if "clock_mhz" in spec:
            own = self.number(f"{path}.clock_mhz", spec["clock_mhz"], limits.CLOCK_MHZ)
            if clock_mhz is None:
                self.problems.add(
                    f"{path}.clock_mhz",
                    "a node's own clock needs the architecture's reference clock",
                    hint="give the file a top-level clock_mhz (the clock every cycle count uses)",
                )
            else:
                period = clock_mhz / own
        dims = tuple(
            (d, self.integer(f"{path}.dims.{d}", v, limit=limits.DIM))
            for d, v in (spec.get("dims") or {}).items()
        )
        if not self.within(f"{path}.dims", None, math.prod(s for _, s in dims), limits.PES):
            dims = tuple((d, 1) for d, _ in dims)
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
            latency_cycles=self.latency(f"{path}.latency_cycles", spec),
            template=spec.get("template", ""),
            name=spec.get("name", ""),
            stream_requires=frozenset((spec.get("stream") or {}).get("requires", ())),
            stream_excludes=frozenset((spec.get("stream") or {}).get("excludes", ())),
            overhead_cycles=(
                self.cycles(f"{path}.overhead_cycles", spec["overhead_cycles"], dims,
                            overhead=True)
                if "overhead_cycles" in spec
                else None
            ),
            overhead_per=OverheadPer(spec.get("overhead_per", OverheadPer.PASS.value)),
        )

    def cycles(
        self, path: str, value: int | float | str, dims: Mapping[str, int], *,
        overhead: bool = False,
    ) -> Expr:
        """A timing expression with params and the node's dims substituted, checked over
        representative invocations (``acg.timing``)."""
        try:
            expr = (parse(value).substitute({**self.params, **dims}) if isinstance(value, str)
                    else Num(value))
        except ExprError as exc:
            self.problems.add(path, exc.message, hint=exc.hint)
            return Num(0)
        problem = timing_problem(expr, dims, overhead=overhead)
        if problem is not None:
            self.problems.add(path, problem, hint="cycles must be a finite count >= 0 for "
                              "every invocation: stream >= 1, 1 <= used_<dim> <= the dim")
            return Num(0)
        return expr

    def edge(self, index: int, spec: Mapping[str, Any]) -> Edge:
        path = field_path(("edges", index))
        return Edge(
            src=spec["from"],
            dst=spec["to"],
            bytes_per_cycle=self.number(
                f"{path}.bytes_per_cycle", spec["bytes_per_cycle"], limits.BYTES_PER_CYCLE
            ),
            latency_cycles=self.latency(f"{path}.latency_cycles", spec),
            via=spec.get("via"),
            template=spec.get("template", ""),
            dtype=DType(spec["dtype"]) if "dtype" in spec else None,
        )
