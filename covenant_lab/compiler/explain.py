"""Why each pass chose what it did: the decision in words, its estimated cost and the best
alternatives the search scored and rejected (``CompileResult.decisions``).

Costs are the search's own measure, for the whole layer: the cost model's estimated cycles
plus ``search.INSTRUCTION_COST`` cycles of issue overhead per instruction. The search keeps
the cheapest, so the chosen option heads its alternatives unless a constraint fixed it
(``Decision.constrained`` names the constraint; the alternatives then respect it too).

- match, fuse, place, spatial, buffer, split: the other structural options the search scored
  (``Plan.tried``) that agree with the chosen one on every earlier pass (compared pass by
  pass: an option without a buffer or split pass chose not to run it), the best cost of each
  distinct choice of this pass;
- tile, order: the search's last step again (``group_search.outer_ranking``): other outermost
  tilings, each with its best loop order, and the other loop orders of the chosen tiles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.decisions import decision_words, group_order_words, group_tile_words
from covenant_lab.compiler.group_search import outer_ranking
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.objective import Objective
from covenant_lab.compiler.passes.fuse import FuseStages
from covenant_lab.compiler.passes.match import MatchCapabilities
from covenant_lab.compiler.passes.split import Split
from covenant_lab.compiler.pipeline import PASS_ORDER
from covenant_lab.errors import ScheduleError

__all__ = ["ALTERNATIVES", "Decision", "Option", "explain"]

ALTERNATIVES = 3  # alternatives listed per decision
_CONSTRAINT_OF = {"match": "capability", "fuse": "fuse", "place": "storage",
                  "spatial": "spatial", "split": "parts", "tile": "tiles", "order": "order"}


@dataclass(frozen=True)
class Option:
    """One choice of a pass, in words, with the search's cost of the whole layer under it
    (estimated cycles + issue overhead); ``fallback`` when it puts work on a fallback unit."""

    words: str
    cost: float
    fallback: bool = False
    # constraints under which compile() makes this choice (None where none says it exactly)
    constraints: Constraints | None = None


@dataclass(frozen=True)
class Decision:
    """One compile-log step explained: ``chosen`` (None when its cost is unknown) and the
    cheapest ``alternatives`` it beat, cheapest first."""

    index: int
    name: str
    words: str
    chosen: Option | None
    alternatives: tuple[Option, ...] = ()
    constrained: str = ""
    note: str = ""  # why costs are missing (a compile that minimised another objective)

    def text(self) -> str:
        """The decision as lines of text (what ``log_text(why=True)`` prints)."""
        cost = f" (cost {self.chosen.cost:,.0f})" if self.chosen is not None else ""
        lines = [f"chose: {self.words}{cost}"]
        if self.constrained:
            lines.append(f"fixed by the constraint {self.constrained}")
        if self.note:
            lines.append(self.note)
        for k, alt in enumerate(self.alternatives, start=1):
            extra = ""
            if self.chosen is not None and self.chosen.cost:
                extra = f", {alt.cost / self.chosen.cost - 1:+.1%}"
            note = " [fallback unit]" if alt.fallback else ""
            lines.append(f"  beat {k}: {alt.words} (cost {alt.cost:,.0f}{extra}){note}")
        if not self.alternatives and self.chosen is not None:
            lines.append("  the only option the search found")
        return "\n".join(lines)


def _run(passes: tuple[Any, ...], mapping: Mapping, acg: Any) -> Mapping:
    for p in passes:
        mapping = p.run(mapping, acg)
    return mapping


def _before(passes: tuple[Any, ...], name: str) -> tuple[Any, ...]:
    """The passes of a plan that run before a pass named ``name`` would (options are
    compared pass by pass, not position by position)."""
    rank = PASS_ORDER.index(name)
    return tuple(p for p in passes if PASS_ORDER.index(p.name) < rank)


def _structural(result: Any, k: int) -> tuple[Option, ...]:
    """The best option per distinct choice of pass ``k`` among the tried ones that agree with
    the chosen passes before it (a tried option without such a pass: the choice not to run
    it)."""
    passes = result.passes
    name = passes[k].name
    prefix = _before(passes, name)
    best: dict[object, tuple[int, float, tuple[object, ...]]] = {}
    for work, cost, tried in result.tried:
        if _before(tried, name) != prefix:
            continue
        key = next((p for p in tried if p.name == name), None)
        if key == passes[k]:
            continue
        if key not in best or (work, cost) < best[key][:2]:
            best[key] = (work, cost, tried)
    ranked = sorted(best.values(), key=lambda x: x[:2])
    out: list[Option] = []
    base = result.log[0].before if result.log else Mapping(result.mapping.codelet)
    chosen_work = min((w for w, _, p in result.tried if p == passes), default=0)
    seen = {decision_words(name, result.log[k].after)}
    for work, cost, tried in ranked:
        if len(out) == ALTERNATIVES:
            break
        own = next((p for p in tried if p.name == name), None)  # type: ignore[attr-defined]
        # a tried option without this pass (no buffer pass) is named by the mapping before it
        upto = (*prefix, own) if own is not None else prefix
        try:
            words = decision_words(name, _run(upto, base, result.arch))
        except ScheduleError as exc:  # never expected: the search ran these passes
            words = f"(cannot be shown: {exc.message})"
        if words in seen:  # another option that comes to the same (a preference already met)
            continue
        seen.add(words)
        chosen = own if own is not None else (Split() if name == "split" else None)
        out.append(Option(words or "without this pass", cost, work > chosen_work,
                          _structural_constraints(chosen, result.constraints)))
    return tuple(out)


def _structural_constraints(chosen: object, base: Constraints) -> Constraints | None:
    """The user's constraints plus what makes the search take this match or fuse choice."""
    if isinstance(chosen, MatchCapabilities) and not base.capability:
        return None  # a choice is an index into candidates: named by the mapping instead
    if isinstance(chosen, FuseStages):
        return replace(base, fuse=chosen.enabled)
    if isinstance(chosen, Split) and len({n for _, n in chosen.parts}) < 2:
        return replace(base, parts=chosen.parts[0][1] if chosen.parts else 1)
    return None


def _group_options(result: Any, name: str, chosen_total: float | None
                   ) -> tuple[float | None, tuple[Option, ...]]:
    """Tile or order alternatives over every group; costs for the whole layer (the other
    groups as chosen)."""
    m = result.mapping
    alts: list[Option] = []
    own: list[float] = []
    for gi, g in enumerate(m.groups):
        if not g.tiles:
            continue
        ranking = _ranking(result, gi, name)
        mine = next((c for c, t, o in ranking if t == g.tiles and o == g.orders), None)
        if mine is None:
            return None, ()
        own.append(mine)
        label = f"group {gi}: " if len(m.groups) > 1 else ""
        seen = {(group_tile_words(m, g, g.tiles) if name == "tile"
                 else group_order_words(m, g, g.tiles, g.orders))}
        for cost, tiles, orders in ranking:
            words = (group_tile_words(m, g, tiles) if name == "tile"
                     else group_order_words(m, g, tiles, orders))
            if words in seen:
                continue
            seen.add(words)
            fixed = None
            if len(m.groups) == 1 and len(set(orders)) == 1:  # one order: one constraint says it
                fixed = replace(result.constraints, order=orders[0], tiles=tuple(
                    (lp, tuple(t[k] for t in tiles)) for k, lp in enumerate(g.tile_loops)))
            alts.append(Option(label + words, cost - mine, False, fixed))  # made total below
    total = chosen_total if chosen_total is not None else sum(own)
    ranked = sorted((replace(a, cost=total + a.cost) for a in alts), key=lambda a: a.cost)
    return total, tuple(ranked[:ALTERNATIVES])


def _ranking(result: Any, gi: int, name: str
             ) -> list[tuple[float, tuple[tuple[int, ...], ...], tuple[tuple[str, ...], ...]]]:
    m, g = result.mapping, result.mapping.groups[gi]
    cons = result.constraints if isinstance(result.constraints, Constraints) else Constraints()
    if name == "order":  # the chosen tiles under every loop order the search tries
        return outer_ranking(m, g, result.arch, cons, tiles=g.tiles[0])
    return outer_ranking(m, g, result.arch, cons)


def explain(result: Any) -> tuple[Decision, ...]:
    """Every step of ``result.log`` (a CompileResult) explained. Costs and alternatives are
    the cycle search's: for a compile that minimised energy or EDP each decision says so in
    words and lists no costs (its search scored other units than the ones shown here)."""
    if result.objective is not Objective.CYCLES:
        note = (f"searched for the least {result.objective.value}: costs and alternatives are "
                "shown for objective='cycles' only")
        return tuple(Decision(step.index, step.name,
                              decision_words(step.name, step.after) or step.params, None,
                              note=note) for step in result.log)
    total = next((c for _, c, p in result.tried if p == result.passes), None)
    chosen_all = Option("", total) if total is not None else None
    out = []
    for step in result.log:
        words = decision_words(step.name, step.after) or step.params
        field = _CONSTRAINT_OF.get(step.name)
        fixed = getattr(result.constraints, field, None) if field else None
        constrained = _constraint_text(step.name, fixed)
        if step.name in ("tile", "order"):
            cost, alts = _group_options(result, step.name, total)
            chosen = Option(words, cost) if cost is not None else None
        else:
            alts = _structural(result, step.index) if result.passes else ()
            chosen = replace(chosen_all, words=words) if chosen_all is not None else None
        out.append(Decision(step.index, step.name, words, chosen, alts, constrained))
    return tuple(out)


def _constraint_text(name: str, fixed: object) -> str:
    if fixed is None or fixed == () or fixed == {}:
        return ""
    changes: dict[str, Any] = {_CONSTRAINT_OF[name]: fixed}
    return replace(Constraints(), **changes).describe()

