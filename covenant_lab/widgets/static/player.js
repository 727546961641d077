// PlayerView: the simulator's current instruction (and what it waited for), the selected
// instruction's details (Perfetto-like: timing, wait, producers and consumers, each a link
// that selects it), the codelet with the running statement highlighted, what each resource
// is doing, and the bytes in use per storage. State comes from covenant_lab.widgets.sim_state
// (traits "state" per step, "selection" per click, "codelet" once); no logic here.
// DOM contract: root .covenant-player[data-ready="1"]; .covenant-instr, .covenant-wait,
// .covenant-details[data-index] with .covenant-link[data-index][data-role].

function fmtBytes(n) {
  if (n === null || n === undefined) return "unbounded";
  const units = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];
  for (const [u, s] of units) if (n >= s) return `${(n / s).toFixed(1).replace(/\.0$/, "")} ${u}`;
  return `${n} B`;
}

function render({ model, el: root }) {
  root.classList.add("covenant-player");
  const grid = htmlEl("div", "covenant-player-grid", root);
  const left = htmlEl("div", "covenant-player-left", grid);
  const right = htmlEl("div", "covenant-player-right", grid);
  htmlEl("div", "covenant-player-head", left, "selected (click a bar on the timeline)");
  const details = htmlEl("div", "covenant-details", left);
  htmlEl("div", "covenant-player-head", left, "instruction at the cursor");
  const instr = htmlEl("div", "covenant-instr", left);
  const wait = htmlEl("div", "covenant-wait", left);
  const stmt = htmlEl("div", "covenant-stmt", left);
  htmlEl("div", "covenant-player-head", left, "codelet");
  const code = htmlEl("pre", "covenant-codelet", left);
  htmlEl("div", "covenant-player-head", right, "resources");
  const busy = htmlEl("table", "covenant-busy", right);
  htmlEl("div", "covenant-player-head", right, "storage");
  const stores = htmlEl("div", "covenant-storages", right);

  function drawCode() {
    code.replaceChildren();
    for (const line of model.get("codelet") || []) {
      const span = htmlEl("span", "covenant-code-line", code, `${line.text}\n`);
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
    const row = htmlEl("div", "covenant-links", parent);
    htmlEl("span", "covenant-links-title", row, `${title}: `);
    if (!group.items.length) htmlEl("span", "covenant-none", row, "none");
    for (const item of group.items) {
      const a = htmlEl("button", "covenant-link", row, item.label);
      a.dataset.index = String(item.index);
      a.dataset.role = role;
      a.title = `cycles ${item.start.toLocaleString()} – ${item.end.toLocaleString()}: select it`;
      a.addEventListener("click", () => model.send({ select: item.index }));
    }
    if (group.more > 0) htmlEl("span", "covenant-none", row, ` and ${group.more} more`);
  }

  function drawDetails() {
    const d = model.get("selection");
    details.replaceChildren();
    if (!d || d.index === undefined) {
      details.dataset.index = "";
      htmlEl("div", "covenant-none", details, "nothing selected");
      return;
    }
    details.dataset.index = String(d.index);
    const head = htmlEl("div", "covenant-details-text", details, d.text);
    head.dataset.kind = d.kind;
    htmlEl("div", "covenant-stmt", details, d.statement);
    htmlEl("div", "covenant-details-time", details,
      `${d.resource} · cycles ${d.start.toLocaleString()} – ${d.end.toLocaleString()}` +
      ` (${(d.end - d.start).toLocaleString()}), result ready at ${d.ready.toLocaleString()}`);
    if (d.wait) htmlEl("div", "covenant-wait", details, d.wait);
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
      const tr = htmlEl("tr", b.index === null ? "covenant-idle" : "covenant-busy-row", busy);
      htmlEl("th", "", tr, b.resource);
      htmlEl("td", "", tr, b.index === null ? "idle" : b.text);
    }
    stores.replaceChildren();
    for (const st of s.storages || []) {
      const row = htmlEl("div", "covenant-storage-row", stores);
      htmlEl("span", "covenant-storage-name", row, st.name);
      const bar = htmlEl("span", "covenant-storage-bar", row);
      const fill = htmlEl("span", "covenant-storage-fill", bar);
      fill.style.width = st.fraction === null ? "0" : `${Math.min(100, 100 * st.fraction)}%`;
      htmlEl("span", "covenant-storage-text", row,
        st.capacity === null ? `${fmtBytes(st.used)} held · ${st.tiles} tiles`
          : `${fmtBytes(st.used)} / ${fmtBytes(st.capacity)} in use · ${st.tiles} tiles`);
    }
    highlight();
  }

  const unlisten = listen(model, { state: draw, codelet: drawCode, selection: drawDetails });
  drawCode();
  draw();
  drawDetails();
  root.dataset.ready = "1";
  return unlisten;
}

export default { render };
