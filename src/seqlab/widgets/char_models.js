// LiveCharModels: character language models running in the page (chapters 1 and 9).
// Type a prompt: each model's next-character distribution appears as you type; Sample
// continues the prompt with each model at the chosen temperature (a seeded generator,
// so the same seed gives the same text). A Transformer also shows each head's causal
// attention over the prompt. node(), colour() from common.js; liveInput, say, liveGrid,
// liveBars, seededRandom, sampleFrom, withTemperature from live_ui.js.

function nextLogits(m, ids) {  // the logits after the last character, and what a step needs
  if (m.kind === "rnnlm") {
    const r = rnnLmRun(m.net, ids);
    return { logits: r.logits[r.logits.length - 1], states: r.states };
  }
  const r = transformerLmRun(m.net, ids);
  return { logits: r.logits[r.logits.length - 1], weights: r.weights };
}

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-char-models");
  el.dataset.seqlabWidget = "char-models";
  const uid = `seqlab-cm-${Math.random().toString(36).slice(2, 8)}`;
  const { index, itos, max_len: maxLen } = model.get("vocab");
  const models = model.get("models").map((m) => ({
    name: m.name, kind: m.exported.kind, net: liveModel(m.exported),
    window: m.exported.kind === "transformerlm" ? m.exported.config.max_len : Infinity,
  }));
  const { input, message } = liveInput(el, {
    label: "Prompt:", value: model.get("text"), examples: model.get("examples"), uid,
  });
  const sampling = node("div", { class: "seqlab-controls" }, el, null);
  const tLabel = node("label", {}, sampling, null);
  tLabel.append("temperature ");
  const temperature = node("input", {
    type: "range", min: "0.1", max: "2", step: "0.1", "data-role": "temperature",
    "aria-valuetext": "1.0",
  }, tLabel, null);
  temperature.value = "1";
  const tValue = node("span", { "aria-hidden": "true" }, tLabel, null);
  const sLabel = node("label", {}, sampling, null);
  sLabel.append("seed ");
  const seed = node("input", { type: "text", inputmode: "numeric", size: "4", "data-role": "seed" }, sLabel, null);
  seed.value = "1";
  const button = node("button", { type: "button", "data-role": "sample" }, sampling, null);
  button.textContent = `Sample ${model.get("sample_length")} characters`;
  const panels = node("div", { class: "seqlab-live-panels" }, el, null);
  const views = models.map((m) => {
    const panel = node("section", { class: "seqlab-live-panel", "data-model": m.name, "aria-label": m.name }, panels, null);
    node("div", { class: "seqlab-panel-title" }, panel, null).textContent = m.name;
    const caption = node("div", {}, panel, null);
    const bars = node("div", { "data-role": "distribution" }, panel, null);
    const sample = node("p", { class: "seqlab-sample", "data-role": "continuation", "aria-live": "polite" }, panel, null);
    const v = { ...m, caption, bars, sample, heads: null, figure: null };
    if (m.kind === "transformerlm") {
      const controls = node("div", { class: "seqlab-controls" }, panel, null);
      const pick = node("select", { "data-role": "head", "aria-label": `${m.name}: layer and head` }, controls, null);
      const { n_layers: layers, n_heads: heads } = m.net.config;
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          node("option", { value: `${l},${h}` }, pick, null).textContent = `layer ${l + 1}, head ${h + 1}`;
        }
      }
      pick.addEventListener("change", () => update());
      v.heads = pick;
      v.figure = node("div", { "data-role": "figure" }, panel, null);
    }
    return v;
  });
  const T = () => Number(temperature.value);

  function encode() {
    const encoded = liveEncode(index, input.value, maxLen);
    if (!encoded.error) {
      const short = views.find((v) => encoded.ids.length > v.window);
      if (short) return { error: `${short.name} reads at most ${short.window} characters; this prompt has ${encoded.ids.length}.` };
    }
    return encoded;
  }

  function update() {
    tValue.textContent = ` ${T().toFixed(1)}`;
    temperature.setAttribute("aria-valuetext", T().toFixed(1));
    const encoded = encode();
    if (encoded.error) {
      say(message, encoded.error, "error");
      button.disabled = true;
      for (const v of views) { v.bars.replaceChildren(); if (v.figure) v.figure.replaceChildren(); }
      return;
    }
    button.disabled = false;
    const start = performance.now();
    const results = views.map((v) => nextLogits(v, encoded.ids));
    const ms = performance.now() - start;
    const chars = Array.from(input.value).map(shown);
    views.forEach((v, k) => {
      v.bars.replaceChildren();
      v.caption.textContent = `Most likely next characters at temperature ${T().toFixed(1)}:`;
      liveBars(v.bars, withTemperature(results[k].logits, T()), itos);
      if (v.figure) {
        const [l, h] = v.heads.value.split(",").map(Number);
        v.figure.replaceChildren();
        liveGrid(v.figure, results[k].weights[l][h].map((w) => Array.from(w)), chars, chars, {
          title: `layer ${l + 1}, head ${h + 1}: causal attention`, rowTitle: "query", colTitle: "key",
          description: `attention weights of ${v.name}, layer ${l + 1}, head ${h + 1}, over the prompt`,
        });
      }
    });
    message.dataset.ms = ms.toFixed(2);
    say(message, `${views.length === 1 ? "The model" : `${views.length} models`} read ${chars.length} characters in ${ms.toFixed(1)} ms, in this page.`);
  }

  function sample() {
    const encoded = encode();
    if (encoded.error) return say(message, encoded.error, "error");
    const n = model.get("sample_length");
    const s = Number.parseInt(seed.value, 10);
    if (!Number.isFinite(s) || String(s) !== seed.value.trim()) {
      return say(message, `The seed must be a whole number, got "${seed.value}".`, "error");
    }
    views.forEach((v) => {
      const random = seededRandom(s);
      const ids = [...encoded.ids];
      let step = nextLogits(v, ids);
      for (let t = 0; t < n; t++) {
        const id = sampleFrom(withTemperature(step.logits, T()), random);
        ids.push(id);
        if (v.kind === "rnnlm") {  // one step from the carried state
          const r = rnnLmRun(v.net, [id], step.states);
          step = { logits: r.logits[0], states: r.states };
        } else {  // the last `window` characters, as the model was trained
          step = nextLogits(v, ids.slice(-v.window));
        }
      }
      const text = ids.slice(encoded.ids.length).map((i) => itos[i]).join("");
      v.sample.replaceChildren();
      node("strong", {}, v.sample, null).textContent = input.value;
      v.sample.append(text);
      v.sample.dataset.text = text;
    });
    say(message, `Sampled ${n} characters per model at temperature ${T().toFixed(1)}, seed ${s}.`);
  }
  input.addEventListener("input", update);
  temperature.addEventListener("input", update);
  button.addEventListener("click", sample);
  seed.addEventListener("keydown", (e) => { if (e.key === "Enter") sample(); });
  update();
}

export default { render };
