"""``covenant report``: a self-contained HTML page from a ``covenant bench`` results directory."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report", help="write an HTML report of a `covenant bench` results directory")
    p.add_argument("results", metavar="RESULTS_DIR", help="the directory `covenant bench` wrote")
    p.add_argument("--html", required=True, metavar="OUT.html", help="the page to write")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from covenant_lab.analysis.report import write_report

    path = write_report(args.results, args.html)
    print(f"report: {path.resolve()}")
    return 0
