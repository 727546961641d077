"""A small `covenant bench` run shared by the report tests (LeNet layers on two machines)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from covenant_lab.bench import BenchConfig, run_bench
from covenant_lab.suite import small_suite

LAYERS = tuple(e.name for e in small_suite())
ARCHS = ("teaching", "genesys16")


def tiny_bench(out: Path) -> dict[str, Any]:
    """Run the bench into ``out`` (timing and checks, no search, no whole models)."""
    config = BenchConfig(archs=ARCHS, layers=LAYERS, workers=1, search_layers=(), models=(),
                         quick=True, check_limit=0)  # timing only: the report needs no values
    return run_bench(config, out, stream=io.StringIO(), err=io.StringIO())


def without_energy(src: Path, dst: Path) -> dict[str, Any]:
    """A copy of ``src``'s results.json in ``dst`` as an older bench wrote it: no energy keys."""
    doc = json.loads((src / "results.json").read_text())
    for r in doc["layers"]:
        for key in [k for k in r if k.startswith("energy_")]:
            del r[key]
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "results.json").write_text(json.dumps(doc))
    return doc
