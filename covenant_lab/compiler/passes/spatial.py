"""Pass 4: map loops onto the compute node's spatial dimensions; the rest stream or repeat."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import ClassVar

from covenant_lab.acg.capabilities import Capability, SpatialDim
from covenant_lab.acg.graph import ACG
from covenant_lab.codelets.ir import Codelet, Stage
from covenant_lab.compiler.mapping import Mapping, Spatial
from covenant_lab.compiler.roles import loop_signatures, qualifies, signature
from covenant_lab.errors import MappingError

SHARED_CANDIDATES = 3  # the largest loops of a dimension tried in pairs on it


def preferences(codelet: Codelet, mapping: Mapping) -> list[tuple[str, ...]]:
    """Search options for one-loop dimensions: the default (largest loop), each loop that
    qualifies somewhere (all of them together instead where they fit the dimension whole: a
    block of 4 x 8 outputs on 32 columns), and, where no qualifying loop's extent is a
    multiple of the dimension's size (56 pixels on 32 lanes), pairs of the largest such
    loops sharing it (oh x ow = 4 x 8 fills 32 lanes)."""
    options: dict[tuple[str, ...], None] = {(): None}
    for i, st in enumerate(codelet.stages):
        cap = mapping.binding(i).capability
        sizes = dict(cap.dims)
        for spec in cap.spatial:
            if spec.fold:
                continue
            ok = [lp for lp in st.loops
                  if codelet.extent(lp) > 1 and qualifies(signature(st, lp), spec)]
            if len(ok) > 1 and math.prod(codelet.extent(lp) for lp in ok) <= sizes[spec.dim]:
                whole = sorted(ok, key=lambda lp: -codelet.extent(lp))
                options.setdefault(tuple(whole), None)  # all of them fit whole (a 4 x 8 block)
                continue
            for lp in ok:
                options.setdefault((lp,), None)
            if all(codelet.extent(lp) % sizes[spec.dim] for lp in ok):
                largest = sorted(ok, key=lambda lp: -codelet.extent(lp))[:SHARED_CANDIDATES]
                for pair in itertools.combinations(largest, 2):
                    options.setdefault(pair, None)
    return list(options)


def spatial_for(
    codelet: Codelet,
    stage: Stage,
    cap: Capability,
    fixed: dict[str, tuple[str, ...]],
    prefer: tuple[str, ...] = (),
) -> Spatial:
    """Assign loops to dims: fixed ones first, then every qualifying loop (fold), or the
    loops of ``prefer`` that qualify (one, or several sharing the dimension), else the
    largest."""
    taken: set[str] = {lp for loops in fixed.values() for lp in loops}
    signatures = loop_signatures(stage)
    dims: list[tuple[str, tuple[str, ...]]] = []
    for spec in sorted(cap.spatial, key=_canonical):  # never the order written in the file
        if spec.dim in fixed:  # a constraint fills the dimension (its first entry)
            dims.append((spec.dim, () if spec.dim in dict(dims) else fixed[spec.dim]))
            continue
        ok = [
            lp
            for lp in stage.loops
            if lp not in taken and codelet.extent(lp) > 1 and qualifies(signatures[lp], spec)
        ]
        if not spec.fold:
            preferred = [lp for lp in prefer if lp in ok]
            ok = preferred or sorted(ok, key=lambda lp: -codelet.extent(lp))[:1]
        taken.update(ok)
        dims.append((spec.dim, tuple(ok)))
    stream: list[str] = []
    repeat: list[str] = []
    for lp in stage.loops:
        if lp in taken:
            continue
        sig = signatures[lp]
        streams = cap.stream_requires <= sig and not (cap.stream_excludes & sig)
        (stream if streams or codelet.extent(lp) == 1 else repeat).append(lp)
    return Spatial(tuple(dims), tuple(stream), tuple(repeat))


def _canonical(spec: SpatialDim) -> tuple[str, tuple[str, ...], tuple[str, ...], bool]:
    return (spec.dim, tuple(sorted(spec.requires)), tuple(sorted(spec.excludes)), spec.fold)


@dataclass(frozen=True)
class SpatialMap:
    """Choose which loops occupy each spatial dimension of the bound capability.

    rewrite (conv on a 32x32 weight-stationary array)::

        for oc, ic, kh, kw, oh, ow          rows <- ic*kh*kw (reduction, folded)
            y += x * w             ->       cols <- oc
                                            stream: oh, ow   (pixels flow through)
    """

    name: ClassVar[str] = "spatial"
    fixed: tuple[tuple[int, str, tuple[str, ...]], ...] = ()  # (stage, dim, loops)
    prefer: tuple[str, ...] = ()  # loops to put on one-loop dimensions first (the search picks)

    def run(self, mapping: Mapping, acg: ACG) -> Mapping:
        out = []
        for i, st in enumerate(mapping.codelet.stages):
            b = mapping.binding(i)
            fixed = {d: lps for s, d, lps in self.fixed if s == i}
            self._check(mapping.codelet, st, b.capability, fixed, i)
            out.append(spatial_for(mapping.codelet, st, b.capability, fixed, self.prefer))
        return replace(mapping, spatial=tuple(out))

    def _check(
        self,
        codelet: Codelet,
        st: Stage,
        cap: Capability,
        fixed: dict[str, tuple[str, ...]],
        i: int,
    ) -> None:
        for dim, loops in fixed.items():
            specs = [s for s in cap.spatial if s.dim == dim]
            if not specs:
                raise MappingError(
                    f"spatial: constraint names dimension '{dim}', which capability "
                    f"'{cap.label}' does not have (it has "
                    f"{', '.join(d for d, _ in cap.dims) or 'none'})"
                )
            for lp in loops:
                if lp not in st.loops or not any(qualifies(signature(st, lp), s) for s in specs):
                    wants = " or ".join(
                        f"roles {sorted(s.requires)} and none of {sorted(s.excludes)}"
                        for s in specs
                    )
                    raise MappingError(
                        f"spatial: loop '{lp}' cannot occupy '{dim}' in stage {i} of "
                        f"{codelet.name}: it must index {wants}"
                    )
            if len(loops) > len(specs) and not any(s.fold for s in specs):
                raise MappingError(
                    f"spatial: dimension '{dim}' takes {len(specs)} loop(s) (no fold)"
                )
