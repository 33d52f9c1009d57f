"""The Transformer: layers equal torch's twins (pre-LN and post-LN), the language model is
causal and its cached generation equals recomputation, the encoder is order-blind without
positions, and the encoder-decoder speaks the seq2seq protocol."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seqlab.attention import padding_mask
from seqlab.data import BOS, EOS, date_task
from seqlab.self_attention import KVCache, causal_mask
from seqlab.seq2seq import exact_match, greedy_decode, seq2seq_loss, translate
from seqlab.transformer import (
    POSITIONALS,
    DecoderLayer,
    EncoderLayer,
    Transformer,
    TransformerConfig,
    TransformerEncoder,
    TransformerLM,
)

F32, F64 = torch.float32, torch.float64
TOL = {F32: {"rtol": 1e-5, "atol": 1e-5}, F64: {"rtol": 1e-10, "atol": 1e-10}}
D, H, FF = 8, 2, 16


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0, dtype=F64):
    return torch.randn(*shape, generator=gen(seed), dtype=dtype)


def perturb(module, scale=0.1, seed=0):
    """Add noise to every parameter (torch starts biases at 0 and norms at 1)."""
    g = gen(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def compare_grads(ours, theirs, inputs, out, ref, dtype):
    """Gradients of the same scalar wrt the inputs and every (same-named) parameter."""
    upstream = randn(*out.shape, seed=9, dtype=dtype)
    ours_grads = torch.autograd.grad((out * upstream).sum(), [*inputs, *ours.parameters()])
    theirs_grads = torch.autograd.grad((ref * upstream).sum(), [*inputs, *theirs.parameters()])
    names = [f"input{i}" for i in range(len(inputs))]
    ours_names = names + [n for n, _ in ours.named_parameters()]
    theirs_names = names + [n for n, _ in theirs.named_parameters()]
    assert ours_names == theirs_names
    for name, a, b in zip(ours_names, ours_grads, theirs_grads, strict=True):
        torch.testing.assert_close(a, b, **TOL[dtype], msg=lambda m, name=name: f"{name}: {m}")


# ---------------------------------------------------------------- EncoderLayer.from_torch

MASK_KINDS = ["none", "causal", "padding"]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_encoder_layer_equals_torch(norm_first, kind, dtype):
    torch.manual_seed(0)
    theirs = nn.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, batch_first=True, norm_first=norm_first
    ).to(dtype)
    perturb(theirs)
    ours = EncoderLayer.from_torch(theirs)
    x = randn(2, 5, D, seed=1, dtype=dtype)
    pad = padding_mask([5, 3], 5)
    mask, src_mask, src_key_padding_mask = {
        "none": (None, None, None),
        "causal": (causal_mask(5), ~causal_mask(5), None),
        "padding": (pad[:, None, :], None, ~pad),
    }[kind]

    # eval without gradients: torch may take its fused "fast path". The layer on its own
    # computes every row there (only nn.TransformerEncoder, through nested tensors, zeros
    # the padded rows), so all positions are compared, padded query rows included.
    theirs.eval()
    ours.eval()
    with torch.no_grad():
        ref = theirs(x, src_mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        out = ours(x, mask)
    torch.testing.assert_close(out, ref, **TOL[dtype])

    # training mode (dropout 0) with gradients: torch's ordinary path
    theirs.train()
    ours.train()
    x.requires_grad_()
    ref = theirs(x, src_mask=src_mask, src_key_padding_mask=src_key_padding_mask)
    out = ours(x, mask)
    torch.testing.assert_close(out, ref, **TOL[dtype])
    compare_grads(ours, theirs, [x], out, ref, dtype)


def test_encoder_layer_causal_flag_and_weights_equal_the_explicit_mask():
    torch.manual_seed(0)
    layer = perturb(EncoderLayer(D, H, FF, norm_first=True).double())
    x = randn(2, 6, D, seed=1)
    reference = layer(x, causal_mask(6), need_weights=True)
    weights = layer.last_weights
    torch.testing.assert_close(layer(x, causal=True), reference, **TOL[F64])
    assert weights.shape == (2, H, 6, 6) and (weights.triu(1) == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, H, 6, dtype=F64))


def test_from_torch_copies_eps_dropout_and_norm_placement():
    theirs = nn.TransformerEncoderLayer(
        D, H, FF, dropout=0.2, batch_first=True, norm_first=True, layer_norm_eps=1e-6
    )
    ours = EncoderLayer.from_torch(theirs)
    assert ours.norm_first is True
    assert ours.norm1.eps == ours.norm2.eps == 1e-6
    assert ours.dropout.p == ours.dropout1.p == ours.self_attn.dropout == 0.2
    for name, p in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[name], p)


# ---------------------------------------------------------------- DecoderLayer.from_torch


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("kind", ["none", "causal", "causal+memory-padding"])
@pytest.mark.parametrize("norm_first", [False, True], ids=["post-LN", "pre-LN"])
def test_decoder_layer_equals_torch(norm_first, kind, dtype):
    torch.manual_seed(0)
    theirs = nn.TransformerDecoderLayer(
        D, H, FF, dropout=0.0, batch_first=True, norm_first=norm_first
    ).to(dtype)
    perturb(theirs)
    ours = DecoderLayer.from_torch(theirs)
    x = randn(2, 4, D, seed=1, dtype=dtype).requires_grad_()
    memory = randn(2, 6, D, seed=2, dtype=dtype).requires_grad_()
    pad = padding_mask([6, 3], 6)
    causal = "causal" in kind
    memory_mask = pad[:, None, :] if "padding" in kind else None
    ref = theirs(
        x,
        memory,
        tgt_mask=~causal_mask(4) if causal else None,
        memory_key_padding_mask=~pad if "padding" in kind else None,
    )
    out = ours(x, memory, None, memory_mask, causal=causal)
    torch.testing.assert_close(out, ref, **TOL[dtype])
    if causal:  # the flag and the explicit mask agree
        explicit = ours(x, memory, causal_mask(4), memory_mask)
        torch.testing.assert_close(explicit, ref, **TOL[dtype])
    compare_grads(ours, theirs, [x, memory], out, ref, dtype)


def test_decoder_layer_cross_weights_are_zero_on_padded_memory():
    torch.manual_seed(0)
    layer = perturb(DecoderLayer(D, H, FF).double())
    pad = padding_mask([6, 3], 6)
    layer(randn(2, 4, D), randn(2, 6, D, seed=1), None, pad[:, None, :], need_weights=True)
    weights = layer.last_weights
    assert weights.shape == (2, H, 4, 6)
    assert (weights[1, :, :, 3:] == 0).all() and (weights[0] > 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, H, 4, dtype=F64))


@pytest.mark.parametrize(
    ("ours", "module", "error", "match"),
    [
        (
            EncoderLayer,
            nn.TransformerEncoderLayer(D, H, FF, activation="gelu", batch_first=True),
            ValueError,
            "only the ReLU feed-forward",
        ),
        (
            EncoderLayer,
            nn.TransformerEncoderLayer(D, H, FF, activation=nn.GELU(), batch_first=True),
            ValueError,
            "only the ReLU feed-forward",
        ),
        (
            DecoderLayer,
            nn.TransformerDecoderLayer(D, H, FF, activation=F.gelu, batch_first=True),
            ValueError,
            "only the ReLU feed-forward",
        ),
        (
            EncoderLayer,
            nn.TransformerEncoderLayer(D, H, FF, bias=False, batch_first=True),
            ValueError,
            "only layers with biases",
        ),
        (
            EncoderLayer,
            nn.TransformerDecoderLayer(D, H, FF, batch_first=True),
            TypeError,
            "expected nn.TransformerEncoderLayer, got TransformerDecoderLayer",
        ),
        (
            DecoderLayer,
            nn.TransformerEncoderLayer(D, H, FF, batch_first=True),
            TypeError,
            "expected nn.TransformerDecoderLayer, got TransformerEncoderLayer",
        ),
        (DecoderLayer, nn.Linear(D, D), TypeError, "expected nn.TransformerDecoderLayer"),
    ],
)
def test_from_torch_rejects_non_twins(ours, module, error, match):
    with pytest.raises(error, match=match):
        ours.from_torch(module)


# ---------------------------------------------------------------- TransformerConfig


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"positional": "absolute"}, ValueError, "positional must be one of .*'absolute'"),
        ({"d_model": 16, "n_heads": 3}, ValueError, "n_heads=3 must divide d_model=16"),
        (
            {"d_model": 6, "n_heads": 2, "positional": "rope"},
            ValueError,
            "rope needs an even head size",
        ),
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\), got 1.0"),
        ({"dropout": -0.1}, ValueError, r"dropout must be in \[0, 1\), got -0.1"),
        ({"n_layers": 0}, ValueError, "n_layers must be a positive int, got 0"),
        ({"max_len": 2.0}, TypeError, "max_len must be a positive int, got 2.0"),
        ({"d_model": True}, TypeError, "d_model must be a positive int, got True"),
    ],
)
def test_config_rejects_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        TransformerConfig(vocab_size=10, **options)


def test_config_defaults_and_accepted_options():
    assert POSITIONALS == ("sinusoidal", "learned", "rope", "none")
    config = TransformerConfig(vocab_size=10)
    assert config.tgt_vocab_size == 10
    assert TransformerConfig(vocab_size=10, tgt_vocab_size=7).tgt_vocab_size == 7
    # rope is fine with an even head size (d_model 6 with 3 heads: head size 2)
    assert TransformerConfig(vocab_size=10, d_model=6, n_heads=3, positional="rope")
    with pytest.raises(ValueError, match="vocab_size must be a positive int, got 0"):
        TransformerConfig(vocab_size=0)


# ---------------------------------------------------------------- TransformerLM

V = 11


def tiny_lm(positional="sinusoidal", n_layers=2, norm_first=True, max_len=16, seed=0):
    torch.manual_seed(seed)
    config = TransformerConfig(
        vocab_size=V,
        d_model=8,
        n_heads=2,
        n_layers=n_layers,
        d_ff=16,
        max_len=max_len,
        positional=positional,
        norm_first=norm_first,
    )
    lm = TransformerLM(config).double().eval()
    if positional == "learned":  # its rows start tiny (std 0.02): make positions count
        with torch.no_grad():
            lm.embed.position.weight.normal_(0.0, 1.0)
    return lm


def tokens(batch, length, seed=0):
    return torch.randint(V, (batch, length), generator=gen(seed))


@pytest.mark.parametrize("positional", POSITIONALS)
def test_lm_logits_at_t_ignore_tokens_after_t(positional):
    lm = tiny_lm(positional)
    ids = tokens(2, 9)
    logits = lm(ids)
    assert logits.shape == (2, 9, V)
    for t in (0, 3, 7):
        changed = ids.clone()
        changed[:, t + 1 :] = (ids[:, t + 1 :] + 1 + torch.arange(9 - t - 1)) % V
        logits2 = lm(changed)
        torch.testing.assert_close(logits2[:, : t + 1], logits[:, : t + 1], **TOL[F64])
        assert (logits2[:, t + 1 :] - logits[:, t + 1 :]).abs().max() > 1e-3


@pytest.mark.parametrize(
    ("positional", "n_layers", "norm_first"),
    [(p, 2, True) for p in POSITIONALS] + [("rope", 3, False), ("learned", 1, False)],
)
@pytest.mark.parametrize("chunks", [(4, 1, 1, 1), (1,) * 7, (2, 5)])
def test_lm_kv_cache_chunks_equal_the_full_forward(positional, n_layers, norm_first, chunks):
    lm = tiny_lm(positional, n_layers, norm_first)
    ids = tokens(2, sum(chunks), seed=1)
    full = lm(ids)
    cache = KVCache(n_layers)
    pieces, start = [], 0
    for n in chunks:
        pieces.append(lm(ids[:, start : start + n], cache=cache))
        start += n
        assert cache.length == start
        assert all(cache.cached(k) == start for k in range(n_layers))
    torch.testing.assert_close(torch.cat(pieces, 1), full, **TOL[F64])


def test_lm_cache_with_learned_positions_stops_at_max_len():
    lm = tiny_lm("learned", max_len=6)
    cache = KVCache(2)
    lm(tokens(1, 4), cache=cache)
    lm(tokens(1, 2), cache=cache)  # exactly max_len positions
    with pytest.raises(ValueError, match="learned positions exist only up to max_len"):
        lm(tokens(1, 1), cache=cache)


@pytest.mark.parametrize("positional", POSITIONALS)
def test_lm_greedy_generate_equals_recomputing_the_full_forward(positional):
    lm = tiny_lm(positional).train()
    prompt = tokens(3, 4, seed=2)
    out = lm.generate(prompt, 8, temperature=0)
    assert lm.training  # restored
    seq = prompt
    with torch.no_grad():
        lm.eval()
        for _ in range(8):
            nxt = lm(seq)[:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], 1)
    assert torch.equal(out, seq)
    # a 1-D prompt gives a 1-D answer, the same as its row of the batch
    assert torch.equal(lm.generate(prompt[1], 8, temperature=0), seq[1])
    assert torch.equal(lm.generate(prompt, 0), prompt)


def test_lm_sampling_is_reproducible_and_equals_a_sampling_loop():
    lm = tiny_lm("rope")
    prompt = tokens(2, 3, seed=3)
    first = lm.generate(prompt, 10, temperature=0.8, generator=gen(5))
    again = lm.generate(prompt, 10, temperature=0.8, generator=gen(5))
    assert torch.equal(first, again)
    assert not torch.equal(first, lm.generate(prompt, 10, temperature=0.8, generator=gen(6)))
    g, seq = gen(5), prompt
    with torch.no_grad():
        for _ in range(10):
            probs = torch.softmax(lm(seq)[:, -1] / 0.8, -1)
            seq = torch.cat([seq, torch.multinomial(probs, 1, generator=g)], 1)
    assert torch.equal(first, seq)


def test_lm_generate_fills_learned_positions_exactly_to_max_len():
    lm = tiny_lm("learned", max_len=10)
    out = lm.generate(tokens(1, 3), 7, temperature=0)
    assert out.shape == (1, 10)
    with pytest.raises(ValueError, match=r"prompt \(3\) \+ n \(8\) exceeds max_len=10"):
        lm.generate(tokens(1, 3), 8)


def test_lm_input_errors():
    lm = tiny_lm("learned", max_len=8)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 10\], got min 0 and max 11"):
        lm(torch.tensor([[0, 11]]))
    with pytest.raises(ValueError, match="got min -1"):
        lm(torch.tensor([[-1, 2]]))
    with pytest.raises(TypeError, match=r"must be an int64 tensor \(batch, length\), got torch.fl"):
        lm(torch.tensor([[1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"int64 tensor \(batch, length\), got torch.int64 \(3,\)"):
        lm(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match=r"tokens is empty \(length 0\)"):
        lm(torch.zeros(1, 0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"length 9, more than max_len=8.*nothing is cut"):
        lm(tokens(1, 9))
    with pytest.raises(ValueError, match=r"prompt \(2\) \+ n \(7\) exceeds max_len=8"):
        lm.generate(tokens(1, 2), 7)
    with pytest.raises(ValueError, match="n must be an int >= 0, got -1"):
        lm.generate(tokens(1, 2), -1)
    with pytest.raises(TypeError, match="n must be an int >= 0, got True"):
        lm.generate(tokens(1, 2), True)
    with pytest.raises(ValueError, match=r"temperature must be a number >= 0, got -0\.5"):
        lm.generate(tokens(1, 2), 2, temperature=-0.5)
    with pytest.raises(ValueError, match=r"prompt ids must be in \[0, 10\]"):
        lm.generate(torch.tensor([[3, 12]]), 2)


def test_lm_sinusoidal_runs_past_max_len_without_cutting():
    lm = tiny_lm("sinusoidal", max_len=6)
    ids = tokens(2, 10, seed=4)
    logits = lm(ids)
    assert logits.shape == (2, 10, V)
    torch.testing.assert_close(logits[:, :6], lm(ids[:, :6]), **TOL[F64])


def test_lm_learns_a_repeating_sequence():
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=5, d_model=16, n_heads=2, n_layers=1, d_ff=32)
    lm = TransformerLM(config)
    seq = torch.arange(17).remainder(5)[None].repeat(4, 1)  # 0 1 2 3 4 0 1 ...
    opt = torch.optim.Adam(lm.parameters(), lr=3e-3)
    losses = []
    for _ in range(20):
        logits = lm(seq[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), seq[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2, losses


# ---------------------------------------------------------------- TransformerEncoder


def tiny_encoder(positional, seed=0):
    torch.manual_seed(seed)
    config = TransformerConfig(
        vocab_size=V, d_model=8, n_heads=2, n_layers=2, d_ff=16, positional=positional
    )
    encoder = TransformerEncoder(config).double().eval()
    if positional == "learned":
        with torch.no_grad():
            encoder.embed.position.weight.normal_(0.0, 1.0)
    return encoder


@pytest.mark.parametrize("positional", POSITIONALS)
def test_encoder_is_permutation_equivariant_only_without_positions(positional):
    encoder = tiny_encoder(positional)
    ids = torch.tensor([[1, 4, 2, 9, 7, 3], [5, 0, 8, 6, 10, 2]])
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    out = encoder(ids)
    permuted = encoder(ids[:, perm])
    if positional == "none":
        torch.testing.assert_close(permuted, out[:, perm], **TOL[F64])
    else:
        assert (permuted - out[:, perm]).abs().max() > 1e-3


@pytest.mark.parametrize("positional", POSITIONALS)
def test_encoder_ignores_tokens_at_padded_positions(positional):
    encoder = tiny_encoder(positional)
    ids = torch.tensor([[1, 4, 2, 9, 7, 3], [5, 0, 8, 0, 0, 0]])
    pad = padding_mask([6, 3], 6)
    out = encoder(ids, pad)
    changed = ids.clone()
    changed[1, 3:] = torch.tensor([7, 10, 1])
    out2 = encoder(changed, pad)
    torch.testing.assert_close(out2[pad], out[pad], **TOL[F64])
    assert (out2[1, 3:] - out[1, 3:]).abs().max() > 1e-3  # the padded rows did change
    encoder(ids, pad, need_weights=True)
    for layer in encoder.layers:  # no weight on a padded key, in every layer
        assert (layer.last_weights[1, :, :, 3:] == 0).all()


def test_encoder_rejects_a_padding_mask_of_the_wrong_shape():
    encoder = tiny_encoder("none")
    with pytest.raises(ValueError, match=r"padding_mask must be bool \(batch, length\) = \(2, 6\)"):
        encoder(tokens(2, 6), padding_mask([6, 3], 7))


# ---------------------------------------------------------------- Transformer (encoder-decoder)


@pytest.fixture(scope="module")
def task():
    return date_task()


@pytest.fixture(scope="module")
def model(task):
    torch.manual_seed(0)
    model = Transformer.for_task(task, d_model=16, n_heads=2, n_layers=2, d_ff=32, max_len=64)
    return model.eval()


@pytest.fixture(scope="module")
def batch(task):
    return task.batch(task.pairs(4, gen(1)))


def test_for_task_sizes_the_vocabularies(task, model):
    assert model.config.vocab_size == len(task.src_vocab)
    assert model.config.tgt_vocab_size == len(task.tgt_vocab)
    assert model.task is task
    config = TransformerConfig(vocab_size=len(task.src_vocab), d_model=16, n_heads=2)
    with pytest.raises(ValueError, match="do not match the task's"):
        Transformer(config, task)


def test_teacher_forcing_equals_stepping_the_decoder(model, batch):
    assert (batch.src_mask.sum(1) < batch.src.shape[1]).any()  # some sources are padded
    logits, weights = model(batch.src, batch.src_mask, batch.tgt_in, need_weights=True)
    state = model.encode(batch.src, batch.src_mask)
    with torch.no_grad():
        for t in range(batch.tgt_in.shape[1]):
            step_logits, state, step_weights = model.decoder.step(batch.tgt_in[:, t], state)
            torch.testing.assert_close(step_logits, logits[:, t], **TOL[F32])
            torch.testing.assert_close(step_weights, weights[:, t], **TOL[F32])
    assert state.cache.length == batch.tgt_in.shape[1]


def test_cross_attention_weights_sum_to_one_and_skip_padding(model, batch):
    logits, weights = model(batch.src, batch.src_mask, batch.tgt_in, need_weights=True)
    b, t, s = batch.tgt_in.shape[0], batch.tgt_in.shape[1], batch.src.shape[1]
    assert logits.shape == (b, t, len(model.task.tgt_vocab))
    assert weights.shape == (b, t, s)
    torch.testing.assert_close(weights.sum(-1), torch.ones(b, t))
    padded = ~batch.src_mask[:, None, :].expand_as(weights)
    assert padded.any() and (weights[padded] == 0).all()
    assert model(batch.src, batch.src_mask, batch.tgt_in)[1] is None


def test_seq2seq_loss_is_the_cross_entropy_of_forward(model, batch):
    loss, accuracy = seq2seq_loss(model, batch)
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    expected = F.cross_entropy(logits[batch.mask], batch.y[batch.mask])
    torch.testing.assert_close(loss, expected)
    hits = (logits.argmax(-1) == batch.y)[batch.mask].float().mean().item()
    assert accuracy == pytest.approx(hits)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()


def greedy_by_recomputing(model, src, src_mask, max_len):
    """Greedy decoding that reruns the whole teacher-forced forward at every step."""
    seq = torch.full((src.shape[0], 1), BOS)
    with torch.no_grad():
        for _ in range(max_len + 1):
            nxt = model(src, src_mask, seq)[0][:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], 1)
    return seq[:, 1:]


def eos_first(model):
    """A copy of ``model`` whose head always prefers ``<eos>``: it writes the empty string."""
    rigged = copy.deepcopy(model)
    with torch.no_grad():
        rigged.decoder.head.bias[EOS] += 100.0
    return rigged


def test_greedy_decode_equals_recomputing_the_forward(model, batch):
    first, first_weights = model(batch.src, batch.src_mask, batch.tgt_in[:, :1], need_weights=True)
    decoded = greedy_decode(model, batch.src, batch.src_mask, 12)
    # the first step reads <bos>: the forward's first position, its argmax and its attention
    assert torch.equal(decoded.tokens[:, 0], first[:, 0].argmax(-1))
    torch.testing.assert_close(decoded.weights[:, 0], first_weights[:, 0], **TOL[F32])
    steps = greedy_by_recomputing(model, batch.src, batch.src_mask, 12)
    for b in range(len(batch.sources)):
        row = steps[b].tolist()
        n = int(decoded.lengths[b])
        assert bool(decoded.finished[b]) == (EOS in row)
        assert n == (row.index(EOS) if EOS in row else 12)
        assert decoded.tokens[b, :n].tolist() == row[:n]


def test_translate_gives_the_greedy_output_or_says_there_was_no_eos(task, model, batch):
    for text in batch.sources:
        src, src_mask = task.encode_sources([text])
        row = greedy_by_recomputing(model, src, src_mask, 2 * len(text) + 10)[0].tolist()
        if EOS in row:
            assert translate(model, text) == task.tgt_vocab.decode(row[: row.index(EOS)])
        else:  # an untrained model may never write <eos>
            with pytest.raises(ValueError, match="no <eos> within max_len"):
                translate(model, text)
    assert translate(eos_first(model), batch.sources[0]) == ""


def test_exact_match_compares_the_greedy_outputs_with_the_targets(task, model, batch):
    pairs = list(zip(batch.sources, batch.targets, strict=True))
    hits = exact_match(model, pairs)
    assert hits.dtype == torch.bool and hits.shape == (len(pairs),)
    # the targets have 10 characters: exact_match decodes 11 steps (the last for <eos>)
    rows = greedy_by_recomputing(model, batch.src, batch.src_mask, 11).tolist()
    expected = [
        EOS in row and task.tgt_vocab.decode(row[: row.index(EOS)]) == target
        for (_, target), row in zip(pairs, rows, strict=True)
    ]
    assert hits.tolist() == expected
    rigged = eos_first(model)
    source = batch.sources[0]
    assert exact_match(rigged, [(source, ""), (source, "1"), (batch.sources[1], "")]).tolist() == [
        True,
        False,
        True,
    ]


def test_bad_options_and_inputs_are_named():
    with pytest.raises(ValueError, match="tgt_vocab_size must be a positive int, got 0"):
        TransformerConfig(vocab_size=10, tgt_vocab_size=0)
    with pytest.raises(TypeError, match="norm_first must be True or False"):
        TransformerConfig(vocab_size=10, norm_first="yes")
    lm = TransformerLM(
        TransformerConfig(
            vocab_size=11, d_model=8, n_heads=2, d_ff=16, max_len=6, positional="learned"
        )
    )
    cache = KVCache(2)
    lm(torch.zeros(1, 6, dtype=torch.long), cache=cache)
    with pytest.raises(ValueError, match="after 6 cached positions, more than max_len=6"):
        lm(torch.zeros(1, 1, dtype=torch.long), cache=cache)
    for temperature, error in ((True, TypeError), (float("nan"), ValueError), (1e999, ValueError)):
        with pytest.raises(error, match="temperature must be a number >= 0"):
            lm.generate(torch.zeros(1, 2, dtype=torch.long), 1, temperature=temperature)
    task = date_task()
    model = Transformer.for_task(task, d_model=8, n_heads=2, n_layers=1, d_ff=16)
    batch = task.batch(task.pairs(2, torch.Generator().manual_seed(0)))
    with pytest.raises(TypeError, match="src_mask must be a bool tensor"):
        model(batch.src, None, batch.tgt_in)
    with pytest.raises(TypeError, match="padding_mask must be bool"):
        model.encoder(batch.src, batch.src_mask.float())


def test_tagger_is_the_encoder_plus_a_head_at_every_position():
    from seqlab.transformer import TransformerTagger

    config = TransformerConfig(vocab_size=7, d_model=8, n_heads=2, n_layers=1, d_ff=16)
    tagger = TransformerTagger(config, 5).eval()
    tokens = torch.randint(0, 7, (3, 6))
    pad = padding_mask([6, 4, 1], 6)
    with torch.no_grad():
        logits = tagger(tokens, pad)
        expected = tagger.head(tagger.encoder(tokens, pad))
    assert logits.shape == (3, 6, 5)
    torch.testing.assert_close(logits, expected, rtol=0, atol=0)
    with pytest.raises(ValueError, match="n_classes must be a positive int"):
        TransformerTagger(config, 0)


def test_torch_lm_has_the_same_size_and_is_causal():
    from seqlab.transformer import TorchLM

    config = TransformerConfig(vocab_size=9, d_model=8, n_heads=2, n_layers=2, d_ff=16)
    ours, twin = TransformerLM(config), TorchLM(config).eval()
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in twin.parameters())
    tokens = torch.randint(0, 9, (2, 6))
    later = tokens.clone()
    later[:, 4:] = (later[:, 4:] + 1) % 9
    with torch.no_grad():
        torch.testing.assert_close(twin(tokens)[:, :4], twin(later)[:, :4])
    with pytest.raises(ValueError, match="sinusoidal' or 'none'"):
        TorchLM(TransformerConfig(vocab_size=9, d_model=8, n_heads=2, positional="rope"))


def test_src_mask_must_match_src():
    task = date_task()
    model = Transformer.for_task(task, d_model=8, n_heads=2, n_layers=1, d_ff=16)
    batch = task.batch(task.pairs(2, torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match=r"shaped like src .* got torch.bool \(2, 3\)"):
        model(batch.src, batch.src_mask[:, :3], batch.tgt_in)


# ---------------------------------------------------------------- the recipe's options


def recipe_config(**options):
    return TransformerConfig(vocab_size=13, d_model=8, n_heads=2, n_layers=2, d_ff=16, **options)


def test_recipe_options_are_off_by_default():
    config = TransformerConfig(vocab_size=10)
    assert (config.dropout, config.tie_weights, config.scale_embedding) == (0.0, False, False)
    with pytest.raises(TypeError, match="tie_weights"):
        TransformerConfig(vocab_size=10, tie_weights=1)
    with pytest.raises(TypeError, match="scale_embedding"):
        TransformerConfig(vocab_size=10, scale_embedding="yes")


@pytest.mark.parametrize("make", [TransformerLM, "TorchLM"])
def test_tied_weights_share_the_embedding_and_save_vocab_times_d_model(make):
    from seqlab.transformer import TorchLM

    make = TorchLM if make == "TorchLM" else make
    torch.manual_seed(0)
    untied, tied = make(recipe_config()), make(recipe_config(tie_weights=True))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(untied) - count(tied) == 13 * 8
    assert tied.head.weight is tied.embed.tokens.weight
    tokens = torch.randint(0, 13, (2, 5))
    tied(tokens).sum().backward()  # the shared matrix gets both uses' gradients
    assert tied.embed.tokens.weight.grad is not None
    torch.testing.assert_close(
        tied.embed.tokens.weight.std(), torch.tensor(8**-0.5), atol=0.1, rtol=0
    )


def test_tied_lm_logits_are_the_stream_times_the_embedding_and_sizes_match_torch():
    from seqlab.transformer import TorchLM

    config = recipe_config(tie_weights=True)
    lm = TransformerLM(config).eval()
    assert sum(p.numel() for p in lm.parameters()) == sum(
        p.numel() for p in TorchLM(config).parameters()
    )
    tokens = torch.randint(0, 13, (2, 5))
    x = lm.embed(tokens)
    for layer in lm.layers:
        x = layer(x, causal=True)
    expected = lm.norm(x) @ lm.embed.tokens.weight.T + lm.head.bias  # (B, L, V)
    torch.testing.assert_close(lm(tokens), expected)


def test_tied_encoder_decoder_shares_the_target_embedding():
    task = date_task()
    untied = Transformer.for_task(task, d_model=8, n_heads=2, n_layers=1, d_ff=16)
    tied = Transformer.for_task(task, d_model=8, n_heads=2, n_layers=1, d_ff=16, tie_weights=True)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(untied) - count(tied) == len(task.tgt_vocab) * 8
    assert tied.decoder.head.weight is tied.decoder.embed.tokens.weight


def test_scale_embedding_multiplies_tokens_by_sqrt_d_model_before_positions():
    torch.manual_seed(0)
    lm = TransformerLM(recipe_config(scale_embedding=True))
    tokens = torch.randint(0, 13, (2, 5))
    pe = lm.embed.position(torch.zeros(1, 5, 8))  # the positions alone, (1, L, d_model)
    expected = lm.embed.tokens.weight[tokens] * math.sqrt(8) + pe
    torch.testing.assert_close(lm.embed(tokens), expected)


def test_dropout_applies_to_embeddings_plus_positions_in_training_only():
    torch.manual_seed(0)
    lm = TransformerLM(recipe_config(dropout=0.5))
    tokens = torch.randint(0, 13, (4, 6))
    clean = lm.eval().embed(tokens)
    noisy = lm.train().embed(tokens)
    dropped = noisy == 0
    assert 0.3 < dropped.float().mean() < 0.7  # about half the entries
    torch.testing.assert_close(noisy[~dropped], 2 * clean[~dropped])  # kept: scaled 1/(1-p)
    layer = lm.layers[0]
    assert layer.dropout1.p == layer.dropout2.p == layer.dropout.p == 0.5  # sublayer outputs
