"""Print the per-category table of a fuzz report (``make fuzz``).

usage: python tools/fuzz_table.py REPORT.json

The report is what ``tests/fuzz/conftest.py`` writes to ``$COVENANT_FUZZ_REPORT`` at the end
of a session: ``{category: {"tried": n, "clean": n, "accepted": n, "failed": n}}``. ``clean``
cases ended in a CovenantError, ``accepted`` ones returned, ``failed`` ones did anything else
(another exception, past the time or memory bound). Exit status: 0, or 1 when a case failed,
2 when the report is missing or unreadable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = ("tried", "clean", "accepted", "failed")


class ReportError(Exception):
    """The report is missing or not in the expected shape."""


def read_report(path: Path) -> dict[str, dict[str, int]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no fuzz report (did any fuzz test run? the harness writes "
                          "it only when a case ran)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: not a fuzz report: {exc}") from None
    if not isinstance(doc, dict) or not all(
        isinstance(row, dict) and all(isinstance(row.get(c, 0), int) for c in COLUMNS)
        for row in doc.values()
    ):
        raise ReportError(f"{path}: not a fuzz report: expected "
                          "{category: {tried, clean, accepted, failed}}")
    return {str(k): {c: int(v.get(c, 0)) for c in COLUMNS} for k, v in doc.items()}


def table(report: dict[str, dict[str, int]]) -> str:
    """The categories in name order, then the totals."""
    total = {c: sum(row[c] for row in report.values()) for c in COLUMNS}
    rows = [("category", *COLUMNS)]
    rows += [(name, *(f"{report[name][c]:,}" for c in COLUMNS)) for name in sorted(report)]
    rows.append(("total", *(f"{total[c]:,}" for c in COLUMNS)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) + 1)]
    lines = []
    for i, row in enumerate(rows):
        if i == len(rows) - 1:
            lines.append("  ".join("-" * w for w in widths))
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                        strict=True))]
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/fuzz_table.py REPORT.json", file=sys.stderr)
        return 2
    try:
        report = read_report(Path(argv[0]))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"fuzz report {argv[0]}")
    print(table(report))
    failed = sum(row["failed"] for row in report.values())
    if failed:
        print(f"{failed} case(s) failed: see the pytest output above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
