"""05_debugging_a_mapping.ipynb: find and fix a poor mapping of ResNet-50's 3x3 conv."""

CELLS = [
    ("md", """
    # Debugging a mapping

    A colleague compiled ResNet-50's `layer1.0.conv2` (3x3, 64 -> 64 channels, 56x56) for
    GeneSys and pinned a small output-channel tile "to keep the output buffer small". It
    runs, it computes the right values, and the MAC array is busy all the time. Yet it is
    slow. We measure how slow
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
    poor = compiler.compile(layer, arch, Constraints.of(tiles={"oc": 8}))
    poor_sim = Simulator(poor.program, arch)  # timing only: no values needed to measure
    print(poor.loop_nest())
    print(f"{poor_sim.total_cycles} cycles, efficiency "
          f"{efficiency(bound, poor_sim.total_cycles):.2f}")
    print("utilisation", {r: round(u, 2) for r, u in poor_sim.utilisation().items()})
    """),
    ("md", """
    Efficiency far below 1 while `pe_array` is busy ~100% of the time: the array is *busy*
    but not *useful*. In the player, the compute row of the timeline is solid while the
    transfers are sparse; step to a `mac` instruction and look at how much of the array it
    uses.
    """),
    ("code", """
    player = SimPlayer(poor_sim)
    player
    """),
    ("code", """
    dims = dict(arch.compute("pe_array").dims)


    def array_use(result):
        # how the result's first `mac` invocation occupies the array
        first = next(i for i in result.program.instrs if isinstance(i, Compute))
        p = dict(first.params)
        print(f"{first.node.name}.{first.capability}: {first.cycles} cycles streaming "
              f"{p['stream']} pixels over {p['used_rows']}/{dims['rows']} rows and "
              f"{p['used_cols']}/{dims['cols']} columns; loops on the array "
              f"{dict(result.mapping.spatial[0].dims)}")
        return p


    params = array_use(poor)
    """),
    ("md", """
    The convolution's output channels `oc` run across the array's columns, and the
    constraint cut `oc` into tiles of 8: every invocation lights up only 8 of the 32
    columns, so three quarters of the array idles while it is "busy". The pass stepper shows
    where the tile came from: the `tile` pass took it from the constraint.
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
    Let the search choose the tiles (or pin an `oc` tile that fills the columns). Every
    invocation now uses the whole array.
    """),
    ("code", """
    fixed = compiler.compile(layer, arch)
    fixed_sim = Simulator(fixed.program, arch)
    print(fixed.loop_nest())
    array_use(fixed)
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
    ("exercises",),  # the standard heading (tools/make_notebooks.py)
    ("code", """
    from covenant_lab.exercises import debugging_exercises

    check_answer = debugging_exercises(layer, arch, bound, poor, fixed_sim).check
    """),
    ("md", """
    **Exercise 1.** In the given mapping, what fraction of the MAC array's columns does each
    invocation use? (a number between 0 and 1)
    """),
    ("answer", "answer_1 = None  # your answer: a fraction", "answer_1 = 8 / 32"),
    ("code", 'check_answer("1", answer_1)'),
    ("md", """
    **Exercise 2.** Pin tiles for *both* `oc` and `ow` that reach an efficiency of at least
    0.9.
    """),
    ("answer", "answer_2 = None  # your answer: a Constraints",
     'answer_2 = Constraints.of(tiles={"oc": 32, "ow": 56})'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** After the fix, which resource is the busiest? (a resource name as in
    `utilisation()`)
    """),
    ("answer", "answer_3 = None  # your answer: a resource name", 'answer_3 = "pe_array"'),
    ("code", 'check_answer("3", answer_3)'),
]
