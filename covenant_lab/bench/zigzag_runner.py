"""Run ZigZag on ONNX layers: a script for the oracles venv, started by ``bench/zigzag.py``.

    python -P zigzag_runner.py WORKDIR

WORKDIR holds ``accelerator.yaml``, ``mapping.yaml``, ``layers.json`` (the jobs: a list of
``{"name": ..., "opt": "latency" | "energy" | "EDP"}``; each ``<name>.onnx`` beside it). For
every job this calls ``zigzag.api.get_hardware_performance_zigzag`` (the mapping optimal for
``opt``) and appends one JSON line to ``WORKDIR/results.jsonl``: the name and opt, ``cycles``
(ZigZag's ``latency_total2``), ``energy_pj``, ``mac_energy_pj``, ``search_s`` (the call's wall
time), the chosen spatial and temporal mappings, and ``levels``: per operand (``I``, ``W``,
``O``) and memory level, the elements moved, their precision in bits, the word accesses and
the energy in each of ZigZag's four directions (``rd_out_to_low``, ``wr_in_by_low``,
``rd_out_to_high``, ``wr_in_by_high``); or ``error``.

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


def _evaluation(cmes: Any) -> Any:
    """The cost model evaluation of the (only) layer, or None."""
    try:
        return cmes[0][1][0][0]
    except (IndexError, TypeError):
        return None


def _directions(four_way: Any) -> dict[str, float]:
    return {str(direction.value): float(n) for direction, n in four_way.data.items()}


def _levels(cme: Any) -> list[dict[str, Any]]:
    """Per operand and memory level: elements moved, bits each, word accesses, energy."""
    from zigzag.mapping.data_movement import DataMoveAttr

    out = []
    for op, levels in cme.memory_word_access.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        for i, accesses in enumerate(levels):
            move = cme.mapping.unit_mem_data_movement[op][i]
            out.append({
                "operand": str(op.name), "level": i,
                "memory": str(cme.accelerator.get_memory_level(mem_op, i).name),
                "elements": _directions(move.get_attribute(DataMoveAttr.DATA_ELEM_MOVE_COUNT)),
                "bits": _directions(move.get_attribute(DataMoveAttr.DATA_PRECISION)),
                "word_accesses": _directions(accesses),
                "energy_pj": _directions(cme.mem_energy_breakdown_further[op][i]),
            })
    return out


def _mapping(cme: Any) -> dict[str, Any]:
    if cme is None:
        return {"spatial_mapping": ""}
    try:
        return {"spatial_mapping": str(cme.layer.spatial_mapping),
                "temporal_mapping": str(cme.temporal_mapping),
                "mac_energy_pj": float(cme.mac_energy), "levels": _levels(cme)}
    except (AttributeError, KeyError, IndexError, TypeError) as exc:
        return {"spatial_mapping": "", "levels_error": f"{type(exc).__name__}: {exc}"}


def run(workdir: Path) -> int:
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)  # before ZigZag's INFO setup
    logging.disable(logging.INFO)
    t0 = time.perf_counter()
    from zigzag.api import get_hardware_performance_zigzag

    import_s = time.perf_counter() - t0
    jobs = json.loads((workdir / "layers.json").read_text(encoding="utf-8"))
    out = workdir / "results.jsonl"
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"import_s": import_s}) + "\n")
        f.flush()
        for job in jobs:
            name, opt = job["name"], job["opt"]
            rec: dict[str, Any] = {"name": name, "opt": opt}
            t = time.perf_counter()
            try:
                energy, latency, cmes = get_hardware_performance_zigzag(
                    str(workdir / f"{name}.onnx"), str(workdir / "accelerator.yaml"),
                    str(workdir / "mapping.yaml"), opt=opt,
                    dump_folder=str(workdir / "dump" / f"{name}-{opt}"),
                    loma_show_progress_bar=False)
                rec |= {"cycles": float(latency), "energy_pj": float(energy),
                        **_mapping(_evaluation(cmes))}
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
