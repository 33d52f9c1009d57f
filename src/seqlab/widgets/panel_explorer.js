// PanelExplorer: a dropdown picks one of several precomputed panels, each with its own
// axes and several series (mean line, optional min-max band). Pure DOM + SVG, no network.
// NS, node(), fmt(), scale() and drawAxes() come from common.js.
const W = 640, H = 380, M = { left: 70, right: 20, top: 36, bottom: 52 };
const COLOURS = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161"];

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-panel-explorer");
  el.dataset.seqlabWidget = "panel-explorer";

  const bar = node("div", { class: "seqlab-controls" }, el, null);
  const label = node("label", {}, bar, null);
  const control = node("select", { "data-role": "select", "aria-label": "panel" }, label, null);
  const readout = node("span", {
    class: "seqlab-readout", "data-role": "readout", "aria-live": "polite", "aria-atomic": "true",
  }, bar, null);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, "data-role": "plot", role: "img" }, el);
  const legend = node("div", { class: "seqlab-legend", "data-role": "legend" }, el, null);
  let shown = null;

  function draw() {
    const panels = model.get("panels");
    const index = Math.min(Math.max(model.get("index"), 0), panels.length - 1);
    if (shown !== panels) {
      shown = panels;
      control.replaceChildren(...panels.map((p, i) => {
        const opt = node("option", { value: String(i) }, null, null);
        opt.textContent = p.title;
        return opt;
      }));
    }
    const p = panels[index];
    const xs = p.series.flatMap((s) => s.x);
    const ys = p.series.flatMap((s) => [...s.y, ...(s.lo || []), ...(s.hi || [])]);
    const sx = scale(xs, p.logx), sy = scale(ys, p.logy);
    svg.replaceChildren();
    node("title", {}, svg).textContent = p.title;
    const { px, py } = drawAxes(svg, sx, sy, { W, H, M }, p);
    const line = (x, y) => y.map((v, i) => `${i ? "L" : "M"}${px(x[i]).toFixed(2)},${py(v).toFixed(2)}`).join("");

    legend.replaceChildren();
    p.series.forEach((s, i) => {
      const colour = COLOURS[i % COLOURS.length];
      if (s.lo && s.hi) {
        const back = [...s.x].reverse();
        const d = line(s.x, s.hi) + line(back, [...s.lo].reverse()).replace(/^M/, "L") + "Z";
        node("path", { d, fill: colour, class: "seqlab-band" }, svg);
      }
      node("path", {
        d: line(s.x, s.y), stroke: colour, class: s.dashed ? "seqlab-series seqlab-dashed" : "seqlab-series",
        "data-role": "series",
      }, svg);
      s.x.forEach((x, k) => node("circle", { cx: px(x), cy: py(s.y[k]), r: 3, fill: colour }, svg));
      const item = node("span", { class: "seqlab-key" }, legend, null);
      node("span", { class: "seqlab-swatch", style: `background:${colour}` }, item, null);
      item.append(s.label);
    });
    control.value = String(index);
    readout.textContent = p.note || "";
  }

  control.addEventListener("change", () => {
    model.set("index", Number(control.value));
    model.save_changes();
    draw();
  });
  const redraw = () => draw();
  for (const name of ["panels", "index"]) model.on(`change:${name}`, redraw);
  draw();
  return () => { for (const name of ["panels", "index"]) model.off(`change:${name}`, redraw); };
}

export default { render };
