// CurveExplorer: a slider or dropdown picks one of several precomputed curves.
// Pure DOM + SVG, no network: it must work in the static site with no kernel.
// NS, node() and fmt() come from common.js.
const W = 640, H = 360, M = { left: 70, right: 20, top: 36, bottom: 52 };

function niceTicks(lo, hi, n = 6) {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function logTicks(lo, hi) {
  // lo, hi are log10 values; one tick per power of ten, thinned to at most 8
  const first = Math.ceil(lo), last = Math.floor(hi);
  const every = Math.max(1, Math.ceil((last - first + 1) / 8));
  const ticks = [];
  for (let p = first; p <= last; p += every) ticks.push(p);
  return ticks;
}

function scale(values, log) {
  // a loop, not Math.min(...v): long curves would overflow the argument list
  let lo = Infinity, hi = -Infinity;
  for (const x of values) {
    const v = log ? Math.log10(x) : x;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = log ? 0 : 0.04 * (hi - lo);
  return { lo: lo - pad, hi: hi + pad, log, f: (x) => (log ? Math.log10(x) : x) };
}

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-curve-explorer");
  el.dataset.seqlabWidget = "curve-explorer";

  const bar = node("div", { class: "seqlab-controls" }, el, null);
  const label = node("label", {}, bar, null);
  const dropdown = model.get("control") === "dropdown";
  const control = dropdown
    ? node("select", { "data-role": "select" }, label, null)
    : node("input", { type: "range", min: "0", step: "1", "data-role": "slider" }, label, null);
  let shownLabels = null;
  function setChoices(labels) {  // (re)build the options or the slider's range
    if (shownLabels === labels) return;
    shownLabels = labels;
    if (dropdown) {
      control.replaceChildren(...labels.map((text, i) => {
        const opt = node("option", { value: String(i) }, null, null);
        opt.textContent = text;
        return opt;
      }));
    } else {
      control.max = String(labels.length - 1);
    }
  }
  control.setAttribute("aria-label", model.get("param_name") || "curve");
  const readout = node("span", { class: "seqlab-readout", "data-role": "readout" }, bar, null);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, "data-role": "plot", role: "img" }, el);

  function draw() {
    const xs = model.get("x"), curves = model.get("curves"), labels = model.get("labels");
    const index = Math.min(Math.max(model.get("index"), 0), curves.length - 1);
    const sx = scale(xs, model.get("logx")), sy = scale(curves.flat(), model.get("logy"));
    const px = (x) => M.left + ((sx.f(x) - sx.lo) / (sx.hi - sx.lo)) * (W - M.left - M.right);
    const py = (y) => H - M.bottom - ((sy.f(y) - sy.lo) / (sy.hi - sy.lo)) * (H - M.top - M.bottom);
    const path = (ys) => ys.map((y, i) => `${i ? "L" : "M"}${px(xs[i]).toFixed(2)},${py(y).toFixed(2)}`).join("");

    setChoices(labels);
    svg.replaceChildren();
    node("title", {}, svg).textContent = model.get("title") || "curves";
    const axes = node("g", { class: "seqlab-axes" }, svg);
    node("line", { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }, axes);
    node("line", { x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }, axes);
    const xt = sx.log ? logTicks(sx.lo, sx.hi).map((p) => 10 ** p) : niceTicks(sx.lo, sx.hi);
    const yt = sy.log ? logTicks(sy.lo, sy.hi).map((p) => 10 ** p) : niceTicks(sy.lo, sy.hi);
    for (const t of xt) {
      const x = px(t);
      node("line", { x1: x, x2: x, y1: H - M.bottom, y2: H - M.bottom + 5 }, axes);
      node("text", { x, y: H - M.bottom + 19, "text-anchor": "middle" }, axes).textContent = fmt(t);
    }
    for (const t of yt) {
      const y = py(t);
      node("line", { x1: M.left - 5, x2: M.left, y1: y, y2: y }, axes);
      node("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, class: "seqlab-grid" }, axes);
      node("text", { x: M.left - 8, y: y + 4, "text-anchor": "end" }, axes).textContent = fmt(t);
    }
    node("text", { x: (M.left + W - M.right) / 2, y: H - 12, "text-anchor": "middle" }, axes)
      .textContent = model.get("xlabel");
    node("text", {
      x: 16, y: (M.top + H - M.bottom) / 2, "text-anchor": "middle",
      transform: `rotate(-90 16 ${(M.top + H - M.bottom) / 2})`,
    }, axes).textContent = model.get("ylabel");
    node("text", { x: W / 2, y: 20, "text-anchor": "middle", class: "seqlab-title" }, axes)
      .textContent = model.get("title");

    if (model.get("show_all")) {
      curves.forEach((ys, i) => {
        if (i !== index) node("path", { d: path(ys), class: "seqlab-faint" }, svg);
      });
    }
    node("path", { d: path(curves[index]), class: "seqlab-current", "data-role": "curve" }, svg);

    control.value = String(index);
    const name = model.get("param_name");
    readout.textContent = name ? `${name} = ${labels[index]}` : labels[index];
  }

  const pick = () => {
    model.set("index", Number(control.value));
    model.save_changes();
    draw();
  };
  control.addEventListener("input", pick);
  control.addEventListener("change", pick);
  // live updates in Jupyter (in the static page nothing changes from outside)
  const redraw = () => draw();
  const traits = ["x", "curves", "labels", "index", "param_name", "logx", "logy", "show_all",
    "title", "xlabel", "ylabel"];
  for (const name of traits) model.on(`change:${name}`, redraw);
  draw();
  return () => { for (const name of traits) model.off(`change:${name}`, redraw); };
}

export default { render };
