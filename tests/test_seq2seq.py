"""The RNN encoder–decoder: teacher forcing equals stepping, a decoder step equals the
formulas written out, padding changes nothing, and greedy decoding stops where it should."""

import math

import pytest
import torch
from torch import nn

from seqlab.attention import padding_mask
from seqlab.data import BOS, EOS, PAD, copy_task, date_task
from seqlab.seq2seq import (
    ATTENTIONS,
    Seq2Seq,
    Seq2SeqConfig,
    exact_match,
    greedy_decode,
    matched_hidden_size,
    seq2seq_loss,
    translate,
    translate_batch,
)
from seqlab.utils import count_parameters

F64 = torch.float64
CELLS = ("gru", "lstm")
TOL = {"rtol": 1e-10, "atol": 1e-10}


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def tiny(task, attention, cell="gru", seed=0, **options):
    torch.manual_seed(seed)
    options = {"d_embed": 4, "hidden_size": 5, **options}
    return Seq2Seq.for_task(task, attention=attention, cell=cell, **options).double()


@pytest.fixture(scope="module")
def task():
    return copy_task(2, 5, n_symbols=4, reverse=True)


@pytest.fixture(scope="module")
def batch(task):
    pairs = [("abcd", "dcba"), ("ca", "ac"), ("dbbac", "cabbd"), ("b" * 3, "b" * 3)]
    return task.batch(pairs)


def test_attentions_are_the_four_kinds():
    assert ATTENTIONS == ("none", "bahdanau", "luong-dot", "luong-general")


# ---------------------------------------------------------------- teacher forcing = stepping


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_teacher_forcing_equals_stepping_the_decoder(task, batch, attention, cell):
    model = tiny(task, attention, cell)
    logits, weights = model(batch.src, batch.src_mask, batch.tgt_in)
    assert logits.dtype == F64
    assert logits.shape == (*batch.tgt_in.shape, len(task.tgt_vocab))
    state = model.encode(batch.src, batch.src_mask)
    for t in range(batch.tgt_in.shape[1]):
        out, state, w = model.decoder.step(batch.tgt_in[:, t], state)
        torch.testing.assert_close(out, logits[:, t], **TOL)
        if attention == "none":
            assert w is None and weights is None
        else:
            torch.testing.assert_close(w, weights[:, t], **TOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ATTENTIONS[1:])
def test_attention_weights_are_distributions_over_real_source_tokens(task, batch, attention, cell):
    model = tiny(task, attention, cell)
    _, weights = model(batch.src, batch.src_mask, batch.tgt_in)
    b, t, s = batch.tgt_in.shape[0], batch.tgt_in.shape[1], batch.src.shape[1]
    assert weights.shape == (b, t, s)
    torch.testing.assert_close(weights.sum(-1), torch.ones(b, t, dtype=F64), **TOL)
    padded = (~batch.src_mask)[:, None, :].expand_as(weights)
    assert padded.any()
    assert (weights[padded] == 0.0).all()


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padding_changes_nothing(task, batch, attention, cell):
    """Other ids at padded source positions give the same logits, and each sequence of the
    padded batch gets the logits it gets alone, unpadded."""
    model = tiny(task, attention, cell)
    logits, weights = model(batch.src, batch.src_mask, batch.tgt_in)
    other = batch.src.clone()
    noise = torch.randint(0, len(task.src_vocab), other.shape, generator=gen(1))
    other[~batch.src_mask] = noise[~batch.src_mask]
    assert not torch.equal(other, batch.src)
    logits2, weights2 = model(other, batch.src_mask, batch.tgt_in)
    torch.testing.assert_close(logits2, logits, rtol=0, atol=0)
    if weights is not None:
        torch.testing.assert_close(weights2, weights, rtol=0, atol=0)
    for b, source in enumerate(batch.sources):
        n = len(source)
        alone, _ = model(
            batch.src[b : b + 1, :n], batch.src_mask[b : b + 1, :n], batch.tgt_in[b : b + 1]
        )
        torch.testing.assert_close(alone[0], logits[b], rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- one step, written out


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))


def gru_by_hand(rnn, x, h):
    """torch's GRU equations: r, z, n gates, h' = (1 - z) n + z h."""
    size = h.shape[-1]
    gi = x @ rnn.weight_ih_l0.T + rnn.bias_ih_l0
    gh = h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0
    r = sigmoid(gi[:, :size] + gh[:, :size])
    z = sigmoid(gi[:, size : 2 * size] + gh[:, size : 2 * size])
    n = torch.tanh(gi[:, 2 * size :] + r * gh[:, 2 * size :])
    return (1 - z) * n + z * h


def lstm_by_hand(rnn, x, h, c):
    """torch's LSTM equations: i, f, g, o gates, c' = f c + i g, h' = o tanh(c')."""
    size = h.shape[-1]
    gates = x @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0
    i = sigmoid(gates[:, :size])
    f = sigmoid(gates[:, size : 2 * size])
    g = torch.tanh(gates[:, 2 * size : 3 * size])
    o = sigmoid(gates[:, 3 * size :])
    c = f * c + i * g
    return o * torch.tanh(c), c


def attend_by_hand(score, memory, mask):
    """softmax over the real positions of score(b, j), then the weighted sum of memory."""
    batch, source, _ = memory.shape
    contexts, all_weights = [], []
    for b in range(batch):
        scores = {j: score(b, j) for j in range(source) if mask[b, j]}
        top = max(scores.values())
        exps = {j: math.exp(s - top) for j, s in scores.items()}
        total = sum(exps.values())
        weights = torch.tensor([exps.get(j, 0.0) / total for j in range(source)], dtype=F64)
        all_weights.append(weights)
        contexts.append(weights @ memory[b])
    return torch.stack(contexts), torch.stack(all_weights)


def output_by_hand(decoder, h, context):
    """logits = W_head tanh(W_c [h; context] + b_c) + b_head."""
    hidden = torch.tanh(
        torch.cat([h, context], -1) @ decoder.combine.weight.T + decoder.combine.bias
    )
    return hidden @ decoder.head.weight.T + decoder.head.bias


def start_state(model, cell, seed=3):
    """A decoder start state from chosen encoder states (B=2, S=4, H) and final state."""
    size = model.config.hidden_size
    g = gen(seed)
    memory = torch.randn(2, 4, size, generator=g, dtype=F64)
    mask = padding_mask([4, 2], 4)
    memory = memory * mask[..., None]  # as the encoder leaves it: zeros on padding
    h = torch.randn(1, 2, size, generator=g, dtype=F64)
    final = (h, torch.randn(1, 2, size, generator=g, dtype=F64)) if cell == "lstm" else h
    return memory, mask, final


@pytest.mark.parametrize("cell", CELLS)
def test_bahdanau_step_by_hand(task, cell):
    """Bahdanau: the PREVIOUS state is the query, the context enters the recurrence with
    the embedding, and the output reads [new state; context]."""
    model = tiny(task, "bahdanau", cell, hidden_size=3, attn_size=2, d_embed=2)
    dec = model.decoder
    memory, mask, final = start_state(model, cell)
    state = dec.start(memory, mask, final)
    token = torch.tensor([BOS, 4])
    logits, new, weights = dec.step(token, state)

    att = dec.attention
    assert att.w_query.weight.shape == (2, 3) and att.v.shape == (2,)
    h_prev = final[0][0] if cell == "lstm" else final[0]
    wq, wk, v = att.w_query.weight, att.w_key.weight, att.v

    def score(b, j):
        return (v @ torch.tanh(wq @ h_prev[b] + wk @ memory[b, j])).item()

    context, weights_ref = attend_by_hand(score, memory, mask)
    x = torch.cat([dec.embed.weight[token], context], -1)
    if cell == "lstm":
        h, c = lstm_by_hand(dec.rnn, x, h_prev, final[1][0])
        torch.testing.assert_close(new.rnn[0], h, **TOL)
        torch.testing.assert_close(new.rnn[1], c, **TOL)
    else:
        h = gru_by_hand(dec.rnn, x, h_prev)
        torch.testing.assert_close(new.rnn, h, **TOL)
    torch.testing.assert_close(weights, weights_ref, **TOL)
    assert (weights[1, 2:] == 0.0).all()
    torch.testing.assert_close(logits, output_by_hand(dec, h, context), **TOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("score_kind", ["dot", "general"])
def test_luong_step_by_hand(task, cell, score_kind):
    """Luong: the input is the embedding alone, the NEW state is the query (q · k_j or
    q · W k_j), and the output reads [new state; context]."""
    model = tiny(task, f"luong-{score_kind}", cell, hidden_size=3, d_embed=2)
    dec = model.decoder
    memory, mask, final = start_state(model, cell, seed=4)
    state = dec.start(memory, mask, final)
    token = torch.tensor([5, BOS])
    logits, new, weights = dec.step(token, state)

    x = dec.embed.weight[token]
    if cell == "lstm":
        h, c = lstm_by_hand(dec.rnn, x, final[0][0], final[1][0])
        torch.testing.assert_close(new.rnn[1], c, **TOL)
    else:
        h = gru_by_hand(dec.rnn, x, final[0])
    w = torch.eye(3, dtype=F64) if score_kind == "dot" else dec.attention.weight

    def score(b, j):
        return (h[b] @ (w @ memory[b, j])).item()

    context, weights_ref = attend_by_hand(score, memory, mask)
    torch.testing.assert_close(weights, weights_ref, **TOL)
    assert (weights[1, 2:] == 0.0).all()
    torch.testing.assert_close(logits, output_by_hand(dec, h, context), **TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_step_without_attention_by_hand(task, cell):
    """No attention: the encoder's final hidden state is the context at every step, fed
    into the recurrence and into the output."""
    model = tiny(task, "none", cell, hidden_size=3, d_embed=2)
    dec = model.decoder
    memory, mask, final = start_state(model, cell, seed=5)
    state = dec.start(memory, mask, final)
    token = torch.tensor([BOS, 3])
    summary = final[0][0] if cell == "lstm" else final[0]
    x = torch.cat([dec.embed.weight[token], summary], -1)
    if cell == "lstm":
        h, _ = lstm_by_hand(dec.rnn, x, summary, final[1][0])
    else:
        h = gru_by_hand(dec.rnn, x, summary)
    logits, new, weights = dec.step(token, state)
    assert weights is None
    torch.testing.assert_close(logits, output_by_hand(dec, h, summary), **TOL)
    # the next step uses the same summary, not the new state
    logits2, _, _ = dec.step(token, new)
    if cell == "lstm":
        h2, _ = lstm_by_hand(dec.rnn, x, new.rnn[0], new.rnn[1])
    else:
        h2 = gru_by_hand(dec.rnn, x, new.rnn)
    torch.testing.assert_close(logits2, output_by_hand(dec, h2, summary), **TOL)


def test_encode_gives_the_state_after_the_last_real_token(task, batch):
    model = tiny(task, "bahdanau", "lstm")
    state = model.encode(batch.src, batch.src_mask)
    assert (state.memory[~batch.src_mask] == 0.0).all()
    for b, source in enumerate(batch.sources):
        n = len(source)
        out, (h, c) = model.encoder(model.src_embed(batch.src[b : b + 1, :n]))
        torch.testing.assert_close(state.memory[b, :n], out[0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(state.rnn[0][b], h[0, 0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(state.rnn[1][b], c[0, 0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(state.summary[b], h[0, 0], rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- greedy decoding


def forced(task, attention, token_id, cell="gru"):
    """A model whose output layer always picks ``token_id``."""
    model = tiny(task, attention, cell)
    with torch.no_grad():
        model.decoder.head.weight.zero_()
        model.decoder.head.bias.zero_()
        model.decoder.head.bias[token_id] = 10.0
    return model


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_greedy_decoding_stops_at_eos(task, attention):
    model = forced(task, attention, EOS)
    src, src_mask = task.encode_sources(["abc", "d", "dcba"])
    decoded = greedy_decode(model, src, src_mask, max_len=7)
    assert decoded.finished.tolist() == [True, True, True]
    assert decoded.lengths.tolist() == [0, 0, 0]  # nothing before <eos>
    assert decoded.tokens.tolist() == [[PAD], [PAD], [PAD]]  # one step; <eos> -> <pad>
    if attention == "none":
        assert decoded.weights is None
    else:
        assert decoded.weights.shape == (3, 1, 4)
        assert (decoded.weights[1, 0, 1:] == 0.0).all()
    assert translate(model, "abc") == ""
    if attention != "none":
        out, weights = translate(model, "abc", return_weights=True)
        assert out == "" and weights.shape == (1, 3)
        torch.testing.assert_close(weights.sum(-1), torch.ones(1, dtype=F64))


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_a_model_that_never_stops_is_reported_not_cut(task, attention):
    model = forced(task, attention, task.tgt_vocab.index["a"])
    with pytest.raises(ValueError, match=r"no <eos> within max_len=4 .*output so far: 'aaaa'"):
        translate(model, "abc", max_len=4)
    outputs, decoded = translate_batch(model, ["ab", "c"], max_len=3)
    assert outputs == [None, None]
    assert decoded.finished.tolist() == [False, False]
    assert decoded.lengths.tolist() == [3, 3]
    a = task.tgt_vocab.index["a"]
    assert decoded.tokens.tolist() == [[a, a, a, PAD], [a, a, a, PAD]]  # max_len + 1 steps
    _, decoded = translate_batch(model, ["abcd"])  # default max_len: 2 * 4 + 10
    assert decoded.lengths.tolist() == [18]


@pytest.mark.parametrize(("attention", "seed"), [("bahdanau", 7), ("luong-general", 3)])
def test_greedy_decode_equals_argmax_stepping_one_sequence_at_a_time(task, attention, seed):
    model = tiny(task, attention, "gru", seed=seed)
    with torch.no_grad():  # larger weights: outputs of different lengths, one unfinished
        for p in model.parameters():
            p.mul_(3)
    texts = ["abc", "cab", "a", "bbbaa", "ca", "acb", "dd"]
    src, src_mask = task.encode_sources(texts)
    model.train()
    decoded = greedy_decode(model, src, src_mask, max_len=6)
    assert model.training  # the mode is restored
    assert len(set(decoded.lengths.tolist())) > 2 and not decoded.finished.all()
    assert decoded.finished.any()
    for b, text in enumerate(texts):
        state = model.encode(
            task.src_vocab.encode(text)[None], torch.ones(1, len(text), dtype=torch.bool)
        )
        token, produced = torch.tensor([BOS]), []
        for _ in range(7):
            logits, state, _ = model.decoder.step(token, state)
            token = logits.argmax(-1)
            if token.item() == EOS:
                break
            produced.append(token.item())
        finished = token.item() == EOS
        n = len(produced) if finished else 6
        assert decoded.finished[b].item() == finished
        assert decoded.lengths[b].item() == n
        assert decoded.tokens[b, :n].tolist() == produced[:n]
        assert (decoded.tokens[b, n:] == PAD).all()
    outputs, _ = translate_batch(model, texts, max_len=6)
    for b, out in enumerate(outputs):
        if decoded.finished[b]:
            assert out == task.tgt_vocab.decode(decoded.tokens[b, : decoded.lengths[b]])
        else:
            assert out is None


def test_exact_match_compares_greedy_outputs_with_targets(task):
    model = forced(task, "luong-dot", EOS)  # always outputs ""
    hits = exact_match(model, [("ab", ""), ("ab", "ba"), ("c", "")], batch_size=2)
    assert hits.tolist() == [True, False, True]
    with pytest.raises(ValueError, match="pairs is empty"):
        exact_match(model, [])


def test_translate_errors(task):
    model = tiny(task, "none", "gru")
    with pytest.raises(ValueError, match=r"character 'z' \(U\+007A\) at position 2"):
        translate(model, "abz")
    with pytest.raises(ValueError, match="source 0 is empty"):
        translate(model, "")
    with pytest.raises(TypeError, match="text must be a str, got int"):
        translate(model, 5)
    with pytest.raises(ValueError, match="this model has no attention"):
        translate(forced(task, "none", EOS), "ab", return_weights=True)
    with pytest.raises(ValueError, match="max_len must be a positive int, got 0"):
        translate(model, "ab", max_len=0)
    bare = Seq2Seq(Seq2SeqConfig(len(task.src_vocab), len(task.tgt_vocab)))
    with pytest.raises(ValueError, match="model has no task vocabularies"):
        translate(bare, "ab")
    with pytest.raises(TypeError, match="Seq2Seq or Transformer, got Linear"):
        translate(nn.Linear(2, 2), "ab")


# ---------------------------------------------------------------- sizes, loss, checks


def test_matched_hidden_size_is_the_closest_count(task):
    options = {"attention": "bahdanau", "d_embed": 8, "cell": "lstm"}

    def count(hidden):
        return count_parameters(Seq2Seq.for_task(task, hidden_size=hidden, **options))

    for target in (3000, 12345):
        hidden = matched_hidden_size(task, target, **options)
        assert Seq2Seq.for_task(task, hidden_size=hidden, **options).config.hidden_size == hidden
        gap = abs(count(hidden) - target)
        for other in range(max(1, hidden - 3), hidden + 4):
            assert gap <= abs(count(other) - target), (hidden, other)
    assert matched_hidden_size(task, 1, **options) == 1
    with pytest.raises(ValueError, match="hidden_size is what this function chooses"):
        matched_hidden_size(task, 3000, hidden_size=5)
    with pytest.raises(ValueError, match="n_params must be a positive int, got 0"):
        matched_hidden_size(task, 0)


class FixedLogits(nn.Module):
    def __init__(self, logits):
        super().__init__()
        self.logits = logits

    def forward(self, src, src_mask, tgt_in):
        return self.logits, None


def test_seq2seq_loss_is_cross_entropy_over_the_scored_positions_only(batch):
    vocab = 7
    logits = torch.randn(*batch.y.shape, vocab, generator=gen(2), dtype=F64)
    loss, accuracy = seq2seq_loss(FixedLogits(logits), batch)
    terms, hits = [], []
    for b in range(batch.y.shape[0]):
        for t in range(batch.y.shape[1]):
            if batch.mask[b, t]:
                row = logits[b, t].tolist()
                log_z = math.log(sum(math.exp(s) for s in row))
                terms.append(log_z - row[batch.y[b, t]])
                hits.append(max(range(vocab), key=row.__getitem__) == batch.y[b, t])
    assert loss.item() == pytest.approx(sum(terms) / len(terms), rel=1e-12)
    assert accuracy == pytest.approx(sum(hits) / len(hits))
    changed = logits.clone()
    changed[~batch.mask] = 1e3 * torch.randn(int((~batch.mask).sum()), vocab, dtype=F64)
    loss2, accuracy2 = seq2seq_loss(FixedLogits(changed), batch)
    assert (~batch.mask).any()
    assert loss2.item() == loss.item() and accuracy2 == accuracy


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_seq2seq_loss_ignores_padded_decoder_inputs(task, batch, attention):
    model = tiny(task, attention, "lstm")
    loss, _ = seq2seq_loss(model, batch)
    assert loss.item() > 0 and torch.isfinite(loss)
    other_in = batch.tgt_in.clone()
    pad = batch.tgt_in == PAD
    assert pad.any()
    other_in[pad] = 4  # only positions after the <eos> of the row
    changed = type(batch)(**{**batch.__dict__, "tgt_in": other_in})
    loss2, _ = seq2seq_loss(model, changed)
    torch.testing.assert_close(loss2, loss, rtol=1e-12, atol=1e-12)


def test_a_few_steps_of_training_lower_the_loss(task, batch):
    model = tiny(task, "luong-general", "gru")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    first, _ = seq2seq_loss(model, batch)
    for _ in range(10):
        loss, _ = seq2seq_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert seq2seq_loss(model, batch)[0].item() < 0.8 * first.item()


def test_config_and_input_errors(task, batch):
    with pytest.raises(ValueError, match="hidden_size must be a positive int, got 0"):
        Seq2SeqConfig(5, 5, hidden_size=0)
    with pytest.raises(ValueError, match=r"cell must be one of \['gru', 'lstm'\], got 'rnn'"):
        Seq2SeqConfig(5, 5, cell="rnn")
    with pytest.raises(ValueError, match="attention must be one of"):
        Seq2SeqConfig(5, 5, attention="transformer")
    with pytest.raises(ValueError, match=r"config vocab sizes \(5, 5\) do not match the task's"):
        Seq2Seq(Seq2SeqConfig(5, 5), task)
    model = tiny(task, "bahdanau")
    src, mask, tgt = batch.src, batch.src_mask, batch.tgt_in
    with pytest.raises(ValueError, match=r"src must be an int64 tensor \(batch, source length\)"):
        model(src.double(), mask, tgt)
    with pytest.raises(ValueError, match=r"src ids must be in \[0, 6\], got min 3 and max 7"):
        model(torch.where(mask, src, 7), mask, tgt)
    with pytest.raises(
        ValueError, match=r"tgt_in must be an int64 tensor \(batch, target length\)"
    ):
        model(src, mask, tgt[0])
    with pytest.raises(ValueError, match="tgt_in is empty"):
        model(src, mask, tgt[:, :0])
    with pytest.raises(
        ValueError, match="src and tgt_in must have the same batch size, got 4 and 2"
    ):
        model(src, mask, tgt[:2])
    with pytest.raises(ValueError, match=r"src_mask must have the shape of src \(4, 5\)"):
        model(src, mask[:, :3], tgt)


def test_for_task_sizes_the_vocabularies():
    task = date_task()
    model = Seq2Seq.for_task(task, hidden_size=8, d_embed=4)
    assert model.config.src_vocab == len(task.src_vocab)
    assert model.config.tgt_vocab == len(task.tgt_vocab) == 14
    assert model.decoder.head.out_features == 14 and model.task is task
