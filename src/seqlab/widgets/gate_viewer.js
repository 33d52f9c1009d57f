// LiveGates: inside a trained LSTM or GRU, live in the page (chapter 3). Type a sequence:
// the chosen gate's value for every unit (rows) at every character (columns), and the
// model's prediction at each step. live.js's rnnLmGates follows
// seqlab.diagnostics.gate_trace. node(), colour() from common.js; liveInput, say and
// liveGrid from live_ui.js.

const RANGES = {  // colour scale per quantity: sigmoid gates in [0, 1], tanh ones in [-1, 1]
  input: [0, 1], forget: [0, 1], output: [0, 1], reset: [0, 1], update: [0, 1],
  candidate: [-1, 1], h: [-1, 1],
};

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-gate-viewer");
  el.dataset.seqlabWidget = "gate-viewer";
  const uid = `seqlab-gv-${Math.random().toString(36).slice(2, 8)}`;
  const { index, itos, max_len: maxLen } = model.get("vocab");
  const exported = model.get("model");
  const net = liveModel(exported);
  const { bar, input, message } = liveInput(el, {
    label: "Input:", value: model.get("text"), examples: model.get("examples"), uid,
  });
  const names = exported.config.cell === "lstm"
    ? ["input", "forget", "candidate", "output", "c", "h"]
    : ["reset", "update", "candidate", "h"];
  const pick = node("select", { "data-role": "gate", "aria-label": "gate or state shown" }, bar, null);
  for (const name of names) node("option", { value: name }, pick, null).textContent = name;
  pick.value = model.get("gate");
  const predicted = node("p", {}, el, null);
  predicted.append("The model's prediction at each step: ");
  const out = node("output", { "data-role": "output", "aria-live": "polite" }, predicted, null);
  const figure = node("div", { "data-role": "figure" }, el, null);

  function update() {
    const encoded = liveEncode(index, input.value, maxLen);
    figure.replaceChildren();
    if (encoded.error) {
      say(message, encoded.error, "error");
      out.textContent = "—";
      out.dataset.text = "";
      return;
    }
    const start = performance.now();
    const trace = rnnLmGates(net, encoded.ids);
    const logits = rnnLmRun(net, encoded.ids).logits;
    const ms = performance.now() - start;
    const text = logits.map((l) => itos[argmax(l)]).join("");
    out.textContent = Array.from(text).map(shown).join("");
    out.dataset.text = text;
    const name = pick.value;
    const steps = trace[name];  // [L] of (H)
    const H = steps[0].length;
    let [lo, hi] = RANGES[name] || [0, 0];
    if (name === "c") {  // the cell state is unbounded: a symmetric scale around 0
      hi = Math.max(1e-6, ...steps.map((v) => Math.max(...Array.from(v, Math.abs))));
      lo = -hi;
    }
    const matrix = Array.from({ length: H }, (_, u) => steps.map((v) => v[u]));  // (H, L)
    const chars = Array.from(input.value).map(shown);
    liveGrid(figure, matrix, matrix.map((_, u) => `unit ${u + 1}`), chars, {
      title: `${name}, every unit at every step`, rowTitle: "unit", colTitle: "input", lo, hi,
      description: `${name} of the model's ${H} units over the ${chars.length} input characters`,
    });
    message.dataset.ms = ms.toFixed(2);
    say(message, `${chars.length} steps in ${ms.toFixed(1)} ms, in this page.`);
  }
  input.addEventListener("input", update);
  pick.addEventListener("change", update);
  update();
}

export default { render };
