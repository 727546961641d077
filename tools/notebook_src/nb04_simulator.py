"""04_simulator.ipynb: stepping, state, timelines, buffer occupancy, checks, Perfetto export."""

CELLS = [
    ("md", """
    # The simulator

    The simulator replays a compiled program on the architecture. Timing comes from a
    schedule that respects every data dependency and every shared resource (a bus, an edge, a
    compute node); values come from each instruction's semantics, executed when the
    instruction completes. You can step it event by event, jump to a cycle, go back, inspect
    what every buffer holds, and export the trace.
    """),
    ("code", """
    import json
    import tempfile
    from pathlib import Path

    from bokeh.io import show
    from bokeh.plotting import figure
    from IPython.display import display

    from covenant_lab import SimulationError, acg, compiler
    from covenant_lab.frontends import onnx as frontend
    from covenant_lab.models import BUILDERS
    from covenant_lab.compiler import Compute
    from covenant_lab.sim import Simulator, to_perfetto, to_rows
    from covenant_lab.viz import bokeh_inline, occupancy_series, show_timeline
    from covenant_lab.widgets import ACGView, SimPlayer, link

    bokeh_inline()  # BokehJS inside the notebook: the plots work offline
    """),
    ("code", """
    model = frontend.load(BUILDERS["lenet"]())
    layer = model.layer("conv1")
    arch = acg.load_arch("teaching")
    result = compiler.compile(layer, arch)

    inputs = model.random_inputs(seed=0)
    reference = model.reference(inputs, intermediates=True)
    values = layer.operand_values(inputs, model.initializers)
    expected = {o.name: reference[layer.tensor(o.name).name] for o in layer.codelet.outputs}

    print(result.loop_nest())
    print()
    print("\\n".join(result.asm.splitlines()[:8]))
    """),
    ("md", """
    ## 1. Step
    Every instruction makes two events: it *issues* (starts) and *completes*. `step()`
    processes the next event and returns it.
    """),
    ("code", """
    sim = Simulator(result.program, arch, values)
    print(f"{len(result.program.instrs)} instructions, {sim.steps} events, "
          f"{sim.total_cycles} cycles")
    for _ in range(5):
        event = sim.step()
        print(event, " busy:", {r: i for r, i in sim.state.busy if i is not None})
    """),
    ("md", """
    ## 2. Run until a cycle, and look at the state
    `state` is a frozen snapshot: the cycle, what each resource is doing, and the tiles every
    storage holds.
    """),
    ("code", """
    sim.run_until(cycle=4000)
    state = sim.state
    print(f"cycle {state.cycle}, step {state.step}: {state.issued} issued, "
          f"{state.completed} completed, {state.pending} pending")
    for resource, index in state.busy:
        print(f"  {resource:12} {'idle' if index is None else f'instruction {index}'}")
    spad = state.storage("SPAD")
    print(f"SPAD holds {spad.occupancy_bytes} of {spad.capacity_bytes} bytes:")
    for tile in spad.tiles:
        print(f"  {tile.operand} {tile.box} at {tile.addr} ({tile.nbytes} B)")
    """),
    ("md", "## 3. Go back"),
    ("code", """
    before = (sim.position, sim.cycle)
    sim.back(3)
    print(f"step {before[0]} (cycle {before[1]}) -> step {sim.position} (cycle {sim.cycle})")
    """),
    ("md", """
    ## 4. Buffer occupancy over time
    `occupancy_series` counts the bytes each buffer has *in use*: a tile from when its data
    arrive to when its last reader ends (`state.storage(...).occupancy_bytes` counts what is
    *held* until it is overwritten). Double buffering shows as a saw: the next tile arrives
    while the current one is read, then the current one's half is freed.
    """),
    ("code", """
    sim.run()
    spad = occupancy_series(sim)["SPAD"]
    cycles, occupancy = spad.cycles.tolist(), spad.nbytes.tolist()

    fig = figure(height=220, width=700, title="SPAD bytes in use", x_axis_label="cycle",
                 y_axis_label="bytes")
    fig.step(cycles, occupancy, mode="after", line_width=2)
    fig.line([0, sim.total_cycles], [arch.storage("SPAD").capacity_bytes] * 2, color="red",
             line_dash="dashed", legend_label="capacity")
    show(fig)
    """),
    ("md", """
    ## 5. Timeline and utilisation
    The trace has one event per instruction (plus *stalls*: time an instruction waited, its
    unit or edge free, for another instruction; hover a red bar to see which one and on which
    tile). `show_timeline` draws it, one row per resource (`timeline_figure` gives the plain
    Bokeh figure); `utilisation` and `bytes_moved` sum it.
    """),
    ("code", """
    for row in to_rows(sim.trace())[:6]:
        print({k: row[k] for k in ("resource", "kind", "start", "end", "nbytes", "operand")})
    print({r: round(u, 2) for r, u in sim.utilisation().items()})
    print(sim.bytes_moved())
    show_timeline(sim, title="lenet conv1 on teaching")
    """),
    ("md", """
    The player puts the same timeline under step / back / play controls and a scrubber, with
    the bytes in use of every buffer below it. Click a bar to see what its instruction waited
    for, and which instructions produced and consume its data.
    """),
    ("code", """
    player = SimPlayer(Simulator(result.program, arch, values))
    player
    """),
    ("md", """
    `link` makes the architecture graph follow the player: the edges moving data light up with
    their operand, each storage lists the tiles it holds, and the heat map shows which rows
    and columns of the array the current instruction uses (and how busy each PE was over the
    run). Step by event, or by a number of cycles.
    """),
    ("code", """
    view = ACGView(arch, result)
    display(link(player, view, cycles=500), view)
    """),
    ("md", """
    ## 6. Functional check
    `check` compares the outputs in simulated DRAM with a reference and raises a
    `SimulationError` at the first element that differs.
    """),
    ("code", """
    sim.run()
    sim.check(expected)
    print("conv1 matches the ONNX reference")

    wrong = {name: value + 1.0 for name, value in expected.items()}
    try:
        sim.check(wrong)
    except SimulationError as err:
        print(err)
    """),
    ("md", """
    ## 7. Export to Perfetto
    `to_perfetto` returns Chrome trace-event JSON: open the file at
    <https://ui.perfetto.dev> or in `chrome://tracing` (times are in cycles).
    Outputs go to a directory you choose; here a temporary one.
    """),
    ("code", """
    out_dir = Path(tempfile.mkdtemp(prefix="covenant-trace-"))
    trace_path = out_dir / "lenet_conv1.trace.json"
    trace_path.write_text(json.dumps(to_perfetto(sim.trace())), encoding="utf-8")
    print(trace_path, trace_path.stat().st_size, "bytes")
    """),
    ("exercises",),  # the standard heading (tools/make_notebooks.py)
    ("code", """
    from covenant_lab.exercises import simulator_exercises

    check_answer = simulator_exercises(sim, occupancy).check
    """),
    ("md", """
    **Exercise 1.** At which cycle does the MAC array start computing for the first time?
    Why not at cycle 0?
    """),
    ("answer", "answer_1 = None  # your answer: a cycle", """
    sim.seek(0)
    first = sim.run_until(predicate=lambda ev: ev.kind == "issue"
                          and isinstance(result.program.instrs[ev.index], Compute))
    answer_1 = first.cycle  # the first input tiles have to arrive over the bus first
    """),
    ("code", 'check_answer("1", answer_1)'),
    ("md", "**Exercise 2.** What is the largest number of bytes the scratchpad ever has in use?"),
    ("answer", "answer_2 = None  # your answer: bytes", "answer_2 = max(occupancy)"),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** How many bytes travel from DRAM to the scratchpad? Compare with the sizes
    of `x`, `w` and `b`: is any of them loaded more than once?
    """),
    ("answer", "answer_3 = None  # your answer: bytes", """
    answer_3 = sum(row["nbytes"] for row in to_rows(sim.trace())
                   if row["resource"] == "DRAM->SPAD" and row["kind"] == "transfer")
    """),
    ("code", 'check_answer("3", answer_3)'),
]
