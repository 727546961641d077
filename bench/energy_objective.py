"""Energy against cycles as the search's objective, on every suite layer (issue #15).

    .venv/bin/python bench/energy_objective.py [--arch teaching --arch genesys]

For each layer (its first node), ``compile(..., objective="cycles")`` and ``"energy"``: the
cost model's energy estimate of each, the simulated energy and cycles of each, and the
estimate/simulated energy ratio. The energy objective never has a higher estimated energy
(``tests/compiler/test_objective.py`` asserts it); the simulated figures show what it costs
in cycles.
"""

from __future__ import annotations

import argparse

import covenant_lab as cl
from covenant_lab.acg import load_arch
from covenant_lab.sim import Simulator
from covenant_lab.suite import SUITE, load_suite_layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", default=[])
    archs = parser.parse_args().arch or ["teaching", "genesys"]
    print(f"{'arch':<9} {'layer':<18} {'est. uJ cycles':>15} {'est. uJ energy':>15} "
          f"{'sim uJ cycles':>14} {'sim uJ energy':>14} {'sim cyc cycles':>15} "
          f"{'sim cyc energy':>15} {'est/sim E':>9}")
    for name in archs:
        arch = load_arch(name)
        for entry in SUITE:
            layer = load_suite_layer(entry.name)[0]
            est, sim_e, sim_c, ratio = {}, {}, {}, []
            for objective in ("cycles", "energy"):
                result = cl.compile(layer, arch, objective=objective)
                sim = Simulator(result.program, arch).run()
                est[objective] = result.estimate.energy_pj / 1e6
                sim_e[objective] = sim.energy().total_pj / 1e6
                sim_c[objective] = sim.total_cycles
                ratio.append(est[objective] / sim_e[objective])
            print(f"{name:<9} {entry.name:<18} {est['cycles']:>15,.1f} {est['energy']:>15,.1f} "
                  f"{sim_e['cycles']:>14,.1f} {sim_e['energy']:>14,.1f} "
                  f"{sim_c['cycles']:>15,} {sim_c['energy']:>15,} "
                  f"{min(ratio):>4.3f}-{max(ratio):.3f}", flush=True)


if __name__ == "__main__":
    main()
