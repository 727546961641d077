"""Run passes in order, verify after each, and record every step in the compile log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Protocol

from covenant_lab.acg.graph import ACG
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.render import mapping_text
from covenant_lab.compiler.verify import verify

# the passes a plan may hold, in pipeline order (buffer and split only where they change
# something), and lowering after them
PASS_ORDER = ("block", "fold", "match", "fuse", "place", "spatial", "buffer", "split", "tile",
              "order", "lower")


class Pass(Protocol):
    name: str

    def run(self, mapping: Mapping, acg: ACG) -> Mapping: ...


@dataclass(frozen=True)
class LogStep:
    """One pass as it ran: its name and options, and the mapping before and after."""

    index: int
    name: str
    params: str
    before: Mapping
    after: Mapping

    @property
    def before_text(self) -> str:
        return mapping_text(self.before)

    @property
    def after_text(self) -> str:
        return mapping_text(self.after)


def params_of(p: object) -> str:
    """A pass's options as ``field=value`` text (passes are frozen dataclasses)."""
    return ", ".join(f"{f.name}={getattr(p, f.name)!r}" for f in fields(p))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Pipeline:
    passes: tuple[Pass, ...]

    def run(
        self,
        mapping: Mapping,
        acg: ACG,
        on_step: Callable[[LogStep], None] | None = None,
    ) -> tuple[Mapping, tuple[LogStep, ...]]:
        log = []
        for i, p in enumerate(self.passes):
            after = p.run(mapping, acg)
            verify(after, acg)
            step = LogStep(i, p.name, params_of(p), mapping, after)
            log.append(step)
            if on_step is not None:
                on_step(step)
            mapping = after
        return mapping, tuple(log)
