"""Where results go (the directory the user names), files, tables, progress."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import covenant_lab
from covenant_lab.errors import UsageError
from covenant_lab.fileio import check_output, write_atomic

__all__ = ["RESULT_FILES", "Progress", "format_table", "prepare_out_dir", "source_root",
           "write_csv", "write_json"]


RESULT_FILES = ("results.json", "summary.json", "layers.csv", "search.csv", "models.csv",
                "oracles.csv", "zigzag.csv")  # what a bench run may write into its directory


def source_root() -> Path | None:
    """The source checkout covenant_lab runs from (None for an installed wheel)."""
    root = Path(covenant_lab.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").exists() else None


def prepare_out_dir(out: str | Path) -> Path:
    """Create the results directory (wherever the user asks: ``fileio`` has the one rule of
    what may be written) and check, before any work, that every result file can be written."""
    where = "bench: --out"
    text = os.fspath(out)
    if "\0" in text:
        raise UsageError(f"{where}: {text!r} contains a NUL byte", hint="give a directory path")
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{where}: '{out}' exists and is not a directory",
                         hint="give a new or an existing directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{where}: cannot create the directory '{out}': "
                         f"{exc.strerror or exc}",
                         hint="give a directory path you can write to") from None
    for name in RESULT_FILES:
        check_output(path / name, where)
    return path.resolve()


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def write_json(path: Path, doc: Any) -> Path:
    return write_atomic(path, json.dumps(_clean(doc), indent=2, sort_keys=False) + "\n")


def write_csv(path: Path, rows: Sequence[dict[str, Any]], *, exclude: Sequence[str] = ()) -> Path:
    """Rows as CSV; columns are the union of the rows' scalar keys, in first-seen order."""
    columns: dict[str, None] = {}
    for row in rows:
        for k, v in row.items():
            if k not in exclude and not isinstance(v, dict | list):
                columns.setdefault(k)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return write_atomic(path, buf.getvalue())


def format_table(rows: Sequence[Sequence[str]], header: Sequence[str],
                 align: str = "") -> str:
    """A plain-text table; ``align`` has one 'l' or 'r' per column (default: first left)."""
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                         for c, w, a in zip(cells, widths, align, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.t0 = time.perf_counter()

    def update(self, what: str) -> None:
        self.done += 1
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * round(20 * frac)
        text = (f"[{bar:<20}] {self.label} {self.done}/{self.total} "
                f"{time.perf_counter() - self.t0:6.1f}s  {what}")
        if self.tty:
            self.stream.write("\r\033[K" + text[:150])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
