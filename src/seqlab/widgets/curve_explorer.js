// CurveExplorer: a slider or dropdown picks one of several precomputed curves.
// Pure DOM + SVG, no network: it must work in the static site with no kernel.
// NS, node(), fmt(), scale() and drawAxes() come from common.js.
const W = 640, H = 360, M = { left: 70, right: 20, top: 36, bottom: 52 };

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
  // a polite live region: a screen reader says the new value after each keystroke
  const readout = node("span", {
    class: "seqlab-readout", "data-role": "readout", "aria-live": "polite", "aria-atomic": "true",
  }, bar, null);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, "data-role": "plot", role: "img" }, el);

  function draw() {
    const xs = model.get("x"), curves = model.get("curves"), labels = model.get("labels");
    const index = Math.min(Math.max(model.get("index"), 0), curves.length - 1);
    const sx = scale(xs, model.get("logx")), sy = scale(curves.flat(), model.get("logy"));
    setChoices(labels);
    svg.replaceChildren();
    node("title", {}, svg).textContent = model.get("title") || "curves";
    const { px, py } = drawAxes(svg, sx, sy, { W, H, M },
      { xlabel: model.get("xlabel"), ylabel: model.get("ylabel"), title: model.get("title") });
    const path = (ys) => ys.map((y, i) => `${i ? "L" : "M"}${px(xs[i]).toFixed(2)},${py(y).toFixed(2)}`).join("");

    if (model.get("show_all")) {
      curves.forEach((ys, i) => {
        if (i !== index) node("path", { d: path(ys), class: "seqlab-faint" }, svg);
      });
    }
    node("path", { d: path(curves[index]), class: "seqlab-current", "data-role": "curve" }, svg);

    control.value = String(index);
    const name = model.get("param_name");
    readout.textContent = name ? `${name} = ${labels[index]}` : labels[index];
    // a slider's value is a position; say the curve's label instead
    if (!dropdown) control.setAttribute("aria-valuetext", labels[index]);
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
