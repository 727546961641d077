// StepperView: one compile-log step (state from covenant_lab.widgets.stepper_state):
// the passes as breadcrumbs (click one: trait "index" goes back to Python), the mapping text
// with the lines changed by this pass highlighted, and the per-level tiling table.
// DOM contract: root .covenant-stepper[data-ready="1"]; changed lines .covenant-diff-add.

function el(tag, className, parent, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;

// what the pass decided, its cost, the alternatives it beat (stepper_state.decision_state)
function drawDecision(box, d, model) {
  box.replaceChildren();
  box.style.display = d.words ? "" : "none";
  if (!d.words) return;
  const chosen = el("div", "covenant-decision-chosen", box);
  el("b", "", chosen, "decided: ");
  el("span", "covenant-decision-words", chosen, d.words);
  if (d.cost !== null && d.cost !== undefined) {
    el("span", "covenant-cost", chosen, ` — estimated cost ${fmt(d.cost)}`);
  }
  if (d.constrained) {
    el("div", "covenant-decision-constrained", box, `fixed by your constraint: ${d.constrained}`);
  }
  const alts = d.alternatives || [];
  if (!alts.length) {
    el("div", "covenant-decision-none", box, "no other option: the search found only this one");
    return;
  }
  el("div", "covenant-decision-beat", box, `best alternatives it beat (${alts.length}):`);
  const list = el("ol", "covenant-alternatives", box);
  for (const a of alts) {
    const li = el("li", "covenant-alternative", list);
    el("span", "covenant-alternative-words", li, a.words);
    const change = a.change !== null && a.change !== undefined ? ` (${pct(a.change)})` : "";
    const cost = el("span", "covenant-cost", li, ` — cost ${fmt(a.cost)}${change}`);
    cost.dataset.cost = String(a.cost);
    if (a.fallback) el("span", "covenant-fallback", li, " · on a fallback unit");
    if (a.constraints) {
      const k = alts.indexOf(a);
      const b = el("button", "covenant-try", li, "try");
      b.title = `recompile with ${a.constraints}`;
      b.addEventListener("click", () => {
        model.set("try_alternative", k);
        model.save_changes();
      });
    }
  }
  el("div", "covenant-decision-note", box,
    "cost: estimated cycles plus 4 cycles per instruction issued, for the whole layer " +
    "(what the search minimises)");
}

function render({ model, el: root }) {
  root.classList.add("covenant-stepper");
  const crumbs = el("div", "covenant-passes", root);
  const head = el("div", "covenant-step-head", root);
  const why = el("div", "covenant-decision", root);
  const body = el("div", "covenant-step-body", root);
  const text = el("pre", "covenant-step-text", body);
  const table = el("pre", "covenant-step-table", body);
  const toggle = el("label", "covenant-show-removed", root);
  const box = el("input", "", toggle);
  box.type = "checkbox";
  toggle.append(" show removed lines");

  function draw() {
    const s = model.get("state") || {};
    crumbs.replaceChildren();
    for (const p of s.passes || []) {
      const b = el("button", p.index === s.index ? "covenant-pass covenant-current" : "covenant-pass",
        crumbs, `${p.index} ${p.name}`);
      b.dataset.index = String(p.index);
      b.addEventListener("click", () => {
        model.set("index", p.index);
        model.save_changes();
      });
    }
    head.textContent = s.count
      ? `step ${s.index + 1} / ${s.count}: ${s.name} · ${s.changed} line(s) changed`
      : "empty compile log";
    head.title = s.count ? `${s.name}(${s.params})` : "";
    drawDecision(why, s.decision || {}, model);
    text.replaceChildren();
    for (const line of s.lines || []) {
      if (line.kind === "del" && !box.checked) continue;
      el("span", `covenant-diff-${line.kind}`, text, `${line.text}\n`);
    }
    table.textContent = s.table || "";
    table.style.display = s.table ? "" : "none";
  }

  box.addEventListener("change", draw);
  model.on("change:state", draw);
  draw();
  root.dataset.ready = "1";
  return () => model.off("change:state", draw);
}

export default { render };
