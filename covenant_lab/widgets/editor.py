"""ArchEditor: edit an architecture's parameters and node attributes, validated as you type."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from covenant_lab.acg.graph import ACG
from covenant_lab.errors import CovenantError
from covenant_lab.widgets.acg_view import ACGView, as_acg
from covenant_lab.widgets.common import WRAP_AT_SPACES, button, error_box, ok_html
from covenant_lab.widgets.editor_fields import FieldKey, as_text, shown
from covenant_lab.widgets.editor_marks import field_note, mark_not_applied
from covenant_lab.widgets.editor_messages import clip, internal_error
from covenant_lab.widgets.editor_state import EditorState, save_as

__all__ = ["ArchEditor"]



def _label_html(name: str) -> str:
    """A field's name, whole: it wraps after underscores instead of being cut, and hovering
    shows it in full."""
    parts = html.escape(name).replace("_", "_<wbr>").replace(".", ".<wbr>")
    title = html.escape(name, quote=True)
    return (f'<span class="covenant-field-name" title="{title}" style="display:inline-block;'
            "white-space:normal;overflow-wrap:normal;word-break:normal;line-height:1.3;padding-top:5px;"
            f'text-align:right;width:100%">{parts}</span>')


def _error_html(message: str) -> str:
    """An error beside a field: red preformatted text that wraps between words."""
    return (f'<pre style="color:#b00020;{WRAP_AT_SPACES};'
            f'margin:2px 0;font-size:11px">{html.escape(message)}</pre>')


# a field whose text was refused: an orange frame (the rule is scoped to the editor)
_STYLE = ("<style>.covenant-editor .covenant-not-applied input{border-color:#e8871e;"
          "background:#fff8ec}</style>")


def _notice_html(lines: list[str], color: str, background: str) -> str:
    body = "<br>".join(html.escape(line) for line in lines)
    return (f'<div style="color:{color};background:{background};padding:4px 8px;'
            f'border-radius:3px;white-space:pre-wrap;font-size:12px">{body}</div>')


class ArchEditor(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """``ArchEditor(arch, layer=None)``: a field per parameter, a node picker with the node's
    attributes, save-as, and the ACGView of the current architecture.

    Every edit goes through ``with_param`` / ``with_node_attr`` and is validated at once.
    What the user typed stays in its field, with its error beside it (class
    ``covenant-error``), until they change it — across edits of other fields, node switches
    and recompiles; ``arch`` stays the last valid ACG, which the graph and the estimate show,
    and a notice (class ``covenant-pending``) names the fields not applied, with a button
    (``covenant-discard``) that shows the valid values again. The node fields are
    ``editor_fields.node_fields``: a compute node's dims and own ``clock_mhz``, a FIFO's
    ``entries`` and ``entry_bytes``, bandwidths (decimals such as ``21.47`` are accepted).
    With ``layer`` (a Layer or Codelet), each valid edit recompiles it and shows the
    estimated cycles against the original architecture's.

    A refused field is framed (class ``covenant-not-applied``) and its message ends "not
    applied; showing the last valid value (…)"; the graph marks it too (a note above it, the
    value in the info box). An edit that applies but after which the layer no longer
    compiles says so beside its field as well. After each recompile,
    ``.covenant-compare-button`` opens a :class:`~covenant_lab.widgets.compare_view.CompareView`
    of the previous run and the new one.

    No event handler lets an exception escape: a refused value is a message beside its
    field, and anything unexpected an "internal error" notice (``covenant-internal-error``).
    """

    def __init__(self, arch: ACG | str, layer: Any = None, **kwargs: Any) -> None:
        self.state = EditorState(as_acg(arch))
        self.layer = layer
        self.result: Any = None
        self._quiet = False
        self._problem = ""  # the last handler's internal error, if any
        self._other_errors: dict[str, str] = {}  # "save", "compile"
        self._compile_errors: dict[FieldKey, str] = {}  # applied, but the layer fails
        self._base_graph: dict[str, Any] = {}
        self.previous_result: Any = None
        self.compare_view: Any = None
        self._error_boxes: dict[str, w.HTML] = {}
        self._inputs: dict[FieldKey, w.Text] = {}  # every field made so far, of any node
        self._node_rows: dict[str, list[w.HBox]] = {}
        self._label_width = self._label_column()
        self.view = ACGView(self.arch)
        self.param_inputs: dict[str, w.Text] = {}
        self.attr_inputs: dict[str, w.Text] = {}
        params = [self._row(key) for key in self.state.fields(None)]
        self.param_inputs = {k.field: self._inputs[k] for k in self.state.fields(None)}
        self.node_picker = w.Dropdown(options=[n.name for n in self.arch.nodes], description="node")
        self.node_picker.add_class("covenant-node-picker")
        self.node_box = w.VBox()
        self.node_picker.observe(lambda _: self._handle("showing a node", self._show_node),
                                 "value")
        self.pending_notice = w.HTML("")
        self.pending_notice.add_class("covenant-pending")
        self.discard_button = button("discard them", "covenant-discard",
                                     "show the last valid values in these fields again")
        self.discard_button.on_click(lambda _: self._handle("discarding", self.discard))
        self.pending_row = w.HBox([self.pending_notice, self.discard_button],
                                  layout=w.Layout(align_items="flex-start"))
        self.internal_notice = w.HTML("")
        self.internal_notice.add_class("covenant-internal-error")
        self.cycles = w.HTML("")
        self.cycles.add_class("covenant-cycles")
        self.compile_error = self._box("compile")
        self.base_cycles: float | None = None
        self.base_result: Any = None
        if layer is not None:
            from covenant_lab.widgets.player import ensure_bokeh

            ensure_bokeh()  # now, while a cell runs: the comparison comes in a callback
            self.base_result, why, internal = _compiled(layer, self.arch)
            self._problem = why if internal else ""
            self.result = self.base_result
            if self.base_result is not None:
                self.base_cycles = float(self.base_result.estimate.cycles)
            self._set_error("compile", why)
        self.compare_button = button("compare with the previous run", "covenant-compare-button",
                                     "simulate the previous and the new mapping side by side")
        self.compare_button.on_click(lambda _: self._handle("comparing", self.compare))
        self.compare_box = w.VBox()
        self.path = w.Text(placeholder="my_arch.yaml", description="save as",
                           layout=w.Layout(width="360px"))
        self.overwrite = w.Checkbox(value=False, description="overwrite", indent=False)
        self.save_button = button("save", "covenant-save", "write the architecture as YAML")
        self.save_status = w.HTML("")
        self.save_error = self._box("save")
        self.save_button.on_click(lambda _: self.save())
        super().__init__([
            w.HTML(_STYLE + f"<b>{html.escape(self.arch.name)}</b> parameters"),
            w.VBox(params),
            w.HTML("<b>node attributes</b> (numbers or expressions of the parameters)"),
            self.node_picker, self.node_box,
            self.pending_row, self.internal_notice,
            w.HBox([self.cycles, self.compile_error]),
            self.compare_button, self.compare_box,
            w.HBox([self.path, self.overwrite, self.save_button, self.save_status]),
            self.save_error,
            self.view,
        ], **kwargs)
        self.add_class("covenant-editor")
        self._base_graph = dict(self.view.graph)
        self._show_compare()
        self._show_node()
        self._show_cycles()
        self._show_notices()

    # -- what the widget shows ------------------------------------------------------------------
    @property
    def arch(self) -> ACG:
        """The last valid architecture (what the graph and the estimate show)."""
        return self.state.arch

    @property
    def original(self) -> ACG:
        return self.state.original

    @property
    def errors(self) -> dict[str, str]:
        """Every error shown: ``param:NAME`` / ``node:NODE:ATTR`` beside a field, ``save``,
        ``compile``."""
        out = {key.key: p.error for key, p in self.state.pending.items()}
        out.update({k: v for k, v in self._other_errors.items() if v})
        return out

    def _label_column(self) -> str:
        """Wide enough for the longest field name (up to 26 characters; longer ones wrap)."""
        names = list(self.state.valid_texts(None))
        for node in self.arch.nodes:
            try:
                names += list(self.state.valid_texts(node.name))
            except Exception:  # a node the form cannot list still gets a column
                continue
        longest = max((len(n) for n in names), default=8)
        return f"{min(max(longest, 8), 26) + 2}ch"

    def _box(self, key: str) -> w.HTML:
        box = error_box()
        self._error_boxes[key] = box
        return box

    def _row(self, key: FieldKey) -> w.HBox:
        label = w.HTML(_label_html(key.field),
                       layout=w.Layout(width=self._label_width, flex="0 0 auto",
                                       margin="0 8px 0 0"))
        field = w.Text(value=self.state.text(key), continuous_update=False, tooltip=key.field,
                       layout=w.Layout(width="240px", flex="0 0 auto"))
        self._inputs[key] = field
        field.observe(lambda ch, k=key: self._quiet or self._edit(k, ch["new"]), "value")
        box = self._box(key.key)
        box.value = _error_html(self.state.error(key)) if self.state.error(key) else ""
        # a Layout of its own: hiding one box (the notice) must never hide the others
        row = w.HBox([label, field, box], layout=w.Layout(align_items="flex-start"))
        row.add_class("covenant-param" if key.node is None else "covenant-attr")
        return row

    def _show_node(self) -> None:
        """The picked node's fields, each showing its pending text (and error) if it has one.
        A node's rows are made once and kept (switching back is quick)."""
        name = self.node_picker.value
        if name is None:
            self.attr_inputs, self.node_box.children = {}, ()
            return
        if name not in self._node_rows:
            self._node_rows[name] = [self._row(key) for key in self.state.fields(name)]
        keys = self.state.fields(name)
        self._show_fields()
        self.attr_inputs = {k.field: self._inputs[k] for k in keys}
        self.node_box.children = self._node_rows[name]

    def _show_fields(self) -> None:
        """Every visible field as the state says: pending text and error, else the valid value."""
        self._quiet = True
        try:
            for key, field in self._inputs.items():
                text = self.state.text(key)
                if field.value != text:
                    field.value = text
                error = self.state.error(key)
                if error:
                    error += "\n" + field_note(self.state.valid_texts(key.node).get(key.field, ""))
                else:
                    error = self._compile_errors.get(key, "")
                self._error_boxes[key.key].value = _error_html(error) if error else ""
                if key in self.state.pending:
                    field.add_class("covenant-not-applied")
                else:
                    field.remove_class("covenant-not-applied")
        finally:
            self._quiet = False
        self._mark_view()

    def _mark_view(self) -> None:
        """The graph's state with the refused fields marked (``editor_marks``)."""
        typed = {k: p.text for k, p in self.state.pending.items()}
        valid = {k: self.state.valid_texts(k.node).get(k.field, "") for k in typed}
        marked = mark_not_applied(self._base_graph, typed, valid)
        if marked != self.view.graph:
            self.view.graph = marked

    def _show_notices(self) -> None:
        notice = self.state.notice()
        self.pending_notice.value = (
            _notice_html([f"⚠ {notice}"], "#8a5300", "#fff4e0") if notice else "")
        self.pending_row.layout.display = "flex" if notice else "none"
        lines = self.state.internal_errors() + ([self._problem] if self._problem else [])
        self.internal_notice.value = _notice_html(lines, "#b00020", "#fde7ea") if lines else ""

    def _set_error(self, key: str, message: str) -> None:
        self._other_errors[key] = message
        box = self._error_boxes.get(key)
        if box is not None:
            box.value = _error_html(message) if message else ""

    def _handle(self, what: str, action: Callable[[], object]) -> bool:
        """Run an event's action; an unexpected exception becomes the internal-error notice
        (never a traceback lost in the kernel log). False when it raised."""
        self._problem = ""
        ok = True
        try:
            action()
        except Exception as exc:
            self._problem = internal_error(what, exc)
            ok = False
        try:
            self._show_notices()
        except Exception:  # nothing sensible is left to show
            ok = False
        return ok

    # -- edits (public, so notebooks and tests can drive the editor) --------------------------
    def _edit(self, key: FieldKey, text: str) -> bool:
        applied = [False]

        def run() -> None:
            before = self.state.arch
            applied[0] = self.state.edit(key, text).ok
            self._show_fields()
            if self.state.arch is not before:
                self._recompile(key, text)
                self._show_fields()

        return self._handle(f"editing {key.label}", run) and applied[0]

    def set_param(self, name: str, value: int | str) -> bool:
        """Apply a parameter edit (an int or the text typed); False when it is refused: the
        text stays in the field with the error beside it."""
        return self._edit(FieldKey(None, name), as_text(value))

    def set_node_attr(self, node: str, attr: str, text: str) -> bool:
        """Apply a node attribute edit (text: a number, an expression, "" to remove it)."""
        return self._edit(FieldKey(node, attr), as_text(text))

    def discard(self) -> None:
        """Drop the text of every refused edit: the fields show the valid values again."""
        self.state.discard()
        self._show_fields()
        self._show_notices()

    def save(self, path: str | None = None, overwrite: bool | None = None) -> bool:
        """Write the current ACG as YAML (atomically); refuses existing or shipped files unless
        ``overwrite`` (default: the checkbox)."""
        written: list[Any] = [None]

        def run() -> None:
            target = self.path.value if path is None else path
            force = self.overwrite.value if overwrite is None else overwrite
            written[0], error = save_as(self.arch, str(target), overwrite=bool(force))
            self._set_error("save", error)
            self.save_status.value = ok_html(f"saved {written[0]}") if written[0] else ""

        return self._handle("saving", run) and written[0] is not None

    # -- recompile ------------------------------------------------------------------------------
    def _recompile(self, key: FieldKey | None = None, text: str = "") -> None:
        """Compile the layer on the new architecture; a failure is shown in the compile box
        and beside the field whose edit caused it."""
        if self.result is not None:
            self.previous_result = self.result
        self.result = None
        self._compile_errors.clear()
        if self.layer is not None:
            self.result, why, internal = _compiled(self.layer, self.arch)
            self._set_error("compile", why)
            if internal:
                self._problem = why
            elif why and key is not None:
                name = getattr(self.layer, "name", "the layer")
                self._compile_errors[key] = clip(
                    f"{key.field}: {shown(text.strip())} is applied, but {name} no longer "
                    f"compiles on it: {why.splitlines()[0]}\n(change {key.field} back, or "
                    "another field, until it compiles)", 600)
        try:
            self.view.update(self.arch, self.result)
            self._base_graph = dict(self.view.graph)
        except Exception as exc:
            self._problem = internal_error("drawing the graph", exc,
                                           "The graph shows an older architecture")
        self._show_cycles()
        self._show_compare()

    def _show_compare(self) -> None:
        """Offer the comparison when there are two runs; a new recompile drops the old one."""
        ready = self.previous_result is not None and self.result is not None
        self.compare_button.layout.display = "" if ready else "none"
        self.compare_box.children = ()
        self.compare_view = None

    def compare(self) -> bool:
        """Show the previous run and the current one side by side (simulated, timing only)."""
        from covenant_lab.widgets.compare_view import CompareView

        if self.previous_result is None or self.result is None:
            self._set_error("compile", "compare: edit a field first (one run so far)")
            return False
        try:
            self.compare_view = CompareView(self.previous_result, self.result,
                                            ("previous", "now"))
        except CovenantError as exc:
            self._set_error("compile", f"compare: {exc}")
            return False
        self.compare_box.children = [self.compare_view]
        return True

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


def _compiled(layer: Any, acg: ACG) -> tuple[Any, str, bool]:
    """The CompileResult of ``layer`` on ``acg``, or (None, why not, whether that is an
    internal error); never raises."""
    from covenant_lab.compiler import api

    try:
        return api.compile(layer, acg), "", False
    except CovenantError as exc:
        return None, str(exc), False
    except Exception as exc:
        return None, internal_error("compiling the layer", exc,
                                    "The estimate is not updated"), True
