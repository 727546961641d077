"""ACGView and show(): built without a frontend, driven as frontend messages would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import covenant_lab
from covenant_lab.acg import ACG
from covenant_lab.compiler import CompileResult
from covenant_lab.errors import UsageError
from covenant_lab.widgets import ACGView, show
from covenant_lab.widgets.acg_view import mapping_of

STATIC = Path(covenant_lab.__file__).parent / "widgets" / "static"


def test_clicking_a_node_selects_it(result: CompileResult) -> None:
    view = ACGView(result.arch, result)
    view.set_state({"selected": "SPAD"})  # what a click in the browser sends
    assert view.selected == "SPAD"
    node = view.selected_node
    assert node is not None and node["kind"] == "storage"
    assert any("used" in x["text"] for x in node["overlay_lines"])
    view.set_state({"selected": "no-such-node"})
    assert view.selected == ""
    assert view.selected_node is None


def test_state_is_synced_plain_data(teaching: ACG) -> None:
    view = ACGView(teaching)
    state = view.get_state()
    assert state["graph"]["name"] == "teaching"
    assert state["selected"] == ""
    assert view.mapping is None
    data, _ = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data


def test_update_adds_and_removes_the_overlay(teaching: ACG, result: CompileResult) -> None:
    view = ACGView("teaching")
    assert view.graph["legend"] == []
    view.update(result=result)
    assert [o["name"] for o in view.graph["legend"]] == ["a", "b", "y"]
    view.set_state({"selected": "bus"})
    view.update(result=None)
    assert view.graph["legend"] == []
    assert view.selected == "bus"


def test_mapping_of_accepts_results_steps_and_mappings(result: CompileResult) -> None:
    assert mapping_of(result) is result.mapping
    assert mapping_of(result.log[0]) is result.log[0].after
    assert mapping_of(result.mapping) is result.mapping
    assert mapping_of(None) is None
    with pytest.raises(UsageError, match="argument 'result' to ACGView"):
        mapping_of(42)


def test_show_is_exported_lazily(result: CompileResult) -> None:
    view = covenant_lab.show(result.arch, result)
    assert isinstance(view, ACGView)
    assert isinstance(covenant_lab.show("hvx"), ACGView)
    assert isinstance(show("genesys"), ACGView)


def test_imports_stay_light_and_show_is_lazy() -> None:
    code = (
        "import sys, covenant_lab, covenant_lab.viz, covenant_lab.widgets\n"
        "print(sorted(m for m in ('anywidget', 'ipywidgets', 'bokeh') if m in sys.modules))\n"
        "print(type(covenant_lab.show('teaching')).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "ACGView"]


def test_esm_keeps_the_dom_contract() -> None:
    js = (STATIC / "acg.js").read_text()
    for needle in ('"covenant-acg"', '"covenant-node"', '"data-name"', '"data-kind"',
                   '"covenant-attrs"', 'dataset.ready = "1"', 'model.set("selected"'):
        assert needle in js, needle
    assert "import " not in js.split("export default")[0]  # no imports: works offline
    for name in ("stepper", "player"):
        text = (STATIC / f"{name}.js").read_text()
        assert f'"covenant-{name}"' in text and 'dataset.ready = "1"' in text
        assert "https://" not in text


def test_a_result_on_a_fallback_unit_is_noted() -> None:
    from covenant_lab.codelets import library as L
    from covenant_lab.compiler import compile
    from tests.compiler._hosted import hosted

    r = compile(L.gemm((8, 16), (16, 8), c_shape=(8,)), hosted())
    view = ACGView(r.arch, r)
    assert view.graph["notes"] == [{
        "node": "host", "stage": 1, "op": "add",
        "text": "fallback: host — no other unit performs 'add'",
    }]
    view.update(result=r.log[-1])  # a compile-log step carries no fallback
    assert view.graph["notes"] == []
    view.update(result=None)
    assert view.graph["notes"] == []
    js = (STATIC / "acg.js").read_text()
    assert '"covenant-acg-notes"' in js and '"covenant-fallback-note"' in js


def test_every_widget_module_is_the_shared_helpers_then_its_script() -> None:
    from covenant_lab.widgets.esm import esm
    from covenant_lab.widgets.model_graph import ModelGraph
    from covenant_lab.widgets.player import PlayControl, PlayerView
    from covenant_lab.widgets.stepper import StepperView

    helpers = (STATIC / "dom.js").read_text()
    for widget, script in ((ACGView, "acg.js"), (ModelGraph, "model_graph.js"),
                           (PlayerView, "player.js"), (PlayControl, "play.js"),
                           (StepperView, "stepper.js")):
        module = esm(script)
        assert module.startswith(helpers) and module.endswith((STATIC / script).read_text())
        assert widget._esm == module
        for name in ("function svgEl", "function htmlEl", "function listen", "const SVG_NS"):
            assert module.count(name) == 1, (script, name)  # written once, in dom.js
        assert module.count("export default") == 1
