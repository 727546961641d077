"""DOT text and SVG rendering of ACGs (viz/dot.py)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest

from covenant_lab.acg import ACG
from covenant_lab.errors import CovenantError, UsageError
from covenant_lab.viz.dot import to_dot, to_svg

HAVE_GRAPHVIZ = (
    shutil.which("dot") is not None or importlib.util.find_spec("pygraphviz") is not None
)


def test_dot_golden(teaching: ACG) -> None:
    text = to_dot(teaching)
    assert text == to_dot(teaching)  # deterministic
    lines = text.splitlines()
    assert lines[0] == 'digraph "teaching" {'
    assert lines[-1] == "}"
    assert (
        '  "DRAM" [shape="cylinder", style="filled", fillcolor="#fdf1d6", '
        'label="DRAM\\noff-chip\\nR/W 8 B/cyc"];'
    ) in lines
    assert '  "SPAD" [shape="box", label="SPAD\\n16 KiB x2\\nR/W 16 B/cyc"];' in lines
    assert (
        '  "mac_array" [shape="box", style="rounded,filled", fillcolor="#dbe9f6", '
        'label="mac_array\\nrows=4 x cols=4\\nmac"];'
    ) in lines
    assert (
        '  "bus" [shape="ellipse", style="filled,dashed", fillcolor="#f3f3f3", '
        'label="bus\\n8 B/cyc"];' in lines
    )
    assert '  "DRAM" -> "SPAD" [label="8 B/cyc\\nvia bus", style="dashed"];' in lines
    assert '  "SPAD" -> "mac_array" [label="16 B/cyc"];' in lines
    assert '  {rank=same; "DRAM"; "bus";}' in lines


def test_highlight_and_labels(genesys: ACG) -> None:
    text = to_dot(
        genesys, highlight={"IBUF": "red", "DRAM->IBUF": "blue"}, labels={"IBUF": "x: 8 KiB"}
    )
    ibuf = next(line for line in text.splitlines() if line.startswith('  "IBUF" ['))
    assert 'color="red"' in ibuf and "x: 8 KiB" in ibuf
    edge = next(line for line in text.splitlines() if line.startswith('  "DRAM" -> "IBUF"'))
    assert 'color="blue"' in edge
    assert "64 B/cyc" in edge
    with pytest.raises(UsageError, match="no node or edge 'XBUF'"):
        to_dot(genesys, highlight={"XBUF": "red"})


def test_many_capabilities_are_abbreviated(genesys: ACG) -> None:
    simd = next(line for line in to_dot(genesys).splitlines() if line.startswith('  "simd" ['))
    assert "more" in simd


def test_quoting() -> None:
    from covenant_lab.viz.dot import _quote

    assert _quote('a "b"\\c\nd') == '"a \\"b\\"\\\\c\\nd"'


def test_svg(teaching: ACG) -> None:
    assert HAVE_GRAPHVIZ, "the lab extra installs pygraphviz, whose wheels bundle Graphviz"
    svg = to_svg(teaching)
    assert "<svg" in svg and "SPAD" in svg


def test_svg_without_graphviz_is_a_typed_error(
    teaching: ACG, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import covenant_lab.viz.dot as dot_module

    real_import = importlib.import_module

    def no_pygraphviz(name: str, *args: object) -> object:
        if name == "pygraphviz":
            raise ImportError(name)
        return real_import(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(dot_module.shutil, "which", lambda _name: None)
    monkeypatch.setattr(dot_module.importlib, "import_module", no_pygraphviz)
    with pytest.raises(CovenantError, match="Graphviz is not available") as info:
        to_svg(teaching)
    assert info.value.hint is not None and "install graphviz" in info.value.hint


def test_no_bokeh_or_anywidget_import() -> None:
    code = (
        "import sys, covenant_lab.viz.dot, covenant_lab.acg; "
        "bad = [m for m in ('bokeh', 'anywidget', 'ipywidgets') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
