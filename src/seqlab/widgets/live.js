// The forward pass of the book's small models in JavaScript: the same equations as
// seqlab's Python (seqlab.rnn cells, seqlab.attention scores, seqlab.seq2seq's decoder
// step and greedy decoding), on weights exported by seqlab.widgets.live.export_model.
// A live widget prepends this file to its module, as every widget does with common.js;
// tests/test_live_parity.py runs it under Node against torch's outputs.
// Vectors are Float64Arrays (the weights arrive as float32 and are widened once);
// a weight matrix is {rows, cols, data} in torch's (out, in) row-major layout.

function liveDecode(b64) {  // base64 of little-endian float32 -> Float64Array
  const bytes = typeof Buffer !== "undefined"
    ? Uint8Array.from(Buffer.from(b64, "base64"))
    : Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function liveTensors(exported) {  // {name: {shape, data: b64}} -> {name: {rows, cols, data}}
  const out = {};
  for (const [name, t] of Object.entries(exported)) {
    const data = liveDecode(t.data);
    const rows = t.shape.length === 2 ? t.shape[0] : 1;
    out[name] = { rows, cols: data.length / rows, data, shape: t.shape };
  }
  return out;
}

function matVec(W, x, bias = null) {  // W (rows, cols) @ x (cols) + bias -> (rows)
  const out = new Float64Array(W.rows);
  for (let r = 0; r < W.rows; r++) {
    let s = bias ? bias.data[r] : 0;
    const off = r * W.cols;
    for (let c = 0; c < W.cols; c++) s += W.data[off + c] * x[c];
    out[r] = s;
  }
  return out;
}

function row(W, i) {  // row i of a matrix: an embedding lookup
  return W.data.subarray(i * W.cols, (i + 1) * W.cols);
}

function concat(a, b) {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const sigmoid = (v) => 1 / (1 + Math.exp(-v));

function softmax(scores) {  // over a whole vector, max-subtracted
  let m = -Infinity;
  for (const s of scores) m = Math.max(m, s);
  const e = scores.map((s) => Math.exp(s - m));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

function argmax(v) {  // the first index of the largest value, as torch.argmax
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

// --- Recurrent cells (seqlab.rnn: gru_cell, lstm_cell; torch's gate order) ------------

function rnnParams(T, prefix, layer = 0) {
  return {
    wih: T[`${prefix}weight_ih_l${layer}`], whh: T[`${prefix}weight_hh_l${layer}`],
    bih: T[`${prefix}bias_ih_l${layer}`], bhh: T[`${prefix}bias_hh_l${layer}`],
  };
}

function tanhStep(p, x, h) {  // the plain RNN of chapter 1: h' = tanh(W_ih x + b + W_hh h + b)
  const xw = matVec(p.wih, x, p.bih), hw = matVec(p.whh, h, p.bhh);
  return xw.map((v, j) => Math.tanh(v + hw[j]));
}

function gruGateValues(p, x, h) {  // reset r, update z, candidate n (gru_gate_values)
  const H = h.length, xw = matVec(p.wih, x, p.bih), hw = matVec(p.whh, h, p.bhh);
  const r = new Float64Array(H), z = new Float64Array(H), n = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    r[j] = sigmoid(xw[j] + hw[j]);
    z[j] = sigmoid(xw[H + j] + hw[H + j]);
    n[j] = Math.tanh(xw[2 * H + j] + r[j] * hw[2 * H + j]);  // reset scales the recurrent part
  }
  return { reset: r, update: z, candidate: n };
}

function gruStep(p, x, h) {  // h' = n + z (h - n)
  const { update: z, candidate: n } = gruGateValues(p, x, h);
  return n.map((nj, j) => nj + z[j] * (h[j] - nj));
}

function lstmGateValues(p, x, h) {  // input i, forget f, candidate g, output o (lstm_gate_values)
  const H = h.length, z = matVec(p.wih, x, p.bih), zh = matVec(p.whh, h, p.bhh);
  const gate = (k, f) => Float64Array.from({ length: H }, (_, j) => f(z[k * H + j] + zh[k * H + j]));
  return { input: gate(0, sigmoid), forget: gate(1, sigmoid), candidate: gate(2, Math.tanh),
           output: gate(3, sigmoid) };
}

function lstmStep(p, x, state) {  // c' = f c + i g, h' = o tanh(c')
  const [h, c] = state, { input: i, forget: f, candidate: g, output: o } = lstmGateValues(p, x, h);
  const cOut = c.map((cj, j) => f[j] * cj + i[j] * g[j]);
  return [cOut.map((cj, j) => o[j] * Math.tanh(cj)), cOut];
}

function cellStep(cell, p, x, state) {
  if (cell === "lstm") return lstmStep(p, x, state);
  return cell === "gru" ? gruStep(p, x, state) : tanhStep(p, x, state);
}

function hiddenOf(cell, state) {
  return cell === "lstm" ? state[0] : state;
}

function zeroState(cell, H) {
  return cell === "lstm" ? [new Float64Array(H), new Float64Array(H)] : new Float64Array(H);
}

function runRnn(cell, p, xs, H) {  // a whole sequence from a zero state: [states], final
  let state = zeroState(cell, H);
  const outs = [];
  for (const x of xs) {
    state = cellStep(cell, p, x, state);
    outs.push(hiddenOf(cell, state));
  }
  return { outs, final: state };
}

// --- seqlab.seq2seq.Seq2Seq: encode, one decoder step, greedy decoding -----------------

function seq2seqEncode(model, src) {  // src: ids without padding -> the decoder's start
  const { config: cfg, T } = model, H = cfg.hidden_size;
  const xs = src.map((i) => row(T["src_embed.weight"], i));
  let memory, final;
  if (cfg.bidirectional) {
    const ahead = runRnn(cfg.cell, rnnParams(T, "encoder.forward_rnn."), xs, H);
    const back = runRnn(cfg.cell, rnnParams(T, "encoder.backward_rnn."), xs.slice().reverse(), H);
    const behind = back.outs.slice().reverse();
    memory = ahead.outs.map((a, j) => concat(a, behind[j]));
    const bridged = matVec(T["encoder.bridge.weight"], hiddenOf(cfg.cell, back.final),
      T["encoder.bridge.bias"]).map(Math.tanh);
    final = cfg.cell === "lstm" ? [bridged, back.final[1]] : bridged;
  } else {
    const run = runRnn(cfg.cell, rnnParams(T, "encoder."), xs, H);
    memory = run.outs;
    final = run.final;
  }
  let prepared = null;  // the keys projected once, as AdditiveAttention.prepare
  if (cfg.attention === "bahdanau") prepared = memory.map((m) => matVec(T["decoder.attention.w_key.weight"], m));
  if (cfg.attention === "luong-general") prepared = memory.map((m) => matVec(T["decoder.attention.weight"], m));
  if (cfg.attention === "luong-dot") prepared = memory;
  return { rnn: final, memory, prepared, summary: hiddenOf(cfg.cell, final) };
}

function attend(model, query, state) {  // context (M) and weights (S)
  const { T, config: cfg } = model;
  let scores;
  if (cfg.attention === "bahdanau") {
    const q = matVec(T["decoder.attention.w_query.weight"], query);
    const v = T["decoder.attention.v"].data;
    scores = state.prepared.map((k) => {
      let s = 0;
      for (let a = 0; a < v.length; a++) s += v[a] * Math.tanh(q[a] + k[a]);
      return s;
    });
  } else {
    scores = state.prepared.map((k) => k.reduce((s, kv, a) => s + kv * query[a], 0));
  }
  const weights = softmax(Float64Array.from(scores));
  const context = new Float64Array(state.memory[0].length);
  state.memory.forEach((m, j) => { for (let d = 0; d < m.length; d++) context[d] += weights[j] * m[d]; });
  return { context, weights };
}

function seq2seqStep(model, token, state) {  // -> {logits, state, weights}
  const { T, config: cfg } = model;
  const e = row(T["decoder.embed.weight"], token);
  let context = null, weights = null, x = e;
  if (cfg.attention === "bahdanau") {
    ({ context, weights } = attend(model, hiddenOf(cfg.cell, state.rnn), state));
    x = concat(e, context);
  } else if (cfg.attention === "none") {
    context = state.summary;
    x = concat(e, context);
  }
  const rnn = cellStep(cfg.cell, rnnParams(T, "decoder.rnn."), x, state.rnn);
  const h = hiddenOf(cfg.cell, rnn);
  if (cfg.attention.startsWith("luong")) ({ context, weights } = attend(model, h, state));
  const mixed = matVec(T["decoder.combine.weight"], concat(h, context), T["decoder.combine.bias"]).map(Math.tanh);
  const logits = matVec(T["decoder.head.weight"], mixed, T["decoder.head.bias"]);
  return { logits, state: { ...state, rnn }, weights };
}

const LIVE_BOS = 1, LIVE_EOS = 2;  // seqlab.data.pairs: PAD 0, BOS 1, EOS 2

function seq2seqGreedy(model, src, maxLen) {  // as seqlab.seq2seq.greedy_decode, one source
  let state = seq2seqEncode(model, src), token = LIVE_BOS;
  const tokens = [], logits = [], weights = [];
  for (let t = 0; t <= maxLen; t++) {
    const step = seq2seqStep(model, token, state);
    state = step.state;
    token = argmax(step.logits);
    tokens.push(token);
    logits.push(step.logits);
    weights.push(step.weights);
    if (token === LIVE_EOS) break;
  }
  return { tokens, logits, weights, finished: token === LIVE_EOS };
}

// --- seqlab.rnn.RNNLM: the character language models of chapters 1 and 3 --------------

function rnnLmRun(model, ids, states = null) {  // -> {logits: [per position], states}
  const { T, config: cfg } = model;
  const layers = Array.from({ length: cfg.num_layers }, (_, k) => rnnParams(T, "rnn.", k));
  states = states || layers.map(() => zeroState(cfg.cell, cfg.hidden_size));
  const logits = [];
  for (const id of ids) {
    let x = row(T["embed.weight"], id);
    layers.forEach((p, k) => {
      states[k] = cellStep(cfg.cell, p, x, states[k]);
      x = hiddenOf(cfg.cell, states[k]);
    });
    logits.push(matVec(T["head.weight"], x, T["head.bias"]));
  }
  return { logits, states };
}

// --- seqlab.transformer.TransformerLM: the decoder-only models of chapters 7 and 9 ------

function layerNorm(x, w, b, eps = 1e-5) {  // torch's LayerNorm: biased variance
  const n = x.length, mean = x.reduce((a, v) => a + v, 0) / n;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  const scale = 1 / Math.sqrt(variance + eps);
  return x.map((v, j) => (v - mean) * scale * w.data[j] + b.data[j]);
}

function sinusoid(position, d, base = 10000) {  // seqlab.positional.sinusoidal_encoding
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const angle = position * base ** (-(2 * Math.floor(j / 2)) / d);
    out[j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  }
  return out;
}

function causalSelfAttention(T, prefix, xs, nHeads) {  // -> {out: [L x d], weights: [H][L][L]}
  const d = xs[0].length, dh = d / nHeads, W = T[`${prefix}in_proj_weight`];
  const qkv = xs.map((x) => matVec(W, x, T[`${prefix}in_proj_bias`]));  // each 3d: q, k, v
  const merged = xs.map(() => new Float64Array(d)), weights = [];
  for (let h = 0; h < nHeads; h++) {
    const head = [];
    for (let t = 0; t < xs.length; t++) {
      const scores = new Float64Array(t + 1);  // keys 0..t: the causal mask
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let a = 0; a < dh; a++) dot += qkv[t][h * dh + a] * qkv[s][d + h * dh + a];
        scores[s] = dot / Math.sqrt(dh);
      }
      const w = softmax(scores);
      for (let s = 0; s <= t; s++) {
        for (let a = 0; a < dh; a++) merged[t][h * dh + a] += w[s] * qkv[s][2 * d + h * dh + a];
      }
      head.push(w);
    }
    weights.push(head);
  }
  const out = merged.map((m) => matVec(T[`${prefix}out_proj.weight`], m, T[`${prefix}out_proj.bias`]));
  return { out, weights };
}

function feedForward(T, prefix, x) {  // linear2(relu(linear1(x)))
  const hidden = matVec(T[`${prefix}linear1.weight`], x, T[`${prefix}linear1.bias`]).map((v) => Math.max(v, 0));
  return matVec(T[`${prefix}linear2.weight`], hidden, T[`${prefix}linear2.bias`]);
}

const add = (a, b) => a.map((v, j) => v + b[j]);

function transformerLmRun(model, ids) {  // -> {logits: [per position], weights: [layer][head][t][s]}
  const { T, config: cfg } = model, d = cfg.d_model;
  if (cfg.positional === "rope") throw new Error("live.js does not run rotary positions yet");
  const scale = cfg.scale_embedding ? Math.sqrt(d) : 1;
  let xs = ids.map((id, p) => {
    const x = row(T["embed.tokens.weight"], id).map((v) => v * scale);
    if (cfg.positional === "sinusoidal") return add(x, sinusoid(p, d));
    if (cfg.positional === "learned") return add(x, row(T["embed.position.weight"], p));
    return x;
  });
  const weights = [];
  for (let k = 0; k < cfg.n_layers; k++) {
    const pre = `layers.${k}.`, n1 = [T[`${pre}norm1.weight`], T[`${pre}norm1.bias`]];
    const n2 = [T[`${pre}norm2.weight`], T[`${pre}norm2.bias`]];
    if (cfg.norm_first) {
      const a = causalSelfAttention(T, `${pre}self_attn.`, xs.map((x) => layerNorm(x, ...n1)), cfg.n_heads);
      xs = xs.map((x, t) => add(x, a.out[t]));
      xs = xs.map((x) => add(x, feedForward(T, pre, layerNorm(x, ...n2))));
      weights.push(a.weights);
    } else {
      const a = causalSelfAttention(T, `${pre}self_attn.`, xs, cfg.n_heads);
      xs = xs.map((x, t) => layerNorm(add(x, a.out[t]), ...n1));
      xs = xs.map((x) => layerNorm(add(x, feedForward(T, pre, x)), ...n2));
      weights.push(a.weights);
    }
  }
  if (cfg.norm_first) xs = xs.map((x) => layerNorm(x, T["norm.weight"], T["norm.bias"]));
  return { logits: xs.map((x) => matVec(T["head.weight"], x, T["head.bias"])), weights };
}

// What chapter 3 shows: the gates of an RNNLM's first layer at every character, as
// seqlab.diagnostics.gate_trace (LSTM: input, forget, candidate, output, c, h; GRU:
// reset, update, candidate, h), each a list over positions of (H) vectors.
function rnnLmGates(model, ids) {
  const { T, config: cfg } = model, p = rnnParams(T, "rnn.", 0);
  if (cfg.cell === "rnn") throw new Error("a plain RNN has no gates");
  let state = zeroState(cfg.cell, cfg.hidden_size);
  const trace = {};
  const keep = (name, v) => (trace[name] = trace[name] || []).push(v);
  for (const id of ids) {
    const x = row(T["embed.weight"], id), h = hiddenOf(cfg.cell, state);
    const gates = cfg.cell === "lstm" ? lstmGateValues(p, x, h) : gruGateValues(p, x, h);
    for (const [name, v] of Object.entries(gates)) keep(name, v);
    state = cellStep(cfg.cell, p, x, state);
    keep("h", hiddenOf(cfg.cell, state));
    if (cfg.cell === "lstm") keep("c", state[1]);
  }
  return trace;
}

// Text -> ids for a character model, or a message for the reader instead of an error:
// an empty box, a character the vocabulary lacks (named, with its position), or more
// characters than the model reads (nothing is cut silently).
function liveEncode(index, text, maxLen) {
  if (!text.length) return { error: "The box is empty: type some text." };
  const chars = Array.from(text);  // code points, not UTF-16 halves
  if (maxLen && chars.length > maxLen) {
    return { error: `The model reads at most ${maxLen} characters; this text has ${chars.length}.` };
  }
  const ids = [];
  for (const [k, ch] of chars.entries()) {
    if (!(ch in index)) {
      const code = ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      return { error: `"${ch}" (U+${code}, character ${k + 1}) is not one this model knows.` };
    }
    ids.push(index[ch]);
  }
  return { ids };
}

function liveModel(exported) {  // what export_model wrote -> a model the functions take
  return { config: exported.config, T: liveTensors(exported.tensors) };
}
