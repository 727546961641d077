// PlayerView: the simulator's current instruction, the codelet with the running statement
// highlighted, what each resource is doing, and storage occupancy. State comes from
// covenant_lab.widgets.sim_state (traits "state" per step, "codelet" once); no logic here.
// DOM contract: root .covenant-player[data-ready="1"].

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
  el("div", "covenant-player-head", left, "instruction");
  const instr = el("div", "covenant-instr", left);
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

  function draw() {
    const s = model.get("state") || {};
    if (s.instr) {
      instr.textContent = `${s.event.kind} ${s.instr.text}  [${s.instr.start}, ${s.instr.end})`;
      instr.dataset.kind = s.instr.kind;
      stmt.textContent = s.instr.statement;
    } else {
      instr.textContent = s.done ? "finished" : "not started: press step or play";
      instr.dataset.kind = "";
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
        `${fmtBytes(st.used)} / ${fmtBytes(st.capacity)} · ${st.tiles} tiles`);
    }
    highlight();
  }

  model.on("change:state", draw);
  model.on("change:codelet", drawCode);
  drawCode();
  draw();
  root.dataset.ready = "1";
  return () => {
    model.off("change:state", draw);
    model.off("change:codelet", drawCode);
  };
}

export default { render };
