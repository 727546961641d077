"""covenant_lab: compile DNN layers onto accelerators described by an Architecture Covenant Graph."""

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
]
__version__ = "0.1.0"
