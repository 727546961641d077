"""Compile time of a whole model (issue #12), and a fingerprint of every compile result.

    .venv/bin/python bench/compile_time.py [--model resnet50] [--arch genesys] [--repeat 3]
    .venv/bin/python bench/compile_time.py --fingerprint before.json    # then, after a change:
    .venv/bin/python bench/compile_time.py --fingerprint after.json --compare before.json

Times ``compile_model`` of the model in this process as CPU time (``time.process_time``: the
machine's other work does not count), after one untimed warm-up compile, and the median CPU
time of compiling one suite layer (fused as ``covenant bench`` fuses them) on that arch: the
compile only, as ``CompileResult.compile_s`` counts it and more (the estimate and fallback
explanations), not reading ``Plan.tried`` (which searches the options the search's bound
left out) nor digesting the result.

``--fingerprint FILE`` writes, for every suite layer on genesys, hvx and teaching (and on
genesys with the energy objective) and every unit of the model, a digest of what compile
produced: the program's instructions, the estimate, the mapping, the passes and options the
search chose, the options it tried and the fallback explanations. ``--compare FILE`` says
which of them differ from an earlier fingerprint (exit status 1 when any does): a compile-time
change must leave every one of them as it was. Fingerprints run with ``PYTHONHASHSEED=0``
(the script restarts itself so): the text of a frozenset follows the process's string hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from typing import Any

from covenant_lab.acg import load_arch
from covenant_lab.compiler.api import CompileResult, compile
from covenant_lab.compiler.model import compile_model, fused
from covenant_lab.errors import MappingError
from covenant_lab.frontends.onnx import load
from covenant_lab.models import BUILDERS
from covenant_lab.suite import SUITE, load_suite_layer

FINGERPRINT_ARCHS = (("genesys", "cycles"), ("hvx", "cycles"), ("teaching", "cycles"),
                     ("genesys", "energy"))


def digest(result: CompileResult) -> dict[str, str]:
    """What must not change when only compile time does: one short hash per part."""
    parts = {
        "program": repr(result.program.instrs),
        "estimate": repr(result.estimate),
        "mapping": str(result),
        "passes": repr(result.passes),
        "log": repr([(s.name, s.params) for s in result.log]),
        "tried": repr(result.tried),
        "fallback": repr(result.fallback),
        "name": result.name,
    }
    return {k: hashlib.sha256(v.encode()).hexdigest()[:16] for k, v in parts.items()}


def _suite_compile(name: str, arch: Any, objective: str) -> list[CompileResult] | str:
    """The suite layer compiled as ``covenant bench`` compiles it: fused when it can be, else
    node by node (a MappingError's text when one refuses)."""
    layers = load_suite_layer(name)
    one = fused(layers)
    if one is not None:
        try:
            return [compile(one, arch, objective=objective)]
        except MappingError as exc:
            if len(layers) == 1:
                return f"MappingError: {exc}"
    out: list[CompileResult] = []
    for la in layers:
        try:
            out.append(compile(la, arch, objective=objective))
        except MappingError as exc:
            return f"MappingError: {exc}"
    return out


def _suite_entry(name: str, arch: Any, objective: str) -> list[dict[str, str]] | str:
    got = _suite_compile(name, arch, objective)
    return got if isinstance(got, str) else [digest(r) for r in got]


def fingerprint(model_name: str, arch_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for arch_name_s, objective in FINGERPRINT_ARCHS:
        arch = load_arch(arch_name_s)
        for entry in SUITE:
            out[f"suite/{arch_name_s}/{objective}/{entry.name}"] = _suite_entry(
                entry.name, arch, objective)
    result = compile_model(load(BUILDERS[model_name]()), load_arch(arch_name))
    for unit in result.units:
        key = f"model/{model_name}/{arch_name}/{unit.name}"
        out[key] = digest(unit.result) if hasattr(unit, "result") else f"FAILED: {unit.error}"
    return out


def measure(model_name: str, arch_name: str, repeat: int) -> None:
    model = load(BUILDERS[model_name]())
    compile_model(model, load_arch(arch_name))  # warm-up: imports, caches of the process
    times = []
    for _ in range(repeat):
        arch = load_arch(arch_name)
        t0 = time.process_time()
        result = compile_model(model, arch)
        times.append(time.process_time() - t0)
    print(f"{model_name} on {arch_name}: {len(result.layers)} compiled units, "
          f"{len(result.failed)} failed; compile_model CPU s: "
          + " ".join(f"{t:.2f}" for t in times) + f" (min {min(times):.2f})")
    arch = load_arch(arch_name)
    per_layer = []
    for entry in SUITE:
        load_suite_layer(entry.name)  # the ONNX model built and loaded: not the compile's
        t0 = time.process_time()
        _suite_compile(entry.name, arch, "cycles")
        per_layer.append(time.process_time() - t0)
    print(f"suite layers on {arch_name} (CPU, each compiled once): median "
          f"{statistics.median(per_layer) * 1e3:.0f} ms, max {max(per_layer) * 1e3:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50", choices=sorted(BUILDERS))
    parser.add_argument("--arch", default="genesys")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fingerprint", metavar="FILE")
    parser.add_argument("--compare", metavar="FILE")
    args = parser.parse_args()
    if not args.fingerprint:
        measure(args.model, args.arch, args.repeat)
        return 0
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    got = fingerprint(args.model, args.arch)
    with open(args.fingerprint, "w") as f:
        json.dump(got, f, indent=1, sort_keys=True)
    print(f"{len(got)} results fingerprinted into {args.fingerprint}")
    if not args.compare:
        return 0
    with open(args.compare) as f:
        before = json.load(f)
    differ = sorted(k for k in before.keys() | got.keys() if before.get(k) != got.get(k))
    for k in differ:
        print(f"differs: {k}: {before.get(k)} -> {got.get(k)}")
    print(f"{len(differ)} of {len(got)} differ from {args.compare}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
