"""Fuzz architecture files: shipped files mutated (numbers replaced by huge, zero, negative,
fractional, NaN-producing, base-60 or non-ASCII values, or by expressions from the grammar,
deep nesting included; lines deleted or duplicated; values of the wrong type), then loaded,
and when accepted summarised, saved and reloaded, bounded (``ideal_bound``) and used: a tiny
matmul compiled and simulated (with data when its memories are small).

Every case ends in a CovenantError or is accepted; a refusal's every problem is short (input
quoted, never echoed) and has a field.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from covenant_lab.acg import ACG, loads_arch
from covenant_lab.acg.load import resolve_arch
from covenant_lab.analysis import ideal_bound
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.errors import ArchError
from covenant_lab.sim import Simulator
from tests.acg.conftest import MINI
from tests.fuzz.conftest import FUZZ, run_case
from tests.fuzz.test_expressions import deep, grammar

BASES = {"mini": MINI, **{n: resolve_arch(n).read_text() for n in ("teaching", "tpu_v1")}}
LAYER = L.matmul((8, 12), (12, 8))
SIMULATED_BYTES = 1 << 26  # simulate with data only below this many on-chip bytes

# the places a value sits: after "key: " up to the next "," "}" or end of line
VALUE = re.compile(r"(?<=: )(?![\[{&*|>])[^,}\n#]+")
ODD_VALUES = (
    "9" * 5000, "1" + "0" * 400, "0", "-1", "-0.5", "0.001", ".nan", ".inf", "-.inf",
    "1.0e+300", "1:30", "1:30:00", "١٢", "'١٢'", "1000", "65537", "281474976710657",
    "9007199254740993", "1125899906842624", "[1, 2]", "{a: 1}", "''", "null", "true", "fifo",
    '"(stream - stream) / (stream - stream)"', '"1 / (stream - 1)"', '"stream - 100"',
    '"log2(stream - 1)"', '"stream % (stream - 1)"', '"stream * 4503599627370496"',
    '"1000000000 * stream"', '"stream / 1000000000000"', '"ceil(1e300 * 1e300)"',
    '"' + "(" * 100 + "1" + ")" * 100 + '"', '"' + "-" * 2000 + '1"',
)


def _quoted(expression: str) -> str:
    return '"' + expression.replace("\\", "").replace('"', "") + '"'


PLAUSIBLE = ("1", "2", "3", "4", "7", "8", "16", "64", "4096", "65536", "0.5", "1.5", "12.5",
             "int8", "int32", "DRAM", "SPAD")
replacement = st.one_of(st.sampled_from(ODD_VALUES), st.sampled_from(PLAUSIBLE),
                        grammar.map(_quoted), deep().map(_quoted))
# timing over what cycles may name, with small constants: often accepted, sometimes not
timing = st.recursive(
    st.one_of(st.sampled_from(("stream", "elems", "1", "2", "0", "0.5", "100"))),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(("+", "-", "*", "/", "//", "%")), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(("max", "min", "ceil", "floor", "log2")), inner).map(
            lambda t: f"{t[0]}({t[1]})" if t[0] in ("ceil", "floor", "log2")
            else f"{t[0]}({t[1]}, stream)")),
    max_leaves=8)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped (or test) file with one to three mutations, and what they were."""
    name = draw(st.sampled_from(sorted(BASES)))
    text = BASES[name]
    done = [name]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "value", "value", "delete", "duplicate", "swap"]))
        lines = text.splitlines()
        if kind == "value":
            spots = list(VALUE.finditer(text))
            spot = spots[draw(st.integers(0, len(spots) - 1))]
            new = draw(replacement)
            text = text[:spot.start()] + new + text[spot.end():]
            done.append(f"{spot.group().strip()[:20]!r} -> {new[:30]!r}")
        elif kind in ("delete", "duplicate"):
            k = draw(st.integers(0, len(lines) - 1))
            lines[k:k + 1] = [] if kind == "delete" else [lines[k], lines[k]]
            text = "\n".join(lines)
            done.append(f"{kind} line {k + 1}")
        else:  # two values trade places: a name where a number goes, a list where a name goes
            spots = list(VALUE.finditer(text))
            i, j = sorted(draw(st.lists(st.integers(0, len(spots) - 1), min_size=2,
                                        max_size=2, unique=True)))
            a, b = spots[i], spots[j]
            text = (text[:a.start()] + b.group() + text[a.end():b.start()] + a.group()
                    + text[b.end():])
            done.append(f"swap {a.group()[:20]!r} and {b.group()[:20]!r}")
    return text, "; ".join(done)


def _use(arch: ACG) -> None:
    """What a user does with an accepted file: read it, save it, bound, compile, simulate."""
    arch.summary()
    assert loads_arch(arch.to_yaml(), source="saved.yaml").name == arch.name
    bound = ideal_bound(LAYER, arch)
    assert isinstance(bound.cycles, int) and bound.cycles >= 0
    result = compile(LAYER, arch)
    on_chip = sum(s.total_bytes or 0 for s in arch.storage_nodes if not s.off_chip)
    inputs = None
    if on_chip <= SIMULATED_BYTES:
        rng = np.random.default_rng(0)
        inputs = {o.name: rng.standard_normal(o.shape) for o in LAYER.inputs}
    sim = Simulator(result.program, arch, inputs).run()
    assert sim.total_cycles >= 0 and sim.total_cycles == int(sim.total_cycles)


def _load_and_use(text: str) -> None:
    try:
        arch = loads_arch(text, source="fuzz.yaml")
    except ArchError as err:
        for p in err.problems:
            assert p.field and len(p.message) <= 501 and len(p.hint or "") <= 501, p
        raise
    _use(arch)


@FUZZ
@given(mutated())
def test_mutated_architecture_files(case: tuple[str, str]) -> None:
    text, what = case
    run_case("arch-files", lambda: _load_and_use(text), what=what)


@FUZZ
@given(st.sampled_from(sorted(BASES)), st.one_of(timing, timing, grammar))
def test_random_timing_expressions(name: str, expression: str) -> None:
    """Every capability's cycles (and overhead and latency) replaced by one expression: over
    stream and elems with small constants, or anything from the grammar."""
    text = re.sub(r"(?<=[\s{]cycles: )[^,}\n#]+", _quoted(expression), BASES[name])
    run_case("arch-files", lambda: _load_and_use(text), what=f"{name}: cycles {expression!r}")
