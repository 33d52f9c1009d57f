"""Self-attention: every position of a sequence asks every other one what it holds.

``scaled_dot_product_attention`` is softmax(q kᵀ / √d) v; ``MultiHeadAttention`` runs it
in ``n_heads`` subspaces at once; ``causal_mask`` keeps a language model from looking
ahead; ``KVCache`` keeps the keys and values of the past for generation.

Masks are boolean and **True means "may attend"** (the convention of
``torch.nn.functional.scaled_dot_product_attention``); padding masks come from
:func:`seqlab.attention.padding_mask`.

Taught in chapters 6 (scaled dot-product self-attention, causal masks) and 7 (multi-head
attention, the KV cache), and used by every Transformer from chapter 7 on.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from seqlab import _checks
from seqlab.attention import masked_softmax

__all__ = [
    "KVCache",
    "MultiHeadAttention",
    "causal_mask",
    "scaled_dot_product_attention",
]


def causal_mask(length: int, device=None, *, offset: int = 0) -> torch.Tensor:
    """True where query ``i`` may attend to key ``j``: ``j <= i + offset``.

    Args:
        length: the number of queries ``L``.
        offset: how many earlier positions are cached before the first query; the keys
            are then the ``offset + L`` positions so far.

    Returns:
        ``(L, offset + L)`` bool: lower-triangular for ``offset=0``.

    Example:
        >>> causal_mask(3)
        tensor([[ True, False, False],
                [ True,  True, False],
                [ True,  True,  True]])
        >>> causal_mask(1, offset=2)  # one new token after two cached ones sees all three
        tensor([[True, True, True]])
    """
    length = _checks.integer("length", length)
    offset = _checks.integer("offset", offset, minimum=0)
    query = torch.arange(offset, offset + length, device=device)  # (L,) query positions
    key = torch.arange(offset + length, device=device)  # (S,) key positions
    return key <= query[:, None]  # (L, S)


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
    _checks.sdpa_inputs(q, k, v, mask)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q * scale) @ k.transpose(-2, -1)  # (..., L, S)
    weights = masked_softmax(scores, mask)  # (..., L, S), each row sums to 1
    if dropout_p > 0:
        weights = nn.functional.dropout(weights, dropout_p)
    return weights @ v, weights  # (..., L, dv), (..., L, S)


class KVCache:
    """The keys and values a causal self-attention layer has seen, per layer: what
    lets a language model generate one token at a time without recomputing the past.

    Shape:
        each layer's keys and values ``(B, H, T, d_head)``, ``T`` growing by the number
        of new tokens at every call.
    """

    def __init__(self, n_layers: int):
        n_layers = _checks.integer("n_layers", n_layers)
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
            k = torch.cat([self.keys[layer], k], dim=-2)  # (B, H, T + L, d_head)
            v = torch.cat([self.values[layer], v], dim=-2)
        self.keys[layer], self.values[layer] = k, v
        return k, v

    def truncate(self, length: int) -> None:
        """Forget every position from ``length`` on (a rollback, e.g. to time one step
        again from the same context)."""
        length = _checks.integer("length", length, minimum=0)
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
        _checks.attention_sizes(d_model, n_heads, dropout)
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.dropout = dropout
        self.rotary = rotary
        # W_q, W_k and W_v stacked, as torch stores them: (3 * d_model, d_model)
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model)) if bias else None
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)  # W_o
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
        offset = 0 if cache is None else cache.cached(layer)  # positions already cached
        _checks.mha_inputs(query, key, value, mask, self.d_model, offset)
        # 1. project: q = x W_q, k = x W_k, v = x W_v, each (B, L or S, d_model)
        q, k, v = self._project(query, key, value)
        # 2. split heads: (B, L, d_model) -> (B, H, L, d_head)
        q, k, v = self._split_heads(q), self._split_heads(k), self._split_heads(v)
        if self.rotary is not None:  # chapter 8: rotate q and k by their positions
            q, k = self.rotary(q, offset=offset), self.rotary(k, offset=offset)
        if cache is not None:  # the keys and values of the past, then the new ones
            k, v = cache.update(layer, k, v)  # (B, H, S, d_head), S = offset + L
        # 3. attend, every head at once: (B, H, L, d_head), weights (B, H, L, S)
        only_causal = causal and mask is None and offset == 0  # the fused kernel's own mask
        mask = _heads_mask(mask, causal, q.shape[-2], offset, q.device)
        p = self.dropout if self.training else 0.0
        if need_weights:
            out, weights = scaled_dot_product_attention(q, k, v, mask, dropout_p=p)
        else:
            out, weights = _fused_attention(q, k, v, mask, p, only_causal), None
        # 4. merge heads: (B, H, L, d_head) -> (B, L, d_model)
        out = out.transpose(1, 2).flatten(-2)
        # 5. mix the heads: out W_o
        return self.out_proj(out), weights

    def _project(self, query, key, value):
        """The chapter's X W_Q, X W_K, X W_V (one product for all three in self-attention).

        torch stores each matrix as (out, in), so ``linear(x, w, b)`` is x wᵀ + b: the
        rows of ``in_proj_weight`` are W_Q, W_K and W_V transposed, stacked."""
        w, b = self.in_proj_weight, self.in_proj_bias
        if query is key and key is value:
            return nn.functional.linear(query, w, b).chunk(3, dim=-1)  # 3 x (B, L, d_model)
        w_q, w_k, w_v = w.chunk(3)  # each (d_model, d_model)
        b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
        return (
            nn.functional.linear(query, w_q, b_q),
            nn.functional.linear(key, w_k, b_k),
            nn.functional.linear(value, w_v, b_v),
        )

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L, d_model) -> (B, H, L, d_head)."""
        return x.unflatten(-1, (self.n_heads, self.d_head)).transpose(1, 2)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, n_heads={self.n_heads}, dropout={self.dropout}"


def _heads_mask(mask, causal: bool, length: int, offset: int, device):
    """The mask every head uses: ``(B, L, S)`` gains a heads axis, and ``causal`` adds
    :func:`causal_mask`; ``None`` when there is nothing to mask."""
    if mask is not None and mask.dim() == 3:
        mask = mask[:, None]  # (B, 1, L, S): the same mask for every head
    if causal:
        allowed = causal_mask(length, device, offset=offset)  # (L, S)
        mask = allowed if mask is None else mask & allowed
    return mask


def _fused_attention(q, k, v, mask, dropout_p: float, only_causal: bool) -> torch.Tensor:
    """The same output as :func:`scaled_dot_product_attention`, from torch's fused kernel
    (no weights kept). With ``only_causal`` (a causal mask and nothing else) the kernel
    applies the mask itself instead of reading a mask tensor."""
    if only_causal:
        return nn.functional.scaled_dot_product_attention(
            q, k, v, dropout_p=dropout_p, is_causal=True
        )
    if mask is not None and not mask.any(-1).all():
        raise ValueError("mask has a row with no position to attend to")
    return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
