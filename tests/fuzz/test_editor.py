"""Fuzz the ArchEditor the way a user types: random sequences of edits (garbage, huge numbers,
NUL bytes, deep parentheses, NaN-making expressions, valid values) and node switches, through
the widgets' own fields. No handler may raise; after every sequence each invalid field still
holds exactly what was typed into it, beside its error, on whatever node is shown.
"""

from __future__ import annotations

import html
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from covenant_lab.acg import ACG, load_arch
from covenant_lab.widgets import ArchEditor
from covenant_lab.widgets.editor_fields import FieldKey, node_fields
from tests._featured_archs import tpu_like
from tests.conftest import small_layer
from tests.fuzz.conftest import FUZZ, run_case

ARCHS: dict[str, ACG] = {"teaching": load_arch("teaching"), "tpu_like": tpu_like()}
LAYER = small_layer()

TEXTS = st.one_of(
    st.text(max_size=12),  # garbage, control characters and NUL included
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["1", "2", "4", "8", "16", "64", "1024", "0.5", "21.47", ""]),
    st.integers(300, 6000).map(lambda n: "9" * n),  # huge numbers
    st.integers(1, 300).map(lambda n: "(" * n + "1" + ")" * n),  # deep parentheses
    st.sampled_from(["1e308 * 10 - 1e308 * 10", "1e308 * 10", "0 / 0", "10**5000", "nan",
                     "inf", "-0", "1\x00", "\x00", "rows * 2", "spad_kib * 1024", "dim",
                     "max(1, 2", "log2(0)", "1_024", "true", " 8 "]),
)
EDIT = st.tuples(st.just("edit"), st.integers(0, 10**6), TEXTS)
SWITCH = st.tuples(st.just("node"), st.integers(0, 10**6), st.just(""))
OPS = st.lists(st.one_of(EDIT, EDIT, SWITCH), min_size=1, max_size=10)


def field_texts(arch: ACG, node: str | None) -> dict[str, str]:
    """The valid text of every field of the parameters (None) or of a node, read afresh."""
    return {k: str(v) for k, v in arch.params} if node is None else dict(node_fields(arch, node))


def _visible(editor: ArchEditor) -> list[tuple[FieldKey, Any]]:
    node = editor.node_picker.value
    return ([(FieldKey(None, k), v) for k, v in editor.param_inputs.items()]
            + [(FieldKey(node, k), v) for k, v in editor.attr_inputs.items()])


def _check_shown(editor: ArchEditor, typed: dict[FieldKey, str]) -> None:
    """Every visible field shows its pending text with its error, else the valid value (and,
    when that edit stopped the layer compiling, the compile error beside it)."""
    node = editor.node_picker.value
    valid = {None: field_texts(editor.arch, None), node: field_texts(editor.arch, node)}
    for key, field in _visible(editor):
        pending = editor.state.pending.get(key)
        box = html.unescape(editor._error_boxes[key.key].value)
        if pending is not None:
            assert pending.text == typed[key], (key, pending.text, typed.get(key))
            assert field.value == typed[key], (key, field.value, typed[key])
            assert pending.error and pending.error in box, (key, box)
        else:
            assert field.value == valid[key.node].get(key.field), (key, field.value)
            # an applied edit after which the layer no longer compiles says so beside it
            compile_error = editor._compile_errors.get(key, "")
            assert (compile_error in box and "no longer compiles" in box) if compile_error \
                else box == "", (key, box)


def _feed(arch: str, with_layer: bool, ops: list[tuple[str, int, str]]) -> None:
    editor = ArchEditor(ARCHS[arch], LAYER if with_layer else None)
    nodes = list(editor.node_picker.options)
    typed: dict[FieldKey, str] = {}
    for op, pick, text in ops:
        if op == "node":
            editor.node_picker.value = nodes[pick % len(nodes)]
        else:
            key, field = _visible(editor)[pick % len(_visible(editor))]
            if field.value == text:  # the same text again is no change for the widget
                continue
            field.value = text  # what typing does; a handler that raised would raise here
            typed[key] = text
        assert "Overrun" not in editor.internal_notice.value, "the case ran past its time"
        _check_shown(editor, typed)
    for key, pending in editor.state.pending.items():
        assert pending.text == typed[key] and pending.error
    # switch to each node with invalid fields (and to one without, if any) and back
    with_pending = {key.node for key in editor.state.pending if key.node is not None}
    others = [n for n in nodes if n not in with_pending]
    for node in [*sorted(with_pending), *others[:1], *sorted(with_pending)]:
        editor.node_picker.value = node
        _check_shown(editor, typed)


@FUZZ  # teaching twice as often as tpu_like, a recompiled layer in a third of the cases:
@given(st.sampled_from(["teaching", "teaching", "tpu_like"]),  # drawing tpu_like is slower
       st.sampled_from([False, False, True]), OPS)
def test_editor_keeps_what_was_typed(arch: str, with_layer: bool,
                                     ops: list[tuple[str, int, str]]) -> None:
    run_case("editor", lambda: _feed(arch, with_layer, ops),
             what=f"{arch} layer={with_layer} {ops!r}"[:600])
