"""seqlab.pretrain, seqlab.data.packages and the checkpoints of seqlab.bench.pretraining.

BERT's masking rule chooses round(15 %) of each row and splits them 80/10/10; the masked
LM's loss reads the chosen positions only; span corruption puts back exactly; the masked
LM sees the whole input and the BiLM's two directions see one side each; bilm_loss is the
mean of the two next-token cross-entropies; the classifier's shapes; fine_tune keeps the
best reading's weights; the package task's splits and pretraining text do not overlap and
its snippets are balanced and seeded; the matched pair is matched; checkpoints load back
(float16), and a changed, missing or unsafe file is refused.
"""

import hashlib
import pickle

import pytest
import torch
from torch import nn

from seqlab.bench.pretraining import _save, checkpoint_folder, load_pretrained, pretrain_pair
from seqlab.data.batch import TaskBatch
from seqlab.data.code import code_files, code_vocab
from seqlab.data.packages import PACKAGES, STRETCHES, package_task
from seqlab.pretrain import (
    MASK_RATE,
    BiLM,
    Classifier,
    MaskedLM,
    bilm_loss,
    fine_tune,
    mask_tokens,
    span_corruption,
)
from seqlab.train import evaluate, sequence_loss
from seqlab.transformer import TransformerConfig
from seqlab.utils import count_parameters

VOCAB, MASK_ID = 50, 49


@pytest.fixture(autouse=True)
def one_thread():
    """These models are tiny: one thread runs them fastest (and does not fight a busy
    machine's other work); the previous setting comes back after each test."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _tokens(batch: int, length: int, seed: int = 0, high: int = MASK_ID) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, high, (batch, length), generator=g)


def _masked(tokens, seed=0, **kw):
    g = torch.Generator().manual_seed(seed)
    return mask_tokens(tokens, mask_id=MASK_ID, vocab_size=VOCAB, generator=g, **kw)


def _small_mlm(vocab: int = VOCAB, max_len: int = 64) -> MaskedLM:
    torch.manual_seed(0)
    config = TransformerConfig(
        vocab_size=vocab, d_model=16, n_heads=2, n_layers=2, d_ff=32, max_len=max_len
    )
    return MaskedLM(config).eval()


def _small_bilm(vocab: int = VOCAB, forget_bias: float = 1.0) -> BiLM:
    torch.manual_seed(0)
    return BiLM(vocab, 8, 12, forget_bias=forget_bias).eval()


# --- the masking rule ---------------------------------------------------------------------


def test_mask_tokens_chooses_round_15_percent_of_every_row():
    tokens = _tokens(64, 200)
    batch = _masked(tokens)
    assert batch.mask.dtype == torch.bool
    assert batch.mask.shape == tokens.shape
    assert (batch.mask.sum(dim=1) == round(MASK_RATE * 200)).all()  # 30 in every row
    short = _masked(_tokens(8, 3))
    assert (short.mask.sum(dim=1) == 1).all()  # round(0.45) = 0, but at least one
    assert (_masked(_tokens(4, 10), rate=0.5).mask.sum(dim=1) == 5).all()


def test_mask_tokens_keeps_unchosen_positions_and_targets_the_original():
    tokens = _tokens(64, 200)
    batch = _masked(tokens)
    assert torch.equal(batch.x[~batch.mask], tokens[~batch.mask])
    assert torch.equal(batch.y, tokens)
    assert not (batch.x[~batch.mask] == MASK_ID).any()
    assert batch.x.dtype == torch.long
    assert batch.vocab_size == VOCAB
    assert batch.n_classes == VOCAB


def test_mask_tokens_splits_the_chosen_80_10_10():
    tokens = _tokens(64, 200)
    batch = _masked(tokens)
    x, orig = batch.x[batch.mask], tokens[batch.mask]  # 1920 chosen positions
    n = len(x)
    masked = (x == MASK_ID).float().mean().item()
    unchanged = (x == orig).float().mean().item()
    other = ((x != MASK_ID) & (x != orig)).float().mean().item()
    assert abs(masked - 0.8) < 0.04
    # a random replacement equals the original 1 time in 49
    assert abs(unchanged - (0.1 + 0.1 / 49)) < 0.03
    assert abs(other - 0.1 * 48 / 49) < 0.03
    assert abs(masked + unchanged + other - 1) < 1e-6
    assert n == 64 * 30


def test_random_replacements_cover_every_id_but_mask():
    mask_id = 10  # in the middle of the vocabulary
    tokens = _tokens(256, 200, high=VOCAB - 1)
    tokens = tokens + (tokens >= mask_id).long()  # ids 0..49 except 10
    g = torch.Generator().manual_seed(1)
    batch = mask_tokens(tokens, mask_id=mask_id, vocab_size=VOCAB, generator=g)
    replaced = batch.x[batch.mask & (batch.x != tokens) & (batch.x != mask_id)]
    assert set(replaced.tolist()) == set(range(VOCAB)) - {mask_id}
    assert not ((batch.x == mask_id) & ~batch.mask).any()


def test_mask_tokens_rejects_tokens_holding_mask_id():
    tokens = _tokens(2, 20)
    tokens[1, 5] = MASK_ID
    with pytest.raises(ValueError, match="mask_id"):
        _masked(tokens)
    with pytest.raises(ValueError):
        mask_tokens(_tokens(2, 20), mask_id=VOCAB, vocab_size=VOCAB)


def test_mask_tokens_is_seeded():
    tokens = _tokens(16, 50)
    a, b, c = _masked(tokens, seed=3), _masked(tokens, seed=3), _masked(tokens, seed=4)
    assert torch.equal(a.x, b.x) and torch.equal(a.mask, b.mask)
    assert not torch.equal(a.mask, c.mask)


# --- the masked LM's loss reads the chosen positions only ---------------------------------


class _Keep(nn.Module):
    """``model``, keeping its output (with its gradient) for inspection."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        self.out = self.model(x)
        self.out.retain_grad()
        return self.out


class _Noisy(nn.Module):
    """``model``'s logits with noise added at the positions where ``where`` is True."""

    def __init__(self, model, where):
        super().__init__()
        self.model, self.where = model, where

    def forward(self, x):
        out = self.model(x)
        noise = 10 * torch.randn(out.shape, generator=torch.Generator().manual_seed(0))
        return out + noise * self.where[..., None]


def test_masked_lm_loss_has_no_gradient_at_unchosen_positions():
    model = _small_mlm()
    batch = _masked(_tokens(4, 40))
    kept = _Keep(model)
    loss, _ = sequence_loss(kept, batch)
    loss.backward()
    grad = kept.out.grad  # (B, L, V)
    assert grad[~batch.mask].abs().max().item() == 0
    assert grad[batch.mask].abs().sum(-1).min().item() > 0  # every chosen position counts


def test_masked_lm_loss_is_cross_entropy_at_chosen_positions_only():
    model = _small_mlm()
    tokens = _tokens(4, 40)
    batch = _masked(tokens)
    loss, accuracy = sequence_loss(model, batch)
    with torch.no_grad():
        logits = model(batch.x)
    terms = [
        -torch.log_softmax(logits[b, t], -1)[tokens[b, t]]
        for b in range(4)
        for t in range(40)
        if batch.mask[b, t]
    ]
    assert len(terms) == 4 * 6
    assert loss.item() == pytest.approx(torch.stack(terms).mean().item(), rel=1e-5)
    hits = logits.argmax(-1)[batch.mask] == tokens[batch.mask]
    assert accuracy == pytest.approx(hits.float().mean().item())
    noisy = sequence_loss(_Noisy(model, ~batch.mask), batch)[0]
    assert noisy.item() == pytest.approx(loss.item(), rel=1e-6)  # noise where not scored
    louder = sequence_loss(_Noisy(model, batch.mask), batch)[0]
    assert abs(louder.item() - loss.item()) > 0.1  # noise where scored


# --- span corruption --------------------------------------------------------------------


def _put_back(source, target, sentinels):
    spans, current = {}, None
    for i in target.tolist():
        if i in sentinels:
            current = spans.setdefault(i, [])
        else:
            current.append(i)
    out = []
    for i in source.tolist():
        out += spans[i] if i in sentinels else [i]
    return out, spans


@pytest.mark.parametrize("seed", range(10))
def test_span_corruption_puts_back_exactly(seed):
    tokens = _tokens(1, 100, seed=seed, high=20)[0]  # many repeated ids
    sentinels = list(range(1000, 1010))
    g = torch.Generator().manual_seed(seed)
    source, target = span_corruption(tokens, sentinels, span=3, generator=g)
    n_spans = round(MASK_RATE * 100 / 3)  # 5
    restored, spans = _put_back(source, target, set(sentinels))
    assert restored == tokens.tolist()
    assert list(spans) == sentinels[:n_spans]  # the first sentinels, in order
    assert all(len(s) == 3 for s in spans.values())
    assert len(target) == n_spans * 4
    assert len(source) == 100 - n_spans * 3 + n_spans
    assert sum(i in sentinels for i in source.tolist()) == n_spans


def test_span_corruption_numbers_of_spans():
    tokens = torch.arange(200)
    sentinels = list(range(1000, 1100))
    for span, rate, expected in [(3, 0.15, 10), (5, 0.15, 6), (1, 0.3, 60), (10, 0.01, 1)]:
        source, target = span_corruption(tokens, sentinels, span=span, rate=rate)
        assert sum(i >= 1000 for i in source.tolist()) == expected
        assert len(target) == expected * (span + 1)
        restored, _ = _put_back(source, target, set(sentinels))
        assert restored == tokens.tolist()


def test_span_corruption_refuses_too_few_sentinels_or_tokens():
    tokens = torch.arange(100)
    with pytest.raises(ValueError, match="sentinels"):
        span_corruption(tokens, [1000, 1001, 1002, 1003], span=3)  # 5 spans needed
    with pytest.raises(ValueError):
        span_corruption(torch.arange(3), [1000], span=3)  # a span as long as the text
    with pytest.raises(ValueError):
        span_corruption(tokens[None], [1000] * 10, span=3)  # not 1-D


# --- the masked LM ---------------------------------------------------------------------------


def test_masked_lm_shapes():
    model = _small_mlm()
    tokens = _tokens(3, 17)
    assert model(tokens).shape == (3, 17, VOCAB)
    assert model.features(tokens).shape == (3, 17, 16)
    assert model.n_features == 16


def test_masked_lm_sees_the_whole_input():
    model = _small_mlm()
    tokens = _tokens(2, 20)
    changed = tokens.clone()
    changed[:, -1] = (changed[:, -1] + 1) % MASK_ID
    with torch.no_grad():
        a, b = model(tokens), model(changed)
    diff = (a - b).abs().amax(-1)  # (B, L)
    assert (diff > 1e-5).all()  # the first position too: no causal mask


# --- the BiLM -----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 7, 19])
def test_bilm_directions_see_one_side_each(k):
    model = _small_bilm()
    tokens = _tokens(2, 20)
    changed = tokens.clone()
    changed[:, k] = (changed[:, k] + 1) % VOCAB
    with torch.no_grad():
        (fa, ba), (fb, bb) = model(tokens), model(changed)
    fdiff = (fa - fb).abs().amax(-1)  # (B, L)
    bdiff = (ba - bb).abs().amax(-1)
    if k:
        assert fdiff[:, :k].max().item() < 1e-6  # before k: forward unchanged
    assert (fdiff[:, k:] > 1e-6).all()  # from k on: changed
    if k < 19:
        assert bdiff[:, k + 1 :].max().item() < 1e-6  # after k: backward unchanged
    assert (bdiff[:, : k + 1] > 1e-6).all()
    feats = model.features(tokens)
    assert feats.shape == (2, 20, 24)
    assert torch.allclose(feats[..., 12:], model._directions(tokens)[1])


def test_bilm_loss_is_the_mean_of_both_next_token_cross_entropies():
    model = _small_bilm()
    tokens = _tokens(3, 12)
    batch = TaskBatch(tokens, tokens, torch.ones_like(tokens, dtype=torch.bool), VOCAB, VOCAB)
    loss, accuracy = bilm_loss(model, batch)
    with torch.no_grad():
        ahead, behind = model(tokens)
    forward, backward, hits = [], [], []
    for b in range(3):
        for t in range(11):
            forward.append(-torch.log_softmax(ahead[b, t], -1)[tokens[b, t + 1]])
            hits.append(float(ahead[b, t].argmax() == tokens[b, t + 1]))
        for t in range(1, 12):
            backward.append(-torch.log_softmax(behind[b, t], -1)[tokens[b, t - 1]])
            hits.append(float(behind[b, t].argmax() == tokens[b, t - 1]))
    manual = (torch.stack(forward).mean() + torch.stack(backward).mean()) / 2
    assert loss.item() == pytest.approx(manual.item(), rel=1e-5)
    assert accuracy == pytest.approx(sum(hits) / len(hits))
    assert loss.requires_grad


@pytest.mark.parametrize("forget_bias", [1.0, 3.0])
def test_bilm_forget_gate_bias(forget_bias):
    model = _small_bilm(forget_bias=forget_bias)
    h = 12
    for lstm in (model.forward_lstm, model.backward_lstm):
        total = lstm.bias_ih_l0 + lstm.bias_hh_l0  # gates i, f, g, o
        assert torch.allclose(total[h : 2 * h], torch.full((h,), forget_bias))
        assert torch.allclose(lstm.bias_ih_l0[h : 2 * h], torch.full((h,), forget_bias / 2))
        assert not torch.allclose(total[:h], torch.full((h,), forget_bias))  # others random
    assert model.embed.weight.shape == (VOCAB, 8)
    assert model.head.weight.shape == (VOCAB, 12)  # shared by both directions


# --- the classifier and fine-tuning ---------------------------------------------------------


def test_classifier_shapes():
    tokens = _tokens(5, 9)
    assert Classifier(_small_mlm(), 4)(tokens).shape == (5, 1, 4)
    assert Classifier(_small_bilm(), 3)(tokens).shape == (5, 1, 3)
    with pytest.raises(ValueError):
        Classifier(_small_mlm(), 0)
    with pytest.raises(ValueError):
        Classifier(_small_bilm(), 0)


def _toy(n: int, seed: int) -> TaskBatch:
    """Class 0: ids 0-4 only; class 1: ids 5-9 only (length 8)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randint(0, 5, (n, 8), generator=g) + 5 * y[:, None]
    return TaskBatch(x, y[:, None], torch.ones(n, 1, dtype=torch.bool), 10, 2)


def test_fine_tune_separates_a_toy_task_and_keeps_the_best_weights():
    torch.manual_seed(0)
    model = Classifier(BiLM(10, 8, 8), 2)
    valid = _toy(32, seed=1)
    steps, every = 40, 5
    model, info = fine_tune(
        model, _toy(64, seed=0), valid, steps=steps, lr=1e-2, batch=16, eval_every=every, seed=0
    )
    assert info["valid_accuracy"] == 1.0
    curve = info["curve"]
    assert len(curve) == steps // every
    first_best = curve.index(max(curve))  # ties: the earlier reading
    assert info["best_step"] == every * (first_best + 1)
    assert info["best_step"] < steps  # later readings trained on past the kept weights
    assert not model.training
    loss, accuracy = evaluate(model, [valid])
    assert accuracy == info["valid_accuracy"]
    # the loss keeps falling after accuracy reaches 1.0: equal only for the kept weights
    assert loss == pytest.approx(info["valid_loss"], rel=1e-5)


# --- the package task ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def task():
    return package_task()


def test_package_pools_come_from_separate_stretches(task):
    """A 64-character snippet of a test pool that occurs once in all the packages' source
    is not in any train pool. (Snippets that occur twice, repeated code, may be.)"""
    package_source = "\n".join(
        text for rel, text in code_files().items() if rel.split("/", 1)[0] in PACKAGES
    )
    train = "\n".join(task.pools["train"])
    g = torch.Generator().manual_seed(0)
    checked = 0
    for pool in task.pools["test"] + task.pools["valid"]:
        for start in torch.randint(0, len(pool) - 64, (60,), generator=g).tolist():
            snippet = pool[start : start + 64]
            if package_source.count(snippet) == 1:
                checked += 1
                assert snippet not in train
    assert checked > 300


def test_package_pools_have_the_stretch_shares(task):
    assert task.packages == PACKAGES
    for c in range(task.n_classes):
        sizes = {s: len(task.pools[s][c]) for s in STRETCHES}
        total = sum(sizes.values())
        for split, share in STRETCHES.items():
            assert abs(sizes[split] / total - share) < 0.01


def test_pretrain_text_holds_no_line_of_the_packages(task):
    files = code_files()
    inside, outside = set(), set()
    for rel, text in files.items():
        lines = {line for line in text.split("\n") if len(line.strip()) >= 40}
        (inside if rel.split("/", 1)[0] in PACKAGES else outside).update(lines)
    pretrain_lines = set(task.pretrain_text.split("\n"))
    only_inside = inside - outside  # distinctive lines of the four packages
    assert len(only_inside) > 1000
    assert not only_inside & pretrain_lines
    assert len(outside & pretrain_lines) > 1000  # the rest of the library is there
    asyncio_line = max(
        (line for line in task.pools["train"][0].split("\n") if line in only_inside), key=len
    )
    assert len(asyncio_line) > 60
    assert asyncio_line not in task.pretrain_text


def test_snippets_are_balanced_seeded_and_from_their_class(task):
    batch = task.snippets("train", 40, 32, seed=0)
    assert batch.x.shape == (40, 32) and batch.y.shape == (40, 1)
    assert batch.mask.shape == (40, 1) and batch.mask.all()
    assert batch.vocab_size == len(code_vocab()) and batch.n_classes == 4
    assert torch.bincount(batch.y[:, 0], minlength=4).tolist() == [10, 10, 10, 10]
    assert not torch.equal(batch.y[:, 0], batch.y[:, 0].sort().values)  # shuffled
    again, other = task.snippets("train", 40, 32, seed=0), task.snippets("train", 40, 32, seed=1)
    assert torch.equal(batch.x, again.x) and torch.equal(batch.y, again.y)
    assert not torch.equal(batch.x, other.x)
    vocab = code_vocab()
    for x, y in zip(batch.x, batch.y[:, 0], strict=True):
        text = vocab.decode(x)
        if "\ufffd" not in text:  # <unk> decodes as U+FFFD
            assert text in task.pools["train"][y]
    with pytest.raises(ValueError):
        task.snippets("train", 10, 32, seed=0)  # 10 is not a multiple of 4
    with pytest.raises(ValueError):
        task.snippets("nope", 8, 32, seed=0)


# --- the matched pair and the checkpoints ------------------------------------------------------


def test_pretrain_pair_is_matched():
    vocab = len(code_vocab())
    pair = pretrain_pair(vocab, 128)
    lstm, transformer = pair["lstm"](), pair["transformer"]()
    a, b = count_parameters(lstm), count_parameters(transformer)
    assert abs(a - b) / max(a, b) < 0.10
    assert isinstance(lstm, BiLM) and isinstance(transformer, MaskedLM)
    assert lstm.embed.num_embeddings == vocab
    assert transformer.config.vocab_size == vocab + 1  # [MASK]
    assert transformer.head.out_features == vocab + 1
    assert transformer.config.max_len == 128
    assert pair["lstm"]() is not lstm  # a fresh model each call


def _record(name, file, digest, window=32):
    return {
        "rows": [
            {"kind": "finetune", "model": name, "seed": 0},
            {"kind": "pretrain", "model": name, "seed": 0, "checkpoint": file, "sha256": digest},
        ],
        "config": {"pretrain": {"window": window}},
    }


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_saved_checkpoint_loads_back_float16_rounded(tmp_path, name):
    torch.manual_seed(0)
    model = pretrain_pair(len(code_vocab()), 32)[name]()
    folder = checkpoint_folder(tmp_path)
    assert folder == tmp_path / "checkpoints"
    assert checkpoint_folder(tmp_path, quick=True) == tmp_path / "checkpoints-quick"
    digest = _save(model, folder / f"{name}-seed0.pt")
    assert digest == hashlib.sha256((folder / f"{name}-seed0.pt").read_bytes()).hexdigest()
    loaded = load_pretrained(_record(name, f"{name}-seed0.pt", digest), name, 0, folder)
    assert type(loaded) is type(model)
    assert not loaded.training
    mine, theirs = model.state_dict(), loaded.state_dict()
    assert mine.keys() == theirs.keys()
    for key in mine:
        assert torch.equal(theirs[key], mine[key].half().float()), key
    with pytest.raises(ValueError, match="seed 1"):
        load_pretrained(_record(name, f"{name}-seed0.pt", digest), name, 1, folder)


def test_changed_or_missing_checkpoint_is_refused(tmp_path):
    model = pretrain_pair(len(code_vocab()), 32)["lstm"]()
    path = tmp_path / "lstm-seed0.pt"
    digest = _save(model, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        load_pretrained(_record("lstm", path.name, digest), "lstm", 0, tmp_path)
    path.unlink()
    with pytest.raises(ValueError, match="missing"):
        load_pretrained(_record("lstm", path.name, digest), "lstm", 0, tmp_path)


RAN = []


def _side_effect(message):
    RAN.append(message)
    return {}


class _Unsafe:
    """Unpickling this calls :func:`_side_effect`: what ``weights_only=True`` forbids."""

    def __reduce__(self):
        return (_side_effect, ("unpickled code ran",))


def test_checkpoint_is_loaded_with_weights_only(tmp_path):
    path = tmp_path / "lstm-seed0.pt"
    torch.save({"payload": _Unsafe()}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()  # the record matches the file
    with pytest.raises(pickle.UnpicklingError):
        load_pretrained(_record("lstm", path.name, digest), "lstm", 0, tmp_path)
    assert RAN == []
