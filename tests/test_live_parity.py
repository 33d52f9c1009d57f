"""``live.js``, the forward pass the live widgets run in the page, equals seqlab's torch
models on the same weights: every step's logits within 1e-4 and the same greedy output,
on 100 sources per model, under Node (the page's JavaScript engine family)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import torch

from seqlab.data.pairs import BOS, EOS
from seqlab.diagnostics import gate_trace
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.seq2seq import Seq2Seq, Seq2SeqConfig, greedy_decode
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.widgets.live import LIVE_JS, export_model, exported_bytes

N_SOURCES, MAX_LEN, TOLERANCE = 100, 12, 1e-4

DRIVER = """
import { readFileSync } from "node:fs";
const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const model = liveModel(job.model);
const out = job.sources.map((src) => {
  if (job.model.kind === "rnnlm") {
    const gates = job.model.config.cell === "rnn" ? {} : rnnLmGates(model, src);
    return { logits: rnnLmRun(model, src).logits.map((l) => Array.from(l)),
             gates: Object.fromEntries(Object.entries(gates).map(([k, v]) =>
               [k, v.map((x) => Array.from(x))])) };
  }
  if (job.model.kind === "transformerlm") {
    const r = transformerLmRun(model, src);
    return { logits: r.logits.map((l) => Array.from(l)),
             weights: r.weights.map((layer) => layer.map((h) => h.map((w) => Array.from(w)))) };
  }
  const r = seq2seqGreedy(model, src, job.max_len);
  return { tokens: r.tokens, logits: r.logits.map((l) => Array.from(l)),
           weights: r.weights.map((w) => (w ? Array.from(w) : null)) };
});
console.log(JSON.stringify(out));
"""

CONFIGS = [
    {"cell": "gru", "attention": "bahdanau"},  # chapter 5's date translator
    {"cell": "gru", "attention": "none"},  # chapter 4's bottleneck
    {"cell": "lstm", "attention": "luong-general"},
    {"cell": "gru", "attention": "luong-dot"},
    {"cell": "gru", "attention": "bahdanau", "bidirectional": True},
    {"cell": "lstm", "attention": "bahdanau", "bidirectional": True},
]


def random_ids(*, low: int, high: int, longest: int, seed: int) -> list[list[int]]:
    """``N_SOURCES`` id lists of random lengths 1 … ``longest``, ids in [low, high)."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, longest + 1, (N_SOURCES,), generator=g).tolist()
    return [torch.randint(low, high, (n,), generator=g).tolist() for n in lengths]


def torch_greedy(model: Seq2Seq, src: list[int]) -> dict:
    """The torch reference, one source: seqlab's encode and decoder step, greedily."""
    ids = torch.tensor([src])
    with torch.no_grad():
        state = model.encode(ids, torch.ones_like(ids, dtype=torch.bool))
        token, tokens, logits, weights = torch.tensor([BOS]), [], [], []
        for _ in range(MAX_LEN + 1):
            out, state, w = model.decoder.step(token, state)
            token = out.argmax(-1)
            tokens.append(int(token))
            logits.append(out[0])
            weights.append(None if w is None else w[0])
            if tokens[-1] == EOS:
                break
    return {"tokens": tokens, "logits": logits, "weights": weights}


def run_live(tmp_path, model, sources: list[list[int]]) -> list[dict]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the parity test (make env installs the site's JS with it)"
    script = tmp_path / "driver.mjs"
    script.write_text(LIVE_JS.read_text() + DRIVER)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"model": export_model(model), "sources": sources,
                               "max_len": MAX_LEN}))  # fmt: skip
    done = subprocess.run([node, script, job], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("options", CONFIGS, ids=lambda o: "-".join(map(str, o.values())))
def test_javascript_equals_torch_on_100_sources(tmp_path, options):
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(30, 16, d_embed=12, hidden_size=16, **options)).eval()
    sources = random_ids(low=3, high=30, longest=24, seed=1)  # ids 0-2: pad, bos, eos
    live = run_live(tmp_path, model, sources)
    worst = 0.0
    for src, js in zip(sources, live, strict=True):
        ref = torch_greedy(model, src)
        assert js["tokens"] == ref["tokens"], f"greedy outputs differ on {src}"
        for a, b in zip(js["logits"], ref["logits"], strict=True):
            worst = max(worst, (torch.tensor(a) - b.double()).abs().max().item())
        for a, b in zip(js["weights"], ref["weights"], strict=True):
            assert (a is None) == (b is None)
            if b is not None:
                worst = max(worst, (torch.tensor(a) - b.double()).abs().max().item())
    assert worst <= TOLERANCE, f"largest difference {worst:.2e}"
    print(f"{options}: largest difference {worst:.1e} over {N_SOURCES} sources")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_javascript_language_model_equals_torch_on_100_texts(tmp_path, cell):
    torch.manual_seed(0)
    config = RNNLMConfig(vocab_size=40, d_embed=12, hidden_size=16, num_layers=2, cell=cell)
    model = RNNLM(config).eval()
    texts = random_ids(low=0, high=40, longest=29, seed=2)
    live = run_live(tmp_path, model, texts)
    worst = 0.0
    for text, js in zip(texts, live, strict=True):
        with torch.no_grad():
            logits = model(torch.tensor([text]))[0][0]  # (L, V)
            if cell != "rnn":  # chapter 3's gates, as seqlab.diagnostics.gate_trace
                one_layer = type(model.rnn)(12, 16)
                one_layer.load_state_dict({k: v for k, v in model.rnn.state_dict().items()
                                           if k.endswith("_l0")})  # fmt: skip
                trace = gate_trace(one_layer, model.embed(torch.tensor([text])))
                assert set(js["gates"]) == set(trace)
                for name, ref in trace.items():
                    diff = torch.tensor(js["gates"][name]) - ref[0].double()
                    worst = max(worst, diff.abs().max().item())
        got = torch.tensor(js["logits"])  # (L, V), float64
        assert got.shape == logits.shape
        assert torch.equal(got.argmax(-1), logits.argmax(-1)), (
            f"next-token choice differs on {text}"
        )
        worst = max(worst, (got - logits.double()).abs().max().item())
    assert worst <= TOLERANCE, f"largest difference {worst:.2e}"


@pytest.mark.parametrize(
    "options",
    [
        {"positional": "sinusoidal"},  # chapter 9's language model
        {"positional": "learned", "norm_first": False},
        {"positional": "none", "scale_embedding": True, "tie_weights": True},
    ],
    ids=["sinusoidal-preLN", "learned-postLN", "none-tied"],
)
def test_javascript_transformer_equals_torch_on_100_texts(tmp_path, options):
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=40, d_model=16, n_heads=4, n_layers=2, d_ff=32,
                               max_len=32, **options)  # fmt: skip
    model = TransformerLM(config).eval()
    texts = random_ids(low=0, high=40, longest=29, seed=3)
    live = run_live(tmp_path, model, texts)
    worst = 0.0
    for text, js in zip(texts, live, strict=True):
        tokens = torch.tensor([text])
        with torch.no_grad():
            logits = model(tokens)[0]  # (L, V)
        weights = model.attention_weights(tokens)  # layers x (1, H, L, L)
        got = torch.tensor(js["logits"])
        assert torch.equal(got.argmax(-1), logits.argmax(-1)), (
            f"next-token choice differs on {text}"
        )
        worst = max(worst, (got - logits.double()).abs().max().item())
        for layer, ref in zip(js["weights"], weights, strict=True):
            for h, rows in enumerate(layer):
                for t, w in enumerate(rows):  # row t: keys 0..t (the causal mask)
                    diff = torch.tensor(w) - ref[0, h, t, : t + 1].double()
                    worst = max(worst, diff.abs().max().item())
    assert worst <= TOLERANCE, f"largest difference {worst:.2e}"


def test_the_reference_is_seqlabs_greedy_decode():
    """The step loop above is what greedy_decode does (so the JS mirrors the book's)."""
    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(30, 16, attention="bahdanau")).eval()
    src = [5, 9, 12, 3, 7]
    ref = torch_greedy(model, src)
    decoded = greedy_decode(model, torch.tensor([src]), torch.ones(1, 5, dtype=torch.bool), MAX_LEN)
    n = int(decoded.lengths[0])
    assert decoded.tokens[0, :n].tolist() == ref["tokens"][:n]


def test_the_export_is_float32_and_its_size_is_counted():
    model = Seq2Seq(Seq2SeqConfig(30, 16, attention="bahdanau"))
    exported = export_model(model)
    n = sum(p.numel() for p in model.state_dict().values())
    assert exported_bytes(exported) == sum(len(t["data"]) for t in exported["tensors"].values())
    assert exported_bytes(exported) >= 4 * n  # base64 of 4 bytes per weight
    assert export_model(RNNLM(RNNLMConfig(vocab_size=5)))["kind"] == "rnnlm"
    with pytest.raises(TypeError, match="Seq2Seq"):
        export_model(torch.nn.Linear(2, 2))


ENCODE = """
import { readFileSync } from "node:fs";
const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
console.log(JSON.stringify(job.texts.map((t) => liveEncode(job.index, t, job.max_len))));
"""


def test_javascript_encodes_like_charvocab_and_explains_bad_input(tmp_path):
    from seqlab.data.text import CharVocab

    vocab = CharVocab("abc de")
    texts = ["abc", "a d", "", "abz", "ab\U0001f642", "abcabcabca", "é"]
    script, job = tmp_path / "encode.mjs", tmp_path / "job.json"
    script.write_text(LIVE_JS.read_text() + ENCODE)
    job.write_text(json.dumps({"index": vocab.index, "texts": texts, "max_len": 9}))
    done = subprocess.run([shutil.which("node"), script, job], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out[0]["ids"] == vocab.encode("abc").tolist()
    assert out[1]["ids"] == vocab.encode("a d").tolist()
    assert "empty" in out[2]["error"]
    assert '"z"' in out[3]["error"] and "character 3" in out[3]["error"]
    assert "U+1F642" in out[4]["error"]  # one code point, not two UTF-16 halves
    assert "at most 9" in out[5]["error"] and "has 10" in out[5]["error"]
    assert "U+00E9" in out[6]["error"]
