// ACGView: draws the state computed by covenant_lab.widgets.acg_state as SVG.
// Python owns the state (trait "graph"); this file only turns records into elements,
// handles pan (drag) / zoom (wheel) through the viewBox, hover, and clicks (trait "selected").
// DOM contract: root .covenant-acg[data-ready="1"]; nodes g.covenant-node[data-name][data-kind];
// the side panel .covenant-attrs shows the selected node's name and attributes.

const SVG_NS = "http://www.w3.org/2000/svg";
const PAD = 10;
const LINE_H = 15;
const BAR_H = 8;
const DRAG_PX = 3;

function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function htmlEl(tag, className, parent, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function cylinderPath(w, h) {
  const ry = Math.min(8, h / 6);
  return `M0,${ry} A${w / 2},${ry} 0 0 1 ${w},${ry} L${w},${h - ry} ` +
    `A${w / 2},${ry} 0 0 1 0,${h - ry} Z M0,${ry} A${w / 2},${ry} 0 0 0 ${w},${ry}`;
}

function drawShape(g, node) {
  const { w, h } = node;
  if (node.kind === "comm") {
    svgEl("ellipse", { class: "covenant-shape", cx: w / 2, cy: h / 2, rx: w / 2, ry: h / 2 }, g);
  } else if (node.kind === "compute") {
    svgEl("rect", { class: "covenant-shape", width: w, height: h, rx: 10, ry: 10 }, g);
  } else if (node.off_chip) {
    svgEl("path", { class: "covenant-shape covenant-offchip", d: cylinderPath(w, h) }, g);
  } else {
    svgEl("rect", { class: "covenant-shape", width: w, height: h }, g);
  }
}

function drawText(g, node) {
  const left = node.kind === "comm" ? node.w / 2 : PAD;
  const anchor = node.kind === "comm" ? "middle" : "start";
  const rows = node.lines.length + node.overlay_lines.length;
  const top = node.kind === "comm" ? (node.h - rows * LINE_H) / 2 + 2 : node.off_chip ? PAD + 4 : PAD;
  let y = top + 11;
  node.lines.forEach((line, i) => {
    const t = svgEl("text", { x: left, y, "text-anchor": anchor,
      class: i === 0 ? "covenant-title" : "covenant-line" }, g);
    t.textContent = line;
    y += LINE_H;
  });
  for (const extra of node.overlay_lines) {
    const t = svgEl("text", { x: left, y, "text-anchor": anchor, class: "covenant-overlay-line" }, g);
    if (extra.colour) t.style.fill = extra.colour;
    t.textContent = extra.text;
    y += LINE_H;
  }
  return y - 11;
}

function drawBar(g, node, y) {
  if (node.fraction === null || node.fraction === undefined) return;
  const width = node.w - 2 * PAD;
  svgEl("rect", { class: "covenant-bar-bg", x: PAD, y: y + 2, width, height: BAR_H }, g);
  const f = Math.max(0, Math.min(1, node.fraction));
  svgEl("rect", { class: node.fraction > 1 ? "covenant-bar covenant-over" : "covenant-bar",
    x: PAD, y: y + 2, width: width * f, height: BAR_H }, g);
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
    htmlEl("div", "covenant-attrs-title", panel, graph.name);
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
      const bw = e.attrs.find(([k]) => k === "bandwidth");
      htmlEl("div", "covenant-attrs-line", panel, `${e.src} → ${e.dst}: ${bw ? bw[1] : ""}${via}`);
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
  const title = htmlEl("span", "covenant-acg-name", toolbar);
  const canvas = htmlEl("div", "covenant-acg-canvas", left);
  const legend = htmlEl("div", "covenant-legend", left);
  const panel = htmlEl("div", "covenant-attrs", body);
  const svg = svgEl("svg", { class: "covenant-acg-svg" }, canvas);

  let graph = null;
  let view = null;
  let focus = "";

  const setView = (v) => {
    view = v;
    svg.setAttribute("viewBox", v.map((n) => n.toFixed(1)).join(" "));
  };
  const fitView = () => { if (graph) setView(graph.bounds.slice()); };
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

  function applyFocus() {
    svg.querySelectorAll("[data-operands]").forEach((g) => {
      const ops = g.dataset.operands ? g.dataset.operands.split(" ") : [];
      g.classList.toggle("covenant-dim", Boolean(focus) && !ops.includes(focus));
    });
    legend.querySelectorAll(".covenant-legend-item").forEach((item) => {
      item.classList.toggle("covenant-focus", item.dataset.operand === focus);
    });
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
    }
  }

  function draw() {
    const previous = graph ? graph.name : null;
    graph = model.get("graph");
    svg.replaceChildren();
    if (!graph || !graph.nodes) return;
    title.textContent = graph.mapping ? `${graph.name} · ${graph.mapping}` : graph.name;
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
      const d = e.d;
      const n = e.operands.length;
      e.operands.forEach((name, k) => {
        const attrs = { class: "covenant-edge-overlay", d, stroke: colours[name],
          "data-operand": name };
        if (n > 1) {
          attrs["stroke-dasharray"] = `8 ${8 * (n - 1)}`;
          attrs["stroke-dashoffset"] = String(8 * k);
        }
        if (k === n - 1) attrs["marker-end"] = `url(#${uid}-arrow-${name})`;
        svgEl("path", attrs, g);
      });
      const line = svgEl("path", { class: n ? "covenant-edge-line covenant-mapped" : "covenant-edge-line",
        d }, g);
      if (!n) line.setAttribute("marker-end", `url(#${uid}-arrow)`);
      const tip = svgEl("title", {}, g);
      tip.textContent = `${e.src} → ${e.dst}` + (e.via ? ` via ${e.via}` : "") +
        `: ${e.label.replace("⇄ ", "")}`;
      if (e.label_xy) {
        const t = svgEl("text", { class: "covenant-edge-label", x: e.label_xy[0],
          y: e.label_xy[1] + 4, "text-anchor": "middle" }, labelLayer);
        t.textContent = e.label;
      }
    }
    for (const node of graph.nodes) {
      const g = svgEl("g", { class: "covenant-node", "data-name": node.name,
        "data-kind": node.kind, "data-operands": node.operands.join(" "),
        transform: `translate(${node.x - node.w / 2},${node.y - node.h / 2})` }, nodeLayer);
      if (node.off_chip) g.classList.add("covenant-offchip-node");
      drawShape(g, node);
      const y = drawText(g, node);
      drawBar(g, node, y);
      drawDots(g, node, colours);
      g.addEventListener("mouseenter", () => hover(node.name, true));
      g.addEventListener("mouseleave", () => hover(node.name, false));
      g.addEventListener("click", (ev) => {
        if (moved) return;
        ev.stopPropagation();
        select(node.name);
      });
    }
    if (!view || previous !== graph.name) fitView();
    drawLegend();
    applyFocus();
    showSelected();
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

  const resize = () => { canvas.style.height = `${model.get("height")}px`; };
  const redraw = () => draw();
  model.on("change:graph", redraw);
  model.on("change:selected", showSelected);
  model.on("change:height", resize);
  resize();
  draw();
  el.dataset.ready = "1";
  return () => {
    model.off("change:graph", redraw);
    model.off("change:selected", showSelected);
    model.off("change:height", resize);
  };
}

export default { render };
