"""Attention: a weighted average of values, weighted by how well each key matches a query.

Masks are boolean and **True means "may attend"** (the convention of
``torch.nn.functional.scaled_dot_product_attention``). Masked positions get a weight of
exactly zero. Every function returns ``(output, weights)`` so a chapter can plot the
weights.

Taught in chapters 5 (additive and multiplicative attention for RNN encoder–decoders),
6 (scaled dot-product self-attention, causal masks) and 7 (multi-head attention).
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

__all__ = [
    "AdditiveAttention",
    "KVCache",
    "MultiHeadAttention",
    "MultiplicativeAttention",
    "additive_attention",
    "additive_scores",
    "causal_mask",
    "masked_softmax",
    "multiplicative_attention",
    "padding_mask",
    "scaled_dot_product_attention",
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


# Self-attention (chapters 6 and 7) -------------------------------------------------------


def causal_mask(length: int, device=None) -> torch.Tensor:
    """True where position ``i`` may attend to position ``j``: ``j <= i``.

    Returns:
        ``(length, length)`` bool, lower-triangular.

    Example:
        >>> causal_mask(3)
        tensor([[ True, False, False],
                [ True,  True, False],
                [ True,  True,  True]])
    """
    if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    return torch.ones(int(length), int(length), dtype=torch.bool, device=device).tril()


def _check_mask_fits(mask, shape, what: str) -> None:
    if mask is None:
        return
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"mask must be a bool tensor (True = may attend), got {mask!r:.60}")
    try:
        fits = torch.broadcast_shapes(mask.shape, shape) == torch.Size(shape)
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the scores' shape "
            f"{tuple(shape)} ({what})"
        )


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q kᵀ / √d) v, with the weights.

    Equal to ``torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)``
    (same boolean mask convention, True = may attend), which returns only the output.

    Args:
        q: ``(..., L, d)`` queries; k: ``(..., S, d)`` keys; v: ``(..., S, dv)`` values
            (the leading axes, e.g. batch and heads, broadcast).
        mask: bool, broadcastable to ``(..., L, S)``, e.g. :func:`causal_mask` ``(L, L)``
            or a padding mask ``(B, 1, S)``. Every row needs at least one True.
        dropout_p: dropout on the weights (applied whenever it is > 0).
        scale: the factor on the scores (default ``1 / sqrt(d)``).

    Returns:
        ``(output (..., L, dv), weights (..., L, S))``.

    Example:
        >>> q = k = torch.eye(2)[None]  # (1, 2, 2)
        >>> scaled_dot_product_attention(q, k, k, causal_mask(2))[1]
        tensor([[[1.0000, 0.0000],
                 [0.3302, 0.6698]]])
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dim() < 2:
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a tensor (..., length, features), got {got}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            "q and k need the same feature size and k and v the same length: got q "
            f"{tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
        )
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q * scale) @ k.transpose(-2, -1)  # (..., L, S)
    _check_mask_fits(mask, scores.shape, "(..., query length, key length)")
    weights = masked_softmax(scores, mask)
    if dropout_p > 0:
        weights = nn.functional.dropout(weights, dropout_p)
    return weights @ v, weights


class KVCache:
    """The keys and values a causal self-attention layer has seen, per layer: what
    lets a language model generate one token at a time without recomputing the past.

    Shape:
        each layer's keys and values ``(B, H, T, d_head)``, ``T`` growing by the number
        of new tokens at every call.
    """

    def __init__(self, n_layers: int):
        self.keys: list[torch.Tensor | None] = [None] * n_layers
        self.values: list[torch.Tensor | None] = [None] * n_layers

    @property
    def length(self) -> int:
        """How many positions are cached (0 before the first call)."""
        return self.cached(0)

    def cached(self, layer: int) -> int:
        """How many positions layer ``layer`` has cached."""
        return 0 if self.keys[layer] is None else self.keys[layer].shape[-2]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Append the new ``k``, ``v`` ``(B, H, L, d_head)``; return all of them so far."""
        if self.keys[layer] is not None:
            k = torch.cat([self.keys[layer], k], dim=-2)
            v = torch.cat([self.values[layer], v], dim=-2)
        self.keys[layer], self.values[layer] = k, v
        return k, v

    def truncate(self, length: int) -> None:
        """Forget every position from ``length`` on (a rollback, e.g. to time one step
        again from the same context)."""
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError(f"length must be an int >= 0, got {length!r}")
        if length > self.length:
            raise ValueError(f"cannot truncate to {length}: only {self.length} positions cached")
        for k, (keys, values) in enumerate(zip(self.keys, self.values, strict=True)):
            if keys is not None:
                self.keys[k], self.values[k] = keys[..., :length, :], values[..., :length, :]

    def nbytes(self) -> int:
        """Memory held by the cache, in bytes."""
        return sum(t.numel() * t.element_size() for t in self.keys + self.values if t is not None)


class MultiHeadAttention(nn.Module):
    """Multi-head attention, equal to ``nn.MultiheadAttention(batch_first=True)``.

    The inputs are projected to ``n_heads`` sets of queries, keys and values of size
    ``d_model // n_heads``; each head runs :func:`scaled_dot_product_attention`; the heads
    are concatenated and projected back. Parameter names and layouts are torch's
    (``in_proj_weight``, ``in_proj_bias``, ``out_proj``), so :meth:`from_torch` copies them.

    Args:
        d_model: model width; n_heads: number of heads (must divide ``d_model``).
        dropout: dropout on the attention weights while training.
        bias: whether the projections have biases.
        rotary: an optional :class:`~seqlab.positional.RotaryEmbedding` applied to the
            queries and keys of every head (chapter 8).

    Shape:
        query ``(B, L, d_model)``, key and value ``(B, S, d_model)``, mask bool
        broadcastable to ``(B, L, S)`` (True = may attend) -> output ``(B, L, d_model)``
        and weights ``(B, n_heads, L, S)`` (``None`` with ``need_weights=False``).

    Example:
        >>> mha = MultiHeadAttention(16, 4)
        >>> x = torch.randn(2, 5, 16)
        >>> out, w = mha(x, x, x, mask=causal_mask(5))
        >>> out.shape, w.shape
        (torch.Size([2, 5, 16]), torch.Size([2, 4, 5, 5]))
    """

    def __init__(
        self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True, rotary=None
    ):
        super().__init__()
        for name, value in (("d_model", d_model), ("n_heads", n_heads)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.dropout = dropout
        self.rotary = rotary
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model)) if bias else None
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)
        nn.init.xavier_uniform_(self.in_proj_weight)
        if bias:
            nn.init.zeros_(self.out_proj.bias)

    @classmethod
    def from_torch(cls, module: nn.MultiheadAttention) -> MultiHeadAttention:
        """A copy of ``module`` (same sizes, weights, dtype and device)."""
        if type(module) is not nn.MultiheadAttention:
            raise TypeError(f"expected nn.MultiheadAttention, got {type(module).__name__}")
        if not module._qkv_same_embed_dim or module.bias_k is not None or module.add_zero_attn:
            raise ValueError("kdim/vdim, add_bias_kv and add_zero_attn are not supported")
        ours = cls(
            module.embed_dim,
            module.num_heads,
            module.dropout,
            bias=module.in_proj_bias is not None,
        )
        ours.to(dtype=module.in_proj_weight.dtype, device=module.in_proj_weight.device)
        ours.load_state_dict(module.state_dict())
        return ours

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, d_model) -> (B, H, L, d_head)."""
        return x.unflatten(-1, (self.n_heads, self.d_head)).transpose(1, 2)

    def _project(self, query, key, value):
        w, b = self.in_proj_weight, self.in_proj_bias
        if query is key and key is value:  # self-attention: one product for q, k and v
            return nn.functional.linear(query, w, b).chunk(3, dim=-1)
        ws = w.chunk(3)
        bs = (None, None, None) if b is None else b.chunk(3)
        return tuple(
            nn.functional.linear(x, ws[i], bs[i]) for i, x in enumerate((query, key, value))
        )

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
        *,
        need_weights: bool = True,
        causal: bool = False,
        cache: KVCache | None = None,
        layer: int = 0,
    ):
        """Attend.

        Args:
            mask: bool, broadcastable to ``(B, L, S)``, True = may attend.
            need_weights: return the weights; with ``False`` the fused
                ``torch.nn.functional.scaled_dot_product_attention`` computes the same
                output faster (what training uses).
            causal: add a causal mask (self-attention; counts cached positions too).
            cache: a :class:`KVCache` for self-attention one step at a time: the new keys
                and values are appended at index ``layer`` and the queries attend to all
                of them.
        """
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, torch.Tensor) or t.dim() != 3 or t.shape[-1] != self.d_model:
                got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
                raise ValueError(f"{name} must be (batch, length, {self.d_model}), got {got}")
        if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
            raise ValueError(
                f"query, key and value need the same batch and key/value the same length, "
                f"got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
            )
        q, k, v = (self._heads(t) for t in self._project(query, key, value))
        offset = 0 if cache is None else cache.cached(layer)
        if self.rotary is not None:
            q, k = self.rotary(q, offset=offset), self.rotary(k, offset=offset)
        if cache is not None:
            k, v = cache.update(layer, k, v)
        length, source = q.shape[-2], k.shape[-2]
        _check_mask_fits(
            mask, (query.shape[0], length, source), "(batch, query length, key length)"
        )
        if mask is not None:
            mask = mask[..., None, :, :] if mask.dim() == 3 else mask  # a heads axis
        if causal:
            rows = torch.arange(offset, offset + length, device=q.device)
            allowed = torch.arange(source, device=q.device) <= rows[:, None]  # (L, S)
            mask = allowed if mask is None else mask & allowed
        p = self.dropout if self.training else 0.0
        if need_weights:
            out, weights = scaled_dot_product_attention(q, k, v, mask, dropout_p=p)
        else:
            if mask is not None and not mask.any(-1).all():
                raise ValueError("mask has a row with no position to attend to")
            fused = {"is_causal": True} if causal and offset == 0 and mask is allowed else {}
            out = nn.functional.scaled_dot_product_attention(
                q, k, v, attn_mask=None if fused else mask, dropout_p=p, **fused
            )
            weights = None
        out = out.transpose(1, 2).flatten(-2)  # (B, L, d_model)
        return self.out_proj(out), weights

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, n_heads={self.n_heads}, dropout={self.dropout}"
