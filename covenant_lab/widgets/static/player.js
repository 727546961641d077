// PlayerView: the simulator's current instruction (and what it waited for), the selected
// instruction's details (Perfetto-like: timing, wait, producers and consumers, each a link
// that selects it), the codelet with the running statement highlighted, what each resource
// is doing, and the bytes in use per storage. State comes from covenant_lab.widgets.sim_state
// (traits "state" per step, "selection" per click, "codelet" once); no logic here.
// DOM contract: root .covenant-player[data-ready="1"]; .covenant-instr, .covenant-wait,
// .covenant-details[data-index] with .covenant-link[data-index][data-role].

function el(tag, className, parent, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function fmtBytes(n) {
  if (n === null || n === undefined) return "unbounded";
  const units = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];
  for (const [u, s] of units) if (n >= s) return `${(n / s).toFixed(1).replace(/\.0$/, "")} ${u}`;
  return `${n} B`;
}

function render({ model, el: root }) {
  root.classList.add("covenant-player");
  const grid = el("div", "covenant-player-grid", root);
  const left = el("div", "covenant-player-left", grid);
  const right = el("div", "covenant-player-right", grid);
  el("div", "covenant-player-head", left, "selected (click a bar on the timeline)");
  const details = el("div", "covenant-details", left);
  el("div", "covenant-player-head", left, "instruction at the cursor");
  const instr = el("div", "covenant-instr", left);
  const wait = el("div", "covenant-wait", left);
  const stmt = el("div", "covenant-stmt", left);
  el("div", "covenant-player-head", left, "codelet");
  const code = el("pre", "covenant-codelet", left);
  el("div", "covenant-player-head", right, "resources");
  const busy = el("table", "covenant-busy", right);
  el("div", "covenant-player-head", right, "storage");
  const stores = el("div", "covenant-storages", right);

  function drawCode() {
    code.replaceChildren();
    for (const line of model.get("codelet") || []) {
      const span = el("span", "covenant-code-line", code, `${line.text}\n`);
      span.dataset.stage = String(line.stage);
    }
    highlight();
  }

  function highlight() {
    const s = model.get("state") || {};
    const stage = s.instr ? s.instr.stage : -1;
    const operand = s.instr ? s.instr.operand : "";
    code.querySelectorAll(".covenant-code-line").forEach((span) => {
      const own = Number(span.dataset.stage);
      const active = stage >= 0 ? own === stage
        : own >= 0 && operand && new RegExp(`\\b${operand}\\[`).test(span.textContent);
      span.classList.toggle("covenant-active", Boolean(active));
    });
  }

  function links(parent, role, title, group) {
    const row = el("div", "covenant-links", parent);
    el("span", "covenant-links-title", row, `${title}: `);
    if (!group.items.length) el("span", "covenant-none", row, "none");
    for (const item of group.items) {
      const a = el("button", "covenant-link", row, item.label);
      a.dataset.index = String(item.index);
      a.dataset.role = role;
      a.title = `cycles ${item.start.toLocaleString()} – ${item.end.toLocaleString()}: select it`;
      a.addEventListener("click", () => model.send({ select: item.index }));
    }
    if (group.more > 0) el("span", "covenant-none", row, ` and ${group.more} more`);
  }

  function drawDetails() {
    const d = model.get("selection");
    details.replaceChildren();
    if (!d || d.index === undefined) {
      details.dataset.index = "";
      el("div", "covenant-none", details, "nothing selected");
      return;
    }
    details.dataset.index = String(d.index);
    const head = el("div", "covenant-details-text", details, d.text);
    head.dataset.kind = d.kind;
    el("div", "covenant-stmt", details, d.statement);
    el("div", "covenant-details-time", details,
      `${d.resource} · cycles ${d.start.toLocaleString()} – ${d.end.toLocaleString()}` +
      ` (${(d.end - d.start).toLocaleString()}), result ready at ${d.ready.toLocaleString()}`);
    if (d.wait) el("div", "covenant-wait", details, d.wait);
    links(details, "producer", "reads from", d.producers);
    links(details, "consumer", "read by", d.consumers);
  }

  function draw() {
    const s = model.get("state") || {};
    if (s.instr) {
      instr.textContent = `${s.event.kind} ${s.instr.text}  [${s.instr.start}, ${s.instr.end})`;
      instr.dataset.kind = s.instr.kind;
      wait.textContent = s.instr.wait || "";
      stmt.textContent = s.instr.statement;
    } else {
      instr.textContent = s.done ? "finished" : "not started: press step or play";
      instr.dataset.kind = "";
      wait.textContent = "";
      stmt.textContent = "";
    }
    busy.replaceChildren();
    for (const b of s.busy || []) {
      const tr = el("tr", b.index === null ? "covenant-idle" : "covenant-busy-row", busy);
      el("th", "", tr, b.resource);
      el("td", "", tr, b.index === null ? "idle" : b.text);
    }
    stores.replaceChildren();
    for (const st of s.storages || []) {
      const row = el("div", "covenant-storage-row", stores);
      el("span", "covenant-storage-name", row, st.name);
      const bar = el("span", "covenant-storage-bar", row);
      const fill = el("span", "covenant-storage-fill", bar);
      fill.style.width = st.fraction === null ? "0" : `${Math.min(100, 100 * st.fraction)}%`;
      el("span", "covenant-storage-text", row,
        st.capacity === null ? `${fmtBytes(st.used)} held · ${st.tiles} tiles`
          : `${fmtBytes(st.used)} / ${fmtBytes(st.capacity)} in use · ${st.tiles} tiles`);
    }
    highlight();
  }

  model.on("change:state", draw);
  model.on("change:codelet", drawCode);
  model.on("change:selection", drawDetails);
  drawCode();
  draw();
  drawDetails();
  root.dataset.ready = "1";
  return () => {
    model.off("change:state", draw);
    model.off("change:codelet", drawCode);
    model.off("change:selection", drawDetails);
  };
}

export default { render };
