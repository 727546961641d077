"""The structural options a search scored, for the explanation: a tuple made on first use.

The search (``search._plan_one``) scores every structural option of a codelet, except those a
bound proves cannot beat the best it found: their costs only explain the decision
(``explain.py``), so they are computed when the options are first read. ``Tried`` is that
tuple of ``(fallback work, search cost, passes)``, best first: it reads, compares, hashes and
prints as the tuple ``make()`` returns, and calls ``make`` once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import overload

__all__ = ["Option", "Tried"]

Option = tuple[int, float, tuple[object, ...]]  # (fallback work, search cost, passes)


class Tried(Sequence[Option]):
    """The options (a tuple), or how to make them on first use."""

    __slots__ = ("_got", "_make")

    def __init__(self, options: Sequence[Option] | Callable[[], tuple[Option, ...]] = ()
                 ) -> None:
        self._make: Callable[[], tuple[Option, ...]] | None = None
        self._got: tuple[Option, ...] | None = None
        if callable(options):
            self._make = options
        else:
            self._got = tuple(options)

    @property
    def made(self) -> bool:
        """Whether the options are made (read once, or given)."""
        return self._got is not None

    def options(self) -> tuple[Option, ...]:
        if self._got is None:
            assert self._make is not None
            self._got, self._make = self._make(), None
        return self._got

    def then(self, change: Callable[[tuple[Option, ...]], tuple[Option, ...]]) -> Tried:
        """``change(options)``, made when first read."""
        return Tried(lambda: change(self.options()))

    @overload
    def __getitem__(self, k: int) -> Option: ...

    @overload
    def __getitem__(self, k: slice) -> tuple[Option, ...]: ...

    def __getitem__(self, k: int | slice) -> Option | tuple[Option, ...]:
        return self.options()[k]

    def __len__(self) -> int:
        return len(self.options())

    def __iter__(self) -> Iterator[Option]:
        return iter(self.options())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tried):
            other = other.options()
        return self.options() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.options())

    def __repr__(self) -> str:
        return repr(self.options())

    def __reduce__(self) -> tuple[type[Tried], tuple[tuple[Option, ...]]]:
        """Pickled (and copied) as the options, made first."""
        return (Tried, (self.options(),))
