"""The ACG drawing of every shipped architecture, plain and with a mapping overlaid: no edge
label over another label or a node, node text >= 11 px when the view opens fitted at a
notebook's output width, and a canvas as tall as the drawing (issue 14, item 5)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from covenant_lab.acg import load_arch, shipped_archs
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.errors import MappingError
from covenant_lab.widgets.acg_state import acg_state, label_box, screen_px, view_height
from covenant_lab.widgets.acg_viewport import MAX_HEIGHT, MAX_SCALE, MIN_HEIGHT

OUTPUT_WIDTH = 840  # a notebook's output area: JupyterLab in a 1280 px window, file browser open
MIN_TEXT_PX = 11.0
Box = tuple[float, float, float, float]


def _node_box(n: dict[str, Any]) -> Box:
    return (n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2)


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _states(name: str) -> list[tuple[str, dict[str, Any]]]:
    acg = load_arch(name)
    out = [("plain", acg_state(acg))]
    conv = L.conv2d((1, 16, 14, 14), (16, 16, 3, 3), bias=True, pads=(1, 1, 1, 1))
    with contextlib.suppress(MappingError):  # no unit runs a conv: the plain drawing only
        out.append(("conv2d", acg_state(acg, compile(conv, acg).mapping)))
    return out


@pytest.fixture(scope="module", params=shipped_archs())
def drawings(request: pytest.FixtureRequest) -> list[tuple[str, dict[str, Any]]]:
    return _states(request.param)


def test_every_shipped_arch_is_drawn_with_and_without_a_mapping() -> None:
    with_mapping = [n for n in shipped_archs() if len(_states(n)) == 2]
    assert {"genesys", "hvx", "teaching", "tpu_v1"} <= set(with_mapping)


def test_no_edge_label_covers_another_label_or_a_node(
        drawings: list[tuple[str, dict[str, Any]]]) -> None:
    for what, state in drawings:
        nodes = [(n["name"], _node_box(n)) for n in state["nodes"]]
        labels = [(f"{e['src']}->{e['dst']}", label_box(e["label_xy"], e["label_lines"]))
                  for e in state["edges"] if e["label_xy"]]
        assert labels, what
        for i, (edge, box) in enumerate(labels):
            hits = [name for name, nb in nodes if _overlap(box, nb) > 0]
            assert hits == [], f"{state['name']} ({what}): label of {edge} covers {hits}"
            clash = [other for other, ob in labels[i + 1:] if _overlap(box, ob) > 0]
            assert clash == [], f"{state['name']} ({what}): label of {edge} covers {clash}"


def test_node_text_is_at_least_11_px_at_fit(drawings: list[tuple[str, dict[str, Any]]]) -> None:
    for what, state in drawings:
        px = screen_px(state, OUTPUT_WIDTH)
        assert px >= MIN_TEXT_PX, f"{state['name']} ({what}): {px:.2f} px"


def test_the_canvas_is_as_tall_as_the_drawing(drawings: list[tuple[str, dict[str, Any]]]) -> None:
    for what, state in drawings:
        _, _, w, h = state["bounds"]
        canvas = view_height(state["bounds"], OUTPUT_WIDTH)
        scale = min(OUTPUT_WIDTH / w, canvas / h)
        drawn = h * scale
        # the drawing fills the canvas's height unless the canvas is at its minimum (a wide,
        # flat drawing) or maximum (then it fills the width)
        assert drawn <= canvas + 0.5, (state["name"], what)
        if MIN_HEIGHT < canvas < MAX_HEIGHT:
            assert canvas - drawn <= 0.5, (state["name"], what, canvas, drawn)
        if canvas == MAX_HEIGHT:
            assert w * scale == pytest.approx(min(OUTPUT_WIDTH, w * MAX_SCALE), abs=0.5) \
                or drawn == pytest.approx(canvas, abs=0.5)
