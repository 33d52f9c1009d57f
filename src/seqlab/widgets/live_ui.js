// Shared by the live widgets (after common.js and live.js): the text box with its
// message line, a heatmap of one matrix, bars of a next-character distribution.

// A character as the page shows it: a space, newline or tab made visible.
const SHOWN = { " ": "␣", "\n": "↵", "\t": "⇥" };
const shown = (c) => SHOWN[c] || c;

// A labelled text box, an optional menu of examples, and a message line (a polite live
// region) for what the widget says back: a bad input, or a timing.
function liveInput(parent, { label, value, examples = [], uid }) {
  const bar = node("div", { class: "seqlab-controls" }, parent, null);
  const wrap = node("label", {}, bar, null);
  wrap.append(`${label} `);
  const input = node("input", {
    type: "text", "data-role": "input", spellcheck: "false", autocomplete: "off",
    "aria-describedby": `${uid}-message`, size: "36",
  }, wrap, null);
  input.value = value;
  let menu = null;
  if (examples.length) {
    menu = node("select", { "data-role": "examples", "aria-label": "try an example" }, bar, null);
    node("option", { value: "" }, menu, null).textContent = "try an example…";
    for (const text of examples) node("option", { value: text }, menu, null).textContent = text;
    menu.addEventListener("change", () => {
      if (!menu.value) return;
      input.value = menu.value;
      input.dispatchEvent(new Event("input"));
    });
  }
  const message = node("div", {
    class: "seqlab-message", id: `${uid}-message`, "data-role": "message", "aria-live": "polite",
  }, parent, null);
  return { bar, input, menu, message };
}

function say(message, text, kind = "info") {  // kind: "info" or "error"
  message.textContent = text;
  message.dataset.kind = kind;
  message.classList.toggle("seqlab-error", kind === "error");
}

// One matrix as an SVG heatmap, coloured from lo (dark) to hi (light); each cell keeps
// its value in data-value and a <title> for hover. role="img" with a label that says
// what it shows.
function liveGrid(parent, matrix, rows, cols, { title, rowTitle, colTitle, description, lo = 0, hi = 1 }) {
  const cell = Math.max(14, Math.min(26, Math.floor(560 / Math.max(1, cols.length))));
  const left = 20 + 9 * Math.max(1, ...rows.map((r) => r.length)), top = 34;
  const W = Math.max(left + cols.length * cell + 8, 8 * title.length + left), H = top + rows.length * cell + 28;
  const svg = node("svg", {
    viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": description, "data-role": "grid",
    style: `max-width: ${W * 1.2}px`,
  }, parent);
  node("text", { x: left, y: 14, class: "seqlab-title" }, svg).textContent = title;
  matrix.forEach((values, i) => {
    node("text", { x: left - 6, y: top + i * cell + cell * 0.7, "text-anchor": "end", class: "seqlab-tick" }, svg)
      .textContent = rows[i];
    values.forEach((v, j) => {
      const r = node("rect", {
        x: left + j * cell, y: top + i * cell, width: cell - 1, height: cell - 1,
        fill: colour((v - lo) / (hi - lo)), "data-role": "cell", "data-row": i, "data-col": j, "data-value": v.toFixed(4),
      }, svg);
      node("title", {}, r).textContent = `${rowTitle} ${rows[i]}, ${colTitle} ${cols[j]}: ${v.toFixed(3)}`;
    });
  });
  cols.forEach((c, j) => {
    node("text", {
      x: left + j * cell + cell / 2, y: top - 6, "text-anchor": "middle", class: "seqlab-tick",
    }, svg).textContent = c;
  });
  node("text", { x: left, y: H - 8, class: "seqlab-axis-title" }, svg)
    .textContent = `rows: ${rowTitle}; columns: ${colTitle}; colour: ${fmt(lo)} (dark) to ${fmt(hi)} (light)`;
  return svg;
}

// The k most likely next characters as labelled bars: a list, so a screen reader reads
// "e 0.412" item by item; each item keeps its character and probability in data-*.
function liveBars(parent, probs, itos, k = 8) {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, k);
  const list = node("ol", { class: "seqlab-bars", "data-role": "bars" }, parent, null);
  for (const i of order) {
    const item = node("li", { "data-char": itos[i], "data-prob": probs[i].toFixed(4) }, list, null);
    node("code", {}, item, null).textContent = shown(itos[i]);
    const bar = node("span", { class: "seqlab-bar" }, item, null);
    bar.style.width = `${Math.max(1, Math.round(160 * probs[i]))}px`;
    node("span", { class: "seqlab-prob" }, item, null).textContent = probs[i].toFixed(3);
  }
  return list;
}

// A seeded generator (mulberry32), so a sample can be repeated with the same seed.
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleFrom(probs, random) {  // an index drawn with the given probabilities
  let u = random(), total = 0;
  for (let i = 0; i < probs.length; i++) {
    total += probs[i];
    if (u < total) return i;
  }
  return probs.length - 1;
}

function withTemperature(logits, temperature) {  // softmax(logits / T), as next_token_probs
  return softmax(Array.from(logits, (v) => v / temperature));
}
