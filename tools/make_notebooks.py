"""Write notebooks/*.ipynb from their sources in tools/notebook_src/ (reviewable as code).

    python tools/make_notebooks.py            # (re)write every notebook
    python tools/make_notebooks.py --check    # exit 1 when a committed notebook is stale

Each source module defines ``CELLS``: a list of ``(kind, text)`` pairs where kind is
``"md"``, ``"code"``, ``"solution"`` (a code cell holding an exercise's reference answer,
tagged ``solution`` so a course can strip it:
``jupyter nbconvert --TagRemovePreprocessor.remove_cell_tags=solution ...``) or ``"helper"``
(a code cell whose source JupyterLab shows collapsed, e.g. the exercise checks).

The notebooks are written without outputs, with deterministic cell ids and with
``metadata.kernelspec`` set (without it JupyterLab asks for a kernel and automated runs hang).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(__file__).resolve().parent / "notebook_src"
OUT = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
KINDS = ("md", "code", "solution", "helper")


def _cells(path: Path) -> list[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location(f"notebook_src_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"make_notebooks: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cells: list[tuple[str, str]] = module.CELLS
    for i, (kind, _) in enumerate(cells):
        if kind not in KINDS:
            raise SystemExit(f"make_notebooks: {path.name} cell {i}: kind {kind!r} not in {KINDS}")
    return cells


def build(path: Path) -> nbformat.NotebookNode:
    """The notebook for source module ``path`` (no outputs, deterministic ids)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    for i, (kind, text) in enumerate(_cells(path)):
        body = textwrap.dedent(text).strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
            if kind == "solution":
                cell.metadata["tags"] = ["solution"]
            elif kind == "helper":
                cell.metadata["jupyter"] = {"source_hidden": True}
        cell.id = f"{path.stem.replace('_', '-')}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(path: Path) -> str:
    return nbformat.writes(build(path)) + "\n"


def sources() -> list[Path]:
    return sorted(p for p in SRC.glob("nb*.py"))


def target(src: Path) -> Path:
    return OUT / (src.stem.removeprefix("nb") + ".ipynb")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = ap.parse_args(argv)
    stale = []
    OUT.mkdir(exist_ok=True)
    for src in sources():
        text, out = render(src), target(src)
        if out.exists() and out.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            stale.append(out)
        else:
            out.write_text(text, encoding="utf-8")
            print(f"wrote {out.relative_to(ROOT)}")
    for out in stale:
        print(f"{out.relative_to(ROOT)} is stale: run python tools/make_notebooks.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
