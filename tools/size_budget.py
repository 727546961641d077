"""Fail when a module exceeds the soft size budget (tinygrad's sz.py, in spirit)."""

from __future__ import annotations

import sys
from pathlib import Path

BUDGET_LINES = 450


def main(root: str) -> int:
    over = []
    for path in sorted(Path(root).rglob("*.py")):
        n = sum(1 for _ in path.open(encoding="utf-8"))
        if n > BUDGET_LINES:
            over.append((n, path))
    for n, path in over:
        print(f"{path}: {n} lines (budget {BUDGET_LINES}); split it into modules")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "covenant_lab"))
