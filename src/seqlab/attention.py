"""Attention: a weighted average of values, weighted by how well each key matches a query.

Masks are boolean and **True means "may attend"** (the convention of
``torch.nn.functional.scaled_dot_product_attention``). Masked positions get a weight of
exactly zero. Every function returns ``(output, weights)`` so a chapter can plot the
weights.

Taught in chapter 5 (additive and multiplicative attention for RNN encoder–decoders).
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

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
    lengths = torch.as_tensor(lengths)
    if (
        lengths.dim() != 1
        or lengths.numel() == 0
        or lengths.is_floating_point()
        or lengths.dtype == torch.bool
    ):
        raise ValueError(f"lengths must be a non-empty 1-D sequence of ints, got {lengths!r}")
    if (lengths < 1).any():
        raise ValueError(
            f"every length must be >= 1 (an empty sequence has nothing to attend "
            f"to), got {lengths.tolist()}"
        )
    longest = int(lengths.max())
    if length is None:
        length = longest
    if isinstance(length, torch.Tensor) and length.dim() == 0 and not length.is_floating_point():
        length = length.item()  # e.g. lengths.max()
    if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < longest:
        raise ValueError(f"length must be an int >= the longest length {longest}, got {length!r}")
    return torch.arange(int(length), device=lengths.device) < lengths[:, None]


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last axis, with weight exactly 0 where ``mask`` is False.

    Shape:
        scores ``(..., S)``; mask broadcastable to it (e.g. ``(B, S)`` against
        ``(B, S)``, or ``(B, 1, S)`` against ``(B, T, S)``) -> weights ``(..., S)``.
    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError("mask must be a bool tensor (True = may attend)")
    try:
        torch.broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not fit scores of shape "
            f"{tuple(scores.shape)} (expected (batch, source length))"
        ) from None
    if not mask.any(-1).all():
        raise ValueError("mask has a row with no position to attend to (an empty source?)")
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def _shapes(query, keys, values, mask):
    """Check shapes; return the query as (B, T, D) and whether it had a T axis."""
    for name, t in (("query", query), ("keys", keys), ("values", values)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a tensor, got {type(t).__name__}")
    if keys.dim() != 3 or values.dim() != 3 or keys.shape[:2] != values.shape[:2]:
        raise ValueError(
            "keys and values must be (batch, source length, features) with the same batch "
            f"and length, got {tuple(keys.shape)} and {tuple(values.shape)}"
        )
    if query.dim() not in (2, 3) or query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"query must be (batch, features) or (batch, steps, features) with batch "
            f"{keys.shape[0]}, got {tuple(query.shape)}"
        )
    if mask is not None and (
        not isinstance(mask, torch.Tensor) or tuple(mask.shape) != tuple(keys.shape[:2])
    ):
        got = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise ValueError(
            f"mask must be (batch, source length) = {tuple(keys.shape[:2])}, got {got}"
        )
    single = query.dim() == 2
    return (query[:, None] if single else query), single


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
    q, single = _shapes(query, keys, values, mask)
    a = w_query.shape[0]
    if w_query.shape != (a, q.shape[-1]) or w_key.shape != (a, keys.shape[-1]) or v.shape != (a,):
        raise ValueError(
            f"expected w_query (A, {q.shape[-1]}), w_key (A, {keys.shape[-1]}) and v (A,), got "
            f"{tuple(w_query.shape)}, {tuple(w_key.shape)} and {tuple(v.shape)}"
        )
    scores = additive_scores(q @ w_query.T, keys @ w_key.T, v)
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
    q, single = _shapes(query, keys, values, mask)
    if weight is None:
        if q.shape[-1] != keys.shape[-1]:
            raise ValueError(
                f"dot attention needs query and keys of the same size, got {q.shape[-1]} "
                f"and {keys.shape[-1]}; pass weight for 'general' attention"
            )
        k = keys
    else:
        if tuple(weight.shape) != (q.shape[-1], keys.shape[-1]):
            raise ValueError(
                f"weight must be (Dq, Dk) = {(q.shape[-1], keys.shape[-1])}, "
                f"got {tuple(weight.shape)}"
            )
        k = keys @ weight.T  # (B, S, Dq): W k_j for every key, once
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
        q, single = _shapes(query, keys, values, mask)
        return _attend(additive_scores(self.w_query(q), prepared, self.v), values, mask, single)


class MultiplicativeAttention(nn.Module):
    """Luong attention: ``"dot"`` (no parameters) or ``"general"`` (a ``(Dq, Dk)`` matrix).

    Shape: as :class:`AdditiveAttention`.
    """

    def __init__(self, query_size: int, key_size: int, score: str = "general"):
        super().__init__()
        if score not in ("dot", "general"):
            raise ValueError(f"score must be 'dot' or 'general', got {score!r}")
        if score == "dot" and query_size != key_size:
            raise ValueError(
                f"dot attention needs query_size == key_size, got {query_size} and {key_size}"
            )
        self.score = score
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
        q, single = _shapes(query, keys, values, mask)
        return _attend(q @ prepared.transpose(1, 2), values, mask, single)

    def extra_repr(self) -> str:
        return f"score={self.score!r}"
