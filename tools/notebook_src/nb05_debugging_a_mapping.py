"""05_debugging_a_mapping.ipynb: find and fix a poor mapping of ResNet-50's 3x3 conv."""

CELLS = [
    ("md", """
    # Debugging a mapping

    A colleague compiled ResNet-50's `layer1.0.conv2` (3x3, 64 -> 64 channels, 56x56) for
    GeneSys and pinned small pixel tiles "to save buffer space". It runs, it computes the
    right values, and the MAC array is busy all the time. Yet it is slow. We measure how slow
    against the ideal bound, find the cause with the player and the pass stepper, and fix it.
    """),
    ("code", """
    import numpy as np

    from covenant_lab import acg, compiler
    from covenant_lab.analysis import efficiency, ideal_bound
    from covenant_lab.codelets import interpret
    from covenant_lab.compiler import Compute, Constraints
    from covenant_lab.sim import Simulator
    from covenant_lab.suite import load_suite_layer, load_suite_model
    from covenant_lab.widgets import PassStepper, SimPlayer

    arch = acg.load_arch("genesys")
    (layer,) = load_suite_layer("resnet50_3x3")
    print(layer.name, [(o.name, o.shape) for o in layer.codelet.operands])
    """),
    ("md", """
    ## 1. How fast could it be?
    The ideal bound is the larger of two lower bounds: every MAC at the array's peak rate
    (compute), and every input and weight read once and every output written once at the
    off-chip bandwidth (memory).
    """),
    ("code", """
    bound = ideal_bound(layer.codelet, arch)
    print(f"compute bound {bound.compute_cycles:.0f} cycles, memory bound "
          f"{bound.memory_cycles:.0f} cycles: {bound.limit}-bound at {bound.cycles:.0f}")
    """),
    ("md", "## 2. The mapping we were given"),
    ("code", """
    poor = compiler.compile(layer, arch, Constraints.of(tiles={"oh": 1, "ow": 14}))
    poor_sim = Simulator(poor.program, arch)  # timing only: no values needed to measure
    print(poor.loop_nest())
    print(f"{poor_sim.total_cycles} cycles, efficiency "
          f"{efficiency(bound, poor_sim.total_cycles):.2f}")
    print("utilisation", {r: round(u, 2) for r, u in poor_sim.utilisation().items()})
    """),
    ("md", """
    Efficiency far below 1 while `pe_array` is busy ~100% of the time: the array is *busy*
    but not *useful*. The player shows the compute row as a long train of short blocks,
    one per invocation. Step into one and look at what it does.
    """),
    ("code", """
    player = SimPlayer(poor_sim)
    player
    """),
    ("code", """
    invocations = [i for i in poor.program.instrs if isinstance(i, Compute)]
    first = invocations[0]
    params = dict(first.params)
    dims = dict(arch.compute("pe_array").dims)
    print(f"{len(invocations)} invocations of {first.node.name}.{first.capability}; the first:")
    folds = params["folds_rows"] * params["folds_cols"] * params["passes"]
    print(f"  {first.cycles} cycles = {folds} folds of the loops onto the array "
          f"({params['folds_rows']} over the rows x {params['folds_cols']} over the columns)")
    print(f"  each fold: {first.cycles // folds} cycles to stream {params['stream']} pixels "
          f"through {params['used_rows']}/{dims['rows']} rows and "
          f"{params['used_cols']}/{dims['cols']} columns")
    cap = arch.compute("pe_array").capabilities[0]
    print("  the capability's cycle formula:", cap.cycles)
    """),
    ("md", """
    Each fold streams only 14 pixels through the array but pays a fixed cost to load the
    weights into the array and drain its pipeline. The pass stepper shows where that tile
    size came from: the `tile` pass took it from the constraint.
    """),
    ("code", """
    stepper = PassStepper(poor)
    stepper
    """),
    ("code", """
    for step in poor.log:
        print(step.index, step.name, step.params)
    """),
    ("md", """
    ## 3. The fix
    Let the search choose the pixel tiles (or pin tiles that stream whole rows). Each
    invocation now streams hundreds of pixels and the fixed cost is amortised.
    """),
    ("code", """
    fixed = compiler.compile(layer, arch)
    fixed_sim = Simulator(fixed.program, arch)
    print(fixed.loop_nest())
    for name, r, s in (("given", poor, poor_sim), ("fixed", fixed, fixed_sim)):
        n = sum(isinstance(i, Compute) for i in r.program.instrs)
        print(f"{name}: {s.total_cycles:9d} cycles, {n:4d} invocations, "
              f"efficiency {efficiency(bound, s.total_cycles):.2f}")
    """),
    ("code", """
    SimPlayer(fixed_sim)
    """),
    ("md", """
    ## 4. Still correct?
    A faster mapping is only a fix if it computes the same thing. The layer's input comes
    from the middle of ResNet-50; random activations are enough to check the mapping against
    the codelet's reference semantics (which the test suite checks against ONNX).
    """),
    ("code", """
    model = load_suite_model("resnet50")
    x = np.random.default_rng(0).standard_normal(layer.tensor("x").shape).astype(np.float32)
    values = layer.operand_values({layer.tensor("x").name: x}, model.initializers)
    Simulator(fixed.program, arch, values).run().check(interpret(layer.codelet, values))
    print("the fixed mapping computes the same outputs as the codelet")
    """),
    ("md", """
    ## Exercises
    Answer in the `answer_...` cells, then run the `check_answer` cell below each one. The
    cells tagged `solution` hold reference answers (delete them before handing out).
    """),
    ("code", """
    def _equals(expected, hint):
        return lambda answer: None if answer == expected else hint


    def _good_tiles(answer):
        if not isinstance(answer, Constraints):
            return "give a Constraints, e.g. Constraints.of(tiles={...})"
        if answer.tile("oh") is None or answer.tile("ow") is None:
            return "pin both 'oh' and 'ow' tiles"
        s = Simulator(compiler.compile(layer, arch, answer).program, arch)
        eff = efficiency(bound, s.total_cycles)
        if eff >= 0.75:
            return None
        return f"efficiency {eff:.2f}: how many pixels does each invocation stream?"


    _busy = fixed_sim.utilisation()
    CHECKS = {
        "1": _equals(first.cycles // folds - params["stream"],
                     "a fold's cycles minus the pixels it streams"),
        "2": _good_tiles,
        "3": _equals(max(_busy, key=_busy.get), "look at fixed_sim.utilisation()"),
    }


    def check_answer(question, answer):
        \"\"\"Print whether ``answer`` to exercise ``question`` is right; True when it is.\"\"\"
        hint = CHECKS[question](answer)
        print(f"exercise {question}: " + ("correct" if hint is None else f"not yet: {hint}"))
        return hint is None
    """),
    ("md", """
    **Exercise 1.** How many cycles of fixed overhead does each fold onto the MAC array pay
    on GeneSys (cycles in which no pixel streams)?
    """),
    ("code", "answer_1 = None  # your answer: cycles"),
    ("solution", "answer_1 = 94  # the capability's formula: stream + 94"),
    ("code", 'check_answer("1", answer_1)'),
    ("md", """
    **Exercise 2.** Pin tiles for *both* `oh` and `ow` that reach an efficiency of at least
    0.75.
    """),
    ("code", "answer_2 = None  # your answer: a Constraints"),
    ("solution", 'answer_2 = Constraints.of(tiles={"oh": 8, "ow": 56})'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** After the fix, which resource is the busiest? (a resource name as in
    `utilisation()`)
    """),
    ("code", "answer_3 = None  # your answer"),
    ("solution", 'answer_3 = "pe_array"'),
    ("code", 'check_answer("3", answer_3)'),
]
