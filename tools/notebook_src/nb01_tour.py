"""01_tour.ipynb: from an ONNX model to a simulated timeline on the `teaching` machine.

tests/browser/test_tour.py drives this notebook in JupyterLab and relies on the names `arch`
(teaching), `layer` (conv2), `view` (the ACGView), `player` (the SimPlayer), `editor` (an
ArchEditor of `arch` recompiling `layer`) and `lab` (a Lab).
"""

CELLS = [
    ("md", """
    # A tour of covenant_lab: from an ONNX model to a timeline

    In ten cells we take a small network (LeNet, built in memory as ONNX), pick one layer,
    compile it for `teaching` (a tiny accelerator that fits on a slide: one scratchpad, a 4x4
    MAC array and a 4-lane vector unit), look at the mapping the compiler found, simulate it
    cycle by cycle on real data and check the result against the ONNX reference.

    Run the cells from top to bottom (*Run > Run All Cells*). Every widget below is live:
    click on it.
    """),
    ("code", """
    import covenant_lab as cl
    from covenant_lab import acg, compiler
    from covenant_lab.codelets.printer import to_text
    from covenant_lab.frontends import onnx as frontend
    from covenant_lab.models import BUILDERS
    from covenant_lab.sim import Simulator
    from covenant_lab.widgets import ArchEditor, Lab, SimPlayer
    """),
    ("md", """
    ## 1. A model
    `BUILDERS["lenet"]()` returns an `onnx.ModelProto` (random weights, nothing downloaded);
    `frontend.load` turns every ONNX node into a *layer* holding a *codelet*, an
    architecture-independent loop nest.
    """),
    ("code", """
    model = frontend.load(BUILDERS["lenet"]())
    for lyr in model.layers:
        print(f"{lyr.name:8} {lyr.op_type:8} {[t.shape for t in lyr.output_tensors]}")
    """),
    ("code", """
    layer = model.layer("conv2")          # 5x5 convolution, 6 -> 16 channels, 14x14 -> 10x10
    print(to_text(layer.codelet))
    """),
    ("md", """
    ## 2. An architecture
    Architectures are YAML files in `archs/`: storage, compute and communication nodes, the
    edges between them, and the *capabilities* of each compute node.
    """),
    ("code", """
    arch = acg.load_arch("teaching")
    print(arch.summary())
    """),
    ("md", """
    ## 3. Compile
    The compiler binds the convolution's `mac` statement to the MAC array, places every operand
    in the scratchpad, maps loops onto the array's rows and columns, and searches tile sizes
    and a loop order with its cost model.
    """),
    ("code", """
    result = compiler.compile(layer, arch)
    print(result.table())
    print()
    print(result.loop_nest())
    """),
    ("md", """
    The architecture graph with the mapping overlaid. Click a node to see its attributes.
    """),
    ("code", """
    view = cl.show(arch, result)
    view
    """),
    ("md", """
    ## 4. Simulate on real data and check against ONNX
    `conv2` reads the output of `pool1`, so we run the ONNX reference once with every
    intermediate tensor and take the layer's operands from it.
    """),
    ("code", """
    inputs = model.random_inputs(seed=0)
    reference = model.reference(inputs, intermediates=True)
    values = layer.operand_values({**inputs, **reference}, model.initializers)
    expected = {o.name: reference[layer.tensor(o.name).name] for o in layer.codelet.outputs}

    sim = Simulator(result.program, arch, values)
    sim.run()
    sim.check(expected)  # raises a SimulationError at the first wrong element
    print(f"{sim.total_cycles} cycles, {len(result.program.instrs)} instructions: "
          "the outputs match the ONNX reference")
    """),
    ("md", """
    ## 5. Step through the program
    The player replays the simulation: step forward and back, and watch the timeline of every
    compute unit and data path.
    """),
    ("code", """
    player = SimPlayer(Simulator(result.program, arch, values))
    player
    """),
    ("md", """
    ## 6. Edit the architecture
    Change a parameter or a node attribute: each valid edit recompiles `conv2` for the edited
    machine, and the editor shows its estimated cycles against the original's (which parameter
    makes it faster? Exercise 3 asks). Invalid values are refused with a message next to the
    field (try a bandwidth of 0).
    """),
    ("code", """
    editor = ArchEditor(arch, layer=layer)
    editor
    """),
    ("md", """
    ## 7. Every layer in one place
    `Lab(model, arch)` puts a layer picker over the three views: the mapping on the
    architecture, the compile log pass by pass, and the simulation. A layer compiles the first
    time you pick it; the passes and the player are built when you open their tab.
    """),
    ("code", """
    lab = Lab(model, arch, layer="conv2")
    lab
    """),
    ("exercises",),  # the standard heading (tools/make_notebooks.py)
    ("code", """
    from covenant_lab.exercises import tour_exercises

    check_answer = tour_exercises(layer, result, sim).check
    """),
    ("md", """
    **Exercise 1.** How many multiply-accumulates does `conv2` perform?
    """),
    ("answer", "answer_1 = None  # your answer: a whole number",
     "answer_1 = 1 * 16 * 10 * 10 * 6 * 5 * 5"),
    ("code", 'check_answer("1", answer_1)'),
    ("md", """
    **Exercise 2.** On which compute node of `teaching` does the convolution run? (a name)
    """),
    ("answer", "answer_2 = None  # your answer: a name",
     'answer_2 = "mac_array"'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** Change one parameter of `teaching` so that `conv2` runs at least 1.5x
    faster. Hint: `sim.utilisation()` says which resource is the bottleneck, and
    `arch.param_values` lists the parameters; the editor of section 6 shows the estimated
    cycles of each edit.
    """),
    ("answer", "answer_3 = None  # your answer: an architecture", """
    print(sim.utilisation())  # the MAC array is busy ~98% of the time: make it bigger
    answer_3 = arch.with_param("cols", 8)
    """),
    ("code", 'check_answer("3", answer_3)'),
]
