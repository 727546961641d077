"""Design-space exploration: sweeps of architectures x layers on local processes or Dask, and
the Pareto fronts of their cycles, energy and area."""

from covenant_lab.dse.grid import ParetoSweep, param_grid, pareto_sweep
from covenant_lab.dse.pareto import ParetoPoint, arch_totals, front, layer_points
from covenant_lab.dse.point import Options, evaluate
from covenant_lab.dse.sweep import arch_specs, dask_executor, default_executor, sweep

__all__ = ["Options", "ParetoPoint", "ParetoSweep", "arch_specs", "arch_totals",
           "dask_executor", "default_executor", "evaluate", "front", "layer_points",
           "param_grid", "pareto_sweep", "sweep"]
