"""``covenant_lab.show(arch, result=None)``: the interactive architecture view in a notebook."""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG
    from covenant_lab.widgets.acg_view import ACGView

__all__ = ["show"]


def show(arch: ACG | str, result: object = None, *, backend: str = "auto") -> ACGView:
    """An :class:`~covenant_lab.widgets.ACGView` of ``arch`` with ``result``'s mapping overlaid.

    ``arch`` is an ACG, a shipped architecture name or a path; ``result`` a CompileResult
    (or a Mapping, or a compile-log step). Display it as the last expression of a cell.
    """
    from covenant_lab.widgets.acg_view import ACGView

    return ACGView(arch, result, backend=backend)


class _CallableModule(types.ModuleType):
    """``import covenant_lab.show`` binds this module as ``covenant_lab.show``: keep it callable."""

    def __call__(self, *args: Any, **kwargs: Any) -> ACGView:
        return show(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
