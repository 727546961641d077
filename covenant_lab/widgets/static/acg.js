// ACGView: draws the state computed by covenant_lab.widgets.acg_state as SVG.
// Python owns the state (trait "graph"); this file only turns records into elements,
// handles pan (drag) / zoom (wheel) through the viewBox, hover, and clicks (trait "selected").
// The view opens fitted to graph.bounds; the canvas is as tall as the drawing's aspect ratio
// asks for at the canvas's width (graph.style: min_height..max_height, at most max_scale),
// unless the trait "height" fixes it (> 0). Type sizes and metrics come from graph.style.
// DOM contract: root .covenant-acg[data-ready="1"]; nodes g.covenant-node[data-name][data-kind]
// (.covenant-fallback-node: a fallback unit, drawn dashed; .covenant-private-node: a per-PE
// storage, drawn as a stack of cards); the toolbar's .covenant-acg-name shows graph.title (the
// name and the reference clock); the attributes panel .covenant-attrs shows the selected node's
// name and attributes. A layer's energy (graph.energy, ACGView.show_energy) fills nodes
// g.covenant-heat-node[data-share] and strokes edges path.covenant-energy-edge by their share,
// with a legend .covenant-energy-legend[data-hottest] and a toolbar button .covenant-energy-toggle
// that hides and shows the colours (root class covenant-energy-on while shown).

const DEFAULT_STYLE = {
  title_px: 12, line_px: 11, edge_px: 10, line_h: 15, edge_line_h: 12, pad: 10, bar_h: 8,
  stack: 6, cylinder: 8, min_height: 180, max_height: 720, max_scale: 1,
};
const LABEL_BASELINE = 4; // an edge label's last baseline sits this far below its label_xy
const DRAG_PX = 3;
const LANE_PX = 4; // between the lanes of the operands sharing a hop

// the unit normal of a path's chord (from its first point to its last): lanes offset along it
function normalOf(d) {
  const nums = d.match(/-?\d+(?:\.\d+)?/g) || [];
  if (nums.length < 4) return [0, 1];
  const [x0, y0] = [Number(nums[0]), Number(nums[1])];
  const [x1, y1] = [Number(nums[nums.length - 2]), Number(nums[nums.length - 1])];
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  return [-(y1 - y0) / len, (x1 - x0) / len];
}

function cylinderPath(w, h) {
  const ry = Math.min(8, h / 6);
  return `M0,${ry} A${w / 2},${ry} 0 0 1 ${w},${ry} L${w},${h - ry} ` +
    `A${w / 2},${ry} 0 0 1 0,${h - ry} Z M0,${ry} A${w / 2},${ry} 0 0 0 ${w},${ry}`;
}

function drawShape(g, node, st) {
  const { w, h } = node;
  if (node.private_to) { // one card per PE: two drawn behind the front one
    const s = st.stack;
    const card = { width: w - s, height: h - s };
    svgEl("rect", { class: "covenant-shape covenant-card", x: s, y: 0, ...card }, g);
    svgEl("rect", { class: "covenant-shape covenant-card", x: s / 2, y: s / 2, ...card }, g);
    svgEl("rect", { class: "covenant-shape", x: 0, y: s, ...card }, g);
  } else if (node.kind === "comm") {
    svgEl("ellipse", { class: "covenant-shape", cx: w / 2, cy: h / 2, rx: w / 2, ry: h / 2 }, g);
  } else if (node.kind === "compute") {
    svgEl("rect", { class: "covenant-shape", width: w, height: h, rx: 10, ry: 10 }, g);
  } else if (node.off_chip) {
    svgEl("path", { class: "covenant-shape covenant-offchip", d: cylinderPath(w, h) }, g);
  } else {
    svgEl("rect", { class: "covenant-shape", width: w, height: h }, g);
  }
}

function rowsOf(node) {
  if (node.rows) return node.rows;
  const lines = node.lines.map((text, i) => ({ text, class: i ? "line" : "title", colour: "" }));
  return lines.concat(node.overlay_lines.map((x) => (
    { text: x.text, class: "overlay", colour: x.colour })));
}

const ROW_CLASS = {
  title: "covenant-title", line: "covenant-line", overlay: "covenant-overlay-line",
  energy: "covenant-energy-line",
};

function drawText(g, node, st) {
  const rows = rowsOf(node);
  const left = node.kind === "comm" ? node.w / 2 : st.pad;
  const anchor = node.kind === "comm" ? "middle" : "start";
  const top = node.kind === "comm" ? (node.h - rows.length * st.line_h) / 2
    : node.off_chip ? st.pad + st.cylinder : node.private_to ? st.pad + st.stack : st.pad;
  const baseline = Math.round((st.line_h + 0.72 * st.line_px) / 2);
  rows.forEach((row, i) => {
    const t = svgEl("text", { x: left, y: top + i * st.line_h + baseline, "text-anchor": anchor,
      class: ROW_CLASS[row.class] || "covenant-line" }, g);
    if (row.colour) t.style.fill = row.colour;
    t.textContent = row.text.replace(/^ +/, (m) => "\u00a0".repeat(m.length)); // keep indents
  });
  return top + rows.length * st.line_h;
}

function drawBar(g, node, y, st) {
  if (node.fraction === null || node.fraction === undefined) return;
  const width = node.w - 2 * st.pad;
  svgEl("rect", { class: "covenant-bar-bg", x: st.pad, y: y + 2, width, height: st.bar_h }, g);
  const f = Math.max(0, Math.min(1, node.fraction));
  svgEl("rect", { class: node.fraction > 1 ? "covenant-bar covenant-over" : "covenant-bar",
    x: st.pad, y: y + 2, width: width * f, height: st.bar_h }, g);
}

function drawDots(g, node, colours) {
  node.operands.forEach((name, i) => {
    svgEl("circle", { class: "covenant-dot", cx: node.w - 8 - 10 * i, cy: 8, r: 4,
      fill: colours[name] || "#888", "data-operand": name }, g);
  });
}

function makeMarker(defs, id, colour) {
  const m = svgEl("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerUnits: "userSpaceOnUse", markerWidth: 9, markerHeight: 9,
    orient: "auto-start-reverse" }, defs);
  svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: colour }, m);
}

function addRow(table, key, value) {
  const tr = htmlEl("tr", "", table);
  htmlEl("th", "", tr, key);
  htmlEl("td", "", tr, String(value));
}

function fillPanel(panel, graph, name) {
  panel.replaceChildren();
  const node = graph.nodes.find((n) => n.name === name);
  if (!node) {
    htmlEl("div", "covenant-attrs-title", panel, graph.title || graph.name);
    if (graph.description) htmlEl("div", "covenant-attrs-desc", panel, graph.description);
    const t = htmlEl("table", "covenant-attrs-table", panel);
    for (const [k, v] of graph.params) addRow(t, k, v);
    for (const b of graph.bindings) {
      htmlEl("div", "covenant-attrs-line", panel,
        `stage ${b.stage}: ${b.node}.${b.capability}(${b.roles}) ${b.spatial}`);
    }
    htmlEl("div", "covenant-attrs-hint", panel, "click a node for its attributes");
    return;
  }
  htmlEl("div", "covenant-attrs-title", panel, node.name);
  htmlEl("div", "covenant-attrs-kind", panel, node.off_chip ? "storage (off-chip)" : node.kind);
  const t = htmlEl("table", "covenant-attrs-table", panel);
  for (const [k, v] of node.attrs) addRow(t, k, v);
  if (node.heat && graph.energy) {
    htmlEl("div", "covenant-attrs-head", panel, `energy of ${graph.energy.layer}: ${node.heat.text}`);
    const et = htmlEl("table", "covenant-attrs-table covenant-attrs-energy", panel);
    for (const [action, text] of node.heat.actions) addRow(et, action, text);
  }
  if (node.overlay_lines.length) {
    htmlEl("div", "covenant-attrs-head", panel, `mapping of ${graph.mapping}`);
    for (const extra of node.overlay_lines) {
      const d = htmlEl("div", "covenant-attrs-line", panel, extra.text);
      if (extra.colour) d.style.color = extra.colour;
    }
  }
  const edges = graph.edges.filter((e) => e.src === name || e.dst === name || e.via === name);
  if (edges.length) {
    htmlEl("div", "covenant-attrs-head", panel, "edges");
    for (const e of edges) {
      const via = e.via ? ` via ${e.via}` : "";
      const label = e.label.replace("⇄ ", ""); // bandwidth, latency, "-> int8"
      htmlEl("div", "covenant-attrs-line", panel, `${e.src} → ${e.dst}: ${label}${via}`);
    }
  }
  if (node.capabilities.length) {
    htmlEl("div", "covenant-attrs-head", panel, `capabilities (${node.capabilities.length})`);
    for (const c of node.capabilities) {
      const box = htmlEl("details", "covenant-cap", panel);
      htmlEl("summary", "", box, `${c.label} (${c.op})`);
      const ct = htmlEl("table", "covenant-attrs-table", box);
      addRow(ct, "ports", c.ports);
      addRow(ct, "spatial", c.spatial || "-");
      addRow(ct, "cycles", c.cycles);
      addRow(ct, "latency", c.latency);
      if (c.template) addRow(ct, "template", c.template);
    }
  }
}

function render({ model, el }) {
  el.classList.add("covenant-acg");
  const uid = `cacg${Math.random().toString(36).slice(2, 10)}`;
  const body = htmlEl("div", "covenant-acg-body", el);
  const left = htmlEl("div", "covenant-acg-main", body);
  const toolbar = htmlEl("div", "covenant-acg-toolbar", left);
  const zoomIn = htmlEl("button", "covenant-zoom-in", toolbar, "+");
  const zoomOut = htmlEl("button", "covenant-zoom-out", toolbar, "−");
  const fit = htmlEl("button", "covenant-fit", toolbar, "fit");
  const energyToggle = htmlEl("button", "covenant-energy-toggle", toolbar, "energy");
  energyToggle.title = "show or hide the energy heat overlay";
  const title = htmlEl("span", "covenant-acg-name", toolbar);
  const notes = htmlEl("div", "covenant-acg-notes", left);
  const canvas = htmlEl("div", "covenant-acg-canvas", left);
  const legend = htmlEl("div", "covenant-legend", left);
  const energyLegend = htmlEl("div", "covenant-energy-legend", left);
  const machinePanel = htmlEl("div", "covenant-machine", left);
  const panel = htmlEl("div", "covenant-attrs", body);
  const svg = svgEl("svg", { class: "covenant-acg-svg" }, canvas);

  let graph = null;
  let view = null;
  let fitted = true; // the view shows the whole drawing (no pan or zoom since)
  let focus = "";
  let energyHidden = false; // the toolbar's energy button
  const style = () => ({ ...DEFAULT_STYLE, ...((graph && graph.style) || {}) });

  const setView = (v) => {
    view = v;
    svg.setAttribute("viewBox", v.map((n) => n.toFixed(1)).join(" "));
  };
  // the drawing's bounds, with room above and below for the machine's tags when shown
  const MACHINE_ROOM = 18;
  let machineShown = false;
  const drawnBounds = () => {
    const [x, y, w, h] = graph.bounds;
    return machineShown ? [x, y - MACHINE_ROOM, w, h + 2 * MACHINE_ROOM] : [x, y, w, h];
  };
  const fitView = () => {
    if (!graph) return;
    setView(drawnBounds());
    fitted = true;
  };
  const scale = () => {
    const r = svg.getBoundingClientRect();
    if (!r.width || !r.height) return 1;
    return Math.min(r.width / view[2], r.height / view[3]);
  };
  const zoomAt = (factor, ux, uy) => {
    if (!view || !graph) return;
    const [x, y, w, h] = view;
    const limit = graph.bounds[2];
    const nw = Math.min(Math.max(w * factor, limit / 20), limit * 5);
    const f = nw / w;
    setView([ux - (ux - x) * f, uy - (uy - y) * f, w * f, h * f]);
    fitted = false;
  };
  const toUser = (cx, cy) => {
    const m = svg.getScreenCTM();
    if (!m) return [view[0] + view[2] / 2, view[1] + view[3] / 2];
    const p = new DOMPoint(cx, cy).matrixTransform(m.inverse());
    return [p.x, p.y];
  };

  function select(name) {
    model.set("selected", name);
    model.save_changes();
  }

  function showSelected() {
    const name = model.get("selected");
    svg.querySelectorAll("g.covenant-node").forEach((g) => {
      g.classList.toggle("covenant-selected", g.dataset.name === name);
    });
    if (graph) fillPanel(panel, graph, name);
  }

  function hover(name, on) {
    svg.querySelectorAll("g.covenant-edge").forEach((g) => {
      if (g.dataset.src === name || g.dataset.dst === name || g.dataset.via === name) {
        g.classList.toggle("covenant-hover", on);
      }
    });
    const g = svg.querySelector(`g.covenant-node[data-name="${CSS.escape(name)}"]`);
    if (g) g.classList.toggle("covenant-hover", on);
  }

  // the operand in focus: the one hovered (a lane, a legend item), else the one clicked
  let hovered = "";
  function applyFocus() {
    const op = hovered || focus;
    svg.querySelectorAll("[data-operands]").forEach((g) => {
      const ops = g.dataset.operands ? g.dataset.operands.split(" ") : [];
      g.classList.toggle("covenant-dim", Boolean(op) && !ops.includes(op));
    });
    svg.querySelectorAll("path.covenant-edge-overlay").forEach((p) => {
      const on = Boolean(op) && p.dataset.operand === op;
      p.classList.toggle("covenant-lane-focus", on);
      p.classList.toggle("covenant-lane-dim", Boolean(op) && !on);
    });
    legend.querySelectorAll(".covenant-legend-item").forEach((item) => {
      item.classList.toggle("covenant-focus", item.dataset.operand === op);
    });
  }
  function hoverOperand(name) {
    hovered = name;
    applyFocus();
  }

  function drawLegend() {
    legend.replaceChildren();
    legend.style.display = graph.legend.length ? "" : "none";
    for (const item of graph.legend) {
      const row = htmlEl("span", "covenant-legend-item", legend);
      row.dataset.operand = item.name;
      const sw = htmlEl("span", "covenant-swatch", row);
      sw.style.background = item.colour;
      htmlEl("span", "", row, `${item.name} [${item.shape.join("x")}] ${item.role}: ${item.chain}`);
      row.addEventListener("click", () => {
        focus = focus === item.name ? "" : item.name;
        applyFocus();
      });
      row.addEventListener("mouseenter", () => hoverOperand(item.name));
      row.addEventListener("mouseleave", () => hoverOperand(""));
    }
  }

  // a layer's energy: the legend (ramp with ticks, the components that spent most), and the
  // root class that turns the node fills and edge strokes on
  function drawEnergy() {
    const en = graph && graph.energy;
    energyToggle.style.display = en ? "" : "none";
    energyToggle.classList.toggle("covenant-pressed", Boolean(en) && !energyHidden);
    el.classList.toggle("covenant-energy-on", Boolean(en) && !energyHidden);
    energyLegend.replaceChildren();
    energyLegend.style.display = en && !energyHidden ? "" : "none";
    if (!en) return;
    energyLegend.dataset.hottest = en.hottest;
    htmlEl("div", "covenant-energy-title", energyLegend,
      `energy of ${en.layer}: ${en.total} (colour: share, log scale)`);
    const scale = htmlEl("div", "covenant-energy-scale", energyLegend);
    const bar = htmlEl("div", "covenant-energy-ramp", scale);
    bar.style.background = `linear-gradient(to right, ${en.ramp.join(", ")})`;
    for (const tick of en.ticks) {
      const tk = htmlEl("span", "covenant-energy-tick", scale, tick.text);
      tk.style.left = `${(100 * tick.t).toFixed(1)}%`;
    }
    const items = htmlEl("div", "covenant-energy-items", energyLegend);
    for (const item of en.items) {
      const row = htmlEl("span", "covenant-energy-item", items);
      row.dataset.name = item.name;
      const sw = htmlEl("span", "covenant-swatch", row);
      sw.style.background = item.colour;
      htmlEl("span", "", row, `${item.name} ${item.text}`);
    }
    if (en.more) htmlEl("span", "covenant-energy-item", items, `+${en.more} more`);
  }
  energyToggle.addEventListener("click", () => {
    energyHidden = !energyHidden;
    drawEnergy();
  });

  function drawNotes() {
    notes.replaceChildren();
    const items = (graph && graph.notes) || [];
    notes.style.display = items.length ? "" : "none";
    for (const note of items) {
      const d = htmlEl("div", "covenant-fallback-note", notes, note.text);
      d.dataset.node = note.node;
    }
  }

  // the machine at one cycle (trait "machine"): active edges and units lit with the operand,
  // each storage's tiles and each array's PEs (heat map, current instruction outlined)
  function drawMachine() {
    const m = model.get("machine") || {};
    svg.querySelectorAll(".covenant-machine-layer").forEach((x) => x.remove());
    svg.querySelectorAll(".covenant-active").forEach((x) => x.classList.remove("covenant-active"));
    machinePanel.replaceChildren();
    const on = Boolean(graph && graph.nodes && m.edges);
    machinePanel.style.display = on ? "" : "none";
    if (on !== machineShown) { // room for the tags above and below the drawing
      machineShown = on;
      resize();
      if (fitted) fitView();
    }
    if (!on) return;
    const layer = svgEl("g", { class: "covenant-machine-layer" }, svg);
    const head = htmlEl("div", "covenant-machine-head", machinePanel,
      `cycle ${m.cycle.toLocaleString("en")} / ${m.total_cycles.toLocaleString("en")}`);
    head.dataset.cycle = String(m.cycle);
    for (const a of m.edges) {
      const e = graph.edges.find((x) => x.src === a.src && x.dst === a.dst);
      if (!e) continue;
      const sel = `g.covenant-edge[data-src="${CSS.escape(a.src)}"][data-dst="${CSS.escape(a.dst)}"]`;
      const g = svg.querySelector(sel);
      if (g) g.classList.add("covenant-active");
      const path = svgEl("path", { class: "covenant-active-edge", d: e.d, stroke: a.colour,
        "data-operand": a.operand, "data-src": a.src, "data-dst": a.dst }, layer);
      const p = path.getPointAtLength(path.getTotalLength() * 0.65); // toward where it goes
      machineTag(layer, p.x, p.y - 7, `${a.kind} ${a.operand}`, a.colour);
      const line = htmlEl("div", "covenant-machine-line", machinePanel,
        `#${a.index} ${a.kind} ${a.operand}: ${a.src} → ${a.dst}` +
        (a.via ? ` via ${a.via}` : "") + `, ${a.nbytes} B`);
      line.style.color = a.colour;
    }
    for (const u of m.units) {
      const node = graph.nodes.find((n) => n.name === u.node);
      if (!node) continue;
      const g = svg.querySelector(`g.covenant-node[data-name="${CSS.escape(u.node)}"]`);
      if (g) g.classList.add("covenant-active");
      // above the unit, or below it when that would leave the drawing
      const above = node.y - node.h / 2 - 6;
      const y = above - 14 < graph.bounds[1] - MACHINE_ROOM ? node.y + node.h / 2 + 16 : above;
      machineTag(layer, node.x, y, `${u.capability}(${u.reads.join(", ")}) → ${u.operand}`,
        u.colour);
      const use = u.dims.map(([d, n], k) => `${u.used[k]} of ${n} ${d}`).join(" x ");
      const line = htmlEl("div", "covenant-machine-line", machinePanel,
        `#${u.index} ${u.node}.${u.capability}(${u.reads.join(", ")}) → ${u.operand}` +
        (use ? `, uses ${use}` : ""));
      line.style.color = u.colour;
    }
    if (!m.edges.length && !m.units.length) {
      htmlEl("div", "covenant-machine-line", machinePanel, "idle (waiting on a latency)");
    }
    const body = htmlEl("div", "covenant-machine-body", machinePanel);
    const table = htmlEl("table", "covenant-machine-tiles", body);
    for (const t of m.tiles) { // on the storage: how many tiles, under it (all in its tooltip)
      const node = graph.nodes.find((n) => n.name === t.storage);
      if (node) {
        const count = t.tiles.length + t.more;
        const tag = svgEl("text", { class: "covenant-machine-tiles-tag", "data-storage": t.storage,
          x: node.x + node.w / 2, y: node.y + node.h / 2 + 13, "text-anchor": "end" }, layer);
        tag.textContent = `${count} tile${count === 1 ? "" : "s"}: ${t.tiles[0]}` +
          (count > 1 ? " …" : "");
        svgEl("title", {}, tag).textContent = t.tiles.join("\n");
      }
      const tr = htmlEl("tr", "", table);
      tr.dataset.storage = t.storage;
      htmlEl("th", "", tr, t.storage);
      htmlEl("td", "", tr, t.tiles.join("  ") + (t.more ? `  +${t.more} more` : ""));
    }
    for (const h of m.heat) drawHeat(body, h, m.units.find((u) => u.node === h.node));
  }

  function machineTag(layer, x, y, text, colour) {
    const t = svgEl("text", { class: "covenant-machine-tag", x, y, "text-anchor": "middle" },
      layer);
    t.style.fill = colour;
    t.textContent = text;
  }

  function drawHeat(parent, h, unit) {
    const box = htmlEl("div", "covenant-heat", parent);
    box.dataset.node = h.node;
    const rows = h.grid.length;
    const cols = rows ? h.grid[0].length : 0;
    const cell = Math.max(3, Math.min(24, Math.floor(192 / Math.max(rows, cols, 1))));
    const block = h.block[0] > 1 || h.block[1] > 1 ? ` (cells of ${h.block.join("x")} PEs)` : "";
    htmlEl("div", "covenant-heat-title", box,
      `${h.node}: ${h.shape.join(" x ")} PEs, share of the run computing${block}`);
    const s = svgEl("svg", { width: cols * cell + 2, height: rows * cell + 2 }, box);
    h.grid.forEach((row, r) => row.forEach((v, c) => {
      const light = Math.round(255 - 200 * Math.max(0, Math.min(1, v)));
      svgEl("rect", { x: 1 + c * cell, y: 1 + r * cell, width: cell, height: cell,
        fill: `rgb(${light},${light},255)`, stroke: "#eee", "stroke-width": 0.3 }, s);
    }));
    if (unit && unit.used.length) {
      const used = unit.used.length > 1 ? unit.used : [1, unit.used[0]];
      const ur = Math.ceil(used[0] / h.block[0]);
      const uc = Math.ceil(used[1] / h.block[1]);
      const r = svgEl("rect", { class: "covenant-heat-used", x: 1, y: 1, width: uc * cell,
        height: ur * cell }, s);
      r.dataset.rows = String(used[0]);
      r.dataset.cols = String(used[1]);
    }
  }

  function draw() {
    const previous = graph ? graph.name : null;
    graph = model.get("graph");
    svg.replaceChildren();
    drawNotes();
    if (!graph || !graph.nodes) return;
    const name = graph.title || graph.name;
    title.textContent = graph.mapping ? `${name} · ${graph.mapping}` : name;
    const st = style();
    svg.style.setProperty("--covenant-title-px", `${st.title_px}px`);
    svg.style.setProperty("--covenant-line-px", `${st.line_px}px`);
    svg.style.setProperty("--covenant-edge-px", `${st.edge_px}px`);
    const colours = Object.fromEntries(graph.legend.map((o) => [o.name, o.colour]));
    const defs = svgEl("defs", {}, svg);
    makeMarker(defs, `${uid}-arrow`, "#777");
    for (const o of graph.legend) makeMarker(defs, `${uid}-arrow-${o.name}`, o.colour);
    const edgeLayer = svgEl("g", { class: "covenant-edges" }, svg);
    const nodeLayer = svgEl("g", { class: "covenant-nodes" }, svg);
    const labelLayer = svgEl("g", { class: "covenant-labels" }, svg);
    for (const e of graph.edges) {
      const g = svgEl("g", { class: "covenant-edge", "data-src": e.src, "data-dst": e.dst,
        "data-via": e.via, "data-operands": e.operands.join(" ") }, edgeLayer);
      const n = e.operands.length;
      if (e.heat) { // under the lanes, wider than they are: the energy along the edge
        g.dataset.share = String(e.heat.share);
        for (const d of e.d.split(/(?=M)/).map((p) => p.trim())) {
          svgEl("path", { class: "covenant-energy-edge", d, stroke: e.heat.colour,
            "stroke-width": e.heat.width + n * LANE_PX }, g);
        }
      }
      // one path per hop: an edge via a comm node has an arrow into the hub too (a twin
      // drawn back along the same connector then shows both directions on every hop)
      for (const d of e.d.split(/(?=M)/).map((p) => p.trim())) {
        // one lane per operand, side by side along the hop: each path can be followed
        const [nx, ny] = normalOf(d);
        e.operands.forEach((name, k) => {
          const off = (k - (n - 1) / 2) * LANE_PX;
          const lane = svgEl("path", { class: "covenant-edge-overlay", d, stroke: colours[name],
            "data-operand": name, "marker-end": `url(#${uid}-arrow-${name})`,
            transform: `translate(${(nx * off).toFixed(2)},${(ny * off).toFixed(2)})` }, g);
          lane.addEventListener("mouseenter", () => hoverOperand(name));
          lane.addEventListener("mouseleave", () => hoverOperand(""));
        });
        const line = svgEl("path", { class: n ? "covenant-edge-line covenant-mapped" : "covenant-edge-line",
          d }, g);
        if (!n) line.setAttribute("marker-end", `url(#${uid}-arrow)`);
      }
      const tip = svgEl("title", {}, g);
      tip.textContent = `${e.src} → ${e.dst}` + (e.via ? ` via ${e.via}` : "") +
        `: ${e.label.replace("⇄ ", "")}` + (e.heat ? `; this way ${e.heat.text}, ` +
        `${e.heat.bytes.toLocaleString("en")} B` : "");
      if (e.label_xy) {
        const lines = e.label_lines || [e.label];
        const t = svgEl("text", { class: "covenant-edge-label", x: e.label_xy[0],
          y: e.label_xy[1] + LABEL_BASELINE, "text-anchor": "middle", "data-src": e.src,
          "data-dst": e.dst }, labelLayer);
        // hovering a label shows whose it is: its edge lights up (labels crowd near hubs)
        const lit = (on) => {
          g.classList.toggle("covenant-hover", on);
          t.classList.toggle("covenant-label-hover", on);
        };
        t.addEventListener("mouseenter", () => lit(true));
        t.addEventListener("mouseleave", () => lit(false));
        if (lines.length === 1) {
          t.textContent = lines[0];
        } else {
          lines.forEach((line, i) => {
            const dy = i === 0 ? -(lines.length - 1) * st.edge_line_h : st.edge_line_h;
            const span = svgEl("tspan", { x: e.label_xy[0], dy }, t);
            span.textContent = line;
            if (e.label_energy && i === lines.length - 1) span.classList.add("covenant-energy-line");
          });
        }
      }
    }
    for (const node of graph.nodes) {
      const g = svgEl("g", { class: "covenant-node", "data-name": node.name,
        "data-kind": node.kind, "data-operands": node.operands.join(" "),
        transform: `translate(${node.x - node.w / 2},${node.y - node.h / 2})` }, nodeLayer);
      if (node.off_chip) g.classList.add("covenant-offchip-node");
      if (node.fallback) g.classList.add("covenant-fallback-node");
      if (node.private_to) g.classList.add("covenant-private-node");
      if (node.heat) {
        g.classList.add("covenant-heat-node");
        g.dataset.share = String(node.heat.share);
        g.style.setProperty("--covenant-heat", node.heat.colour);
        svgEl("title", {}, g).textContent = `${node.name}: ${node.heat.text} of ` +
          `${graph.energy.layer}'s ${graph.energy.total}`;
      }
      drawShape(g, node, st);
      const y = drawText(g, node, st);
      drawBar(g, node, y, st);
      drawDots(g, node, colours);
      g.addEventListener("mouseenter", () => hover(node.name, true));
      g.addEventListener("mouseleave", () => hover(node.name, false));
      g.addEventListener("click", (ev) => {
        if (moved) return;
        ev.stopPropagation();
        select(node.name);
      });
    }
    resize();
    // a new drawing opens fitted; so does a new state of this one, unless panned or zoomed
    if (!view || fitted || previous !== graph.name) fitView();
    drawLegend();
    drawEnergy();
    applyFocus();
    showSelected();
    drawMachine();
  }

  // pan and zoom through the viewBox
  let drag = null;
  let moved = false;
  const onDown = (ev) => {
    if (ev.button !== 0 || !view) return;
    drag = { x: ev.clientX, y: ev.clientY, view: view.slice(), id: ev.pointerId };
    moved = false;
  };
  const onMove = (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!moved && Math.hypot(dx, dy) < DRAG_PX) return;
    if (!moved) {
      moved = true;
      svg.setPointerCapture(drag.id);
      svg.classList.add("covenant-panning");
    }
    const s = scale();
    setView([drag.view[0] - dx / s, drag.view[1] - dy / s, drag.view[2], drag.view[3]]);
    fitted = false;
  };
  const onUp = () => {
    if (drag && moved && svg.hasPointerCapture(drag.id)) svg.releasePointerCapture(drag.id);
    svg.classList.remove("covenant-panning");
    drag = null;
    setTimeout(() => { moved = false; }, 0);
  };
  const onWheel = (ev) => {
    ev.preventDefault();
    const [ux, uy] = toUser(ev.clientX, ev.clientY);
    zoomAt(Math.exp(ev.deltaY * 0.0015), ux, uy);
  };
  svg.addEventListener("pointerdown", onDown);
  svg.addEventListener("pointermove", onMove);
  svg.addEventListener("pointerup", onUp);
  svg.addEventListener("pointercancel", onUp);
  svg.addEventListener("wheel", onWheel, { passive: false });
  svg.addEventListener("dblclick", fitView);
  const centre = () => [view[0] + view[2] / 2, view[1] + view[3] / 2];
  zoomIn.addEventListener("click", () => zoomAt(1 / 1.25, ...centre()));
  zoomOut.addEventListener("click", () => zoomAt(1.25, ...centre()));
  fit.addEventListener("click", fitView);

  // the canvas is as tall as the drawing at the canvas's width (or "height" when set)
  function resize() {
    const fixed = model.get("height");
    let h;
    if (fixed > 0) {
      h = fixed;
    } else {
      const st = style();
      const width = canvas.clientWidth;
      const b = graph && drawnBounds();
      h = st.min_height;
      if (width > 0 && b && b[2] > 0 && b[3] > 0) {
        h = Math.min(width / b[2], st.max_scale) * b[3];
        h = Math.min(Math.max(h, st.min_height), st.max_height);
      }
    }
    const px = `${Math.round(h)}px`;
    if (canvas.style.height !== px) canvas.style.height = px;
  }
  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(resize);
  if (observer) observer.observe(canvas);
  const handlers = { graph: () => draw(), selected: showSelected, height: resize,
                    machine: drawMachine };
  const unlisten = listen(model, handlers, () => { if (observer) observer.disconnect(); });
  resize();
  draw();
  el.dataset.ready = "1";
  return unlisten;
}

export default { render };
