"""covenant_lab: compile DNN layers onto accelerators described by an Architecture Covenant Graph."""

from typing import Any

from covenant_lab.errors import (
    ArchError,
    CodeletError,
    CovenantError,
    FrontendError,
    MappingError,
    SimulationError,
)

__all__ = [
    "ArchError",
    "CodeletError",
    "CovenantError",
    "FrontendError",
    "MappingError",
    "SimulationError",
    "show",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # lazy, so that importing the package does not import anywidget / ipywidgets
    if name == "show":
        from covenant_lab.show import show

        globals()["show"] = show  # the import above bound the submodule under this name
        return show
    raise AttributeError(f"module 'covenant_lab' has no attribute {name!r}")
