"""covenant_lab: compile DNN layers onto accelerators described by an Architecture Covenant Graph.

The everyday names are available from the package itself (imported on first use, so that
``import covenant_lab`` stays fast and never pulls in the notebook stack)::

    import covenant_lab as cl
    arch = cl.load_arch("genesys")
    model = cl.onnx.load(cl.models.BUILDERS["resnet50"]())
    result = cl.compile(model.layer("layer1.0.conv2"), arch)
    sim = cl.Simulator(result.program, arch).run()
"""

from importlib import import_module
from typing import Any

from covenant_lab.errors import (
    ArchError,
    CodeletError,
    CovenantError,
    FrontendError,
    MappingError,
    MissingExtraError,
    SimulationError,
)

# public name -> (module, attribute or None for the module itself)
_LAZY = {
    "load_arch": ("covenant_lab.acg.load", "load_arch"),
    "loads_arch": ("covenant_lab.acg.load", "loads_arch"),
    "compile": ("covenant_lab.compiler.api", "compile"),
    "compile_model": ("covenant_lab.compiler.model", "compile_model"),
    "Constraints": ("covenant_lab.compiler.constraints", "Constraints"),
    "Simulator": ("covenant_lab.sim.simulator", "Simulator"),
    "ideal_bound": ("covenant_lab.analysis.bounds", "ideal_bound"),
    "show": ("covenant_lab.widgets.acg_view", "show"),
    "onnx": ("covenant_lab.frontends.onnx", None),
    "models": ("covenant_lab.models", None),
    "suite": ("covenant_lab.suite", None),
}

__all__ = [
    "ArchError",
    "CodeletError",
    "CovenantError",
    "FrontendError",
    "MappingError",
    "MissingExtraError",
    "SimulationError",
    *_LAZY,
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'covenant_lab' has no attribute {name!r}")
    module, attr = _LAZY[name]
    try:
        found = import_module(module)
    except ModuleNotFoundError as exc:  # e.g. show() without the lab extra (anywidget)
        from covenant_lab.extras import missing_extra

        error = missing_extra(exc, f"covenant_lab.{name}")
        if error is None:
            raise
        raise error from None
    value = found if attr is None else getattr(found, attr)
    globals()[name] = value  # importing a submodule may have bound its name here: override
    return value
