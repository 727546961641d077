"""The benchmark harness behind ``covenant bench``: the layer suite against ideal bounds,
search quality, whole models, simulator speed and external oracles."""

from covenant_lab.bench.harness import QUICK_CHECK_LIMIT, BenchConfig, arch_info, run_bench
from covenant_lab.bench.output import prepare_out_dir
from covenant_lab.bench.variants import DEFAULT_VARIANTS, VARIANTS, load_variant

__all__ = [
    "DEFAULT_VARIANTS",
    "QUICK_CHECK_LIMIT",
    "VARIANTS",
    "BenchConfig",
    "arch_info",
    "load_variant",
    "prepare_out_dir",
    "run_bench",
]
