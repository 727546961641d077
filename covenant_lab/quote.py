"""How error messages quote what they were given: one line, a bounded width, any number.

An error names the offending value, never the whole input: a file that is not YAML at all
(``covenant arch check /etc/passwd``) is quoted by its first line, cut to ``WIDTH``
characters; an integer too long for ``str()`` (Python refuses more than 4300 digits) is
shown by its size::

    quote_text(open("/etc/passwd").read())        -> "'root:x:0:0:root:/root:/bin/bash…'"
                                                     (the first line, at most 60 characters)
    quote_value({"a": [1, 2, 3, 4, 5, 6, 7, 8]})   -> "{'a': [1, 2, 3, 4, 5, 6, ...]}"
    show_number(2**48)                             -> "281474976710656"
    show_number(10**400)                           -> "about 10^400"
    show_number(float("nan"))                      -> "nan"
"""

from __future__ import annotations

import math
import reprlib
from typing import Any

__all__ = ["WIDTH", "quote_around", "quote_text", "quote_value", "show_number"]

WIDTH = 60  # characters of a quoted value: enough to recognise it, never a whole file
_EXACT_BITS = 128  # integers up to this size print in full (39 digits)


def show_number(value: Any) -> str:
    """A number as text whatever its size: in full up to 39 digits, else ``about 10^N``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return quote_value(value)
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if value.bit_length() <= _EXACT_BITS:
        return str(value)
    sign = "-" if value < 0 else ""
    return f"{sign}about 10^{int(value.bit_length() * math.log10(2))}"


def quote_text(text: str, width: int = WIDTH) -> str:
    """``repr`` of the first line of ``text``, cut to ``width`` characters (``…`` when cut)."""
    first, *rest = text.splitlines() or [""]
    cut = first[:width]
    return repr(cut + "…") if rest or len(first) > width else repr(cut)


def quote_around(text: str, column: int | None, width: int = WIDTH) -> str:
    """``repr`` of ``text``, or of the ``width`` characters around ``column`` (1-based) of a
    longer one, with ``…`` where it was cut."""
    if len(text) <= width and "\n" not in text:
        return repr(text)
    flat = text.replace("\n", " ")
    start = max(0, min((column or 1) - 1 - width // 2, len(flat) - width))
    cut = flat[start:start + width]
    return repr(("…" if start > 0 else "") + cut + ("…" if start + width < len(flat) else ""))


class _Short(reprlib.Repr):
    """reprlib with strings cut as :func:`quote_text` cuts them, integers shown by
    :func:`show_number` and mappings in their own order."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = WIDTH
        self.maxother = WIDTH

    def repr_str(self, x: str, level: int) -> str:
        return quote_text(x, self.maxstring)

    def repr_int(self, x: int, level: int) -> str:
        return show_number(x)

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        """In the mapping's own order (reprlib sorts the keys)."""
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}"
                 for k, v in list(x.items())[: self.maxdict]]
        return "{" + ", ".join(items) + (", ..." if len(x) > self.maxdict else "") + "}"


_SHORT = _Short()


def quote_value(value: Any) -> str:
    """A short ``repr`` of any value (a string, a number, a nested list or mapping)."""
    if isinstance(value, str):
        return quote_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return show_number(value)
    try:
        text = _SHORT.repr(value)
    except (RecursionError, ValueError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 2 * WIDTH else text[: 2 * WIDTH] + "…"
