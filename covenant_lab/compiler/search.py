"""Cost-model-guided search over capability choice, fusion, placement, spatial maps and
buffering (a codelet's structural options), each scored by the search of its groups' tiles
and loop orders (``group_search.py``).

The options of a codelet variant are scored with branch and bound: likely cheap ones first,
and an option whose floor (no tiling of its groups costs less) exceeds the best found is not
searched; its cost, needed only to explain the decision, is computed when ``Plan.tried`` is
first read (``tried.py``). The best option is then scored once more with its epilogue
split in parts (``_tails``: a conv's ReLU6 on another unit, part by part). Illegal choices
raise ScheduleError, which the search catches to prune; nothing else is caught.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.cost import GroupModel
from covenant_lab.compiler.floor import at_peak, form_floor, group_floor
from covenant_lab.compiler.forms import codelet_forms, splits_init
from covenant_lab.compiler.group_memo import GroupMemo
from covenant_lab.compiler.group_search import INSTRUCTION_COST, search_group
from covenant_lab.compiler.layer_span import GroupRun, layer_cycles
from covenant_lab.compiler.levels import inner_level, level_choices
from covenant_lab.compiler.mapping import Mapping
from covenant_lab.compiler.objective import (
    Objective,
    group_figures,
    plan_score,
)
from covenant_lab.compiler.passes.block import BlockWindows
from covenant_lab.compiler.passes.buffer import buffer_options
from covenant_lab.compiler.passes.fold import FoldInit
from covenant_lab.compiler.passes.fuse import FuseStages
from covenant_lab.compiler.passes.match import MatchCapabilities, allowed_candidates
from covenant_lab.compiler.passes.order import Reorder
from covenant_lab.compiler.passes.place import PlaceOperands
from covenant_lab.compiler.passes.spatial import SpatialMap, preferences
from covenant_lab.compiler.passes.split import split_options, tail_options
from covenant_lab.compiler.passes.tile import Tile
from covenant_lab.compiler.pipeline import PASS_ORDER, Pipeline
from covenant_lab.compiler.tried import Option, Tried
from covenant_lab.errors import MappingError, ScheduleError

MAX_CHOICES = 64  # capability combinations tried per codelet
MAX_TRIED = 64  # structural options a Plan keeps for the explanation


@dataclass(frozen=True)
class Plan:
    """The passes (with their chosen options) that produce the best mapping found, and the
    codelet they start from (the layer's, or it with accumulations' init split off; a first
    ``fold`` pass folds adds into inits itself)."""

    passes: tuple[object, ...]
    estimate: float
    codelet: Codelet
    constraints: Constraints  # as they apply to the mapped codelet (stage numbers after a
    # split or a fold)
    fallback_work: int = 0  # statement executions on fallback units
    # the structural options the search scored for this codelet (best first, at most
    # MAX_TRIED): (fallback work, search cost, passes); the explanation reads them
    tried: Tried = field(default_factory=Tried)

    def rank(self) -> tuple[int, float]:
        """Better plans first: least work on fallback units, then the fewest cycles."""
        return (self.fallback_work, self.estimate)


def _structural(
    codelet: Codelet, acg: ACG, cons: Constraints, choice: tuple[int, ...], fuse: bool
) -> list[tuple[Mapping, tuple[object, ...]]]:
    """The mappings (and passes) of one capability choice, one per choice of levels for
    uneven operand paths and spatial preference."""
    m = Mapping(codelet)
    head: list[object] = [MatchCapabilities(choice, cons.capability), FuseStages(fuse)]
    for p in head:
        m = p.run(m, acg)  # type: ignore[attr-defined]
    placed = PlaceOperands(cons.storage, cons.home).run(m, acg)
    fixed = tuple((0, d, v) for d, v in cons.spatial)
    out = []
    places = [PlaceOperands(cons.storage, cons.home, first) for first in level_choices(placed)]
    if inner_level(placed):
        places.append(PlaceOperands(cons.storage, cons.home, inner=True))
    for place in places:
        mp = place.run(m, acg)
        for prefer in preferences(codelet, mp):
            sp = SpatialMap(fixed, prefer)
            ms = sp.run(mp, acg)
            made = [(ms, (*head, place, sp))]
            for buf in buffer_options(ms):  # a pass is listed only when it changes something
                made.append((buf.run(ms, acg), (*head, place, sp, buf)))
            for mb, passes in made:
                splits = split_options(mb, cons.parts)
                if not (splits and cons.parts):  # a number of parts asked for: only split
                    out.append((mb, passes))
                out += [(split.run(mb, acg), (*passes, split)) for split in splits]
    return out


def capability_choices(
    codelet: Codelet, acg: ACG, cons: Constraints, *, fallback: bool
) -> list[tuple[int, ...]]:
    """Which candidate capability each stage takes (indices into the candidates its
    constraint allows): first every stage on one node (where all can run there), then the
    others in order, non-fallback units first, at most MAX_CHOICES. Fallback units only with
    ``fallback``."""
    base, required = Mapping(codelet), dict(cons.capability)
    every = [allowed_candidates(base, acg, i, required.get(i)) for i in range(len(codelet.stages))]
    allowed = []
    for options in every:
        preferred = [k for k, (n, _) in enumerate(options) if not n.fallback]
        others = [k for k in range(len(options)) if k not in preferred]
        if options and not preferred and not fallback:
            return []  # only a fallback unit can run this stage, and they are not allowed
        allowed.append(preferred + others if fallback else preferred)
    out: dict[tuple[int, ...], None] = {}
    for node in sorted(acg.compute_nodes, key=lambda n: n.name):
        picks = [next((k for k in ks if every[i][k][0] is node), None)
                 for i, ks in enumerate(allowed)]
        if all(k is not None for k in picks):
            out.setdefault(tuple(k for k in picks if k is not None), None)
    for choice in itertools.islice(itertools.product(*[ks or [0] for ks in allowed]),
                                   MAX_CHOICES):
        out.setdefault(choice, None)
    return list(out)[:MAX_CHOICES]


def plan(
    codelet: Codelet, acg: ACG, cons: Constraints | None = None, *, exhaustive: bool = False,
    objective: Objective = Objective.CYCLES,
) -> Plan:
    """Search the mapping space; the returned passes reproduce the best mapping found
    (fewest cycles, least energy or least energy x cycles: ``objective``)."""
    cons = cons or Constraints()
    best: Plan | None = None
    errors: list[ScheduleError] = []
    refused: list[MappingError] = []  # a variant whose stages a constraint cannot take
    tiers = codelet_forms(codelet, acg, cons)  # a tier's forms compete on cost (forms.py)
    for fallback in (False, True):  # fallback units only for stages nothing else can run
        found: list[Plan] = []
        for rank, tier in enumerate(tiers):
            if rank and found and not fallback and not (
                    objective is Objective.CYCLES and splits_init(codelet, acg)):
                break  # the first tier that maps onto the preferred units
            for variant, vcons, head in tier:
                try:
                    if (head or rank) and found and objective is Objective.CYCLES and (
                            form_floor(variant, acg, vcons)
                            >= min(p.estimate for p in found)):
                        continue  # a rewrite that cannot beat what is found (its work alone)
                    one = _plan_one(variant, acg, vcons, errors, fallback=fallback,
                                    exhaustive=exhaustive, objective=objective)
                except MappingError as exc:
                    refused.append(exc)
                    continue
                if one is not None:
                    found.append(_with_head(one, head, codelet) if head else one)
        if found:
            best = _with_rivals(min(found, key=Plan.rank), found)
            break
        if not any(n.fallback for n in acg.compute_nodes):
            break
    if best is None and refused and not errors:
        raise refused[0]
    if best is None:
        first = _furthest(errors)
        raise MappingError(
            f"no legal mapping of {codelet.name} onto {acg.name}"
            + (f" with constraints ({cons.describe()})" if cons != Constraints() else "")
            + (f": {first.message}" if first else ""),
            hint=first.hint if first else None,
        )
    return best


def _furthest(errors: list[ScheduleError]) -> ScheduleError | None:
    """The error of the option that got furthest through the passes (the first of those):
    a tiling that does not fit says more than a unit that lacks the op of another form."""
    if not errors:
        return None
    rank = {name: k for k, name in enumerate(PASS_ORDER)}
    return max(errors, key=lambda e: rank.get(e.pass_name, -1))


def _with_head(one: Plan, head: tuple[object, ...], codelet: Codelet) -> Plan:
    """``one`` (planned for a rewritten codelet) as passes that start from ``codelet``."""
    tried = one.tried.then(lambda opts: tuple((w, c, (*head, *p)) for w, c, p in opts))
    return replace(one, passes=(*head, *one.passes), codelet=codelet, tried=tried)


def _with_rivals(best: Plan, found: list[Plan]) -> Plan:
    """``best`` after a rewrite (a fold, a blocking), with the best option of each other
    form among what it tried (so the rewrite's decision names what it beat: the layer as
    written)."""
    if not best.passes or not isinstance(best.passes[0], FoldInit | BlockWindows):
        return best
    others = [p.tried for p in found if p is not best]

    def rivals(opts: tuple[Option, ...]) -> tuple[Option, ...]:
        extra = [t[0] for t in others if t]
        kept = opts[: MAX_TRIED - len(extra)]
        return tuple(sorted((*kept, *extra), key=lambda x: x[:2]))

    return replace(best, tried=best.tried.then(rivals))


class _Option(NamedTuple):
    """A structural option of a codelet variant: its mapping before tiling, the passes that
    make it and its statement executions on fallback units."""

    mapping: Mapping
    head: tuple[object, ...]
    work: int


def _options(codelet: Codelet, acg: ACG, cons: Constraints, *, fallback: bool,
             failed: list[tuple[tuple[int, int], ScheduleError]]
             ) -> tuple[list[_Option], MappingError | None]:
    """Every structural option, in the order the search ranks equal costs by; the
    ScheduleErrors of choices that make none go to ``failed`` (keyed by where they fall in
    that order); and the MappingError that ended the list early, if one did."""
    fuses = (
        [cons.fuse]
        if cons.fuse is not None
        else ([True, False] if len(codelet.stages) > 1 else [True])
    )
    out: list[_Option] = []
    for choice in capability_choices(codelet, acg, cons, fallback=fallback):
        for fuse in fuses:
            try:
                options = _structural(codelet, acg, cons, choice, fuse)
            except ScheduleError as exc:
                failed.append(((len(out), 0), exc))
                continue
            except MappingError as exc:
                return out, exc
            for m, head in options:
                work = sum(codelet.iterations(codelet.stages[b.stage])
                           for b in m.bindings if b.node.fallback)
                out.append(_Option(m, head, work))
    return out, None


def _score(option: _Option, searched: GroupMemo, acg: ACG, cons: Constraints, *,
           exhaustive: bool, objective: Objective) -> tuple[float, tuple[object, ...]]:
    """The search's cost of one structural option and its passes (ScheduleError: none)."""
    m = option.mapping
    tiles, orders, total, figures, runs = [], [], 0.0, [], []
    for g in m.groups:
        t, o, c = searched.get(m, g, acg, cons, exhaustive=exhaustive, objective=objective)
        tiles.append(t)
        orders.append(o)
        total += c
        if objective is Objective.CYCLES:  # groups overlap where they can (layer_span.py)
            runs.append(GroupRun.of(m, g, acg, t, o, c))
        if objective is Objective.EDP:  # a product of sums, not a sum
            figures.append(group_figures(GroupModel(m, g, acg), t, o, INSTRUCTION_COST))
    if runs:
        total = layer_cycles(runs)
    if figures:
        total = plan_score(objective, figures)
    return total, (*option.head, Tile(tuple(tiles)), Reorder(tuple(orders)))


def _guess(m: Mapping) -> float:
    """A quick guess at an option's cycles, to score likely good options first: per group,
    the busiest unit's iterations over its positions."""
    total = 0.0
    for g in m.groups:
        busy: dict[str, float] = {}
        for si in g.stages:
            b = m.binding(si)
            busy[b.node.name] = busy.get(b.node.name, 0.0) + at_peak(m.codelet, si, b.node,
                                                                      b.capability)
        total += max(busy.values(), default=0.0)
    return total


def _beaten(option: _Option, best: tuple[int, float], searched: GroupMemo, acg: ACG,
            cons: Constraints, exhaustive: bool) -> bool:
    """Whether the option certainly ranks after ``best`` (fallback work, cost): more work,
    or as much and its groups' floors (``floor.group_floor``), run in order as the layer
    runs its groups (``layer_span.py``, each following the groups it reads from at once),
    above the cost."""
    if option.work != best[0]:
        return option.work > best[0]
    m = option.mapping
    runs = [GroupRun.of(m, g, acg, None, (),
                        searched.floor(m, g, acg, cons, exhaustive=exhaustive))
            for g in m.groups]
    return layer_cycles(runs) > best[1]


def _tails(best: _Option, passes: tuple[object, ...], searched: GroupMemo, acg: ACG,
           cons: Constraints, *, exhaustive: bool, objective: Objective, first: int
           ) -> list[tuple[int, float, int, tuple[object, ...]]]:
    """The best option with its epilogue split (``passes.split.tail_options``), scored;
    numbered from ``first`` (after every option, so a tie keeps the option unsplit)."""
    if cons.parts is not None:
        return []  # a number of parts asked for: the splits the options already have
    tiles = next(p.sizes for p in passes if isinstance(p, Tile))
    out = []
    for k, split in enumerate(tail_options(best.mapping, tiles)):
        try:
            option = _Option(split.run(best.mapping, acg), (*best.head, split), best.work)
            cost, made = _score(option, searched, acg, cons, exhaustive=exhaustive,
                                objective=objective)
        except ScheduleError:
            continue
        out.append((best.work, cost, first + k, made))
    return out


def _plan_one(
    codelet: Codelet, acg: ACG, cons: Constraints, errors: list[ScheduleError], *,
    fallback: bool, exhaustive: bool, objective: Objective = Objective.CYCLES,
) -> Plan | None:
    """The best plan of one codelet variant (None: nothing legal; errors collects why).

    Branch and bound over the structural options (for cycles, without an order constraint,
    which a search may refuse): the options likely cheapest (``_guess``) are scored first,
    and an option whose floor (``floor.group_floor``, summed over its groups) exceeds the best
    cost found cannot be chosen: it is scored only when ``Plan.tried`` is first read. The
    result is what scoring every option in ``_options``' order gives (equal costs: the
    first), then the best of it and its epilogue splits (``_tails``)."""
    failed: list[tuple[tuple[int, int], ScheduleError]] = []
    options, refused = _options(codelet, acg, cons, fallback=fallback, failed=failed)
    searched = GroupMemo(search_group, group_floor)  # a group options share: searched once
    bound = objective is Objective.CYCLES and not cons.order and refused is None
    order: Sequence[int] = range(len(options))
    if bound:
        guesses = [_guess(o.mapping) for o in options]
        order = sorted(order, key=lambda i: (options[i].work, guesses[i], i))
    scored: list[tuple[int, float, int, tuple[object, ...]]] = []  # work, cost, index, passes
    pending: list[int] = []
    for i in order:
        if bound and scored and _beaten(options[i], min(scored)[:2], searched, acg, cons,
                                        exhaustive):
            pending.append(i)  # it cannot be chosen: its cost only explains the choice
            continue
        try:
            total, passes = _score(options[i], searched, acg, cons, exhaustive=exhaustive,
                                   objective=objective)
        except ScheduleError as exc:
            failed.append(((i, 1), exc))
            continue
        except MappingError:  # an order constraint the group refuses: what came before
            errors.extend(exc for at, exc in sorted(failed, key=lambda f: f[0]) if at < (i, 1))
            raise
        scored.append((options[i].work, total, i, passes))
    errors.extend(exc for _, exc in sorted(failed, key=lambda f: f[0]))
    if refused is not None:
        raise refused
    if not scored:
        return None
    best = min(scored)
    scored += _tails(options[best[2]], best[3], searched, acg, cons,
                     exhaustive=exhaustive, objective=objective, first=len(options))
    work, total, _, passes = min(scored)
    searched.forget_work()

    def tried() -> tuple[Option, ...]:
        """Every option scored, best first (``MAX_TRIED``), the pending ones now."""
        out = list(scored)
        for i in pending:
            try:
                cost, made = _score(options[i], searched, acg, cons, exhaustive=exhaustive,
                                    objective=objective)
            except ScheduleError:
                continue
            out.append((options[i].work, cost, i, made))
        return tuple((w, c, p) for w, c, _, p in sorted(out, key=lambda x: x[:3])[:MAX_TRIED])

    return Plan(passes, total, codelet, cons, work, Tried(tried) if pending else Tried(tried()))


def replan(codelet: Codelet, acg: ACG, passes: tuple[object, ...], cons: Constraints) -> Plan:
    """A plan of ``codelet`` with the structure of an earlier plan of a codelet like it
    (``passes``: every pass but the tiling and the loop orders, which are searched again):
    each part of a divided layer at the next split point (``divide.py``). ScheduleError or
    MappingError: the structure does not fit ``codelet``."""
    head = tuple(p for p in passes if not isinstance(p, Tile | Reorder))
    m, _ = Pipeline(head).run(Mapping(codelet), acg)  # type: ignore[arg-type]
    work = sum(m.codelet.iterations(m.codelet.stages[b.stage])
               for b in m.bindings if b.node.fallback)
    searched = GroupMemo(search_group, group_floor)
    total, made = _score(_Option(m, head, work), searched, acg, cons, exhaustive=False,
                         objective=Objective.CYCLES)
    return Plan(made, total, codelet, cons, work)

