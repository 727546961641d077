"""03_codelets_and_passes.ipynb: codelets, the interpreter, the passes, constraints, search."""

CELLS = [
    ("md", """
    # Codelets and compiler passes

    A *codelet* says **what** a layer computes, as a loop nest over named dimensions, without
    saying anything about the machine. The compiler's passes then decide **where** and
    **when**: which capability runs each statement, where each operand lives, which loops go
    onto the array, how loops are tiled and in which order. This notebook follows one small
    matrix product through every step.
    """),
    ("code", """
    import time

    import numpy as np

    from covenant_lab import MappingError, acg, compiler
    from covenant_lab.codelets import interpret
    from covenant_lab.codelets.library import matmul
    from covenant_lab.codelets.printer import to_text
    from covenant_lab.compiler import Constraints, Mapping, Pipeline, plan
    from covenant_lab.compiler.lower import lower
    from covenant_lab.sim import Simulator
    from covenant_lab.widgets import PassStepper

    arch = acg.load_arch("teaching")
    """),
    ("md", """
    ## 1. A codelet
    `matmul` from the codelet library builds `y = a @ b`. The printer shows its dimensions,
    its operands (with their roles: input, weight, output) and its one *stage*: a perfect
    loop nest around a `mac` statement.
    """),
    ("code", """
    codelet = matmul((32, 64), (64, 48))
    print(to_text(codelet))
    """),
    ("code", """
    print("dims    ", codelet.dims)
    print("operands", [(o.name, o.role.value, o.shape) for o in codelet.operands])
    print("stmt    ", codelet.stages[0].stmt.op)
    """),
    ("md", """
    ## 2. The interpreter: codelets have reference semantics
    `interpret` executes a codelet with numpy. The library's codelets are tested against
    ONNX's reference implementation this way, and the simulator's results against them.
    """),
    ("code", """
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 64)), rng.standard_normal((64, 48))
    y = interpret(codelet, {"a": a, "b": b})["y"]
    print("max |interpret - numpy| =", np.abs(y - (a @ b).astype(np.float32)).max())
    """),
    ("md", """
    ## 3. The passes, one by one
    `compile` searches for the best options, then runs the passes as a pipeline and records
    every step in a log. A callback sees each step as it happens:

    | pass | decides |
    |---|---|
    | `match` | which capability of which compute node runs each statement |
    | `fuse` | which stages share one loop nest (and stay on chip) |
    | `place` | the storage path of every operand, from DRAM to the capability's ports |
    | `spatial` | which loops occupy the array's spatial dimensions (the rest *stream*) |
    | `tile` | the tile size of every loop at every on-chip level |
    | `order` | the loop order, hence which tile stays resident |

    Then `lower` turns the mapping into a program of transfers and compute instructions.
    """),
    ("code", """
    result = compiler.compile(codelet, arch, on_step=lambda s: print("ran", s.name, s.params))
    """),
    ("code", "print(result.log_text())"),
    ("code", """
    print(result.table())
    print()
    print(result.loop_nest())
    print()
    print(result.asm[:600])
    """),
    ("md", """
    The pass stepper replays the log: step through it and see the mapping before and after
    each pass.
    """),
    ("code", """
    stepper = PassStepper(result)
    stepper
    """),
    ("md", """
    ## 4. Constraints: fix part of the mapping, let the search do the rest
    `Constraints.of(tiles=..., order=..., spatial=..., storage=..., capability=...)`.
    """),
    ("code", """
    pinned = compiler.compile(codelet, arch, Constraints.of(tiles={"n": 4}, order=("n", "m", "k")))
    print(pinned.loop_nest())
    for r in (result, pinned):
        cycles = Simulator(r.program, arch).total_cycles
        print(f"{r.constraints.describe() or 'free':24} {cycles} cycles")
    """),
    ("md", """
    An impossible constraint raises a `MappingError` that says which constraint and why:
    """),
    ("code", """
    for bad in (Constraints.of(spatial={"cols": ("m",)}),
                Constraints.of(tiles={"m": 64}),
                Constraints.of(order=("m", "n"))):
        try:
            compiler.compile(codelet, arch, bad)
        except MappingError as err:
            print(err, end="\\n\\n")
    """),
    ("md", """
    ## 5. The search
    `plan` prunes the space of tile sizes and orders with the cost model (a beam over
    candidate sizes); `exhaustive=True` tries every divisor. On a small layer we can afford
    both and see how close the fast search gets. A plan is a tuple of pass instances:
    running them through a `Pipeline` reproduces the mapping.
    """),
    ("code", """
    def simulate(p):
        mapping, _ = Pipeline(p.passes).run(Mapping(codelet), arch)
        return Simulator(lower(mapping, arch), arch).total_cycles


    plans = {}
    for exhaustive in (False, True):
        t0 = time.perf_counter()
        plans[exhaustive] = p = plan(codelet, arch, exhaustive=exhaustive)
        print(f"exhaustive={exhaustive!s:5} {time.perf_counter() - t0:6.3f} s  "
              f"estimate {p.estimate:7.0f}  simulated {simulate(p)}  {p.passes[-2]}")
    """),
    ("exercises",),  # the standard heading (tools/make_notebooks.py)
    ("code", """
    from covenant_lab.exercises import codelet_exercises

    check_answer = codelet_exercises(codelet, arch, result).check
    """),
    ("md", "**Exercise 1.** Which loop of the matmul occupies the rows of the MAC array?"),
    ("answer", "answer_1 = None  # your answer: a loop name", 'answer_1 = "k"'),
    ("code", 'check_answer("1", answer_1)'),
    ("md", """
    **Exercise 2.** Which of the loops `m`, `n`, `k` may occupy the array's `cols` dimension?
    (a set; the architecture file says `cols: {requires: [b, acc], excludes: [a]}`)
    """),
    ("answer", "answer_2 = None  # your answer: a set of loop names", 'answer_2 = {"n"}'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** Write `Constraints` whose tiles do not fit in `teaching`'s 16 KiB
    scratchpad (remember that it is double buffered).
    """),
    ("answer", "answer_3 = None  # your answer: a Constraints",
     'answer_3 = Constraints.of(tiles={"m": 32, "n": 48, "k": 64})'),
    ("code", 'check_answer("3", answer_3)'),
]
