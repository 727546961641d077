"""The one exception family of covenant_lab.

Every error raised on purpose derives from :class:`CovenantError`. Messages follow
``<where>: <what is wrong, with values>`` and may carry a ``hint:`` line saying what to do.
"""

from __future__ import annotations


class CovenantError(Exception):
    """Root of every error covenant_lab raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message + (f"\nhint: {hint}" if hint else ""))


class ArchProblem:
    """One problem found in an architecture description."""

    __slots__ = ("field", "hint", "line", "message")

    def __init__(
        self, field: str, message: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.line = line
        self.hint = hint

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        text = f"{where}: {self.field}: {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")

    def __repr__(self) -> str:
        return f"ArchProblem({self.field!r}, {self.message!r}, line={self.line})"


class ArchError(CovenantError):
    """An architecture file or ACG edit is invalid; lists every problem found."""

    def __init__(self, source: str, problems: list[ArchProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''} in architecture"
        body = "\n".join("  " + p.render(source) for p in self.problems)
        super().__init__(head + "\n" + body)

    @property
    def fields(self) -> list[str]:
        """The YAML paths of the offending fields, in the order found."""
        return [p.field for p in self.problems]


class CodeletError(CovenantError):
    """A malformed codelet (an authoring bug in a codelet or its builder call)."""


class FrontendError(CovenantError):
    """An ONNX model cannot be read: bad file, bad shapes, or a node we cannot translate."""


class UnsupportedOpError(FrontendError):
    """An ONNX operator (at an opset) that the front end does not cover."""

    def __init__(self, op_type: str, opset: int, node: str, source: str = "<model>", *,
                 hint: str | None = None) -> None:
        self.op_type = op_type
        self.opset = opset
        self.node = node
        super().__init__(
            f"{source}: node '{node}': unsupported op {op_type} (opset {opset})",
            hint=hint
            or "see `covenant model ops` for the supported operators, or replace the node",
        )


class MappingError(CovenantError):
    """A layer cannot be mapped onto an architecture, or a user constraint is impossible."""


class ScheduleError(MappingError):
    """A pass cannot legally apply; the search catches this one to prune a candidate."""

    def __init__(self, pass_name: str, message: str, *, hint: str | None = None) -> None:
        self.pass_name = pass_name
        super().__init__(f"{pass_name}: {message}", hint=hint)


class SimulationError(CovenantError):
    """A program misbehaves in the simulator, or its results differ from the reference."""


class UsageError(CovenantError):
    """Bad arguments at an API or CLI boundary."""


class MissingExtraError(CovenantError, ImportError):
    """An optional dependency is not installed (the widgets without the ``lab`` extra, say).

    Also an ``ImportError``, so code that guards an optional import keeps working.
    """

    def __init__(self, what: str, module: str, extra: str = "lab") -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{what} needs the optional package '{module}', which is not installed",
            hint=f"pip install 'covenant_lab[{extra}]'",
        )
        self.name = module
