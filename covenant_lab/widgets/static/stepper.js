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

function render({ model, el: root }) {
  root.classList.add("covenant-stepper");
  const crumbs = el("div", "covenant-passes", root);
  const head = el("div", "covenant-step-head", root);
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
      ? `step ${s.index + 1} / ${s.count}: ${s.name}(${s.params}) · ${s.changed} line(s) changed`
      : "empty compile log";
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
