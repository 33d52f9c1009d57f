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
