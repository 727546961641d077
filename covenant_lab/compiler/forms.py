"""The forms of a codelet the search plans, in tiers: the forms of a tier compete on cost,
and a tier is tried only when the ones before it map nowhere.

1. the codelet as written, with a per-channel add folded into an accumulation's ``init``
   where a unit takes it (``passes/fold.py``), and with a window-only conv's outputs blocked
   for an array (``passes/block.py``); such a rewrite is the first pass of the plan, so the
   compile log shows it;
2. the codelet rewritten for units that cannot run it as written (:func:`rewritten`).
"""

from __future__ import annotations

from dataclasses import replace

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.inplace import in_place, separate_in_place
from covenant_lab.codelets.ir import Codelet, Stage
from covenant_lab.codelets.split import split_init, splittable
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.passes.block import block_forms
from covenant_lab.compiler.passes.fold import fold_form
from covenant_lab.compiler.roles import capability_fits, fits_without_init
from covenant_lab.types import Role

__all__ = ["Form", "codelet_forms", "rewritten", "splits_init"]

# (the codelet the search plans, the constraints renumbered for it, the passes that make it
# from the layer's codelet)
Form = tuple[Codelet, Constraints, tuple[object, ...]]


def codelet_forms(codelet: Codelet, acg: ACG, cons: Constraints) -> list[list[Form]]:
    """Every form worth planning, in tiers (module docstring)."""
    first: list[Form] = [(codelet, cons, ())]
    fold = fold_form(codelet, acg, cons)
    if fold is not None:
        first.insert(0, (fold[1], fold[2], (fold[0],)))
    first += [(blocked, where, (step,)) for step, blocked, where in block_forms(codelet, acg, cons)]
    alt = rewritten(codelet, acg, cons)
    return [first, [(*alt, ())]] if alt[0] is not codelet else [first]


def _init_split(st: Stage, acg: ACG) -> bool:
    """Whether some unit runs stage ``st`` only with its ``init`` split off (an array with no
    bias port)."""
    return splittable(st) and any(fits_without_init(st, c) and not capability_fits(st, c)
                                  for _, c in acg.providers(st.stmt.op))


def splits_init(codelet: Codelet, acg: ACG) -> bool:
    """Whether the later tier splits an accumulation's ``init`` off (``_init_split``): then
    it competes on its floor with a first tier that maps (an array with no bias port beside
    a slower unit of lanes that has one: on a DaVinci-like file the array is 24x faster on a
    biased conv), where a form that only gives in-place updates their own input is planned
    only when the first tier maps nothing."""
    return any(_init_split(st, acg) for st in codelet.stages)


def rewritten(codelet: Codelet, acg: ACG, cons: Constraints) -> tuple[Codelet, Constraints]:
    """The codelet rewritten for units that cannot run it as written: an accumulation's
    ``init`` split off where some unit can run it only without (an array with no bias port),
    and every in-place update given its own input (a pipeline from accumulators to an output
    buffer reads and writes different storages). Capability constraints follow their
    stages."""
    out, stages = codelet, list(range(len(codelet.stages)))  # original -> new index
    for i in reversed(range(len(codelet.stages))):
        st = codelet.stages[i]
        if _init_split(st, acg):
            out = split_init(out, i)
            stages = [k + 1 if k > i else k for k in stages]
    for i in range(len(out.stages)):
        st = out.stages[i]
        if in_place(st) and out.operand(st.stmt.dst.operand).role is not Role.INPUT:
            out = separate_in_place(out, i)
    moved = tuple((stages[k], where) for k, where in cons.capability if k < len(stages))
    return out, replace(cons, capability=moved)
