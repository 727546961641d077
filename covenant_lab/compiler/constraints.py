"""User constraints on a mapping: fix part of it and let the search fill in the rest."""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass

from covenant_lab.errors import UsageError


@dataclass(frozen=True)
class Constraints:
    """Partial mapping decisions, validated once here at the API boundary.

    - ``tiles``: loop -> tile size per level (outermost on-chip level first);
    - ``order``: the loop order at level 0 (which operand stays resident);
    - ``spatial``: spatial dimension -> loops occupying it;
    - ``storage``: operand -> the storage its capability port uses;
    - ``home``: operand -> the off-chip memory it lives in (default: the file's ``homes``);
    - ``capability``: stage -> "node" or "node.capability";
    - ``fuse``: force stage fusion on or off;
    - ``parts``: the parts a fused group's tile is split into where it can be
      (``compiler/parts.py``; 1: never split).
    """

    tiles: tuple[tuple[str, tuple[int, ...]], ...] = ()
    order: tuple[str, ...] = ()
    spatial: tuple[tuple[str, tuple[str, ...]], ...] = ()
    storage: tuple[tuple[str, str], ...] = ()
    home: tuple[tuple[str, str], ...] = ()
    capability: tuple[tuple[int, str], ...] = ()
    fuse: bool | None = None
    parts: int | None = None

    @staticmethod
    def of(
        *,
        tiles: MappingABC[str, int | Sequence[int]] | None = None,
        order: Sequence[str] = (),
        spatial: MappingABC[str, str | Sequence[str]] | None = None,
        storage: MappingABC[str, str] | None = None,
        home: MappingABC[str, str] | None = None,
        capability: MappingABC[int, str] | None = None,
        fuse: bool | None = None,
        parts: int | None = None,
    ) -> Constraints:
        """Build from plain Python values (what notebooks and the CLI pass)."""
        tl: list[tuple[str, tuple[int, ...]]] = []
        for k, (loop, v) in enumerate((tiles or {}).items()):
            sizes = (v,) if isinstance(v, int) else tuple(v)
            if not sizes or not all(isinstance(s, int) and s > 0 for s in sizes):
                raise UsageError(
                    f"argument 'tiles' entry {k} ({loop!r}) to Constraints: expected a positive "
                    f"int or a sequence of them, got {v!r}"
                )
            tl.append((str(loop), sizes))
        sp = tuple(
            (str(d), (v,) if isinstance(v, str) else tuple(v)) for d, v in (spatial or {}).items()
        )
        for stage, where in (capability or {}).items():
            if not isinstance(stage, int) or stage < 0:
                raise UsageError(
                    "argument 'capability' to Constraints: stage keys must be ints >= 0, "
                    f"got {stage!r}"
                )
            if not isinstance(where, str):
                raise UsageError(
                    "argument 'capability' to Constraints: values are 'node[.capability]'"
                )
        if parts is not None and (not isinstance(parts, int) or isinstance(parts, bool)
                                  or parts < 1):
            raise UsageError(f"argument 'parts' to Constraints: expected a positive int, "
                             f"got {parts!r}")
        return Constraints(
            tiles=tuple(tl),
            order=tuple(order),
            spatial=sp,
            storage=tuple((str(a), str(b)) for a, b in (storage or {}).items()),
            home=tuple((str(a), str(b)) for a, b in (home or {}).items()),
            capability=tuple((int(a), str(b)) for a, b in (capability or {}).items()),
            fuse=fuse,
            parts=parts,
        )

    def tile(self, loop: str) -> tuple[int, ...] | None:
        return dict(self.tiles).get(loop)

    def describe(self) -> str:
        parts = []
        if self.tiles:
            parts.append(
                "tiles " + ", ".join(f"{lp}={'/'.join(map(str, v))}" for lp, v in self.tiles)
            )
        if self.order:
            parts.append("order " + ",".join(self.order))
        if self.spatial:
            parts.append("spatial " + ", ".join(f"{d}<-{'*'.join(v)}" for d, v in self.spatial))
        if self.storage:
            parts.append("storage " + ", ".join(f"{o}@{s}" for o, s in self.storage))
        if self.home:
            parts.append("home " + ", ".join(f"{o}@{s}" for o, s in self.home))
        if self.capability:
            parts.append("capability " + ", ".join(f"stage{s}@{c}" for s, c in self.capability))
        if self.fuse is not None:
            parts.append(f"fuse={self.fuse}")
        if self.parts is not None:
            parts.append(f"parts={self.parts}")
        return "; ".join(parts) or "none"
