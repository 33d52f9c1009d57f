"""Pretraining: learn from unlabelled text first, then fine-tune on a small labelled task.

Three shapes of Transformer, three objectives, one picture:

* **Encoder-only** (BERT, Devlin et al. 2019): every position sees the whole input; the
  objective is the *masked language model*: hide 15 % of the tokens and predict them
  (:func:`mask_tokens`, :class:`MaskedLM`). The loss is scored on the hidden positions
  only.
* **Decoder-only** (GPT, Radford et al. 2018): causal attention, predict the next token
  (:class:`~seqlab.transformer.TransformerLM`, chapter 9's language model).
* **Encoder–decoder** (T5, Raffel et al. 2020): *span corruption*: replace spans of the
  input by sentinel tokens and let the decoder write the missing spans
  (:func:`span_corruption`, :class:`~seqlab.transformer.Transformer`).

The LSTM's pretraining is ELMo's (Peters et al. 2018): a *bidirectional language model*,
a forward LSTM predicting the next token and a backward LSTM predicting the previous one,
sharing the embedding and the output layer (:class:`BiLM`). Its features at a position
join both directions, so like BERT's they depend on the whole input.

Fine-tuning puts a small classifier on the pretrained features (:class:`Classifier`:
mean over positions, then a linear layer) and trains everything on the labelled data.

Taught in chapter 13.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import torch
from torch import nn

from seqlab import _checks
from seqlab.data.batch import TaskBatch
from seqlab.train import evaluate, fit, masked_accuracy
from seqlab.transformer import TransformerConfig, TransformerEncoder

__all__ = [
    "MASK_RATE",
    "BiLM",
    "Classifier",
    "MaskedLM",
    "bilm_loss",
    "fine_tune",
    "mask_tokens",
    "span_corruption",
]

MASK_RATE = 0.15  # BERT's share of positions chosen for prediction
KEEP_RULE = (0.8, 0.1, 0.1)  # of those: replaced by [MASK], by a random token, left as is


def mask_tokens(
    tokens: torch.Tensor,
    *,
    mask_id: int,
    vocab_size: int,
    rate: float = MASK_RATE,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """BERT's masking rule: choose ``rate`` of the positions of each row (at least one),
    replace 80 % of the chosen by ``mask_id``, 10 % by a random token and leave 10 %
    unchanged; the targets are the original tokens, scored at the chosen positions only.

    Args:
        tokens: ``(B, L)`` int64 ids in ``[0, vocab_size)``, none equal to ``mask_id``.
        mask_id: the id of the ``[MASK]`` token (outside the text's ids).
        vocab_size: the number of ids, ``[MASK]`` included (random replacements are
            drawn from the others).

    Returns:
        :class:`TaskBatch`: ``x`` the corrupted ``(B, L)`` input, ``y`` the original
        tokens, ``mask`` ``(B, L)`` True at the chosen positions.
    """
    _checks.token_ids("tokens", tokens, vocab_size)
    mask_id = _checks.index("mask_id", mask_id, vocab_size)
    rate = _checks.probability("rate", rate)
    if (tokens == mask_id).any():
        raise ValueError(f"tokens already hold mask_id={mask_id}; it must be a new id")
    scores = torch.rand(tokens.shape, generator=generator)  # (B, L)
    count = max(1, round(rate * tokens.shape[1]))  # the same number in every row
    chosen = torch.zeros_like(tokens, dtype=torch.bool)
    chosen.scatter_(1, scores.topk(count, dim=1).indices, True)
    what = torch.rand(tokens.shape, generator=generator)  # which of the three rules
    random = torch.randint(0, vocab_size - 1, tokens.shape, generator=generator)
    random = random + (random >= mask_id).long()  # any id but [MASK]
    x = torch.where(chosen & (what < KEEP_RULE[0]), mask_id, tokens)
    x = torch.where(chosen & (what >= KEEP_RULE[0]) & (what < 1 - KEEP_RULE[2]), random, x)
    return TaskBatch(x, tokens, chosen, vocab_size, vocab_size)


def span_corruption(
    tokens: torch.Tensor,
    sentinels: list[int],
    *,
    rate: float = MASK_RATE,
    span: int = 3,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """T5's objective for one sequence: hide spans of ``span`` tokens covering about
    ``rate`` of it; the input keeps the rest with one sentinel in place of each span, the
    target lists each sentinel followed by the tokens it hid.

    Args:
        tokens: ``(L,)`` int64 ids.
        sentinels: distinct ids not in the text, at least as many as spans.

    Returns:
        ``(source, target)``, two 1-D id tensors. Putting each span back in place of
        its sentinel gives ``tokens`` again (see the tests).
    """
    _checks.tensor("tokens", tokens, "(L,) of token ids", dims=1)
    rate, span = _checks.probability("rate", rate), _checks.integer("span", span)
    n_spans = max(1, round(rate * len(tokens) / span))
    if n_spans * span >= len(tokens) or n_spans > len(sentinels):
        raise ValueError(
            f"{n_spans} spans of {span} need more than {n_spans * span} tokens and "
            f"{n_spans} sentinels, got {len(tokens)} tokens and {len(sentinels)} sentinels"
        )
    # non-overlapping starts: choose n_spans gaps among the free tokens
    free = len(tokens) - n_spans * span
    gaps = torch.randperm(free + 1, generator=generator)[:n_spans].sort().values
    starts = gaps + torch.arange(n_spans) * span  # (n_spans,)
    source, target, previous = [], [], 0
    for k, start in enumerate(starts.tolist()):
        source += [*tokens[previous:start].tolist(), sentinels[k]]
        target += [sentinels[k], *tokens[start : start + span].tolist()]
        previous = start + span
    source += tokens[previous:].tolist()
    return torch.tensor(source), torch.tensor(target)


class MaskedLM(nn.Module):
    """An encoder-only Transformer (BERT-style) with an output layer at every position,
    pretrained by :func:`mask_tokens`.

    Args:
        config: its :class:`~seqlab.transformer.TransformerConfig`; ``vocab_size``
            includes the ``[MASK]`` id.

    Shape:
        tokens ``(B, L)`` -> logits ``(B, L, vocab_size)``; :meth:`features` ->
        ``(B, L, d_model)``.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.encoder = TransformerEncoder(config)
        self.head = nn.Linear(config.d_model, config.vocab_size)
        self.n_features = config.d_model

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.encoder(tokens)  # (B, L, d_model), each position sees all

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(tokens))  # (B, L, V)


class BiLM(nn.Module):
    """ELMo's bidirectional LSTM language model: one embedding, a forward and a backward
    ``torch.nn.LSTM``, one output layer shared by both directions.

    Args:
        vocab_size, d_embed, hidden_size: sizes; ``forget_bias`` starts both LSTMs'
            forget gates there.

    Shape:
        tokens ``(B, L)`` -> ``(forward logits, backward logits)``, each ``(B, L,
        vocab_size)``: position ``t``'s forward logits read tokens ``0..t`` and predict
        token ``t + 1``; its backward logits read ``t..L-1`` and predict ``t - 1``.
        :meth:`features` -> ``(B, L, 2 * hidden_size)``, both directions joined.
    """

    def __init__(self, vocab_size: int, d_embed: int, hidden_size: int, forget_bias: float = 1.0):
        super().__init__()
        _checks.sizes(vocab_size=vocab_size, d_embed=d_embed, hidden_size=hidden_size)
        self.embed = nn.Embedding(vocab_size, d_embed)
        self.forward_lstm = nn.LSTM(d_embed, hidden_size, batch_first=True)
        self.backward_lstm = nn.LSTM(d_embed, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)
        self.n_features = 2 * hidden_size
        for lstm in (self.forward_lstm, self.backward_lstm):
            for name in ("bias_ih_l0", "bias_hh_l0"):  # gates i, f, g, o: f is the second
                getattr(lstm, name).data[hidden_size : 2 * hidden_size] = forget_bias / 2

    def _directions(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _checks.token_ids("tokens", tokens, self.embed.num_embeddings)
        x = self.embed(tokens)  # (B, L, E)
        ahead = self.forward_lstm(x)[0]  # (B, L, H)
        behind = self.backward_lstm(x.flip(1))[0].flip(1)  # (B, L, H), read right to left
        return ahead, behind

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        return torch.cat(self._directions(tokens), dim=-1)  # (B, L, 2H)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ahead, behind = self._directions(tokens)
        return self.head(ahead), self.head(behind)  # 2 x (B, L, V)


def bilm_loss(model: BiLM, batch: TaskBatch) -> tuple[torch.Tensor, float]:
    """The mean of the forward and the backward next-token cross-entropies over
    ``batch.x`` (its ``y`` is not used: each window is its own target), and the mean
    accuracy of both; the loss function :func:`seqlab.train.fit` takes."""
    tokens = batch.x  # (B, L)
    ahead, behind = model(tokens)  # 2 x (B, L, V)
    inside = torch.ones_like(tokens[:, 1:], dtype=torch.bool)
    forward = TaskBatch(tokens[:, :-1], tokens[:, 1:], inside, batch.vocab_size, batch.vocab_size)
    backward = TaskBatch(tokens[:, 1:], tokens[:, :-1], inside, batch.vocab_size, batch.vocab_size)
    loss = (
        nn.functional.cross_entropy(ahead[:, :-1].transpose(1, 2), tokens[:, 1:])
        + nn.functional.cross_entropy(behind[:, 1:].transpose(1, 2), tokens[:, :-1])
    ) / 2
    accuracy = (
        masked_accuracy(ahead[:, :-1], forward) + masked_accuracy(behind[:, 1:], backward)
    ) / 2
    return loss, accuracy


class Classifier(nn.Module):
    """A pretrained (or fresh) model's :meth:`features`, averaged over positions, and a
    linear layer: one label per sequence.

    Args:
        body: a :class:`MaskedLM` or :class:`BiLM` (anything with ``features`` and
            ``n_features``); its output layer is not used.
        n_classes: the number of labels.

    Shape:
        tokens ``(B, L)`` -> logits ``(B, 1, n_classes)`` (one position, the shape
        :func:`seqlab.train.sequence_loss` scores against ``y`` ``(B, 1)``).
    """

    def __init__(self, body: nn.Module, n_classes: int):
        super().__init__()
        self.body = body
        self.head = nn.Linear(body.n_features, _checks.integer("n_classes", n_classes))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        pooled = self.body.features(tokens).mean(dim=1)  # (B, F)
        return self.head(pooled)[:, None, :]  # (B, 1, n_classes)


def fine_tune(
    model: Classifier,
    labelled: TaskBatch,
    valid: TaskBatch,
    *,
    steps: int,
    lr: float,
    batch: int,
    eval_every: int,
    seed: int,
    clip: float | None = 1.0,
) -> tuple[Classifier, dict]:
    """Train ``model`` (all its weights) on ``labelled`` with Adam at ``lr``: ``steps``
    steps of ``batch`` examples drawn with replacement (a generator seeded with
    ``seed``), reading the accuracy on ``valid`` every ``eval_every`` steps and keeping
    the weights of the best reading (the earlier on a tie): early stopping.

    Returns:
        ``(model, info)``: the model with the kept weights, in eval mode, and
        ``{"valid_accuracy", "valid_loss", "best_step", "curve"}``, ``curve`` the
        validation accuracy at each reading.
    """
    steps, eval_every = _checks.integer("steps", steps), _checks.integer("eval_every", eval_every)
    draws = _draws(labelled, _checks.integer("batch", batch), seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    best, curve, done = {"valid_accuracy": -1.0}, [], 0
    while done < steps:
        run = min(eval_every, steps - done)
        fit(model, draws, steps=run, optimizer=optimizer, clip=clip, progress=False)
        done += run
        loss, accuracy = evaluate(model, [valid])
        curve.append(accuracy)
        if accuracy > best["valid_accuracy"]:
            state = copy.deepcopy(model.state_dict())
            best = {"valid_accuracy": accuracy, "valid_loss": loss, "best_step": done}
    model.load_state_dict(state)
    return model.eval(), {**best, "curve": curve}


def _draws(labelled: TaskBatch, batch: int, seed: int) -> Iterator[TaskBatch]:
    """Endless batches of ``batch`` examples of ``labelled``, drawn with replacement."""
    generator = torch.Generator().manual_seed(seed)
    while True:
        i = torch.randint(0, len(labelled.x), (batch,), generator=generator)
        yield TaskBatch(labelled.x[i], labelled.y[i], labelled.mask[i], labelled.vocab_size,
                        labelled.n_classes)  # fmt: skip
