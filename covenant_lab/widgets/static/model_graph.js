// ModelGraph: draws the state computed by covenant_lab.widgets.model_graph_state as SVG.
// Python owns the state (trait "graph"); this file turns records into elements. The drawing
// is shown at its own size (scaled down only to fit the width) inside a scrolling canvas
// "height" px tall; clicking a unit sets "selected" (Python compiles it and sets "status").
// DOM contract: root .covenant-model-graph[data-ready="1"]; nodes g.covenant-mg-node[data-id]
// [data-kind] (selected: .covenant-selected); edges path.covenant-mg-edge[data-src][data-dst];
// the colour picker select.covenant-mg-colour; the status line .covenant-mg-status.

function render({ model, el }) {
  el.classList.add("covenant-model-graph");
  const toolbar = htmlEl("div", "covenant-mg-toolbar", el);
  const name = htmlEl("span", "covenant-mg-name", toolbar);
  htmlEl("span", "", toolbar, "colour by");
  const picker = htmlEl("select", "covenant-mg-colour", toolbar);
  for (const v of ["op", "efficiency", "unit"]) htmlEl("option", "", picker, v).value = v;
  const legend = htmlEl("span", "covenant-mg-legend", toolbar);
  const status = htmlEl("div", "covenant-mg-status", el);
  const canvas = htmlEl("div", "covenant-mg-canvas", el);
  const svg = svgEl("svg", { class: "covenant-mg-svg" }, canvas);
  const uid = `cmg${Math.random().toString(36).slice(2, 10)}`;

  function select(id) {
    model.set("selected", id);
    model.save_changes();
  }

  function showSelected() {
    const id = model.get("selected");
    svg.querySelectorAll("g.covenant-mg-node").forEach((g) => {
      g.classList.toggle("covenant-selected", g.dataset.id === id);
    });
    svg.querySelectorAll("path.covenant-mg-edge").forEach((p) => {
      p.classList.toggle("covenant-mg-near", Boolean(id) &&
        (p.dataset.src === id || p.dataset.dst === id));
    });
  }

  function draw() {
    const graph = model.get("graph");
    svg.replaceChildren();
    legend.replaceChildren();
    if (!graph || !graph.nodes) return;
    name.textContent = graph.name;
    picker.value = graph.colour_by;
    for (const item of graph.legend) {
      const row = htmlEl("span", "covenant-mg-legend-item", legend);
      htmlEl("span", "covenant-mg-swatch", row).style.background = item.colour;
      htmlEl("span", "", row, item.label);
    }
    const st = graph.style;
    const [x0, y0, w, h] = graph.bounds;
    const width = canvas.clientWidth || 800;
    const scale = Math.min(1, (width - 2) / w);
    svg.setAttribute("viewBox", `${x0} ${y0} ${w} ${h}`);
    svg.setAttribute("width", (w * scale).toFixed(0));
    svg.setAttribute("height", (h * scale).toFixed(0));
    svg.style.setProperty("--covenant-mg-title-px", `${st.title_px}px`);
    svg.style.setProperty("--covenant-mg-line-px", `${st.line_px}px`);
    const defs = svgEl("defs", {}, svg);
    const m = svgEl("marker", { id: `${uid}-arrow`, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerUnits: "userSpaceOnUse", markerWidth: 8, markerHeight: 8, orient: "auto" }, defs);
    svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#888" }, m);
    const edges = svgEl("g", {}, svg);
    for (const e of graph.edges) {
      const p = svgEl("path", { class: "covenant-mg-edge", d: e.d, "data-src": e.src,
        "data-dst": e.dst, "marker-end": `url(#${uid}-arrow)` }, edges);
      svgEl("title", {}, p).textContent = `${e.tensor} [${e.shape}]`;
    }
    const nodes = svgEl("g", {}, svg);
    for (const n of graph.nodes) {
      const g = svgEl("g", { class: "covenant-mg-node", "data-id": n.id, "data-kind": n.kind,
        transform: `translate(${n.x - n.w / 2},${n.y - n.h / 2})` }, nodes);
      svgEl("rect", { class: "covenant-mg-shape", width: n.w, height: n.h,
        rx: n.kind === "unit" ? 4 : n.h / 2, fill: n.colour }, g);
      n.rows.forEach((text, i) => {
        const t = svgEl("text", { x: st.pad, y: st.pad + i * st.line_h + st.line_h * 0.75,
          class: i === 0 ? "covenant-mg-title" : "covenant-mg-line" }, g);
        t.textContent = text;
      });
      const tip = [n.layers.join(" → ") || n.id, n.unit ? `on ${n.unit}` : "", n.error]
        .filter(Boolean).join("\n");
      svgEl("title", {}, g).textContent = tip;
      if (n.kind === "unit") {
        g.addEventListener("click", () => select(n.id));
      }
    }
    showSelected();
  }

  const showStatus = () => { status.textContent = model.get("status"); };
  const resize = () => {
    canvas.style.maxHeight = `${model.get("height")}px`;
  };
  picker.addEventListener("change", () => {
    status.textContent = picker.value === "op" ? "" : "compiling the model ...";
    model.set("colour_by", picker.value);
    model.save_changes();
  });
  const unlisten = listen(model, { graph: draw, selected: showSelected, status: showStatus,
                                   height: resize });
  resize();
  draw();
  showStatus();
  el.dataset.ready = "1";
  return unlisten;
}

export default { render };
