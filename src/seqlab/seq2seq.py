"""The RNN encoder–decoder, with and without attention.

An encoder (GRU or LSTM, from :mod:`seqlab.rnn`) reads the padded source; a decoder
writes the target one token at a time. Without attention the decoder sees the source
only through the encoder's final state (Sutskever et al. 2014; Cho et al. 2014 also
feed that vector to every step, as here). With attention it looks back at every encoder
state: Bahdanau et al. (2015) score the *previous* decoder state and feed the context
into the recurrence; Luong et al. (2015) score the *current* state ("dot" or
"general") and use the context only for the output, so with teacher forcing all steps
are computed at once (this module leaves out Luong's optional input feeding).

Every decoder has one output layer, ``head(tanh(combine([h_t; c_t])))``, and one
:meth:`Decoder.step`; training with teacher forcing and greedy decoding use the same
step, and a test checks that they give the same logits.

Taught in chapters 4 (no attention) and 5 (attention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from seqlab import _checks
from seqlab.attention import AdditiveAttention, MultiplicativeAttention
from seqlab.data.pairs import BOS, EOS, PAD, PairBatch, PairTask
from seqlab.data.tasks import masked_accuracy
from seqlab.rnn import GRU, LSTM, hidden_of
from seqlab.utils import count_parameters, evaluating

__all__ = [
    "ATTENTIONS",
    "Decoded",
    "Seq2Seq",
    "Seq2SeqConfig",
    "exact_match",
    "greedy_decode",
    "matched_hidden_size",
    "seq2seq_loss",
    "translate",
    "translate_batch",
]

ATTENTIONS = ("none", "bahdanau", "luong-dot", "luong-general")
_CELLS = {"gru": GRU, "lstm": LSTM}


@dataclass
class Seq2SeqConfig:
    """Size and kind of an RNN encoder–decoder.

    Attributes:
        src_vocab, tgt_vocab: vocabulary sizes (with the three special ids).
        d_embed: embedding size of source and target tokens.
        hidden_size: state size of the encoder and the decoder.
        cell: ``"gru"`` or ``"lstm"``.
        attention: ``"none"``, ``"bahdanau"``, ``"luong-dot"`` or ``"luong-general"``.
        attn_size: size of Bahdanau's scoring layer (default ``hidden_size``).
    """

    src_vocab: int
    tgt_vocab: int
    d_embed: int = 32
    hidden_size: int = 64
    cell: str = "gru"
    attention: str = "none"
    attn_size: int | None = None

    def __post_init__(self):
        for name in ("src_vocab", "tgt_vocab", "d_embed", "hidden_size"):
            _checks.integer(name, getattr(self, name))
        _checks.choice("cell", self.cell, sorted(_CELLS), f"one of {sorted(_CELLS)}")
        _checks.choice("attention", self.attention, ATTENTIONS)


@dataclass
class _State:
    """What the decoder carries between steps."""

    rnn: torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # (B, H) or (h, c)
    memory: torch.Tensor  # encoder states (B, S, H)
    mask: torch.Tensor  # (B, S) True on real source tokens
    prepared: torch.Tensor | None  # keys projected once for attention
    summary: torch.Tensor  # the encoder's final hidden state (B, H)


class Decoder(nn.Module):
    """The target side: embedding, one recurrent layer, optional attention, output layer."""

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        h, kind = config.hidden_size, config.attention
        self.kind = kind
        self.embed = nn.Embedding(config.tgt_vocab, config.d_embed)
        feeds_context = kind in ("none", "bahdanau")  # the context enters the recurrence
        self.rnn = _CELLS[config.cell](config.d_embed + (h if feeds_context else 0), h)
        if kind == "bahdanau":
            self.attention = AdditiveAttention(h, h, config.attn_size or h)
        elif kind.startswith("luong"):
            self.attention = MultiplicativeAttention(h, h, kind.split("-")[1])
        else:
            self.attention = None
        self.combine = nn.Linear(2 * h, h)
        self.head = nn.Linear(h, config.tgt_vocab)

    def start(self, memory, mask, final) -> _State:
        """The state before the first step, from the encoder's output."""
        rnn = tuple(s[0] for s in final) if isinstance(final, tuple) else final[0]
        prepared = None if self.attention is None else self.attention.prepare(memory)
        summary = rnn[0] if isinstance(rnn, tuple) else rnn
        return _State(rnn, memory, mask, prepared, summary)

    def _attend(self, query, state: _State):
        return self.attention(query, state.memory, state.memory, state.mask, state.prepared)

    def _output(self, h, context):
        return self.head(torch.tanh(self.combine(torch.cat([h, context], dim=-1))))

    def step(self, token: torch.Tensor, state: _State):
        """One decoding step.

        Shape:
            token ``(B,)`` the previous output -> logits ``(B, V)``, the new state and the
            attention weights ``(B, S)`` (``None`` without attention).
        """
        e = self.embed(token)  # (B, E)
        weights = None
        if self.kind == "bahdanau":
            context, weights = self._attend(hidden_of(state.rnn), state)
            x = torch.cat([e, context], dim=-1)
        elif self.kind == "none":
            context, x = state.summary, torch.cat([e, state.summary], dim=-1)
        else:
            x = e
        rnn = self.rnn.step(x, state.rnn)
        h = hidden_of(rnn)
        if self.kind.startswith("luong"):
            context, weights = self._attend(h, state)
        new = _State(rnn, state.memory, state.mask, state.prepared, state.summary)
        return self._output(h, context), new, weights

    def forward(self, tgt_in: torch.Tensor, state: _State):
        """Teacher forcing: ``tgt_in`` ``(B, T)`` -> logits ``(B, T, V)`` and weights
        ``(B, T, S)`` (or ``None``)."""
        if self.kind == "bahdanau":  # the context feeds the recurrence: step by step
            logits, weights = [], []
            for token in tgt_in.unbind(1):
                out, state, w = self.step(token, state)
                logits.append(out)
                weights.append(w)
            return torch.stack(logits, 1), torch.stack(weights, 1)
        e = self.embed(tgt_in)  # (B, T, E): the recurrence runs over all steps in one call
        h0 = tuple(s[None] for s in state.rnn) if isinstance(state.rnn, tuple) else state.rnn[None]
        if self.kind == "none":
            context = state.summary[:, None].expand(-1, e.shape[1], -1)  # (B, T, H)
            h, _ = self.rnn(torch.cat([e, context], dim=-1), h0)
            return self._output(h, context), None
        h, _ = self.rnn(e, h0)  # Luong: attention on top of the finished recurrence
        context, weights = self._attend(h, state)
        return self._output(h, context), weights


class Seq2Seq(nn.Module):
    """An RNN encoder–decoder.

    Args:
        config: a :class:`Seq2SeqConfig`.
        task: optional :class:`~seqlab.data.pairs.PairTask` whose vocabularies
            :func:`translate` uses (:meth:`for_task` builds both at once).

    Shape:
        src ``(B, S)``, src_mask ``(B, S)`` bool (True on real tokens), tgt_in ``(B, T)``
        -> logits ``(B, T, tgt_vocab)`` and attention weights ``(B, T, S)`` (``None``
        without attention).

    Example:
        >>> model = Seq2Seq.for_task(date_task(), attention="bahdanau")  # doctest: +SKIP
        >>> translate(model, "March 3, 2001")  # doctest: +SKIP
        '2001-03-03'
    """

    def __init__(self, config: Seq2SeqConfig, task: PairTask | None = None):
        super().__init__()
        self.config, self.task = config, task
        if task is not None:
            task.check_vocab_sizes(config.src_vocab, config.tgt_vocab)
        self.src_embed = nn.Embedding(config.src_vocab, config.d_embed)
        self.encoder = _CELLS[config.cell](config.d_embed, config.hidden_size)
        self.decoder = Decoder(config)

    @classmethod
    def for_task(cls, task: PairTask, **options) -> Seq2Seq:
        """A model sized for ``task``'s vocabularies; ``options`` are the other
        :class:`Seq2SeqConfig` fields."""
        config = Seq2SeqConfig(len(task.src_vocab), len(task.tgt_vocab), **options)
        return cls(config, task)

    def _check_ids(self, ids, name: str, size: int, length_name: str) -> None:
        if not isinstance(ids, torch.Tensor) or ids.dtype != torch.long or ids.dim() != 2:
            got = tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids).__name__
            raise ValueError(f"{name} must be an int64 tensor (batch, {length_name}), got {got}")
        if ids.shape[1] == 0:
            raise ValueError(f"{name} is empty (length 0)")
        if ids.min() < 0 or ids.max() >= size:
            raise ValueError(
                f"{name} ids must be in [0, {size - 1}], got min {ids.min().item()} and "
                f"max {ids.max().item()}"
            )

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> _State:
        """Read the source: ``src`` ``(B, S)`` and ``src_mask`` ``(B, S)`` -> the decoder's
        start state (encoder states ``(B, S, H)`` inside)."""
        self._check_ids(src, "src", self.config.src_vocab, "source length")
        if not isinstance(src_mask, torch.Tensor) or src_mask.shape != src.shape:
            got = tuple(src_mask.shape) if isinstance(src_mask, torch.Tensor) else src_mask
            raise ValueError(f"src_mask must have the shape of src {tuple(src.shape)}, got {got}")
        memory, final = self.encoder(self.src_embed(src), mask=src_mask)
        return self.decoder.start(memory, src_mask, final)

    def forward(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor):
        self._check_ids(tgt_in, "tgt_in", self.config.tgt_vocab, "target length")
        if tgt_in.shape[0] != src.shape[0]:
            raise ValueError(
                f"src and tgt_in must have the same batch size, got "
                f"{src.shape[0]} and {tgt_in.shape[0]}"
            )
        return self.decoder(tgt_in, self.encode(src, src_mask))


def matched_hidden_size(task: PairTask, n_params: int, **options) -> int:
    """The ``hidden_size`` whose model for ``task`` (with the other :class:`Seq2SeqConfig`
    ``options``) has the parameter count closest to ``n_params``: how the book compares
    models with and without attention at equal size."""
    n_params = _checks.integer("n_params", n_params)
    if "hidden_size" in options:
        raise ValueError("hidden_size is what this function chooses; do not pass it")
    best, best_gap = 1, None
    for hidden in range(1, 4097):
        count = count_parameters(Seq2Seq.for_task(task, hidden_size=hidden, **options))
        gap = abs(count - n_params)
        if best_gap is not None and gap > best_gap:
            break  # the count grows with hidden_size: past the closest one
        best, best_gap = hidden, gap
    return best


def seq2seq_loss(model: Seq2Seq, batch: PairBatch) -> tuple[torch.Tensor, float]:
    """Cross-entropy of teacher-forced predictions over the target and its ``<eos>``, and
    the token accuracy there (a loss function for :func:`seqlab.train.fit`)."""
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)  # (B, T, V)
    loss = nn.functional.cross_entropy(logits[batch.mask], batch.y[batch.mask])
    return loss, masked_accuracy(logits, batch)


@dataclass
class Decoded:
    """Greedy decoding's output.

    Attributes:
        tokens: ``(B, T)`` int64 output ids, ``<eos>`` and after replaced by ``<pad>``.
        lengths: ``(B,)`` output length before ``<eos>``.
        finished: ``(B,)`` bool, whether ``<eos>`` came within ``max_len`` steps.
        weights: ``(B, T, S)`` attention at each step (``None`` without attention); row
            ``t`` is where the decoder looked while producing output ``t`` (the step that
            produced ``<eos>`` included).
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    finished: torch.Tensor
    weights: torch.Tensor | None


@torch.no_grad()
def greedy_decode(model: Seq2Seq, src: torch.Tensor, src_mask: torch.Tensor, max_len: int):
    """Decode by taking the most likely token at each step, until every sequence has
    produced ``<eos>`` or ``max_len`` tokens have been written (then ``finished`` is
    False for the sequences that did not stop: nothing is cut silently).

    Shape:
        src, src_mask ``(B, S)`` -> :class:`Decoded` with ``T <= max_len + 1``.
    """
    max_len = _checks.integer("max_len", max_len)
    with evaluating(model):
        state = model.encode(src, src_mask)
        token = torch.full((src.shape[0],), BOS, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        tokens, weights = [], []
        for _ in range(max_len + 1):  # max_len tokens, then one more step for <eos>
            logits, state, w = model.decoder.step(token, state)
            token = logits.argmax(-1)  # (B,)
            tokens.append(token.masked_fill(done, PAD))
            weights.append(w)
            done = done | (token == EOS)
            if done.all():
                break
    out = torch.stack(tokens, 1)  # (B, T)
    is_eos = out == EOS
    finished = is_eos.any(1)
    first_eos = is_eos.int().argmax(1)  # <= max_len where finished
    lengths = torch.where(finished, first_eos, torch.full_like(first_eos, max_len))
    out = out.masked_fill(torch.arange(out.shape[1], device=out.device) >= lengths[:, None], PAD)
    stacked = None if weights[0] is None else torch.stack(weights, 1)
    return Decoded(out, lengths, finished, stacked)


def _task_of(model: Seq2Seq) -> PairTask:
    # Seq2Seq, or anything with its protocol (seqlab.transformer.Transformer)
    if not (hasattr(model, "encode") and hasattr(getattr(model, "decoder", None), "step")):
        raise TypeError(
            f"model must be a seqlab Seq2Seq or Transformer, got {type(model).__name__}"
        )
    if getattr(model, "task", None) is None:
        raise ValueError(
            "model has no task vocabularies; build it with Seq2Seq.for_task(task) "
            "(or Transformer.for_task(task))"
        )
    return model.task


def translate_batch(
    model: Seq2Seq, texts: Sequence[str], max_len: int | None = None
) -> tuple[list[str | None], Decoded]:
    """Greedy-decode several strings.

    Args:
        max_len: the most output characters (default: twice the longest source plus 10).

    Returns:
        The outputs (``None`` for a source that did not produce ``<eos>`` within
        ``max_len``) and the :class:`Decoded` tensors.
    """
    task = _task_of(model)
    src, src_mask = task.encode_sources(texts)
    if max_len is None:
        max_len = 2 * src.shape[1] + 10
    device = next(model.parameters()).device
    decoded = greedy_decode(model, src.to(device), src_mask.to(device), max_len)
    outputs = []
    for ids, n, ok in zip(decoded.tokens, decoded.lengths, decoded.finished, strict=True):
        outputs.append(task.tgt_vocab.decode(ids[: int(n)]) if ok else None)
    return outputs, decoded


def translate(
    model: Seq2Seq, text: str, *, max_len: int | None = None, return_weights: bool = False
):
    """Greedy-decode one string: ``translate(model, "March 3, 2001") -> "2001-03-03"``.

    Args:
        model: a :class:`Seq2Seq` built with :meth:`Seq2Seq.for_task`.
        text: a non-empty source string in the task's alphabet.
        max_len: the most output characters (default: twice the source length plus 10).
        return_weights: also return the attention weights ``(n_out + 1, len(text))``,
            one row per output character and one for ``<eos>``.

    Raises:
        ValueError: an empty text, an unknown character, or no ``<eos>`` within
            ``max_len`` (the message shows the output so far).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    (output,), decoded = translate_batch(model, [text], max_len)
    if output is None:
        limit = int(decoded.lengths[0])  # = max_len for an unfinished output
        partial = _task_of(model).tgt_vocab.decode(decoded.tokens[0, :limit])
        raise ValueError(
            f"no <eos> within max_len={limit} output characters "
            f"(output so far: {partial!r}); pass a larger max_len or train the model longer"
        )
    if not return_weights:
        return output
    if decoded.weights is None:
        raise ValueError("this model has no attention (attention='none'): no weights to return")
    return output, decoded.weights[0, : len(output) + 1]


def exact_match(
    model: Seq2Seq, pairs: Sequence[tuple[str, str]], batch_size: int = 256
) -> torch.Tensor:
    """Whether greedy decoding reproduces each target exactly: ``(N,)`` bool.

    ``.float().mean()`` of it is the exact-match accuracy.
    """
    if len(pairs) == 0:
        raise ValueError("pairs is empty")
    hits = []
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i : i + batch_size]
        max_len = max(len(t) for _, t in chunk) + 1
        outputs, _ = translate_batch(model, [s for s, _ in chunk], max_len)
        hits += [out == t for out, (_, t) in zip(outputs, chunk, strict=True)]
    return torch.tensor(hits)
