"""Run ZigZag on ONNX layers: a script for the oracles venv, started by ``bench/zigzag.py``.

    python -P zigzag_runner.py WORKDIR

WORKDIR holds ``accelerator.yaml``, ``mapping.yaml``, ``layers.json`` (the layer names; each
``<name>.onnx`` beside it). For every layer this calls
``zigzag.api.get_hardware_performance_zigzag`` (latency-optimal mapping) and appends one JSON
line to ``WORKDIR/results.jsonl``: the name, ``cycles`` (ZigZag's ``latency_total2``),
``energy_pj``, ``search_s`` (the call's wall time), the chosen spatial mapping, or ``error``.

It imports only the standard library and ZigZag, never covenant_lab: it runs by path in an
interpreter that has zigzag-dse (and maybe not our dependencies). ``-P`` keeps this folder off
``sys.path``, where ``zigzag.py`` (our comparison) would hide the ZigZag package.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any


def _spatial_mapping(cmes: Any) -> str:
    try:
        return str(cmes[0][1][0][0].layer.spatial_mapping)
    except (AttributeError, IndexError, TypeError):
        return ""


def run(workdir: Path) -> int:
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)  # before ZigZag's INFO setup
    logging.disable(logging.INFO)
    t0 = time.perf_counter()
    from zigzag.api import get_hardware_performance_zigzag

    import_s = time.perf_counter() - t0
    names = json.loads((workdir / "layers.json").read_text(encoding="utf-8"))
    out = workdir / "results.jsonl"
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"import_s": import_s}) + "\n")
        f.flush()
        for name in names:
            rec: dict[str, Any] = {"name": name}
            t = time.perf_counter()
            try:
                energy, latency, cmes = get_hardware_performance_zigzag(
                    str(workdir / f"{name}.onnx"), str(workdir / "accelerator.yaml"),
                    str(workdir / "mapping.yaml"), opt="latency",
                    dump_folder=str(workdir / "dump" / name), loma_show_progress_bar=False)
                rec |= {"cycles": float(latency), "energy_pj": float(energy),
                        "spatial_mapping": _spatial_mapping(cmes)}
            except Exception as exc:  # one layer failed: say how, go on with the next
                rec["error"] = f"{type(exc).__name__}: {exc}"
            rec["search_s"] = time.perf_counter() - t
            f.write(json.dumps(rec) + "\n")
            f.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -P zigzag_runner.py WORKDIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(Path(sys.argv[1])))
