// @ts-check
// PlayControl: a play / pause button that asks Python for event positions on a clock.
// Elapsed-time scheduling: while playing, the wanted position is
//   start + floor((now - t0) / interval_ms) * speed   (clamped to max),
// and a new position is asked for only once Python has shown the last one ("shown"), so a
// slow kernel makes the player skip ahead, never fall behind or stop early; the last event
// is always asked for. Traits: value (asked), shown (drawn by Python), max, speed,
// interval_ms, playing. DOM contract: [data-ready="1"] button.covenant-play[data-playing].

/**
 * @typedef Model
 * @prop {number} value
 * @prop {number} shown
 * @prop {number} max
 * @prop {number} speed
 * @prop {number} interval_ms
 * @prop {boolean} playing
 */

/** @param {{model: any, el: HTMLElement}} ctx */
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "covenant-play jupyter-button";
  button.title = "play the events at the chosen speed (events per tick of 100 ms)";
  el.appendChild(button);
  let t0 = 0;
  let pos0 = 0;
  let asked = -1;  // a position asked for and not shown yet (-1: none)
  let timer = 0;
  let running = false;

  function label() {
    const playing = Boolean(model.get("playing"));
    button.textContent = playing ? "⏸ pause" : "▶ play";
    button.dataset.playing = playing ? "1" : "0";
  }

  function rebase() {
    t0 = performance.now();
    pos0 = model.get("shown");
  }

  function ask(position) {
    asked = position;
    model.set("value", position);
    model.save_changes();
  }

  function stop() {
    running = false;
    window.clearTimeout(timer);
    timer = 0;
    asked = -1;
    if (model.get("playing")) {
      model.set("playing", false);
      model.save_changes();
    }
    label();
  }

  function tick() {
    timer = 0;
    if (!running) return;
    const max = model.get("max");
    const shown = model.get("shown");
    if (asked < 0) {
      if (shown >= max) { stop(); return; }
      const ticks = Math.floor((performance.now() - t0) / Math.max(model.get("interval_ms"), 1));
      const want = Math.min(max, pos0 + ticks * Math.max(model.get("speed"), 1));
      if (want > shown) ask(want);
    }
    timer = window.setTimeout(tick, 8);
  }

  function play() {
    if (running) return;
    running = true;
    if (!model.get("playing")) {
      model.set("playing", true);
      model.save_changes();
    }
    label();
    if (model.get("shown") >= model.get("max")) {
      pos0 = 0;  // from the start again
      t0 = performance.now();
      ask(0);
    } else {
      rebase();
    }
    timer = window.setTimeout(tick, 0);
  }

  function onShown() {
    const shown = model.get("shown");
    if (asked >= 0 && shown === asked) {
      asked = -1;  // Python drew what was asked for
    } else if (model.get("playing")) {
      asked = -1;  // moved by another control (step, back, the slider): go on from there
      rebase();
    }
  }

  function onClick() {
    if (running) stop(); else play();
  }

  function onPlaying() {  // set from Python, or by this view
    if (model.get("playing")) play(); else if (running) stop();
    label();
  }

  button.addEventListener("click", onClick);
  const unlisten = listen(model, { shown: onShown, speed: rebase, playing: onPlaying }, () => {
    window.clearTimeout(timer);
    button.removeEventListener("click", onClick);
  });
  label();
  el.dataset.ready = "1";
  return unlisten;
}

export default { render };
