// LiveTranslator: chapter 5's date translators running in the page. Type a date: every
// model decodes it greedily (live.js's seq2seqGreedy, the same steps as torch's
// greedy_decode) as you type; a model with attention shows its weights, one row per
// output character, one column per input character. node() and colour() come from
// common.js; liveInput, say and liveGrid from live_ui.js.

function decodeIds(ids, itos) { return ids.map((i) => itos[i]).join(""); }

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-translator");
  el.dataset.seqlabWidget = "translator";
  const uid = `seqlab-tr-${Math.random().toString(36).slice(2, 8)}`;
  const { index, itos, max_len: maxSource } = model.get("vocab");
  const models = model.get("models").map((m) => ({ name: m.name, net: liveModel(m.exported) }));
  const { input, message } = liveInput(el, {
    label: "A date, in any style:", value: model.get("text"), examples: model.get("examples"), uid,
  });
  const panels = node("div", { class: "seqlab-live-panels" }, el, null);
  const views = models.map((m) => {
    const panel = node("section", { class: "seqlab-live-panel", "data-model": m.name, "aria-label": m.name }, panels, null);
    node("div", { class: "seqlab-panel-title" }, panel, null).textContent = m.name;
    const out = node("output", { "data-role": "output", "aria-live": "polite" }, panel, null);
    const figure = node("div", { "data-role": "figure" }, panel, null);
    return { ...m, out, figure };
  });

  function update() {
    const text = input.value;
    const encoded = liveEncode(index, text, maxSource);
    if (encoded.error) {
      say(message, encoded.error, "error");
      for (const v of views) { v.out.textContent = "—"; v.out.dataset.text = ""; v.figure.replaceChildren(); }
      return;
    }
    const chars = Array.from(text).map(shown);
    const start = performance.now();
    const decoded = views.map((v) => seq2seqGreedy(v.net, encoded.ids, 2 * encoded.ids.length + 10));
    const ms = performance.now() - start;
    views.forEach((v, k) => {
      const r = decoded[k];
      const body = r.finished ? r.tokens.slice(0, -1) : r.tokens;
      const answer = decodeIds(body, itos);
      v.out.dataset.text = r.finished ? answer : "";
      v.out.dataset.finished = String(r.finished);
      v.out.textContent = r.finished ? `→ ${answer}` : `→ ${answer}… (no end within ${r.tokens.length} characters)`;
      v.figure.replaceChildren();
      if (r.weights[0]) {
        const rows = [...Array.from(answer).map(shown), ...(r.finished ? ["<eos>"] : [])];
        liveGrid(v.figure, r.weights.map((w) => Array.from(w)), rows, chars, {
          title: "attention weights", rowTitle: "output", colTitle: "input",
          description: `attention of ${v.name} while writing ${answer}: one row per output character`,
        });
      } else {
        node("p", { class: "seqlab-note" }, v.figure, null).textContent =
          "No attention: the decoder starts from the encoder's last state alone.";
      }
    });
    message.dataset.ms = ms.toFixed(2);
    say(message, `${views.length} models decoded ${chars.length} characters in ${ms.toFixed(1)} ms, in this page.`);
  }
  input.addEventListener("input", update);
  update();
}

export default { render };
