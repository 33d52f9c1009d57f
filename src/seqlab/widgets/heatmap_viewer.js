// HeatmapViewer: rows and columns labelled with tokens; hovering a token highlights
// its row or column and shows the values. A dropdown picks the matrix, an optional
// step slider reveals rows one at a time. Pure DOM + SVG, no network.
// Keyboard: the grid (an ARIA grid: a header row of column labels, then one row per
// matrix row, a row label first) is one Tab stop; the arrow keys move between cells
// and onto the labels (up from the first row, left from the first column), Home/End
// go to the row's ends, Ctrl+Home/End to the first and last cell. Focus shows what a
// hover shows, and the readout is a polite live region, so screen readers say it.
// NS, node(), fmt() and colour() come from common.js.
const GAP = 2;
// cells shrink (down to 20 px) for long inputs, so the labels stay legible when the
// SVG is scaled to the page width
const cellSize = (n) => Math.max(20, Math.min(34, Math.floor(520 / n)));
// "a: 0.61, b: 0.20, … (9 more)": the largest values first, so the readout stays short
// (a readout that grows on hover would move the plot under the pointer)
const TOP = 6;
function largest(pairs, digits) {
  const top = [...pairs].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  const rest = pairs.length - top.length;
  return top.map(([t, v]) => `${t}: ${v.toFixed(digits)}`).join(", ") +
    (rest > 0 ? `, … (${rest} more)` : "");
}

function textWidth(labels) { return 8 + 8 * Math.max(1, ...labels.map((s) => s.length)); }

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-heatmap-viewer");
  el.dataset.seqlabWidget = "heatmap-viewer";
  const bar = node("div", { class: "seqlab-controls" }, el, null);
  let select = null, step = null;
  if (model.get("matrices").length > 1) {
    select = node("select", { "data-role": "select", "aria-label": "matrix" }, bar, null);
    model.get("names").forEach((name, i) => {
      node("option", { value: String(i) }, select, null).textContent = name;
    });
  }
  if (model.get("stepper")) {
    const label = node("label", {}, bar, null);
    label.append("step ");
    step = node("input", { type: "range", min: "1", step: "1", "data-role": "step" }, label, null);
  }
  const svg = node("svg", { "data-role": "plot", role: "group" }, el);
  // below the plot, so a longer or shorter text never moves the plot under the pointer
  const readout = node("div", {
    class: "seqlab-readout", "data-role": "readout", "aria-live": "polite", "aria-atomic": "true",
  }, el, null);

  let cells = [], rowLabels = [], colLabels = [];
  let grid = [];  // grid[r][c]: the cell of row r, column c
  let ring = null;  // drawn last, so no neighbouring cell paints over the focus ring
  let drawnIndex = null;  // the stepper starts again at step 1 when the matrix changes
  // The grid's one Tab stop (a roving tabindex): row -1 is the column labels, column -1
  // the row labels, (-1, -1) the empty corner nothing lives in.
  let spot = { r: 0, c: 0 };

  function current() {
    const i = Math.min(Math.max(model.get("index"), 0), model.get("matrices").length - 1);
    const m = model.get("matrices")[i];
    return { i, m, rows: model.get("row_labels")[i], cols: model.get("col_labels")[i] };
  }
  const digits = () => model.get("digits");
  const shown = (m) => (step ? Number(step.value) : m.length);

  function idle() {
    const { m, rows, cols } = current();
    if (step) {
      const r = shown(m) - 1;
      const best = m[r].indexOf(Math.max(...m[r]));
      readout.textContent = `step ${r + 1} of ${m.length}: ${model.get("row_title")} '${rows[r]}' ` +
        `looks most at ${model.get("col_title")} '${cols[best]}' (${m[r][best].toFixed(digits())})`;
    } else {
      readout.textContent = "Hover a row or column label, or a cell, to see its values " +
        "(or Tab into the grid and move with the arrow keys).";
    }
  }

  function clear() {
    for (const e of svg.querySelectorAll(".seqlab-hl")) e.classList.remove("seqlab-hl");
  }

  const at = (r, c) => (r < 0 ? colLabels[c] : c < 0 ? rowLabels[r] : grid[r] && grid[r][c]);
  const place = (t) => [t.dataset.row === undefined ? -1 : Number(t.dataset.row),
    t.dataset.col === undefined ? -1 : Number(t.dataset.col)];

  // the one Tab stop moves to (r, c), clamped to the grid; with `take`, focus follows
  function rove(r, c, take) {
    const { rows, cols } = current();
    r = Math.min(Math.max(r, -1), rows.length - 1);
    c = Math.min(Math.max(c, -1), cols.length - 1);
    if (r < 0 && c < 0) return;
    const old = at(spot.r, spot.c);
    if (old) old.setAttribute("tabindex", "-1");
    spot = { r, c };
    const t = at(r, c);
    t.setAttribute("tabindex", "0");
    if (take) t.focus();
  }

  // what has keyboard focus in the grid (a mouse click also focuses, but shows no ring)
  function keyFocus() {
    const t = document.activeElement;
    return t && svg.contains(t) && t.matches(":focus-visible") ? t : null;
  }

  function showRing(t) {
    if (t && t.dataset.role === "cell") {
      const pad = 2.5;  // just outside the cell's own halo
      ring.setAttribute("x", Number(t.getAttribute("x")) - pad);
      ring.setAttribute("y", Number(t.getAttribute("y")) - pad);
      ring.setAttribute("width", Number(t.getAttribute("width")) + 2 * pad);
      ring.setAttribute("height", Number(t.getAttribute("height")) + 2 * pad);
      ring.removeAttribute("visibility");
    } else {
      ring.setAttribute("visibility", "hidden");
    }
  }

  // the pointer left something: back to the keyboard's focus if there is one, else idle
  function unhover() {
    const t = keyFocus();
    if (t) {
      const [r, c] = place(t);
      highlight(r < 0 ? null : r, c < 0 ? null : c);
    } else {
      clear();
      idle();
    }
  }

  function highlight(r, c) {
    clear();
    const { m, rows, cols } = current();
    const d = digits(), visible = shown(m);
    if (r !== null) rowLabels[r].classList.add("seqlab-hl");
    if (c !== null) colLabels[c].classList.add("seqlab-hl");
    for (const cell of cells) {
      const cr = Number(cell.dataset.row), cc = Number(cell.dataset.col);
      if ((r !== null && cr === r) || (c !== null && cc === c)) cell.classList.add("seqlab-hl");
    }
    const rt = model.get("row_title"), ct = model.get("col_title");
    if (r !== null && r >= visible) {  // the stepper has not reached this row yet
      readout.textContent = `${rt} '${rows[r]}' is not produced yet (step ${r + 1} of ${m.length})`;
    } else if (r !== null && c !== null) {
      readout.textContent = `${rt} '${rows[r]}' → ${ct} '${cols[c]}': ${m[r][c].toFixed(d)}`;
    } else if (r !== null) {
      readout.textContent = `${rt} '${rows[r]}' → ` +
        largest(cols.map((t, k) => [t, m[r][k]]), d);
    } else {
      readout.textContent = `${ct} '${cols[c]}' ← ` +
        largest(rows.slice(0, visible).map((t, k) => [t, m[k][c]]), d);
    }
  }

  function draw() {
    const { i, m, rows, cols } = current();
    const CELL = cellSize(cols.length);
    const vmin = model.get("vmin"), vmax = model.get("vmax");
    // layout: title, column title, rotated column labels, then the grid; the row
    // title runs vertically at the far left, the colour bar at the right
    const colSpan = 0.87 * textWidth(cols);  // height of labels rotated by 60 degrees
    const left = textWidth(rows) + 30, top = 48 + colSpan;
    const width = left + cols.length * CELL + 90, height = top + rows.length * CELL + 16;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.style.maxWidth = `${Math.max(width, 320)}px`;
    const hadFocus = svg.contains(document.activeElement);
    svg.setAttribute("aria-label", model.get("title") || "heatmap");
    svg.replaceChildren();
    cells = []; rowLabels = []; colLabels = []; grid = [];
    if (select) select.value = String(i);
    if (step) {
      step.max = String(m.length);
      if (i !== drawnIndex) step.value = "1";
      step.setAttribute("aria-valuetext", `step ${step.value} of ${m.length}`);
    }
    drawnIndex = i;
    node("title", {}, svg).textContent = model.get("title") || "heatmap";
    node("text", { x: 4, y: 16, class: "seqlab-title" }, svg).textContent = model.get("title");
    node("text", { x: left, y: 36, class: "seqlab-axis-title" }, svg)
      .textContent = `${model.get("col_title")} →`;
    const midRows = top + (rows.length * CELL) / 2;
    node("text", {
      x: 12, y: midRows, "text-anchor": "middle", transform: `rotate(-90 12 ${midRows})`,
      class: "seqlab-axis-title",
    }, svg).textContent = `← ${model.get("row_title")}`;
    const visible = shown(m);
    const rt = model.get("row_title"), ct = model.get("col_title");
    const table = node("g", {
      role: "grid", "aria-readonly": "true", "aria-label": `${model.get("title") || "heatmap"}: ` +
        `${rt} by ${ct}, ${rows.length} × ${cols.length}; arrow keys move between cells`,
    }, svg);
    const header = node("g", { role: "row" }, table);
    cols.forEach((label, c) => {
      const x = left + c * CELL + CELL / 2 + 4, y = top - 8;
      const t = node("text", {
        x, y, transform: `rotate(-60 ${x} ${y})`, "data-role": "col-label", class: "seqlab-label",
        "data-col": String(c), role: "columnheader", tabindex: "-1",
        "aria-label": `${ct} '${label}'`,
      }, header);
      t.textContent = label;
      t.addEventListener("mouseenter", () => highlight(null, c));
      t.addEventListener("mouseleave", unhover);
      colLabels.push(t);
    });
    rows.forEach((label, r) => {
      const line = node("g", { role: "row" }, table);
      const t = node("text", {
        x: left - 8, y: top + r * CELL + CELL / 2 + 4, "text-anchor": "end",
        "data-role": "row-label", class: "seqlab-label", "data-row": String(r),
        role: "rowheader", tabindex: "-1", "aria-label": `${rt} '${label}'`,
      }, line);
      t.textContent = label;
      t.addEventListener("mouseenter", () => highlight(r, null));
      t.addEventListener("mouseleave", unhover);
      rowLabels.push(t);
      grid.push(m[r].map((v, c) => {
        const on = r < visible, value = v.toFixed(digits());
        const rect = node("rect", {
          x: left + c * CELL, y: top + r * CELL, width: CELL - GAP, height: CELL - GAP, rx: 3,
          fill: on ? colour((v - vmin) / (vmax - vmin)) : "none", "data-role": "cell",
          "data-row": String(r), "data-col": String(c), class: on ? "" : "seqlab-hidden",
          role: "gridcell", tabindex: "-1",
          "aria-label": `${rt} '${label}', ${ct} '${cols[c]}': ` + (on ? value : "not produced yet"),
        }, line);
        node("title", {}, rect).textContent = `${rows[r]} → ${cols[c]}: ${value}`;
        rect.addEventListener("mouseenter", () => highlight(r, c));
        rect.addEventListener("mouseleave", unhover);
        cells.push(rect);
        return rect;
      }));
    });
    // colour bar
    const bx = left + cols.length * CELL + 24, bh = Math.max(rows.length * CELL - GAP, 60);
    const grad = node("linearGradient", { id: `seqlab-grad-${Math.random().toString(36).slice(2)}`, x1: 0, y1: 1, x2: 0, y2: 0 }, svg);
    STOPS.forEach((s, k) => node("stop", { offset: k / (STOPS.length - 1), "stop-color": s }, grad));
    node("rect", { x: bx, y: top, width: 14, height: bh, fill: `url(#${grad.id})` }, svg);
    node("text", { x: bx + 18, y: top + 10, class: "seqlab-tick" }, svg).textContent = fmt(vmax, 1);
    node("text", { x: bx + 18, y: top + bh, class: "seqlab-tick" }, svg).textContent = fmt(vmin, 1);
    ring = node("rect", {
      class: "seqlab-focus-ring", "data-role": "focus-ring", rx: 4, visibility: "hidden",
      "aria-hidden": "true",
    }, svg);
    idle();
    rove(spot.r, spot.c, hadFocus);  // the Tab stop survives a redraw (clamped to the grid)
  }

  // Listeners on the widget's <div>, not on the <svg>: Chromium makes an SVG element
  // with a focus listener a Tab stop of its own.
  const inGrid = (t) => t && svg.contains(t) && t !== svg;
  el.addEventListener("focusin", (e) => {
    if (!inGrid(e.target)) return;
    const [r, c] = place(e.target);
    if (r < 0 && c < 0) return;
    rove(r, c, false);
    showRing(keyFocus());
    highlight(r < 0 ? null : r, c < 0 ? null : c);
  });
  el.addEventListener("focusout", (e) => {
    if (!inGrid(e.target) || inGrid(e.relatedTarget)) return;  // moving within the grid
    showRing(null);
    clear();
    idle();
  });
  el.addEventListener("keydown", (e) => {
    if (!inGrid(e.target)) return;
    const moves = {
      ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0],
    };
    const { rows, cols } = current();
    let [r, c] = [spot.r, spot.c];
    if (moves[e.key]) {
      r += moves[e.key][0];
      c += moves[e.key][1];
      if (r < 0 && c < 0) return;  // the empty corner: stay
    } else if (e.key === "Home") {
      [r, c] = e.ctrlKey ? [0, 0] : [r, r < 0 ? 0 : -1];
    } else if (e.key === "End") {
      [r, c] = e.ctrlKey ? [rows.length - 1, cols.length - 1] : [r, cols.length - 1];
    } else {
      return;
    }
    e.preventDefault();  // the page does not scroll under the grid,
    e.stopPropagation();  // nor does JupyterLab take the arrow keys to move between cells
    rove(r, c, true);
  });

  if (select) {
    select.addEventListener("change", () => {
      model.set("index", Number(select.value));
      model.save_changes();
      draw();
    });
  }
  if (step) step.addEventListener("input", draw);
  const names = ["matrices", "row_labels", "col_labels", "index", "vmin", "vmax", "title",
    "row_title", "col_title", "digits"];
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
  return () => { for (const name of names) model.off(`change:${name}`, draw); };
}

export default { render };
