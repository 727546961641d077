"""The initial view of an ACG drawing: its height at a given width and the on-screen text size."""

from __future__ import annotations

from typing import Any

MIN_HEIGHT = 180
MAX_HEIGHT = 900  # a tall drawing (a mapping overlaid) keeps its text >= 11 px
MAX_SCALE = 1.0  # a small drawing is not blown up past its own size

__all__ = ["MAX_HEIGHT", "MAX_SCALE", "MIN_HEIGHT", "screen_px", "view_height"]


def view_height(bounds: list[float], width: float) -> float:
    """Height (px) of a view ``width`` px wide: the drawing's aspect ratio (at most
    ``MAX_SCALE`` times its size), between ``MIN_HEIGHT`` and ``MAX_HEIGHT``."""
    _, _, w, h = bounds
    return min(max(min(width / w, MAX_SCALE) * h, MIN_HEIGHT), MAX_HEIGHT)


def screen_px(state: dict[str, Any], width: float) -> float:
    """On-screen size (px) of the smallest node text when a view ``width`` px wide opens
    (fitted to ``bounds``, height from :func:`view_height`, aspect ratio preserved)."""
    _, _, w, h = state["bounds"]
    scale = min(width / w, view_height(state["bounds"], width) / h)
    return float(min(state["style"]["line_px"], state["style"]["title_px"]) * scale)
