"""ArchEditor: edit an architecture's parameters and node attributes, validated as you type."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from covenant_lab.acg.graph import ACG
from covenant_lab.widgets.acg_view import ACGView, as_acg
from covenant_lab.widgets.common import button, error_box, error_html, ok_html
from covenant_lab.widgets.editor_state import (
    estimate_cycles,
    node_fields,
    save_as,
    try_node_attr,
    try_param,
)

__all__ = ["ArchEditor"]

_FIELD = w.Layout(width="300px")


class ArchEditor(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``ArchEditor(arch, layer=None)``: a field per parameter, a node picker with the node's
    attributes, save-as, and the ACGView of the current architecture.

    Every edit goes through ``with_param`` / ``with_node_attr`` and is validated at once; an
    invalid value shows its error next to the field (class ``covenant-error``) and ``arch``
    stays the last valid ACG. The node fields are ``editor_state.node_fields``: a compute
    node's dims and own ``clock_mhz``, a FIFO's ``entries`` and ``entry_bytes``, bandwidths
    (decimal numbers such as ``21.47`` are accepted). With ``layer`` (a Layer or Codelet),
    each valid edit recompiles it and shows the estimated cycles against the original
    architecture's.
    """

    def __init__(self, arch: ACG | str, layer: Any = None, **kwargs: Any) -> None:
        self.arch = as_acg(arch)
        self.original = self.arch
        self.layer = layer
        self.result: Any = None
        self.errors: dict[str, str] = {}
        self._error_boxes: dict[str, w.HTML] = {}
        self._quiet = False
        self.view = ACGView(self.arch)
        self.param_inputs: dict[str, w.IntText] = {}
        params = [self._param_row(name, value) for name, value in self.arch.params]
        self.node_picker = w.Dropdown(options=[n.name for n in self.arch.nodes], description="node")
        self.node_picker.add_class("covenant-node-picker")
        self.node_box = w.VBox()
        self.attr_inputs: dict[str, w.Text] = {}
        self.node_picker.observe(lambda _: self._show_node(), "value")
        self.cycles = w.HTML("")
        self.cycles.add_class("covenant-cycles")
        self.compile_error = self._box("compile")
        self.base_cycles: float | None = None
        if layer is not None:
            self.base_cycles, why = estimate_cycles(layer, self.arch)
            self.compile_error.value = error_html(why) if why else ""
        self.path = w.Text(placeholder="my_arch.yaml", description="save as",
                           layout=w.Layout(width="360px"))
        self.overwrite = w.Checkbox(value=False, description="overwrite", indent=False)
        self.save_button = button("save", "covenant-save", "write the architecture as YAML")
        self.save_status = w.HTML("")
        self.save_error = self._box("save")
        self.save_button.on_click(lambda _: self.save())
        super().__init__([
            w.HTML(f"<b>{self.arch.name}</b> parameters"),
            w.VBox(params),
            w.HTML("<b>node attributes</b> (numbers or expressions of the parameters)"),
            self.node_picker, self.node_box,
            w.HBox([self.cycles, self.compile_error]),
            w.HBox([self.path, self.overwrite, self.save_button, self.save_status]),
            self.save_error,
            self.view,
        ], **kwargs)
        self.add_class("covenant-editor")
        self._show_node()
        self._show_cycles()

    # -- fields ---------------------------------------------------------------------------------
    def _box(self, key: str) -> w.HTML:
        box = error_box()
        self._error_boxes[key] = box
        return box

    def _param_row(self, name: str, value: int) -> w.HBox:
        field = w.IntText(value=value, description=name, layout=_FIELD)
        field.add_class("covenant-param")
        self.param_inputs[name] = field
        field.observe(lambda ch, n=name: self._quiet or self.set_param(n, ch["new"]), "value")
        return w.HBox([field, self._box(f"param:{name}")])

    def _show_node(self) -> None:
        name = self.node_picker.value
        rows = []
        self.attr_inputs = {}
        for attr, text in node_fields(self.arch, name):
            field = w.Text(value=text, description=attr, continuous_update=False, layout=_FIELD,
                           style={"description_width": "140px"})
            field.add_class("covenant-attr")
            self.attr_inputs[attr] = field
            field.observe(
                lambda ch, a=attr: self._quiet or self.set_node_attr(self.node_picker.value, a,
                                                                     ch["new"]), "value")
            rows.append(w.HBox([field, self._box(f"node:{name}:{attr}")]))
        self.node_box.children = rows

    def _set_error(self, key: str, message: str) -> None:
        if message:
            self.errors[key] = message
        else:
            self.errors.pop(key, None)
        box = self._error_boxes.get(key)
        if box is not None:
            box.value = error_html(message) if message else ""

    def _accept(self, arch: ACG) -> None:
        """A valid edit: keep it, clear the errors, show the form and view of the new ACG."""
        self.arch = arch
        for key in list(self.errors):
            if key.startswith(("param:", "node:")):
                self._set_error(key, "")
        self._quiet = True
        try:
            for name, value in arch.params:
                self.param_inputs[name].value = value
            for attr, text in node_fields(arch, self.node_picker.value):
                if attr in self.attr_inputs:
                    self.attr_inputs[attr].value = text
        finally:
            self._quiet = False
        self._recompile()

    # -- edits (public, so notebooks and tests can drive the editor) --------------------------
    def set_param(self, name: str, value: int) -> bool:
        """Apply a parameter edit; False (error shown next to the field) when invalid."""
        out = try_param(self.arch, name, value)
        if out.ok:
            self._accept(out.arch)
        else:
            self._set_error(f"param:{name}", out.error)
        return out.ok

    def set_node_attr(self, node: str, attr: str, text: str) -> bool:
        """Apply a node attribute edit (text: a number, an expression, "" to remove it)."""
        out = try_node_attr(self.arch, node, attr, str(text))
        if out.ok:
            self._accept(out.arch)
        else:
            self._set_error(f"node:{node}:{attr}", out.error)
        return out.ok

    def save(self, path: str | None = None, overwrite: bool | None = None) -> bool:
        """Write the current ACG as YAML (atomically); refuses existing or shipped files unless
        ``overwrite`` (default: the checkbox)."""
        target = self.path.value if path is None else path
        force = self.overwrite.value if overwrite is None else overwrite
        written, error = save_as(self.arch, target, overwrite=force)
        self._set_error("save", error)
        self.save_status.value = ok_html(f"saved {written}") if written else ""
        return written is not None

    # -- recompile ------------------------------------------------------------------------------
    def _recompile(self) -> None:
        self.result = None
        if self.layer is not None:
            from covenant_lab.compiler.api import compile as compile_layer
            from covenant_lab.errors import CovenantError

            try:
                self.result = compile_layer(self.layer, self.arch)
                self._set_error("compile", "")
            except CovenantError as exc:
                self._set_error("compile", str(exc))
        self.view.update(self.arch, self.result)
        self._show_cycles()

    def _show_cycles(self) -> None:
        if self.layer is None:
            self.cycles.value = ""
            return
        old = self.base_cycles
        new = self.result.estimate.cycles if self.result is not None else None
        if self.result is None and self.arch is self.original:
            new = old
        parts = [f"estimated cycles: original {old:,.0f}" if old is not None else "original: -"]
        if new is not None and self.arch is not self.original:
            change = f" ({(new - old) / old:+.1%})" if old else ""
            parts.append(f"now {new:,.0f}{change}")
        self.cycles.value = " → ".join(parts)
