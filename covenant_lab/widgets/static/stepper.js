// StepperView: one compile-log step (state from covenant_lab.widgets.stepper_state):
// the passes as breadcrumbs (click one: trait "index" goes back to Python), the mapping text
// with the lines changed by this pass highlighted, and the per-level tiling table.
// DOM contract: root .covenant-stepper[data-ready="1"]; changed lines .covenant-diff-add.

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;

// what the pass decided, its cost, the alternatives it beat (stepper_state.decision_state)
function drawDecision(box, d, model) {
  box.replaceChildren();
  box.style.display = d.words ? "" : "none";
  if (!d.words) return;
  const chosen = htmlEl("div", "covenant-decision-chosen", box);
  htmlEl("b", "", chosen, "decided: ");
  htmlEl("span", "covenant-decision-words", chosen, d.words);
  if (d.cost !== null && d.cost !== undefined) {
    htmlEl("span", "covenant-cost", chosen, ` — estimated cost ${fmt(d.cost)}`);
  }
  if (d.constrained) {
    htmlEl("div", "covenant-decision-constrained", box, `fixed by your constraint: ${d.constrained}`);
  }
  const alts = d.alternatives || [];
  if (!alts.length) {
    htmlEl("div", "covenant-decision-none", box, "no other option: the search found only this one");
    return;
  }
  htmlEl("div", "covenant-decision-beat", box, `best alternatives it beat (${alts.length}):`);
  const list = htmlEl("ol", "covenant-alternatives", box);
  for (const a of alts) {
    const li = htmlEl("li", "covenant-alternative", list);
    htmlEl("span", "covenant-alternative-words", li, a.words);
    const change = a.change !== null && a.change !== undefined ? ` (${pct(a.change)})` : "";
    const cost = htmlEl("span", "covenant-cost", li, ` — cost ${fmt(a.cost)}${change}`);
    cost.dataset.cost = String(a.cost);
    if (a.fallback) htmlEl("span", "covenant-fallback", li, " · on a fallback unit");
    if (a.constraints) {
      const k = alts.indexOf(a);
      const b = htmlEl("button", "covenant-try", li, "try");
      b.title = `recompile with ${a.constraints}`;
      b.addEventListener("click", () => {
        model.set("try_alternative", k);
        model.save_changes();
      });
    }
  }
  htmlEl("div", "covenant-decision-note", box,
    "cost: estimated cycles plus 4 cycles per instruction issued, for the whole layer " +
    "(what the search minimises)");
}

function render({ model, el: root }) {
  root.classList.add("covenant-stepper");
  const crumbs = htmlEl("div", "covenant-passes", root);
  const head = htmlEl("div", "covenant-step-head", root);
  const why = htmlEl("div", "covenant-decision", root);
  const body = htmlEl("div", "covenant-step-body", root);
  const text = htmlEl("pre", "covenant-step-text", body);
  const table = htmlEl("pre", "covenant-step-table", body);
  const toggle = htmlEl("label", "covenant-show-removed", root);
  const box = htmlEl("input", "", toggle);
  box.type = "checkbox";
  toggle.append(" show removed lines");

  function draw() {
    const s = model.get("state") || {};
    crumbs.replaceChildren();
    for (const p of s.passes || []) {
      const b = htmlEl("button", p.index === s.index ? "covenant-pass covenant-current" : "covenant-pass",
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
      htmlEl("span", `covenant-diff-${line.kind}`, text, `${line.text}\n`);
    }
    table.textContent = s.table || "";
    table.style.display = s.table ? "" : "none";
  }

  box.addEventListener("change", draw);
  const unlisten = listen(model, { state: draw });
  draw();
  root.dataset.ready = "1";
  return unlisten;
}

export default { render };
