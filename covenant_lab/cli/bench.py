"""``covenant bench``: the layer suite on each architecture variant, against ideal bounds."""

from __future__ import annotations

import argparse
from typing import Any

from covenant_lab.bench import (
    DEFAULT_VARIANTS,
    VARIANTS,
    BenchConfig,
    load_variant,
    prepare_out_dir,
    run_bench,
)
from covenant_lab.bench.models import MODELS
from covenant_lab.bench.search_quality import SEARCH_LAYERS
from covenant_lab.suite import SUITE


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "bench", help="benchmark the layer suite: cycles vs ideal bound, compile and sim speed",
        description="Compile and simulate the layer suite on architecture variants; write "
                    "results.json, summary.json and CSV files to --out.")
    p.add_argument("--quick", action="store_true",
                   help="a few minutes: skip the functional check of large programs (verdict "
                        "'skipped'); search quality only on layers whose exhaustive search "
                        "is fast")
    p.add_argument("--out", default="bench-results", metavar="DIR",
                   help="results directory, anywhere (created; default ./bench-results)")
    p.add_argument("--arch", action="append", default=[], metavar="NAME",
                   help=f"architecture variant (repeatable; default {' '.join(DEFAULT_VARIANTS)}; "
                        f"known: {', '.join(VARIANTS)}, a shipped architecture or a .yaml "
                        "file)")
    p.add_argument("--layers", nargs="+", default=[], metavar="NAME",
                   help="suite layers to run (default: all " + str(len(SUITE)) + ")")
    p.add_argument("--no-search", action="store_true", help="skip search vs exhaustive search")
    p.add_argument("--search", nargs="+", default=[], metavar="NAME",
                   help="search-quality layers (default: by mode; known: "
                        f"{', '.join(SEARCH_LAYERS)})")
    p.add_argument("--no-models", action="store_true", help="skip the whole-model runs")
    p.add_argument("--models", nargs="+", default=list(MODELS), metavar="NAME",
                   help="whole models to run (default: %(default)s)")
    p.add_argument("--model-arch", action="append", default=[], metavar="NAME",
                   help="architecture the whole models run on (repeatable; default "
                        f"{' '.join(BenchConfig.model_archs)}; names as for --arch)")
    p.add_argument("--oracles", action="store_true",
                   help="compare with SCALE-Sim (small GEMMs) and ZigZag (eight layers on a "
                        "shared 32x32 machine): the 'oracles' extra, `make oracles`")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 when a functional check fails")
    p.add_argument("-j", "--jobs", type=int, default=2, metavar="N",
                   help="worker processes (1: run in this process; default 2)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    config = BenchConfig(
        archs=tuple(args.arch) or DEFAULT_VARIANTS,
        layers=tuple(args.layers) or tuple(e.name for e in SUITE),
        quick=args.quick,
        workers=args.jobs,
        search_layers=() if args.no_search else (tuple(args.search) or None),
        models=() if args.no_models else tuple(args.models),
        model_archs=tuple(args.model_arch) or BenchConfig.model_archs,
        oracles=args.oracles,
    )
    config.validate()
    for name in (*config.archs, *config.model_archs):
        load_variant(name)  # fail on a bad name before creating anything
    out = prepare_out_dir(args.out)  # every result file writable, before any work
    doc = run_bench(config, out)
    print(f"results: {out}/results.json, summary.json, layers.csv, search.csv, models.csv")
    print(f"report:  covenant report {out} --html {out}/report.html")
    failed = sum(s["checks_failed"] for s in doc["summary"]["archs"].values())
    return 1 if failed and args.strict else 0
