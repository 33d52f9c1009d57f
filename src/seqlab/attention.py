"""Attention for RNN encoder–decoders: a weighted average of the encoder's states,
weighted by how well each one matches the decoder's state.

Masks are boolean and **True means "may attend"** (the convention of
``torch.nn.functional.scaled_dot_product_attention``). Masked positions get a weight of
exactly zero. Every function returns ``(context, weights)`` so a chapter can plot the
weights. Self-attention (chapters 6 and 7) is in :mod:`seqlab.self_attention`.

Taught in chapter 5 (and its masks used from chapter 6 on).
"""

from __future__ import annotations

import torch
from torch import nn

from seqlab import _checks

__all__ = [
    "AdditiveAttention",
    "MultiplicativeAttention",
    "additive_attention",
    "additive_scores",
    "masked_softmax",
    "multiplicative_attention",
    "padding_mask",
]


def padding_mask(lengths, length: int | None = None) -> torch.Tensor:
    """True on the first ``lengths[b]`` positions of each row: where attention may look.

    Args:
        lengths: ``(B,)`` ints >= 1 (a tensor or a sequence).
        length: the padded length ``L`` (default: the largest of ``lengths``).

    Returns:
        ``(B, L)`` bool.

    Example:
        >>> padding_mask([3, 1], 4)
        tensor([[ True,  True,  True, False],
                [ True, False, False, False]])
    """
    lengths, length = _checks.padding(lengths, length)  # (B,), an int
    return torch.arange(length, device=lengths.device) < lengths[:, None]  # (B, L)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last axis, with weight exactly 0 where ``mask`` is False.

    Shape:
        scores ``(..., S)``; mask broadcastable to it (e.g. ``(B, S)`` against
        ``(B, S)``, or ``(B, 1, S)`` against ``(B, T, S)``) -> weights ``(..., S)``.
    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    _checks.softmax_mask(mask, scores)
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def _attend(scores, values, mask, single):
    """scores (B, T, S) -> context (B, T, Dv) and weights (B, T, S), T dropped if single."""
    weights = masked_softmax(scores, None if mask is None else mask[:, None, :])
    context = weights @ values  # (B, T, Dv)
    if single:
        return context[:, 0], weights[:, 0]
    return context, weights


def additive_attention(
    query: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    w_query: torch.Tensor,
    w_key: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Bahdanau's (additive) attention: score_j = v · tanh(W_q q + W_k k_j).

    Args:
        query: ``(B, Dq)`` (one decoder state) or ``(B, T, Dq)`` (several).
        keys: ``(B, S, Dk)``; values: ``(B, S, Dv)`` (for RNNs both are the encoder states).
        w_query: ``(A, Dq)``; w_key: ``(A, Dk)``; v: ``(A,)``.
        mask: ``(B, S)`` bool, True = may attend (see :func:`padding_mask`).

    Returns:
        ``(context, weights)``: ``(B, Dv)`` and ``(B, S)`` (``(B, T, Dv)`` and
        ``(B, T, S)`` for a 3-D query). Each row of weights sums to 1 and is 0 where
        ``mask`` is False.

    Example:
        >>> q, k = torch.zeros(1, 2), torch.zeros(1, 3, 2)
        >>> w = torch.eye(2)
        >>> additive_attention(q, k, k, w, w, torch.ones(2))[1]
        tensor([[0.3333, 0.3333, 0.3333]])
    """
    q, single = _checks.attention_inputs(query, keys, values, mask, "additive", (w_query, w_key, v))
    scores = additive_scores(q @ w_query.T, keys @ w_key.T, v)  # (B, T, S)
    return _attend(scores, values, mask, single)


def additive_scores(q_proj: torch.Tensor, k_proj: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """v · tanh(q_proj + k_proj) for every query–key pair.

    Shape:
        q_proj ``(B, T, A)``, k_proj ``(B, S, A)``, v ``(A,)`` -> scores ``(B, T, S)``.
    """
    return torch.tanh(q_proj[:, :, None, :] + k_proj[:, None, :, :]) @ v


def multiplicative_attention(
    query: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    weight: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Luong's multiplicative attention: score_j = q · k_j ("dot") or q · W k_j ("general").

    Args:
        query: ``(B, Dq)`` or ``(B, T, Dq)``.
        keys: ``(B, S, Dk)``; values: ``(B, S, Dv)``.
        weight: ``None`` for "dot" (needs ``Dq == Dk``) or ``(Dq, Dk)`` for "general".
        mask: ``(B, S)`` bool, True = may attend.

    Returns:
        ``(context, weights)`` shaped as in :func:`additive_attention`.

    Example:
        >>> k = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
        >>> multiplicative_attention(torch.tensor([[2.0, 0.0]]), k, k)[1]
        tensor([[0.8808, 0.1192]])
    """
    q, single = _checks.attention_inputs(
        query, keys, values, mask, "dot" if weight is None else "general", weight
    )
    k = keys if weight is None else keys @ weight.T  # (B, S, Dq): W k_j for every key, once
    scores = q @ k.transpose(1, 2)  # (B, T, S)
    return _attend(scores, values, mask, single)


class AdditiveAttention(nn.Module):
    """Bahdanau attention with its parameters: ``W_q``, ``W_k`` (``attn_size`` rows) and ``v``.

    ``prepare(keys)`` projects the keys once per source sequence, so a decoder that
    attends at every step pays only for the query projection.

    Shape:
        query ``(B, Dq)`` or ``(B, T, Dq)``, keys ``(B, S, Dk)``, values ``(B, S, Dv)``,
        mask ``(B, S)`` -> context ``(B, [T,] Dv)``, weights ``(B, [T,] S)``.
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int):
        super().__init__()
        _checks.sizes(query_size=query_size, key_size=key_size, attn_size=attn_size)
        self.w_query = nn.Linear(query_size, attn_size, bias=False)
        self.w_key = nn.Linear(key_size, attn_size, bias=False)
        self.v = nn.Parameter(torch.empty(attn_size).uniform_(-1, 1) / attn_size**0.5)

    def prepare(self, keys: torch.Tensor) -> torch.Tensor:
        """W_k k_j for every key: ``(B, S, Dk)`` -> ``(B, S, A)``."""
        return self.w_key(keys)

    def forward(self, query, keys, values, mask=None, prepared=None):
        if prepared is None:
            return additive_attention(
                query, keys, values, self.w_query.weight, self.w_key.weight, self.v, mask
            )
        q, single = _checks.attention_inputs(query, keys, values, mask)
        return _attend(additive_scores(self.w_query(q), prepared, self.v), values, mask, single)


class MultiplicativeAttention(nn.Module):
    """Luong attention: ``"dot"`` (no parameters) or ``"general"`` (a ``(Dq, Dk)`` matrix).

    Shape: as :class:`AdditiveAttention`.
    """

    def __init__(self, query_size: int, key_size: int, score: str = "general"):
        super().__init__()
        self.score = _checks.choice("score", score, ("dot", "general"), "'dot' or 'general'")
        if score == "dot" and query_size != key_size:
            raise ValueError(
                f"dot attention needs query_size == key_size, got {query_size} and {key_size}"
            )
        self.weight = (
            nn.Parameter(torch.empty(query_size, key_size).uniform_(-1, 1) / key_size**0.5)
            if score == "general"
            else None
        )

    def prepare(self, keys: torch.Tensor) -> torch.Tensor:
        """W k_j for every key (general) or the keys themselves (dot): ``(B, S, Dq)``."""
        return keys if self.weight is None else keys @ self.weight.T

    def forward(self, query, keys, values, mask=None, prepared=None):
        if prepared is None:
            return multiplicative_attention(query, keys, values, self.weight, mask)
        q, single = _checks.attention_inputs(query, keys, values, mask)
        return _attend(q @ prepared.transpose(1, 2), values, mask, single)

    def extra_repr(self) -> str:
        return f"score={self.score!r}"
