"""06_energy.ipynb: where does the energy go? One layer, five dataflows, every picojoule."""

CELLS = [
    ("md", """
    # Where does the energy go?

    Moving a byte from DRAM costs about a hundred times more than the multiply-accumulate it
    feeds (Horowitz, ISSCC 2014). So the question the Eyeriss paper (Chen et al., ISCA 2016)
    asked of every dataflow is not only *how fast* but *where the energy goes*: how much is
    spent in DRAM, in the global buffer, in the register files inside the PEs, passing data
    from PE to PE, and in the arithmetic itself.

    The simulator charges energy to every event it replays (a transfer: the source's read, the
    wires, the destination's write; a compute: its operations, its port accesses, its PE-to-PE
    hops), with the numbers each architecture file gives or the cited table it names. Totals
    are sums of events, so every picojoule can be traced back to the instruction that spent it.
    """),
    ("code", """
    from bokeh.io import show
    from bokeh.plotting import figure

    from covenant_lab import acg, compiler
    from covenant_lab.sim import Simulator, to_rows
    from covenant_lab.sim.energy_classes import EnergyClass, by_class
    from covenant_lab.suite import load_suite_layer
    from covenant_lab.viz import bokeh_inline
    from covenant_lab.widgets import ACGView

    bokeh_inline()  # BokehJS inside the notebook: the plots work offline

    (layer,) = load_suite_layer("resnet50_3x3")  # ResNet-50 layer1.0.conv2: 3x3, 64 -> 64, 56x56
    macs = layer.codelet.operations
    print(layer.name, f"{macs:,} MACs")
    """),
    ("md", """
    ## 1. One layer on GeneSys
    `sim.energy()` is the layer's energy report: per component (each storage, edge and
    compute node), per operand and per action (read, write, move, op, forward...).
    """),
    ("code", """
    genesys = acg.load_arch("genesys")
    result = compiler.compile(layer, genesys)
    sim = Simulator(result.program, genesys).run()
    report = sim.energy()
    print(report.table())
    print(f"{report.total_pj / 1e6:,.1f} uJ in {sim.total_cycles:,} cycles: "
          f"{report.total_pj / macs:.2f} pJ per MAC")
    """),
    ("md", """
    The same report drawn over the architecture: each node and edge coloured by its share of
    the layer's energy (click a node for its reads, writes and operations).
    """),
    ("code", "ACGView(genesys, result, energy=report)"),
    ("md", """
    ## 2. Every picojoule has an event
    Each row of the trace carries the energy of its event; their sum is the total, exactly.
    """),
    ("code", """
    rows = to_rows(sim.trace())
    for row in rows[:4]:
        print({k: row[k] for k in ("resource", "kind", "operand", "nbytes", "energy_pj")})
    print("sum of the events:", f"{sum(r['energy_pj'] for r in rows):,.1f} pJ;",
          "the report's total:", f"{report.total_pj:,.1f} pJ")
    """),
    ("md", """
    ## 3. Five dataflows, one layer
    The same layer on five machines: GeneSys, the TPU v1 and Gemmini keep weights stationary
    in a systolic array; Eyeriss v1 is row stationary, with a register file in every PE;
    NVDLA broadcasts inputs to a MAC cube. The breakdown uses the Eyeriss levels: DRAM, the
    shared on-chip buffers, the PE-local register files, data movement (edges and PE to PE),
    the arithmetic, and static power.
    """),
    ("code", """
    machines = ["genesys", "tpu_v1", "gemmini", "eyeriss_v1", "nvdla_small"]
    levels = list(EnergyClass)
    breakdown, cycles = {}, {}
    for name in machines:
        arch = acg.load_arch(name)
        run = Simulator(compiler.compile(layer, arch).program, arch).run()
        breakdown[name] = by_class(run.energy().parts, arch)
        cycles[name] = run.total_cycles

    spent = [c for c in levels if any(breakdown[m][c] for m in machines)]  # nonzero levels
    print(f"{'machine':12} {'uJ':>7} {'pJ/MAC':>6} {'cycles':>10} " +
          " ".join(f"{c.name.lower():>8}" for c in spent))
    for name in machines:
        total = sum(breakdown[name].values())
        shares = " ".join(f"{breakdown[name][c] / total:>8.1%}" for c in spent)
        print(f"{name:12} {total / 1e6:>7.1f} {total / macs:>6.2f} {cycles[name]:>10,} {shares}")
    """),
    ("code", """
    colours = ["#e15759", "#f28e2b", "#edc948", "#4e79a7", "#59a14f", "#bab0ac"]
    data = {"machine": machines}
    for c in levels:
        data[c.name] = [breakdown[m][c] / 1e6 for m in machines]
    fig = figure(x_range=machines, height=320, width=720, title="energy of resnet50_3x3 (uJ)",
                 toolbar_location=None)
    fig.vbar_stack([c.name for c in levels], x="machine", width=0.7, source=data,
                   color=colours, legend_label=[c.value for c in levels])
    fig.legend.location = "top_left"
    show(fig)
    """),
    ("md", """
    ## 4. Energy or speed?
    `compile(..., objective="energy")` makes the search minimise the cost model's energy
    (priced from the same transfer and operation counts as its cycles) instead of cycles.
    """),
    ("code", """
    for objective in ("cycles", "energy"):
        mapped = compiler.compile(layer, genesys, objective=objective)
        run = Simulator(mapped.program, genesys).run()
        print(f"objective={objective!r:9}: {run.energy().total_pj / 1e6:7.1f} uJ "
              f"(estimated {mapped.estimate.energy_pj / 1e6:7.1f}), {run.total_cycles:,} cycles")
    """),
    ("exercises",),  # the standard heading (tools/make_notebooks.py)
    ("code", """
    from covenant_lab.exercises import energy_exercises

    check_answer = energy_exercises(layer, sim, breakdown).check
    """),
    ("md", """
    **Exercise 1.** On which of the five machines does this layer cost the least energy per
    MAC? (its name)
    """),
    ("answer", "answer_1 = None  # your answer: a machine", """
    answer_1 = min(machines, key=lambda m: sum(breakdown[m].values()))
    """),
    ("code", 'check_answer("1", answer_1)'),
    ("md", """
    **Exercise 2.** On Eyeriss v1, which level spends the most: DRAM, the on-chip buffers, the
    PE-local register files, movement, compute or static power? (an `EnergyClass`)
    """),
    ("answer", "answer_2 = None  # your answer: an EnergyClass, e.g. EnergyClass.DRAM", """
    answer_2 = max(levels, key=lambda c: breakdown["eyeriss_v1"][c])
    """),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** Find a compile of the layer for GeneSys that spends at least 5% less energy
    than the one of section 1, and is at most 5% slower (a `CompileResult`). Hint: section 4.
    """),
    ("answer", "answer_3 = None  # your answer: a CompileResult", """
    answer_3 = compiler.compile(layer, genesys, objective="energy")
    """),
    ("code", 'check_answer("3", answer_3)'),
]
