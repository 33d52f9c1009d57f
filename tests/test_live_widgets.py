"""The live widgets' Python side: what they store for the page is torch's, and bad
arguments are refused up front. (The page itself: tests/test_live_site.py; live.js
against torch: tests/test_live_parity.py.)"""

from __future__ import annotations

import pytest
import torch

from seqlab.data import CharVocab, copy_task, date_task
from seqlab.diagnostics import gate_trace
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.seq2seq import Seq2Seq, translate
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.widgets import LiveCharModels, LiveGates, LiveTranslator
from seqlab.widgets.live import exported_bytes

VOCAB = CharVocab.from_text("abcdef gh.\n")
BUDGET = 1_500_000  # bytes one live model may add to a page


def lstm(cell="lstm", extra=0):
    torch.manual_seed(0)
    config = RNNLMConfig(vocab_size=len(VOCAB) + extra, d_embed=8, hidden_size=16, cell=cell)
    return RNNLM(config)


def transformer():
    torch.manual_seed(0)
    config = TransformerConfig(
        vocab_size=len(VOCAB), d_model=16, n_heads=2, n_layers=1, d_ff=32, max_len=12
    )
    return TransformerLM(config)


def test_translator_keeps_torchs_outputs_and_both_vocabularies():
    task = date_task()
    torch.manual_seed(0)
    models = {
        "attention": Seq2Seq.for_task(task, hidden_size=16, attention="bahdanau"),
        "none": Seq2Seq.for_task(task, hidden_size=16, attention="none"),
    }
    w = LiveTranslator(models, "5 mar 1983", examples=["5 mar 1983", "22.08.1997"])
    assert [m["name"] for m in w.models] == ["attention", "none"]
    assert w.vocab["index"] == task.src_vocab.index
    assert w.vocab["itos"][:3] == ["<pad>", "<bos>", "<eos>"]
    assert w.vocab["itos"][3:] == task.tgt_vocab.chars and w.vocab["max_len"] == 64
    for text, outputs in w.reference.items():
        for name, model in models.items():
            try:
                expected = translate(model, text)
            except ValueError:  # no <eos>: the page shows no answer either
                expected = ""
            assert outputs[name] == expected


def test_translator_refuses_what_it_cannot_run():
    task = date_task()
    with pytest.raises(TypeError, match="Seq2Seq"):
        LiveTranslator({"lm": lstm()})
    with pytest.raises(TypeError, match="non-empty dict"):
        LiveTranslator({})
    other = Seq2Seq.for_task(copy_task(1, 4), hidden_size=8)
    with pytest.raises(ValueError, match="share one task"):
        LiveTranslator({"a": Seq2Seq.for_task(task, hidden_size=8), "b": other})
    with pytest.raises(ValueError, match="not in the vocabulary"):
        LiveTranslator(Seq2Seq.for_task(task, hidden_size=8), examples=["kz"])


def test_char_models_keep_torchs_most_likely_characters():
    models = {"LSTM": lstm(), "Transformer": transformer()}
    w = LiveCharModels(models, VOCAB, "abc", examples=["abc", "h"], max_len=12)
    with torch.no_grad():
        lstm_probs = models["LSTM"](VOCAB.encode("abc")[None])[0][0, -1].softmax(-1)
    top = w.reference["abc"]["LSTM"]
    assert [c for c, _ in top] == [VOCAB.chars[i] for i in lstm_probs.topk(5).indices]
    assert [p for _, p in top] == pytest.approx(lstm_probs.topk(5).values.tolist(), abs=1e-6)
    assert w.models[1]["exported"]["kind"] == "transformerlm"
    assert all(exported_bytes(m["exported"]) < BUDGET for m in w.models)


def test_char_models_refuse_a_vocabulary_of_another_size():
    with pytest.raises(ValueError, match="outputs but vocab has"):
        LiveCharModels(lstm(extra=1), VOCAB)
    with pytest.raises(TypeError, match="CharVocab"):
        LiveCharModels(lstm(), "abc")
    with pytest.raises(ValueError, match="not in the vocabulary"):
        LiveCharModels(lstm(), VOCAB, examples=["xyz"])


def test_gates_keep_torchs_trace_and_predictions():
    model = lstm()
    w = LiveGates(model, VOCAB, "abc", examples=["abc de"], gate="input")
    with torch.no_grad():
        trace = gate_trace(model.rnn, model.embed(VOCAB.encode("abc de")[None]))
        logits, _ = model(VOCAB.encode("abc de")[None])
    ref = w.reference["abc de"]
    assert torch.tensor(ref["values"]) == pytest.approx(trace["input"][0].T, abs=1e-7)
    assert ref["predictions"] == VOCAB.decode(logits[0].argmax(-1))


def test_gates_refuse_a_cell_without_gates_or_an_unknown_gate():
    with pytest.raises(TypeError, match="lstm' or 'gru"):
        LiveGates(lstm("rnn"), VOCAB)
    with pytest.raises(ValueError, match="gate must be one of"):
        LiveGates(lstm("gru"), VOCAB, gate="forget")
    assert LiveGates(lstm("gru"), VOCAB, gate="update").gate == "update"
