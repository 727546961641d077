"""Optional dependencies: which installed extra provides a module, and the typed error for a
missing one (``pip install 'covenant_lab[lab]'`` instead of a bare ModuleNotFoundError).

The entry points that import optional packages on first use (``covenant_lab.show`` and the
other lazy names, ``covenant_lab.widgets``, the ``covenant`` command) turn a
``ModuleNotFoundError`` for one of these modules into :class:`MissingExtraError`.
"""

from __future__ import annotations

from covenant_lab.errors import MissingExtraError

__all__ = ["OPTIONAL_MODULES", "MissingExtraError", "missing_extra"]

# top-level module -> the extra of pyproject.toml that installs it
OPTIONAL_MODULES: dict[str, str] = {
    "anywidget": "lab",
    "ipywidgets": "lab",
    "traitlets": "lab",
    "IPython": "lab",
    "bokeh": "lab",
    "jupyter_bokeh": "lab",
    "dask": "lab",
    "distributed": "lab",
    "pygraphviz": "lab",
}


def missing_extra(exc: ModuleNotFoundError, what: str) -> MissingExtraError | None:
    """The typed error for ``exc`` when it names an optional module (None otherwise: a
    missing core module is a broken install, re-raise it as it is)."""
    module = (exc.name or "").partition(".")[0]
    extra = OPTIONAL_MODULES.get(module)
    return None if extra is None else MissingExtraError(what, module, extra)
