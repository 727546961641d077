"""Pass 0: fold a per-channel add after an accumulation into the accumulation's ``init``.

Runs before ``match``, only where a unit can take the added operand as the accumulators'
start (a capability with an ``init`` port), and only when the search finds the folded layer
cheaper than the layer as written (``compiler/forms.py``): the add then costs no stage, no
unit and no temp, but the accumulators leave at the ``acc`` port's width.
Where no such unit exists the codelet keeps its add stage (and a conv's or Gemm's own bias
is split off instead, ``codelets/split.py``). The codelet rewrite is
:func:`covenant_lab.codelets.fold.fold_init`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.fold import fold_init, init_folds
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.roles import capability_fits

__all__ = ["FoldInit", "fold_form"]


@dataclass(frozen=True)
class FoldInit:
    """Fold each (accumulating stage, combining stage) pair of ``folds``.

    rewrite (folds=((0, 1),))::

        for m,n,k: t0[m, n] += a[m, k] * b[k, n]   # init 0.0
        for m,n:   y[m, n] = t0[m, n] + bias[n]
            ->
        for m,n,k: y[m, n] += a[m, k] * b[k, n]    # init bias[n]
    """

    name: ClassVar[str] = "fold"
    folds: tuple[tuple[int, int], ...]

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        assert not mapping.bindings, "fold runs before any stage is bound"
        return Mapping(folded(mapping.codelet, self.folds))


def folded(codelet: Codelet, folds: tuple[tuple[int, int], ...]) -> Codelet:
    """``codelet`` with every pair folded, the latest combining stage first (so the stage
    numbers of the others still hold)."""
    for acc, combine in sorted(folds, key=lambda f: -f[1]):
        codelet = fold_init(codelet, acc, combine)
    return codelet


def _takes_init(codelet: Codelet, acg: ACG, acc: int, combine: int, cons: Constraints) -> bool:
    """Whether a unit the constraints allow runs stage ``acc`` with the added operand as
    its init."""
    want = dict(cons.capability)
    if combine in want:
        return False  # the user placed the add: keep it a stage
    stage = fold_init(codelet, acc, combine).stages[acc]
    return any(
        capability_fits(stage, c) and not n.fallback
        and want.get(acc) in (None, n.name, f"{n.name}.{c.label}")
        for n, c in acg.providers(stage.stmt.op)
    )


def fold_form(codelet: Codelet, acg: ACG, cons: Constraints
              ) -> tuple[FoldInit, Codelet, Constraints] | None:
    """The fold pass, the codelet after it and the constraints renumbered for it, when some
    pair folds onto a unit that can take it (None otherwise)."""
    folds = tuple((a, c) for a, c in init_folds(codelet) if _takes_init(codelet, acg, a, c, cons))
    if not folds:
        return None
    gone = sorted(c for _, c in folds)
    moved = tuple((k - sum(g < k for g in gone), where) for k, where in cons.capability)
    return FoldInit(folds), folded(codelet, folds), replace(cons, capability=moved)
