// Shared by every seqlab widget; seqlab.widgets prepends it to each widget's module.
const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, parent = null, ns = NS) {  // create, set attributes, append
  const el = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function fmt(v, digits = 0) {  // a tick label: 3 significant digits, exponent when tiny or huge
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) return v.toExponential(digits).replace("e+", "e");
  return String(+v.toPrecision(3));
}

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

// Axes, ticks, grid, labels and title into `parent`; returns the px/py maps.
// sx, sy come from scale(); box = {W, H, M}; text = {xlabel, ylabel, title}.
function drawAxes(parent, sx, sy, box, text) {
  const { W, H, M } = box;
  const px = (x) => M.left + ((sx.f(x) - sx.lo) / (sx.hi - sx.lo)) * (W - M.left - M.right);
  const py = (y) => H - M.bottom - ((sy.f(y) - sy.lo) / (sy.hi - sy.lo)) * (H - M.top - M.bottom);
  const axes = node("g", { class: "seqlab-axes" }, parent);
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
    .textContent = text.xlabel;
  node("text", {
    x: 16, y: (M.top + H - M.bottom) / 2, "text-anchor": "middle",
    transform: `rotate(-90 16 ${(M.top + H - M.bottom) / 2})`,
  }, axes).textContent = text.ylabel;
  node("text", { x: W / 2, y: 20, "text-anchor": "middle", class: "seqlab-title" }, axes)
    .textContent = text.title;
  return { px, py };
}

// viridis, sampled: perceptually uniform and legible on light and dark backgrounds
const STOPS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }

function colour(t) {
  const x = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(x), STOPS.length - 2), f = x - i;
  const a = hex(STOPS[i]), b = hex(STOPS[i + 1]);
  return "#" + a.map((v, k) => Math.round(v + f * (b[k] - v)).toString(16).padStart(2, "0")).join("");
}
