"""Design-space exploration: sweeps of architectures x layers on local processes or Dask."""

from covenant_lab.dse.point import Options, evaluate
from covenant_lab.dse.sweep import arch_specs, dask_executor, default_executor, sweep

__all__ = ["Options", "arch_specs", "dask_executor", "default_executor", "evaluate", "sweep"]
