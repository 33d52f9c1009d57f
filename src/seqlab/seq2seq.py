"""The RNN encoder–decoder, with and without attention.

An encoder (GRU or LSTM, from :mod:`seqlab.rnn`) reads the padded source; a decoder
writes the target one token at a time. Without attention the decoder sees the source
only through the encoder's final state (Sutskever et al. 2014; Cho et al. 2014 also
feed that vector to every step, as here). With attention it looks back at every encoder
state: Bahdanau et al. (2015) score the *previous* decoder state and feed the context
into the recurrence; Luong et al. (2015) score the *current* state ("dot" or
"general") and use the context only for the output, so with teacher forcing all steps
are computed at once (this module leaves out Luong's optional input feeding).

The encoder reads left to right by default; ``bidirectional=True`` gives Bahdanau et
al.'s original encoder, a forward and a backward RNN whose states are concatenated
(annotations of size 2H), the decoder starting from a learnt projection of the backward
RNN's final state.

Every decoder has one output layer, ``head(tanh(combine([h_t; c_t])))``, and one
:meth:`Decoder.step`; training with teacher forcing, greedy decoding and beam search
use the same step, and a test checks that they give the same logits.

Taught in chapters 4 (no attention, greedy decoding and beam search) and 5 (attention,
the bidirectional encoder).
"""

from __future__ import annotations

import dataclasses
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
    "beam_search",
    "beam_step",
    "beam_sweep",
    "decode_pairs",
    "exact_match",
    "greedy_decode",
    "matched_hidden_size",
    "reverse_padded",
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
        bidirectional: Bahdanau et al.'s encoder, a forward and a backward RNN whose
            states are concatenated (memory of size ``2 * hidden_size``); False reads
            left to right only.
    """

    src_vocab: int
    tgt_vocab: int
    d_embed: int = 32
    hidden_size: int = 64
    cell: str = "gru"
    attention: str = "none"
    attn_size: int | None = None
    bidirectional: bool = False

    def __post_init__(self):
        for name in ("src_vocab", "tgt_vocab", "d_embed", "hidden_size"):
            _checks.integer(name, getattr(self, name))
        _checks.choice("cell", self.cell, sorted(_CELLS), f"one of {sorted(_CELLS)}")
        _checks.choice("attention", self.attention, ATTENTIONS)
        _checks.flag("bidirectional", self.bidirectional)
        if self.bidirectional and self.attention == "luong-dot":
            raise ValueError(
                "attention='luong-dot' scores q·h_j, so the memory must have the decoder's "
                "size; a bidirectional encoder gives 2 * hidden_size: use 'luong-general' "
                "or 'bahdanau'"
            )

    @property
    def memory_size(self) -> int:
        """Size of each encoder state the decoder attends to: ``2 * hidden_size`` for a
        bidirectional encoder, else ``hidden_size``."""
        return self.hidden_size * (2 if self.bidirectional else 1)


@dataclass
class _State:
    """What the decoder carries between steps."""

    rnn: torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # (B, H) or (h, c)
    memory: torch.Tensor  # encoder states (B, S, M), M = H or 2H (bidirectional)
    mask: torch.Tensor  # (B, S) True on real source tokens
    prepared: torch.Tensor | None  # keys projected once for attention
    summary: torch.Tensor  # the encoder's final hidden state (B, H)


class Decoder(nn.Module):
    """The target side: embedding, one recurrent layer, optional attention, output layer."""

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        h, m, kind = config.hidden_size, config.memory_size, config.attention
        self.kind = kind
        self.embed = nn.Embedding(config.tgt_vocab, config.d_embed)
        context = h if kind == "none" else m  # the summary (B, H) or an attended (B, M)
        feeds_context = kind in ("none", "bahdanau")  # the context enters the recurrence
        self.rnn = _CELLS[config.cell](config.d_embed + (context if feeds_context else 0), h)
        if kind == "bahdanau":
            self.attention = AdditiveAttention(h, m, config.attn_size or h)
        elif kind.startswith("luong"):
            self.attention = MultiplicativeAttention(h, m, kind.split("-")[1])
        else:
            self.attention = None
        self.combine = nn.Linear(h + context, h)
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


def reverse_padded(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence within its own length; padding stays where it is, so
    applying it twice gives ``x`` back.

    Shape:
        x ``(B, S, ...)``, mask ``(B, S)`` bool, True on a prefix of each row ->
        ``(B, S, ...)``.
    """
    lengths = mask.sum(1, keepdim=True)  # (B, 1)
    pos = torch.arange(x.shape[1], device=x.device)  # (S,)
    index = torch.where(pos < lengths, lengths - 1 - pos, pos)  # (B, S)
    index = index.view(*index.shape, *[1] * (x.dim() - 2)).expand_as(x)  # (B, S, ...)
    return x.gather(1, index)


class BidirectionalEncoder(nn.Module):
    """Bahdanau et al.'s encoder: a forward RNN reads the source left to right, a
    backward RNN right to left, and annotation j is ``[→h_j; ←h_j]``. The decoder
    starts from ``tanh(W_s ←h_1)``, the backward RNN's last state projected (an LSTM's
    cell state passes unprojected).

    The backward RNN starts at each sequence's own last real token: its input is the
    source reversed within its length (:func:`reverse_padded`), so padding changes
    nothing.

    Shape:
        x ``(B, S, E)``, mask ``(B, S)`` -> memory ``(B, S, 2H)`` and the start state
        ``(1, B, H)`` (LSTM: a pair).
    """

    def __init__(self, cell: type[nn.Module], input_size: int, hidden_size: int):
        super().__init__()
        self.forward_rnn = cell(input_size, hidden_size)
        self.backward_rnn = cell(input_size, hidden_size)
        self.bridge = nn.Linear(hidden_size, hidden_size)  # W_s

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        ahead, _ = self.forward_rnn(x, mask=mask)  # (B, S, H)
        back, final = self.backward_rnn(reverse_padded(x, mask), mask=mask)  # reversed
        memory = torch.cat([ahead, reverse_padded(back, mask)], dim=-1)  # (B, S, 2H)
        if isinstance(final, tuple):  # LSTM: (h, c), each (1, B, H)
            return memory, (torch.tanh(self.bridge(final[0])), final[1])
        return memory, torch.tanh(self.bridge(final))


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
        cell = _CELLS[config.cell]
        if config.bidirectional:
            self.encoder = BidirectionalEncoder(cell, config.d_embed, config.hidden_size)
        else:
            self.encoder = cell(config.d_embed, config.hidden_size)
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
        start state (encoder states ``(B, S, M)`` inside, ``M = 2H`` if bidirectional)."""
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
    """The output of greedy decoding or beam search.

    Attributes:
        tokens: ``(B, T)`` int64 output ids, ``<eos>`` and after replaced by ``<pad>``.
        lengths: ``(B,)`` output length before ``<eos>``.
        finished: ``(B,)`` bool, whether ``<eos>`` came within ``max_len`` steps.
        weights: ``(B, T, S)`` attention at each step (``None`` without attention); row
            ``t`` is where the decoder looked while producing output ``t`` (the step that
            produced ``<eos>`` included). For beam search, the attention of the chosen
            beam along its own history.
        scores: ``(B,)`` the log-probability of each output, ``<eos>`` included (beam
            search only: ``None`` from greedy decoding).
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    finished: torch.Tensor
    weights: torch.Tensor | None
    scores: torch.Tensor | None = None


def _decoded(out: torch.Tensor, weights, max_len: int, scores=None) -> Decoded:
    """Cut raw outputs ``(B, T)`` at their first ``<eos>``: the :class:`Decoded`."""
    is_eos = out == EOS
    finished = is_eos.any(1)
    first_eos = is_eos.int().argmax(1)  # <= max_len where finished
    lengths = torch.where(finished, first_eos, torch.full_like(first_eos, max_len))
    out = out.masked_fill(torch.arange(out.shape[1], device=out.device) >= lengths[:, None], PAD)
    return Decoded(out, lengths, finished, weights, scores)


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
    stacked = None if weights[0] is None else torch.stack(weights, 1)
    return _decoded(torch.stack(tokens, 1), stacked, max_len)


def beam_step(scores: torch.Tensor, log_probs: torch.Tensor, width: int):
    """One step of beam search: the ``width`` best one-token extensions of ``K`` beams.

    Extending beam ``k`` by token ``v`` scores ``scores[b, k] + log_probs[b, k, v]``;
    the best ``width`` of all ``K * V`` candidates survive, best first, whichever beams
    they come from. A finished beam is the caller's business: give it log-probability 0
    for ``<pad>`` and ``-inf`` for every other token, and it carries on unchanged.

    Shape:
        scores ``(B, K)``, log_probs ``(B, K, V)`` -> new_scores ``(B, width)``, parents
        ``(B, width)`` int64 (which beam each survivor extends) and tokens ``(B, width)``
        int64 (the token it adds).

    Example:
        >>> s, p, t = beam_step(torch.zeros(1, 1), torch.tensor([[[-1.0, -0.5, -2.0]]]), 2)
        >>> p.tolist(), t.tolist()
        ([[0, 0]], [[1, 0]])
    """
    _check_beam_step(scores, log_probs, width)
    batch, k, vocab = log_probs.shape
    total = (scores[:, :, None] + log_probs).reshape(batch, k * vocab)  # (B, K*V)
    new_scores, index = total.topk(width, dim=1)  # (B, width), sorted best first
    return new_scores, index // vocab, index % vocab


def _check_beam_step(scores, log_probs, width) -> None:
    _checks.tensor("scores", scores, "(batch, beams)", dims=2)
    _checks.tensor("log_probs", log_probs, "(batch, beams, vocab)", dims=3)
    if log_probs.shape[:2] != scores.shape:
        raise ValueError(
            f"log_probs must be (batch, beams, vocab) with (batch, beams) = "
            f"{tuple(scores.shape)} as in scores, got {tuple(log_probs.shape)}"
        )
    _checks.integer("width", width, maximum=scores.shape[1] * log_probs.shape[2])


def _reorder(value, index: torch.Tensor):
    """Any decoder state (tensors, tuples, lists, dataclasses, objects such as a
    :class:`~seqlab.self_attention.KVCache`) with every tensor's rows picked by
    ``index`` along the batch axis 0: how beams are copied and rearranged."""
    if isinstance(value, torch.Tensor):
        return value.index_select(0, index)
    if isinstance(value, (tuple, list)):
        return type(value)(_reorder(v, index) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _reorder(getattr(value, f.name), index) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **fields)
    if hasattr(value, "__dict__") and not isinstance(value, nn.Module):
        new = object.__new__(type(value))
        new.__dict__.update({k: _reorder(v, index) for k, v in vars(value).items()})
        return new
    return value  # None, numbers, strings: shared by every beam


def _penalised(scores, lengths, length_penalty: float):
    """Scores divided by ``lengths ** length_penalty`` (0: plain log-probabilities)."""
    return scores / lengths.to(scores.dtype) ** length_penalty


@torch.no_grad()
def beam_search(
    model: Seq2Seq,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    max_len: int,
    beam_width: int,
    *,
    length_penalty: float = 0.0,
) -> Decoded:
    """Decode by keeping the ``beam_width`` most likely partial outputs at each step.

    Each step extends every live beam by every token and keeps the best ``beam_width``
    (:func:`beam_step`); a beam that wrote ``<eos>`` stays, with its score, until the
    end. The answer is the best finished beam (the best beam if none finished), scored
    by log-probability divided by ``length ** length_penalty``, the length counting
    ``<eos>``. Works for :class:`Seq2Seq` and :class:`seqlab.transformer.Transformer`
    (any model whose ``decoder.step`` takes a state that :func:`_reorder` can copy).
    ``beam_width=1`` is greedy decoding.

    Shape:
        src, src_mask ``(B, S)`` -> :class:`Decoded` with ``T <= max_len + 1``.
    """
    max_len, width = _checks.integer("max_len", max_len), _checks.integer("beam_width", beam_width)
    length_penalty = _checks.number("length_penalty", length_penalty, 0)
    with evaluating(model):
        state = model.encode(src, src_mask)
        batch, device = src.shape[0], src.device
        rows = torch.arange(batch, device=device)[:, None] * width  # (B, 1): row offsets
        state = _reorder(state, torch.arange(batch, device=device).repeat_interleave(width))
        dtype = next(model.parameters()).dtype
        scores = torch.full((batch, width), float("-inf"), dtype=dtype, device=device)
        scores[:, 0] = 0.0  # one live beam at the start; the others are placeholders
        token = torch.full((batch * width,), BOS, dtype=torch.long, device=device)
        done = torch.zeros(batch, width, dtype=torch.bool, device=device)
        history, weights = [], []  # each (B, width) and (B, width, S)
        for _ in range(max_len + 1):
            logits, state, w = model.decoder.step(token, state)
            log_probs = torch.log_softmax(logits, -1).view(batch, width, -1)  # (B, K, V)
            scores, parents, token = beam_step(scores, _stay_finished(log_probs, done), width)
            history = _follow(history, parents, token)  # each (B, width)
            if w is not None:  # the attention of each survivor's parent at this step
                weights = _follow(weights, parents, w.view(batch, width, -1)[_rows_of(parents)])
            done = done.gather(1, parents) | (token == EOS)
            state = _reorder(state, (rows + parents).flatten())
            token = token.flatten()
            if (done | scores.isinf()).all():  # every real beam has written <eos>
                break
    out = torch.stack(history, 2)  # (B, width, T)
    best = _best_beam(out, scores, done, length_penalty)  # (B,)
    pick = torch.arange(batch, device=device), best
    stacked = torch.stack(weights, 2)[pick] if weights else None  # (B, T, S)
    return _decoded(out[pick], stacked, max_len, scores[pick])


def _stay_finished(log_probs: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
    """A finished beam may only add ``<pad>``, at no cost: log_probs ``(B, K, V)`` with
    the rows of ``done`` ``(B, K)`` set to 0 at ``<pad>`` and ``-inf`` elsewhere."""
    stay = torch.full_like(log_probs[0, 0], float("-inf"))  # (V,)
    stay[PAD] = 0.0
    return torch.where(done[..., None], stay, log_probs)


def _rows_of(parents: torch.Tensor):
    """Index pair picking ``x[b, parents[b, j]]`` for every ``(b, j)``."""
    return torch.arange(parents.shape[0], device=parents.device)[:, None], parents


def _follow(history: list, parents: torch.Tensor, new: torch.Tensor) -> list:
    """Each beam's history after a step: its parent's history, then ``new``.

    Shape:
        each history item and ``new`` ``(B, width, ...)``, parents ``(B, width)``.
    """
    return [h[_rows_of(parents)] for h in history] + [new]


def _best_beam(out: torch.Tensor, scores, done, length_penalty: float) -> torch.Tensor:
    """Which beam to return: the best finished one by penalised score, or the best one
    if none (with a finite score) finished.

    Shape:
        out ``(B, K, T)``, scores and done ``(B, K)`` -> ``(B,)`` int64.
    """
    is_eos = out == EOS
    lengths = torch.where(done, is_eos.int().argmax(-1) + 1, out.shape[-1])  # with <eos>
    final = _penalised(scores, lengths, length_penalty)  # (B, K)
    finished = done & torch.isfinite(scores)
    final = torch.where(finished.any(1, keepdim=True) & ~finished, float("-inf"), final)
    return final.argmax(1)


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
    model: Seq2Seq, texts: Sequence[str], max_len: int | None = None, beam_width: int = 1
) -> tuple[list[str | None], Decoded]:
    """Decode several strings, greedily or (``beam_width > 1``) by beam search.

    Args:
        max_len: the most output characters (default: twice the longest source plus 10).
        beam_width: 1 for :func:`greedy_decode`, more for :func:`beam_search`.

    Returns:
        The outputs (``None`` for a source that did not produce ``<eos>`` within
        ``max_len``) and the :class:`Decoded` tensors.
    """
    task = _task_of(model)
    src, src_mask = task.encode_sources(texts)
    if max_len is None:
        max_len = 2 * src.shape[1] + 10
    device = next(model.parameters()).device
    src, src_mask = src.to(device), src_mask.to(device)
    if _checks.integer("beam_width", beam_width) == 1:
        decoded = greedy_decode(model, src, src_mask, max_len)
    else:
        decoded = beam_search(model, src, src_mask, max_len, beam_width)
    outputs = []
    for ids, n, ok in zip(decoded.tokens, decoded.lengths, decoded.finished, strict=True):
        outputs.append(task.tgt_vocab.decode(ids[: int(n)]) if ok else None)
    return outputs, decoded


def translate(
    model: Seq2Seq,
    text: str,
    *,
    max_len: int | None = None,
    return_weights: bool = False,
    beam_width: int = 1,
):
    """Decode one string, greedily by default:
    ``translate(model, "March 3, 2001") -> "2001-03-03"``.

    Args:
        model: a :class:`Seq2Seq` built with :meth:`Seq2Seq.for_task`.
        text: a non-empty source string in the task's alphabet.
        max_len: the most output characters (default: twice the source length plus 10).
        return_weights: also return the attention weights ``(n_out + 1, len(text))``,
            one row per output character and one for ``<eos>``.
        beam_width: 1 decodes greedily, more by :func:`beam_search`.

    Raises:
        ValueError: an empty text, an unknown character, or no ``<eos>`` within
            ``max_len`` (the message shows the output so far).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    (output,), decoded = translate_batch(model, [text], max_len, beam_width)
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


def decode_pairs(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    batch_size: int = 256,
    beam_width: int = 1,
) -> list[str | None]:
    """The output for the source of each ``(source, target)`` pair, decoded in batches
    with at most one character more than the batch's longest target (``None`` for an
    output without ``<eos>``)."""
    if len(pairs) == 0:
        raise ValueError("pairs is empty")
    batch_size = _checks.integer("batch_size", batch_size)
    outputs = []
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i : i + batch_size]
        max_len = max(len(t) for _, t in chunk) + 1
        outputs += translate_batch(model, [s for s, _ in chunk], max_len, beam_width)[0]
    return outputs


def exact_match(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    batch_size: int = 256,
    beam_width: int = 1,
) -> torch.Tensor:
    """Whether greedy decoding (or, with ``beam_width > 1``, beam search) reproduces
    each target exactly: ``(N,)`` bool.

    ``.float().mean()`` of it is the exact-match accuracy.
    """
    outputs = decode_pairs(model, pairs, batch_size, beam_width)
    return torch.tensor([out == t for out, (_, t) in zip(outputs, pairs, strict=True)])


def beam_sweep(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    widths: Sequence[int] = (1, 2, 4, 8),
    batch_size: int = 256,
) -> dict[int, dict[str, float]]:
    """Exact match and output length against beam width, on the same ``pairs``.

    Returns:
        For each width, ``exact_match`` (share of outputs exactly right), ``finished``
        (share that wrote ``<eos>``), ``mean_length`` (mean length in characters of the
        finished outputs) and ``length_match`` (share as long as their target).
    """
    result = {}
    for width in widths:
        outputs = decode_pairs(model, pairs, batch_size, width)
        done = [(out, t) for out, (_, t) in zip(outputs, pairs, strict=True) if out is not None]
        result[width] = {
            "exact_match": sum(out == t for out, t in done) / len(pairs),
            "finished": len(done) / len(pairs),
            "mean_length": sum(len(out) for out, _ in done) / max(len(done), 1),
            "length_match": sum(len(out) == len(t) for out, t in done) / len(pairs),
        }
    return result
