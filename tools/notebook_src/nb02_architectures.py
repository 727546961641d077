"""02_architectures.ipynb: read, edit and compare GeneSys and HVX; write a new accelerator;
compare all seven shipped machines on one layer."""

CELLS = [
    ("md", """
    # Architectures: read, edit, compare

    An accelerator is an *Architecture Covenant Graph* (ACG) written in a YAML file: storage
    nodes (capacity, bandwidth, buffering), compute nodes (spatial dimensions and
    capabilities), communication nodes and edges. The compiler reads nothing else about the
    machine, so a new accelerator needs a new file, never a compiler change.

    This notebook compares two shipped machines, GeneSys (a systolic array) and HVX (a
    vector DSP), edits them, and writes a new accelerator from YAML text. Section 6 then puts
    all seven shipped machines, four of them modelled on published accelerators, on one layer.
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
    ("exercises",),  # the standard heading (tools/make_notebooks.py)
    ("code", """
    from covenant_lab.exercises import architecture_exercises, eyeriss_glb_exercise

    exercises = architecture_exercises(genesys16, cycles, mini)
    check_answer = exercises.check
    """),
    ("md", "**Exercise 1.** How many MACs per cycle can the 16x16 GeneSys do at its peak?"),
    ("answer", "answer_1 = None  # your answer: a number", "answer_1 = 16 * 16"),
    ("code", 'check_answer("1", answer_1)'),
    ("md", "**Exercise 2.** Which shipped machine runs `bert_scores` in fewer cycles? (a name)"),
    ("answer", "answer_2 = None  # your answer: a name", 'answer_2 = "genesys"'),
    ("code", 'check_answer("2", answer_2)'),
    ("md", """
    **Exercise 3.** `mini_tpu` has no vector unit, so it cannot run a ReLU:
    `compiler.compile(relu((1, 16, 32, 32)), mini)` raises a `MappingError`. Add a compute
    node with a `relu` capability (and the edges it needs) to the YAML text, keeping the
    MAC array as it is. No compiler change is needed: that is the covenant.
    """),
    ("answer", "answer_3 = None  # your answer: an architecture", """
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
    ("md", """
    ## 6. Seven machines, one layer
    `acg.shipped_archs()` holds seven machines: GeneSys, HVX and the small `teaching` machine,
    and four modelled on published accelerators: Google's TPU v1 (`tpu_v1`), MIT's Eyeriss v1
    (`eyeriss_v1`), Berkeley's Gemmini (`gemmini`) and NVIDIA's NVDLA in its smallest
    configuration (`nvdla_small`). Every number in those four files is cited in `docs/archs.md`,
    where the assumptions are marked as such.

    The layer is one you know: ResNet-50's `layer1.0.conv2` (the suite's `resnet50_3x3`: a 3x3
    convolution, 64 to 64 channels, pad 1, with a bias), on a 14x14 crop of its 56x56 feature
    map so that all seven machines compile and simulate it in a few seconds (7.2 M MACs
    instead of 115.6 M).
    """),
    ("code", """
    from covenant_lab.analysis import efficiency
    from covenant_lab.codelets.library import conv2d
    from covenant_lab.compiler.fallback import fallback_note
    from covenant_lab.dse.point import offchip_bytes

    conv = conv2d((1, 64, 14, 14), (64, 64, 3, 3), pads=(1, 1, 1, 1), bias=True,
                  name="resnet50_3x3_14x14")
    machines = {name: acg.load_arch(name) for name in acg.shipped_archs()}
    print(f"{conv.name}: {conv.iterations(conv.stages[0]):,} MACs")
    for a in machines.values():
        print(f"  {a.name:12} {a.description}")
    """),
    ("helper", """
    from html import escape

    from IPython.display import display


    def _cells(row):
        # the table's text for one row of run_on
        clock, micro = row["clock_mhz"], row["time_us"]
        return {
            "machine": row["machine"],
            "peak MACs/cycle": f"{row['peak_macs']:,.0f}",
            "clock": f"{clock:g} MHz" if clock is not None else "none in file",
            "units that ran the stages": ", ".join(row["units"]),
            "fallback": row["fallback"] or "-",
            "simulated cycles": f"{row['cycles']:,}",
            "ideal bound (limit)": f"{row['bound']:,.0f} ({row['limit']})",
            "efficiency": f"{row['efficiency']:.2f}",
            "time (µs)": f"{micro:,.1f}" if micro is not None else "no clock",
            "bytes off chip (x compulsory)":
                f"{row['offchip_bytes']:,} ({row['offchip_bytes'] / row['compulsory_bytes']:.2f}x)",
        }


    def show_table(rows):
        \"\"\"Show run_on's rows as a table: HTML in JupyterLab, aligned text elsewhere.\"\"\"
        cells = [_cells(r) for r in rows]
        heads = list(cells[0])
        left = {"machine", "clock", "units that ran the stages", "fallback"}
        width = {h: max(len(h), *(len(c[h]) for c in cells)) for h in heads}
        text = "\\n".join(
            "  ".join(c[h].ljust(width[h]) if h in left else c[h].rjust(width[h]) for h in heads)
            for c in [{h: h for h in heads}, *cells])
        style = {h: "left" if h in left else "right" for h in heads}
        html = "<table><thead><tr>" + "".join(
            f'<th style="text-align:{style[h]}">{escape(h)}</th>' for h in heads) + "</tr></thead>"
        html += "<tbody>" + "".join(
            "<tr>" + "".join(f'<td style="text-align:{style[h]}">{escape(c[h])}</td>'
                             for h in heads) + "</tr>" for c in cells) + "</tbody></table>"
        display({"text/html": html, "text/plain": text}, raw=True)
    """),
    ("code", """
    def run_on(codelet, arch):
        # compile, simulate (timing only) and bound `codelet` on `arch`: one row of the table
        result = compiler.compile(codelet, arch)
        sim = Simulator(result.program, arch)
        bound = ideal_bound(codelet, arch)
        cycles = sim.total_cycles
        return {
            "machine": arch.name,
            "peak_macs": arch.peak_ops_per_cycle("mac"),
            "clock_mhz": arch.clock_mhz,  # None: the file gives no clock
            "units": result.capabilities,  # the unit.capability of each stage
            "fallback": fallback_note(result.fallback),  # '' when no stage fell back
            "cycles": cycles,
            "bound": bound.cycles,
            "limit": bound.limit,
            "efficiency": efficiency(bound, cycles),
            "time_us": None if arch.clock_mhz is None else cycles / arch.clock_mhz,
            "offchip_bytes": offchip_bytes(sim.bytes_moved(), arch),
            "compulsory_bytes": bound.compulsory_bytes,
        }


    seven = sorted((run_on(conv, a) for a in machines.values()), key=lambda r: -r["peak_macs"])
    show_table(seven)
    """),
    ("md", """
    GeneSys, HVX and `teaching` give no `clock_mhz`: their cycles are of an unnamed clock and
    have no time in microseconds. What stands out (read the numbers off the table above):

    **Cycles are not time.** Eyeriss needs fewer cycles than NVDLA but takes about 4.5 times
    as long, because it runs at 200 MHz and NVDLA's reference point is 1 GHz. Compare machines
    with different clocks in microseconds, and those without a clock only with each other.

    **TPU v1: by far the fastest, yet about a quarter of its bound.** At peak its 256x256 array
    would do the 7.2 M MACs in 110 cycles, less than the 759 cycles that the 36,864 bytes of
    weights take over its 34 GB/s DDR3, so the bound is memory. But the array is shaped for
    bigger layers: 64 output channels fill 64 of its 256 columns, the 576-long reduction
    (64 channels x 3 x 3) needs 3 passes through its 256 rows, each pass waits the 256 cycles
    a weight tile takes to shift in because only 196 output pixels stream through, and the
    systolic fill and drain add 510 cycles: about 1,280 busy cycles, in which the array does 9 %
    of the work it could. The whole layer is one tile, so loading the weights, computing and
    sending the result back over PCIe happen one after the other, with nothing to overlap.

    **Eyeriss v1: the slowest, yet it moves only the compulsory bytes.** Its 168 PEs are busy
    under 40 % of the time: the 16-bit filters come over a 2.4 B/cycle link (73,728 bytes,
    some 30,000 cycles) and partial sums go back and forth between the PEs and the global
    buffer, and as neither the GLB nor the scratchpads are double-buffered, these transfers
    hardly overlap the MACs: the array waits for each filter load and each psum write. Off chip,
    though, it reads every input and weight once and writes every output once (1.00x): the
    row-stationary dataflow does all its reuse on chip, where about 400 kB move between the
    GLB and the PEs' scratchpads. (Its bytes are 16-bit; the TPU, Gemmini and NVDLA write 8-bit
    results, GeneSys, HVX and `teaching` 32-bit ones, hence the different compulsory bytes.)

    **NVDLA nv_small: the most traffic among the published designs, and it costs no time.**
    It reads the input again for each group of 8 output channels (its atomic-K), in slices of
    2 output rows that each need 4 input rows: some 15 times in all. Its 8 B/cycle port is
    still idle most of the time; the quarter of the bound it loses is the MAC array waiting
    after each of its 56 passes while the next input slice loads into the single-buffered
    convolution buffer.

    **Gemmini and GeneSys: the array fits the layer.** 64 channels and the 576-long reduction
    divide exactly into Gemmini's 16x16 and GeneSys's 32x32 arrays, and their double-buffered
    scratchpads load the next tile while the array works: efficiencies of about 0.95 and 0.9.

    No stage fell back to a host on this layer (the fallback column is empty). The bias, for
    which the TPU's and NVDLA's MAC arrays have no port, is added by their activation unit and
    SDP (`act.add`, `sdp.add`).
    """),
    ("code", """
    exercises.add("4", eyeriss_glb_exercise(machines["eyeriss_v1"], conv))
    """),
    ("md", """
    **Exercise 4.** Eyeriss's global buffer (GLB) holds 108 kB, the parameter `glb_kib` of
    `eyeriss_v1.yaml` (`with_node_attr("GLB", "capacity_bytes", ...)` changes it too). First
    *predict*, then measure with `compiler.compile`, `Simulator` and `offchip_bytes` as in
    `run_on`: how many bytes does Eyeriss move off chip for `conv` (a) with a GLB four times as
    large (`glb_kib` 432), (b) with a 16 KiB GLB? Give `answer_4 = (bytes_a, bytes_b)`.
    """),
    ("answer", "answer_4 = None  # your answer: (bytes with 432 KiB, bytes with 16 KiB)", """
    def eyeriss_bytes(glb_kib):
        arch = machines["eyeriss_v1"].with_param("glb_kib", glb_kib)
        result = compiler.compile(conv, arch)
        return offchip_bytes(Simulator(result.program, arch).bytes_moved(), arch)


    # (a) unchanged: 108 kB already hold the layer's input and partial sums, so Eyeriss moves only
    #     the compulsory bytes, and no buffer can go below those.
    # (b) more, and slower: 16 KiB cannot hold them, so the compiler splits the layer into tiles
    #     and some data (here filters and input) crosses the 2.4 B/cycle link more than once.
    answer_4 = (eyeriss_bytes(4 * 108), eyeriss_bytes(16))
    print(answer_4)
    """),
    ("code", 'check_answer("4", answer_4)'),
]
