"""02_architectures.ipynb: read, edit and compare GeneSys and HVX; write a new accelerator."""

CELLS = [
    ("md", """
    # Architectures: read, edit, compare

    An accelerator is an *Architecture Covenant Graph* (ACG) written in a YAML file: storage
    nodes (capacity, bandwidth, buffering), compute nodes (spatial dimensions and
    capabilities), communication nodes and edges. The compiler reads nothing else about the
    machine, so a new accelerator needs a new file, never a compiler change.

    This notebook compares the two shipped machines, GeneSys (a systolic array) and HVX (a
    vector DSP), edits them, and writes a new accelerator from YAML text.
    """),
    ("code", """
    from covenant_lab import ArchError, CovenantError, acg, compiler
    from covenant_lab.analysis import ideal_bound
    from covenant_lab.codelets.library import relu
    from covenant_lab.sim import Simulator
    from covenant_lab.suite import load_suite_layer
    from covenant_lab.widgets import ACGView

    print(acg.shipped_archs())
    genesys = acg.load_arch("genesys")
    hvx = acg.load_arch("hvx")
    """),
    ("md", "## 1. Read"),
    ("code", "print(genesys.summary())"),
    ("code", "print(hvx.summary())"),
    ("code", """
    for a in (genesys, hvx):
        print(f"{a.name:8} params {a.param_values}")
        print(f"{'':8} peak MACs/cycle {a.peak_ops_per_cycle('mac'):.0f}, "
              f"off-chip read/write bytes/cycle {a.offchip_bytes_per_cycle}")
    """),
    ("code", "ACGView(hvx)"),
    ("md", """
    ## 2. Edit
    Edits are pure: `with_param`, `with_params`, `with_node_attr`, `add_node`, `add_edge`, ...
    return a new, re-validated architecture and leave the original alone.
    """),
    ("code", """
    genesys16 = genesys.with_params({"rows": 16, "cols": 16})
    print(genesys16.compute("pe_array"))
    print("original still", genesys.compute("pe_array").dims)
    """),
    ("md", """
    ## 3. Compare: the same layer on three machines
    BERT's attention scores (a batched matrix product, `[12,128,64] x [12,64,128]`) compiled
    for GeneSys, a 16x16 GeneSys and HVX. *Efficiency* is the ideal bound (the larger of the
    compute-bound and the compulsory-traffic-bound time) over the simulated cycles.
    """),
    ("code", """
    (layer,) = load_suite_layer("bert_scores")


    def compare(archs):
        # compile and simulate `layer` on each {label: arch}; returns the cycles by label
        print(f"{'arch':10} {'capability':14} {'cycles':>9} {'bound':>9} {'limit':8} efficiency")
        out = {}
        for label, a in archs.items():
            result = compiler.compile(layer, a)
            out[label] = Simulator(result.program, a).total_cycles
            bound = ideal_bound(layer.codelet, a)
            print(f"{label:10} {result.capabilities[0]:14} {out[label]:9d} {bound.cycles:9.0f} "
                  f"{bound.limit:8} {bound.cycles / out[label]:.2f}")
        return out


    cycles = compare({"genesys": genesys, "genesys16": genesys16, "hvx": hvx})
    """),
    ("md", """
    ## 4. A new accelerator from YAML text
    `acg.loads_arch(text)` reads an architecture from a string. Here is a small TPU-like
    machine: an 8x8 MAC array with separate input, weight and accumulator buffers behind a
    16-byte bus. Expressions such as `rows * cols` are evaluated with the `params`.
    """),
    ("code", """
    MINI_TPU = '''
    name: mini_tpu
    description: an 8x8 MAC array with separate input, weight and accumulator buffers
    params: {rows: 8, cols: 8, bus_bytes: 16}
    storage:
      DRAM: {off_chip: true, read_bytes_per_cycle: bus_bytes, write_bytes_per_cycle: bus_bytes}
      INBUF: {capacity_bytes: 32 * 1024, read_bytes_per_cycle: rows,
              write_bytes_per_cycle: bus_bytes, buffering: 2}
      WBUF: {capacity_bytes: 16 * 1024, read_bytes_per_cycle: rows * cols,
             write_bytes_per_cycle: bus_bytes, buffering: 2}
      ACC: {capacity_bytes: 32 * 1024, read_bytes_per_cycle: cols * 4,
            write_bytes_per_cycle: cols * 4}
    communication:
      bus: {bytes_per_cycle: bus_bytes, latency_cycles: 0}
    compute:
      array:
        dims: {rows: rows, cols: cols}
        capabilities:
          - op: mac                                 # acc += a * b
            operands: {a: INBUF, b: WBUF, init: ACC, acc: ACC}
            dtypes: {a: int8, b: int8, init: int32, acc: int32}
            spatial:
              rows: {requires: [a, b], excludes: [acc], fold: true}   # reduction loops
              cols: {requires: [b, acc], excludes: [a]}               # output columns
            cycles: rows + stream + rows + cols - 2
    edges:
      - {from: DRAM, to: INBUF, bytes_per_cycle: bus_bytes, via: bus}
      - {from: DRAM, to: WBUF, bytes_per_cycle: bus_bytes, via: bus}
      - {from: DRAM, to: ACC, bytes_per_cycle: bus_bytes, via: bus}
      - {from: ACC, to: DRAM, bytes_per_cycle: bus_bytes, via: bus}
      - {from: INBUF, to: array, bytes_per_cycle: rows}
      - {from: WBUF, to: array, bytes_per_cycle: rows * cols}
      - {from: ACC, to: array, bytes_per_cycle: cols * 4}
      - {from: array, to: ACC, bytes_per_cycle: cols * 4}
    '''
    mini = acg.loads_arch(MINI_TPU)
    print(mini.summary())
    """),
    ("code", """
    cycles.update(compare({"mini_tpu": mini}))
    print(compiler.compile(layer, mini).loop_nest())
    """),
    ("md", """
    ## 5. Broken edits are refused, with the reason
    Every problem in a file is reported at once, with its line, and a hint where one helps.
    """),
    ("code", """
    broken = MINI_TPU.replace("to: WBUF, bytes_per_cycle: bus_bytes",
                              "to: WBUFF, bytes_per_cycle: 0")
    try:
        acg.loads_arch(broken)
    except ArchError as err:
        print(err)
    """),
    ("code", """
    try:
        genesys.with_node_attr("IBUF", "capacity_bytes", -1)
    except ArchError as err:
        print(err)
    """),
    ("md", """
    ## Exercises
    Answer in the `answer_...` cells, then run the `check_answer` cell below each one. The
    checks are defined in the collapsed cell just below (click its "..." to read them); the
    cells tagged `solution` hold reference answers (delete them before handing out).
    """),
    ("helper", """
    def _equals(expected, hint):
        return lambda answer: None if answer == expected else hint


    def _about(expected, hint):
        # within 1%: peak rates are steady-state limits, not always whole numbers
        def check(answer):
            ok = isinstance(answer, (int, float)) and abs(answer - expected) <= 0.01 * expected
            return None if ok else hint
        return check


    def _runs_relu(answer):
        if not isinstance(answer, acg.ACG):
            return "give an architecture (an ACG), e.g. acg.loads_arch(...)"
        if answer.peak_ops_per_cycle("mac") != mini.peak_ops_per_cycle("mac"):
            return "keep mini_tpu's 8x8 MAC array as it is"
        try:
            result = compiler.compile(relu((1, 16, 32, 32)), answer)
        except CovenantError as err:
            return f"the compiler says: {err}"
        Simulator(result.program, answer).run()
        return None


    CHECKS = {
        "1": _about(genesys16.peak_ops_per_cycle("mac"),
                     "the array is rows x cols PEs, one MAC each per cycle"),
        "2": _equals(min(("genesys", "hvx"), key=lambda n: cycles[n]),
                     "compare the cycles column of the table (a name)"),
        "3": _runs_relu,
    }


    RESULTS = {}


    def check_answer(question, answer):
        \"\"\"Print whether ``answer`` to exercise ``question`` is right (kept in RESULTS).\"\"\"
        hint = CHECKS[question](answer)
        RESULTS[question] = hint is None
        print(f"exercise {question}: " + ("correct" if hint is None else f"not yet: {hint}"))
    """),
    ("md", "**Exercise 1.** How many MACs per cycle can the 16x16 GeneSys do at its peak?"),
    ("code", "answer_1 = None  # your answer"),
    ("solution", "answer_1 = 16 * 16"),
    ("code", 'check_answer("1", answer_1)'),
    ("md", "**Exercise 2.** Which shipped machine runs `bert_scores` in fewer cycles? (a name)"),
    ("code", "answer_2 = None  # your answer"),
    ("solution", 'answer_2 = "genesys"'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** `mini_tpu` has no vector unit, so it cannot run a ReLU:
    `compiler.compile(relu((1, 16, 32, 32)), mini)` raises a `MappingError`. Add a compute
    node with a `relu` capability (and the edges it needs) to the YAML text, keeping the
    MAC array as it is. No compiler change is needed: that is the covenant.
    """),
    ("code", "answer_3 = None  # your answer: an architecture"),
    ("solution", """
    VECTOR_UNIT = '''
      vector:
        dims: {lanes: 8}
        capabilities:
          - {op: relu, operands: {a: ACC, out: ACC}, dtypes: {a: int32, out: int32},
             spatial: {lanes: {requires: [out]}}, cycles: stream + 2}
    edges:
      - {from: ACC, to: vector, bytes_per_cycle: 32}
      - {from: vector, to: ACC, bytes_per_cycle: 32}'''
    answer_3 = acg.loads_arch(MINI_TPU.replace("\\nedges:", VECTOR_UNIT, 1))
    """),
    ("code", 'check_answer("3", answer_3)'),
]
