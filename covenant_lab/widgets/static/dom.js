// Shared by every widget's script (covenant_lab.widgets.esm puts this file before each one):
// element builders, and the trait subscription a render() returns to anywidget.

const SVG_NS = "http://www.w3.org/2000/svg";

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

// model.on("change:<trait>", handler) for each entry; returns what undoes it all, plus
// `also` (more cleanup: timers, observers, DOM listeners), for render() to return
function listen(model, handlers, also) {
  const pairs = Object.entries(handlers);
  for (const [trait, fn] of pairs) model.on(`change:${trait}`, fn);
  return () => {
    if (also) also();
    for (const [trait, fn] of pairs) model.off(`change:${trait}`, fn);
  };
}
