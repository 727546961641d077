"""PassStepper: walk a compile log pass by pass, and recompile under new constraints."""

from __future__ import annotations

from typing import Any

import anywidget
import ipywidgets as w
import traitlets as t

from covenant_lab.compiler.api import compile as compile_layer
from covenant_lab.errors import CovenantError
from covenant_lab.widgets.acg_view import ACGView
from covenant_lab.widgets.common import button, error_box, error_html, ok_html
from covenant_lab.widgets.compare_view import CompareView
from covenant_lab.widgets.esm import STATIC, esm
from covenant_lab.widgets.player import ensure_bokeh
from covenant_lab.widgets.stepper_state import (
    constraints_from_form,
    form_defaults,
    form_values,
    mapping_diff_html,
    step_state,
)

__all__ = ["PassStepper", "StepperView"]

_AUTO = "(auto)"


class StepperView(anywidget.AnyWidget):
    """One compile-log step: pass breadcrumbs, the diffed mapping text, the tiling table."""

    _esm = esm("stepper.js")
    _css = STATIC / "stepper.css"

    state = t.Dict().tag(sync=True)
    index = t.Int(0).tag(sync=True)
    # the browser asks to compile one of the current step's alternatives ("try" buttons);
    # Python sets it back to -1 once done
    try_alternative = t.Int(-1).tag(sync=True)


class PassStepper(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``PassStepper(result, target=None)``: the compile log of a CompileResult.

    ◀ / ▶ (classes ``covenant-prev`` / ``covenant-next``) walk the passes; each step says what
    its pass decided in words, its estimated cost and the best alternatives it beat
    (``CompileResult.decisions``); the mapping text shows what the pass changed, with the
    tiling table and the ACG overlay of the mapping after it.
    The constraint editor (a tile per loop, 0 = free; the loop order; a storage per operand)
    recompiles ``target`` (the original Layer or Codelet; default ``result.source``) on
    ``result.arch``; the constraints stay in the form after the recompile; an alternative's
    "try" button (``.covenant-try``) recompiles under the constraints that choose it. A
    MappingError is
    shown inline (class ``covenant-error``). After a recompile, ``.covenant-recompile-diff``
    lists the mapping lines that changed and ``.covenant-compare-button`` opens a
    :class:`~covenant_lab.widgets.compare_view.CompareView` of the previous run and the new one.
    """

    def __init__(self, result: Any, target: Any = None, **kwargs: Any) -> None:
        ensure_bokeh()  # now, while a cell runs: the comparison's timelines come in a callback
        self.target = target if target is not None else result.source
        self.result = result
        self.history = [result]
        self.view = StepperView()
        self.prev_button = button("◀ prev", "covenant-prev", "previous pass")
        self.next_button = button("next ▶", "covenant-next", "next pass")
        self.acg = ACGView(result.arch, result)
        self.error = error_box()
        self.status = w.HTML("")
        self.recompile_button = button("recompile", "covenant-recompile",
                                       "compile again with these constraints")
        self.form = w.VBox()
        self.recompile_diff = w.HTML("")
        self.recompile_diff.add_class("covenant-recompile-diff")
        self.compare_button = button("compare with the previous run", "covenant-compare-button",
                                     "simulate both runs and show them side by side")
        self.compare_button.layout.display = "none"
        self.compare_button.on_click(lambda _: self.compare())
        self.compare_box = w.VBox()
        self.compare_view: Any = None
        nav = w.HBox([self.prev_button, self.next_button])
        editor = w.VBox([w.HTML("<b>constraints</b>"), self.form,
                         w.HBox([self.recompile_button, self.status]), self.error,
                         self.recompile_diff, self.compare_button, self.compare_box])
        super().__init__([nav, self.view, self.acg, editor], **kwargs)
        self.add_class("covenant-stepper-panel")
        self.prev_button.on_click(lambda _: self.show(self.view.index - 1))
        self.next_button.on_click(lambda _: self.show(self.view.index + 1))
        self.recompile_button.on_click(lambda _: self.recompile())
        self.view.observe(self._on_index, "index")
        self.view.observe(self._on_try, "try_alternative")
        self._load(result)

    # -- the log --------------------------------------------------------------------------------
    @property
    def index(self) -> int:
        return self.view.index

    def show(self, index: int) -> None:
        """Show step ``index`` (clamped to the log)."""
        last = max(len(self.result.log) - 1, 0)
        index = max(0, min(int(index), last))
        if index == self.view.index:
            self._draw()
        else:
            self.view.index = index  # _on_index draws

    def _on_index(self, change: dict[str, Any]) -> None:
        last = max(len(self.result.log) - 1, 0)
        if not 0 <= change["new"] <= last:
            self.view.index = max(0, min(change["new"], last))
            return
        self._draw()

    def _draw(self) -> None:
        log = self.result.log
        i = self.view.index
        self.view.state = step_state(log, i, self._decisions())
        self.prev_button.disabled = i <= 0
        self.next_button.disabled = i >= len(log) - 1
        self.acg.update(self.result.arch, log[i].after if log else self.result.mapping)

    def _decisions(self) -> Any:
        """The result's decisions explained, or None when they cannot be (shown inline)."""
        try:
            return self.result.decisions
        except CovenantError as exc:
            self.error.value = error_html(f"cannot explain the decisions: {exc}")
            return None

    def _load(self, result: Any) -> None:
        self.result = result
        self._build_form()
        self.show(len(result.log) - 1)

    # -- constraints ----------------------------------------------------------------------------
    def _build_form(self) -> None:
        d = form_defaults(self.result.mapping)
        kept = form_values(self.result.constraints)  # what the user asked for stays
        self.tile_fields = {
            lp: w.BoundedIntText(value=kept["tiles"].get(lp, 0), min=0, max=10**9,
                                 description=lp,
                                 tooltip=f"tile of {lp} (chosen: {size}; 0 = free)",
                                 layout=w.Layout(width="140px"))
            for lp, size in d["tiles"].items()
        }
        self.order_field = w.Text(value=kept["order"], placeholder=d["order"],
                                  description="order",
                                  layout=w.Layout(width="320px"))
        self.storage_fields = {
            op: w.Dropdown(options=[_AUTO, *options],
                           value=kept["storage"].get(op, _AUTO)
                           if kept["storage"].get(op) in options else _AUTO, description=op,
                           layout=w.Layout(width="200px"))
            for op, (_, options) in d["storage"].items()
        }
        chosen = ", ".join(f"{lp}={v}" for lp, v in d["tiles"].items())
        self.form.children = [
            w.HTML(f"<small>chosen tiles: {chosen or '-'}; 0 = let the search choose</small>"),
            w.HBox(list(self.tile_fields.values()), layout=w.Layout(flex_flow="row wrap")),
            self.order_field,
            w.HBox(list(self.storage_fields.values()), layout=w.Layout(flex_flow="row wrap")),
        ]

    def constraints(self) -> Any:
        """The Constraints the form describes."""
        return constraints_from_form(
            {lp: f.value for lp, f in self.tile_fields.items()},
            self.order_field.value,
            {op: ("" if f.value == _AUTO else f.value) for op, f in self.storage_fields.items()},
        )

    def _on_try(self, change: dict[str, Any]) -> None:
        if change["new"] >= 0:
            self.try_alternative(change["new"])
            self.view.try_alternative = -1

    def try_alternative(self, k: int) -> bool:
        """Recompile under the constraints that make the search take alternative ``k`` of
        the current step (they fill the form); False (and why, inline) when it has none."""
        decisions = self._decisions() or ()
        step = self.view.index
        alts = decisions[step].alternatives if step < len(decisions) else ()
        if not 0 <= k < len(alts) or alts[k].constraints is None:
            self.error.value = error_html(
                f"try: alternative {k + 1} of step {step + 1} cannot be asked for with "
                "constraints (set the form by hand)")
            return False
        return self.recompile(alts[k].constraints)

    def recompile(self, constraints: Any = None) -> bool:
        """Compile the target again under ``constraints`` (default: the form's); False (and
        the message shown inline) when they are impossible."""
        old = self.result.estimate.cycles
        try:
            wanted = self.constraints() if constraints is None else constraints
            result = compile_layer(self.target, self.result.arch, wanted)
        except CovenantError as exc:
            self.error.value = error_html(str(exc))
            self.status.value = ""
            return False
        self.error.value = ""
        previous = self.result
        self.history.append(result)
        self.status.value = ok_html(
            f"estimated cycles {old:,.0f} → {result.estimate.cycles:,.0f}"
            f" ({_constraints_text(result)})"
        )
        self._load(result)
        self.recompile_diff.value = mapping_diff_html(str(previous), str(result))
        self.compare_box.children = ()
        self.compare_view = None
        self.compare_button.layout.display = ""
        return True

    def compare(self) -> bool:
        """Show the previous run and the last one side by side (simulated, timing only);
        False (the message inline) when there is no previous run or it cannot be simulated."""
        if len(self.history) < 2:
            self.error.value = error_html("compare: recompile first (there is one run so far)")
            return False
        before, after = self.history[-2], self.history[-1]
        labels = (f"before ({_constraints_text(before)})", f"after ({_constraints_text(after)})")
        try:
            self.compare_view = CompareView(before, after, labels)
        except CovenantError as exc:
            self.error.value = error_html(f"compare: {exc}")
            return False
        self.compare_box.children = [self.compare_view]
        return True


def _constraints_text(result: Any) -> str:
    described = result.constraints.describe()
    return "no constraints" if described == "none" else f"constraints: {described}"
