// SelfCheck: a chapter's questions, answered in the page. Each question is a fieldset
// (radio buttons, or a text box for a number) with a Check button; the feedback below
// it is a polite live region that says why the answer is right or wrong. Answers are
// kept in localStorage under STORE, read again on the next visit and by the course
// page's progress table. node() comes from common.js.
const STORE = "seqlab-selfcheck";

function readStore() {  // {chapter: {title, n, answers: {k: {value, right}}}}; {} if unreadable
  try {
    const data = JSON.parse(window.localStorage.getItem(STORE) || "{}");
    return data && typeof data === "object" ? data : {};
  } catch (error) {
    return {};  // storage blocked (a sandboxed frame) or a corrupt entry: start afresh
  }
}

function writeStore(data) {
  try { window.localStorage.setItem(STORE, JSON.stringify(data)); } catch (error) { /* blocked */ }
}

function withCode(parent, text) {  // `code` spans in backticks, the rest as plain text
  text.split("`").forEach((part, k) => {
    if (k % 2) node("code", {}, parent, null).textContent = part;
    else parent.append(part);
  });
}

function parseNumber(text) {  // "1,664", "-0.25", "3e-4" -> number; anything else -> null
  let t = text.trim().replace(/\s+/g, "").replace(/\u2212/g, "-");
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, "");
  if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(t)) return null;
  return Number(t);
}

function render({ model, el }) {
  el.classList.add("seqlab-widget", "seqlab-self-check");
  el.dataset.seqlabWidget = "self-check";
  const chapter = String(model.get("chapter"));
  const questions = model.get("questions");
  const uid = `seqlab-sc-${chapter}-${Math.random().toString(36).slice(2, 8)}`;
  const summary = node("p", { class: "seqlab-summary", "data-role": "summary" }, el, null);
  const record = () => readStore()[chapter] || { answers: {} };

  function updateSummary() {
    const answers = record().answers || {};
    const right = questions.filter((_, k) => answers[k] && answers[k].right).length;
    const tried = questions.filter((_, k) => answers[k]).length;
    summary.textContent = tried
      ? `${right} of ${questions.length} answered right in this browser.`
      : `${questions.length} questions; your answers are kept in this browser only.`;
  }

  function save(k, value, right) {
    const data = readStore();
    const entry = data[chapter] || { answers: {} };
    entry.title = model.get("title");
    entry.n = questions.length;
    entry.answers = { ...(entry.answers || {}), [k]: { value, right } };
    data[chapter] = entry;
    writeStore(data);
    updateSummary();
  }

  questions.forEach((q, k) => {
    const box = node("fieldset", { "data-role": "question", "data-kind": q.kind }, el, null);
    node("legend", {}, box, null).textContent = `Question ${k + 1} of ${questions.length}`;
    const prompt = node("p", { class: "seqlab-prompt", id: `${uid}-q${k}` }, box, null);
    withCode(prompt, q.prompt);
    const feedback = node("div", {
      class: "seqlab-feedback", "data-role": "feedback", "aria-live": "polite",
    }, box, null);
    let read, input = null;  // read() -> {value} or {error}
    if (q.kind === "pick") {
      box.setAttribute("aria-describedby", `${uid}-q${k}`);
      const radios = q.choices.map((choice, j) => {
        const label = node("label", {}, box, null);
        const radio = node("input", {
          type: "radio", name: `${uid}-q${k}`, value: String(j), "data-role": "choice",
        }, label, null);
        label.append(" ");
        withCode(label, choice.text);
        return radio;
      });
      read = () => {
        const chosen = radios.find((r) => r.checked);
        return chosen ? { value: chosen.value } : { error: "Pick one of the answers first." };
      };
      radios.forEach((r) => r.addEventListener("keydown", (e) => {
        if (e.key === "Enter") { e.preventDefault(); check(); }
      }));
    } else {
      const label = node("label", {}, box, null);
      label.append("Your answer ");
      input = node("input", {
        type: "text", inputmode: "decimal", autocomplete: "off", "data-role": "number",
        "aria-describedby": `${uid}-q${k}`,
      }, label, null);
      if (q.unit) label.append(` ${q.unit}`);
      read = () => {
        const value = parseNumber(input.value);
        return value === null
          ? { error: `"${input.value.trim()}" is not a number: type digits, e.g. 1664 or 0.25.` }
          : { value };
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") { e.preventDefault(); check(); }
      });
    }
    const button = node("button", { type: "button", "data-role": "check" }, box, null);
    button.textContent = "Check";
    box.appendChild(feedback);

    function show(value, quiet = false) {
      const right = q.kind === "pick"
        ? Number(value) === q.answer
        : Math.abs(Number(value) - q.answer) <= q.tolerance;
      const why = q.kind === "pick" ? q.choices[Number(value)].why : (right ? q.right : q.wrong);
      feedback.className = `seqlab-feedback ${right ? "seqlab-right" : "seqlab-wrong"}`;
      feedback.dataset.result = right ? "right" : "wrong";
      feedback.replaceChildren();
      node("strong", {}, feedback, null).textContent = right ? "Right." : "Not quite.";
      withCode(feedback, why);
      if (!quiet) save(k, value, right);
    }

    function check() {
      const got = read();
      if (got.error) {
        feedback.className = "seqlab-feedback";
        feedback.dataset.result = "invalid";
        feedback.textContent = got.error;
        return;
      }
      show(got.value);
    }
    button.addEventListener("click", check);

    const saved = (record().answers || {})[k];  // an earlier visit's answer, shown again
    if (saved && saved.value !== undefined && saved.value !== null) {
      if (q.kind === "pick" && q.choices[Number(saved.value)]) {
        box.querySelectorAll("input")[Number(saved.value)].checked = true;
        show(saved.value, true);
      } else if (q.kind === "number" && Number.isFinite(Number(saved.value))) {
        input.value = String(saved.value);
        show(saved.value, true);
      }
    }
  });
  updateSummary();
}

export default { render };
