"""A widget's front-end module: ``static/dom.js`` (the helpers every widget's script uses),
then the widget's own script, as one ES module for anywidget's ``_esm``."""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).parent / "static"


def esm(script: str) -> str:
    """The module text of ``static/<script>`` with the shared helpers before it."""
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in ("dom.js", script))
