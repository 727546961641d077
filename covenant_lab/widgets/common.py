"""Small helpers shared by the ipywidgets composites: buttons with a CSS class, inline errors."""

from __future__ import annotations

import html

import ipywidgets as w

__all__ = ["WRAP_AT_SPACES", "button", "error_box", "error_html", "ok_html"]

# text that wraps between words, never inside one (JupyterLab styles some <pre> to break words)
WRAP_AT_SPACES = "white-space:pre-wrap;word-break:normal;overflow-wrap:normal;overflow-x:auto"


def button(label: str, css: str, tooltip: str = "") -> w.Button:
    """A compact button carrying the CSS class ``css`` (what the browser tests look for)."""
    b = w.Button(description=label, tooltip=tooltip, layout=w.Layout(width="auto"))
    b.add_class(css)
    return b


def error_box() -> w.HTML:
    """An empty inline error area (class ``covenant-error``)."""
    box = w.HTML("")
    box.add_class("covenant-error")
    return box


def error_html(message: str) -> str:
    """An error message as red preformatted text (never a traceback), wrapped at spaces only
    (never inside a word; a token wider than the box scrolls)."""
    return (
        f'<pre style="color:#b00020;{WRAP_AT_SPACES};margin:2px 0;font-size:11px">'
        f"{html.escape(message)}</pre>"
    )


def ok_html(message: str) -> str:
    return f'<span style="color:#2e7d32">{html.escape(message)}</span>'
