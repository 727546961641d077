"""The compiler: passes that map a codelet onto an ACG, a cost-model-guided search, lowering."""

from covenant_lab.compiler.api import CompileResult, Estimate, compile, estimate
from covenant_lab.compiler.constraints import Constraints
from covenant_lab.compiler.fallback import Fallback
from covenant_lab.compiler.mapping import Binding, Group, Mapping, Placement, Spatial
from covenant_lab.compiler.model import (
    CompiledLayer,
    FailedLayer,
    ModelResult,
    compile_model,
    fuse_pair,
)
from covenant_lab.compiler.pipeline import LogStep, Pipeline
from covenant_lab.compiler.program import Compute, DramTensor, Program, TileRef, Transfer
from covenant_lab.compiler.search import plan

__all__ = [
    "Binding",
    "CompileResult",
    "CompiledLayer",
    "Compute",
    "Constraints",
    "DramTensor",
    "Estimate",
    "FailedLayer",
    "Fallback",
    "Group",
    "LogStep",
    "Mapping",
    "ModelResult",
    "Pipeline",
    "Placement",
    "Program",
    "Spatial",
    "TileRef",
    "Transfer",
    "compile",
    "compile_model",
    "estimate",
    "fuse_pair",
    "plan",
]
