"""01_tour.ipynb: from an ONNX model to a simulated timeline on the `teaching` machine.

tests/browser/test_tour.py drives this notebook in JupyterLab and relies on the names `arch`
(teaching), `view` (the ACGView), `player` (the SimPlayer) and `editor` (an ArchEditor).
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
    from covenant_lab.widgets import ArchEditor, SimPlayer
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
    Change a parameter or a node attribute; invalid values are refused with a message next to
    the field. (Try a bandwidth of 0.)
    """),
    ("code", """
    editor = ArchEditor(arch)
    editor
    """),
    ("md", """
    ## Exercises
    Answer in the `answer_...` cells, then run the `check_answer` cell below each one. The
    checks are defined in the collapsed cell just below (click its "..." to read them); the
    cells tagged `solution` hold reference answers (delete them before handing out).
    """),
    ("helper", """
    import math


    def _equals(expected, hint):
        return lambda answer: None if answer == expected else hint


    def _fewer_cycles(answer):
        if not isinstance(answer, acg.ACG):
            return "give an architecture (an ACG), e.g. arch.with_param(...)"
        cycles = Simulator(compiler.compile(layer, answer).program, answer).total_cycles
        if cycles < sim.total_cycles / 1.5:
            return None
        return f"{cycles} cycles: which resource is busiest? try sim.utilisation()"


    CHECKS = {
        "1": _equals(math.prod(d.extent for d in layer.codelet.dims),
                     "multiply the extents of every loop in the codelet"),
        "2": _equals(result.capabilities[0].split(".")[0],
                     "look at result.capabilities or the loop nest"),
        "3": _fewer_cycles,
    }


    RESULTS = {}


    def check_answer(question, answer):
        \"\"\"Print whether ``answer`` to exercise ``question`` is right (kept in RESULTS).\"\"\"
        hint = CHECKS[question](answer)
        RESULTS[question] = hint is None
        print(f"exercise {question}: " + ("correct" if hint is None else f"not yet: {hint}"))
    """),
    ("md", """
    **Exercise 1.** How many multiply-accumulates does `conv2` perform?
    """),
    ("code", "answer_1 = None  # your answer"),
    ("solution", "answer_1 = 1 * 16 * 10 * 10 * 6 * 5 * 5"),
    ("code", 'check_answer("1", answer_1)'),
    ("md", """
    **Exercise 2.** On which compute node of `teaching` does the convolution run? (a name)
    """),
    ("code", "answer_2 = None  # your answer"),
    ("solution", 'answer_2 = "mac_array"'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** Change one parameter of `teaching` so that `conv2` runs at least 1.5x
    faster. Hint: `sim.utilisation()` says which resource is the bottleneck, and
    `arch.param_values` lists the parameters.
    """),
    ("code", "answer_3 = None  # your answer: an architecture"),
    ("solution", """
    print(sim.utilisation())  # the MAC array is busy ~98% of the time: make it bigger
    answer_3 = arch.with_param("cols", 8)
    """),
    ("code", 'check_answer("3", answer_3)'),
]
