"""Where the two families meet: linear attention, which is a recurrent network with a
matrix-valued state, and a minimal gated recurrence (minGRU) trained with a parallel scan.

Linear attention (Katharopoulos et al. 2020) replaces the softmax's
``exp(q · k)`` by a product of features ``φ(q) · φ(k)``. Then the causal output at ``t``,

    out_t = Σ_{s≤t} φ(q_t)·φ(k_s) v_s / Σ_{s≤t} φ(q_t)·φ(k_s),

can be computed two ways: as a masked matrix product over all positions at once (the
*parallel* form, like attention) or by carrying ``S_t = S_{t-1} + φ(k_t) v_tᵀ`` and
``z_t = z_{t-1} + φ(k_t)`` token by token (the *recurrent* form, like an RNN), with
``out_t = φ(q_t)ᵀ S_t / φ(q_t)ᵀ z_t``. The *chunked* form does the first inside blocks
and the second between them.

Taught in chapter 11.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from seqlab import _checks
from seqlab.positional import SinusoidalEncoding

__all__ = [
    "FEATURE_MAPS",
    "FORMS",
    "LinearAttention",
    "LinearState",
    "LinearTransformerLM",
    "MinGRU",
    "MinGRULM",
    "linear_attention",
    "parallel_scan",
    "sequential_scan",
]


def elu_plus_one(x: torch.Tensor) -> torch.Tensor:
    """``elu(x) + 1``: positive features, the choice of Katharopoulos et al."""
    return nn.functional.elu(x) + 1


FEATURE_MAPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "elu": elu_plus_one,
    "relu": lambda x: nn.functional.relu(x) + 1e-6,
}
FORMS = ("parallel", "recurrent", "chunked")


def _feature_map(feature_map) -> Callable[[torch.Tensor], torch.Tensor]:
    if callable(feature_map):
        return feature_map
    if feature_map not in FEATURE_MAPS:
        raise ValueError(
            f"feature_map must be a function or one of {sorted(FEATURE_MAPS)}, got {feature_map!r}"
        )
    return FEATURE_MAPS[feature_map]


def _check_qkv(q, k, v, form: str, chunk_size: int) -> None:
    _checks.choice("form", form, FORMS)
    _checks.integer("chunk_size", chunk_size)
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dim() < 2 or not t.is_floating_point():
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a float tensor (..., L, d), got {got}")
    if q.shape != k.shape:
        raise ValueError(
            f"q and k must have the same shape, got {tuple(q.shape)} and {tuple(k.shape)}"
        )
    if v.shape[:-1] != k.shape[:-1]:
        raise ValueError(
            f"v must be (..., L, d_v) with (..., L) = {tuple(k.shape[:-1])}, got {tuple(v.shape)}"
        )
    if q.shape[-2] == 0:
        raise ValueError("the sequence is empty (L = 0)")


def linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    causal: bool = True,
    form: str = "parallel",
    feature_map="elu",
    chunk_size: int = 64,
    eps: float = 1e-6,
) -> torch.Tensor:
    """Linear attention in one of three forms that give the same output.

    Args:
        q, k: ``(..., L, d_k)``; v: ``(..., L, d_v)``.
        causal: position ``t`` attends to ``0..t`` only.
        form: ``"parallel"`` (a masked ``L × L`` product), ``"recurrent"`` (a ``d_k × d_v``
            state updated token by token) or ``"chunked"`` (parallel inside blocks of
            ``chunk_size``, recurrent between them).
        feature_map: a name from :data:`FEATURE_MAPS` or a function giving positive
            features.

    Returns:
        ``(..., L, d_v)``.
    """
    _check_qkv(q, k, v, form, chunk_size)
    phi = _feature_map(feature_map)
    fq, fk = phi(q), phi(k)
    if not causal:  # every position sees the same sums: no order, no recurrence needed
        state = fk.transpose(-2, -1) @ v  # (..., d_k, d_v)
        norm = fk.sum(-2, keepdim=True)  # (..., 1, d_k)
        return (fq @ state) / ((fq * norm).sum(-1, keepdim=True) + eps)
    if form == "parallel":
        scores = (fq @ fk.transpose(-2, -1)).tril()  # (..., L, L), zero above the diagonal
        return (scores @ v) / (scores.sum(-1, keepdim=True) + eps)
    if form == "recurrent":
        state = LinearState.empty(fk, v)
        out = []
        for t in range(q.shape[-2]):
            state = state.update(fk[..., t, :], v[..., t, :])
            out.append(state.read(fq[..., t, :], eps))
        return torch.stack(out, dim=-2)
    return _chunked(fq, fk, v, chunk_size, eps)


def _chunked(fq, fk, v, chunk_size, eps):
    state = fk.new_zeros(*fk.shape[:-2], fk.shape[-1], v.shape[-1])  # (..., d_k, d_v)
    norm = fk.new_zeros(*fk.shape[:-2], 1, fk.shape[-1])  # (..., 1, d_k)
    out = []
    for start in range(0, fq.shape[-2], chunk_size):
        cq, ck, cv = (t[..., start : start + chunk_size, :] for t in (fq, fk, v))
        scores = (cq @ ck.transpose(-2, -1)).tril()  # inside the block
        numerator = cq @ state + scores @ cv
        denominator = (cq * norm).sum(-1, keepdim=True) + scores.sum(-1, keepdim=True)
        out.append(numerator / (denominator + eps))
        state = state + ck.transpose(-2, -1) @ cv
        norm = norm + ck.sum(-2, keepdim=True)
    return torch.cat(out, dim=-2)


class LinearState:
    """The recurrent state of causal linear attention: ``S`` ``(..., d_k, d_v)`` and the
    normaliser ``z`` ``(..., d_k)``. Its size does not depend on how many tokens it has
    read."""

    def __init__(self, s: torch.Tensor, z: torch.Tensor):
        self.s, self.z = s, z

    @classmethod
    def empty(cls, fk: torch.Tensor, v: torch.Tensor) -> LinearState:
        """A zero state for features like ``fk`` ``(..., L, d_k)`` and values ``v``."""
        batch = fk.shape[:-2]
        return cls(
            fk.new_zeros(*batch, fk.shape[-1], v.shape[-1]), fk.new_zeros(*batch, fk.shape[-1])
        )

    def update(self, fk_t: torch.Tensor, v_t: torch.Tensor) -> LinearState:
        """Add one token: ``fk_t`` ``(..., d_k)`` features of its key, ``v_t`` ``(..., d_v)``."""
        return LinearState(self.s + fk_t[..., :, None] * v_t[..., None, :], self.z + fk_t)

    def read(self, fq_t: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
        """The output for query features ``fq_t`` ``(..., d_k)``: ``(..., d_v)``."""
        numerator = (fq_t[..., None, :] @ self.s)[..., 0, :]
        return numerator / ((fq_t * self.z).sum(-1, keepdim=True) + eps)

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in (self.s, self.z))


class LinearAttention(nn.Module):
    """Multi-head causal linear attention with the projections of
    :class:`~seqlab.self_attention.MultiHeadAttention`.

    Shape:
        ``x`` ``(B, L, d_model)`` -> ``(B, L, d_model)``; :meth:`step` takes one token
        ``(B, d_model)`` and a list of per-head :class:`LinearState`.
    """

    def __init__(self, d_model: int, n_heads: int, feature_map="elu", form: str = "chunked"):
        super().__init__()
        _checks.integer("d_model", d_model)
        _checks.integer("n_heads", n_heads)
        _checks.divides("n_heads", n_heads, "d_model", d_model)
        _checks.choice("form", form, FORMS)
        self.n_heads, self.d_head, self.form = n_heads, d_model // n_heads, form
        self.feature_map = _feature_map(feature_map)
        self.in_proj = nn.Linear(d_model, 3 * d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def _heads(self, x):  # (B, L, 3 d) -> 3 × (B, H, L, d_head)
        b, length = x.shape[:2]
        q, k, v = self.in_proj(x).view(b, length, 3, self.n_heads, self.d_head).unbind(2)
        return (t.transpose(1, 2) for t in (q, k, v))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self._heads(x)
        out = linear_attention(q, k, v, causal=True, form=self.form, feature_map=self.feature_map)
        return self.out_proj(out.transpose(1, 2).flatten(2))

    def step(self, x_t: torch.Tensor, state: LinearState | None):
        """One token ``(B, d_model)`` -> ``(B, d_model)`` and the new state."""
        q, k, v = (t[:, :, 0] for t in self._heads(x_t[:, None]))  # (B, H, d_head)
        fq, fk = self.feature_map(q), self.feature_map(k)
        if state is None:
            state = LinearState.empty(fk[:, :, None], v[:, :, None])
        state = state.update(fk, v)
        return self.out_proj(state.read(fq).flatten(1)), state


class LinearTransformerLM(nn.Module):
    """A decoder-only language model whose attention is linear (pre-LN blocks, sinusoidal
    positions or none), generating with a constant-size state per layer instead of a
    growing KV cache.

    Shape:
        tokens ``(B, L)`` int64 -> logits ``(B, L, vocab_size)``.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        d_ff: int = 256,
        form: str = "chunked",
        positional: str = "sinusoidal",
        max_len: int = 256,
    ):
        super().__init__()
        _checks.choice("positional", positional, ("sinusoidal", "none"), "'sinusoidal' or 'none'")
        _checks.sizes(vocab_size=vocab_size, d_model=d_model, d_ff=d_ff, n_layers=n_layers)
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, d_model)
        self.position = SinusoidalEncoding(max_len, d_model) if positional != "none" else None
        self.attn = nn.ModuleList(
            LinearAttention(d_model, n_heads, form=form) for _ in range(n_layers)
        )
        self.ffn = nn.ModuleList(
            nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
            for _ in range(n_layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(2 * n_layers + 1))
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _checks.token_ids("tokens", tokens, self.vocab_size)
        x = self._embed(tokens, 0)
        for k, (attn, ffn) in enumerate(zip(self.attn, self.ffn, strict=True)):
            x = x + attn(self.norms[2 * k](x))
            x = x + ffn(self.norms[2 * k + 1](x))
        return self.head(self.norms[-1](x))

    def _embed(self, tokens, offset: int):
        x = self.embed(tokens)
        return x if self.position is None else self.position(x, offset)

    def step(self, tokens: torch.Tensor, state: dict | None = None):
        """Logits ``(B, vocab_size)`` for the token after ``tokens`` ``(B, 1)``, and the new
        state ``{"position", "layers"}`` (``None`` to start): one :class:`LinearState` per
        layer, whatever the number of tokens read."""
        _checks.token_ids("tokens", tokens, self.vocab_size)
        position = 0 if state is None else state["position"]
        layers = [None] * len(self.attn) if state is None else list(state["layers"])
        x = self._embed(tokens[:, :1], position)[:, 0]
        for k, (attn, ffn) in enumerate(zip(self.attn, self.ffn, strict=True)):
            h, layers[k] = attn.step(self.norms[2 * k](x), layers[k])
            x = x + h
            x = x + ffn(self.norms[2 * k + 1](x))
        return self.head(self.norms[-1](x)), {"position": position + 1, "layers": layers}


def sequential_scan(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor | None = None):
    """``h_t = a_t ⊙ h_{t-1} + b_t`` by a loop over ``t``. ``a``, ``b``: ``(B, L, H)``."""
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0
    out = []
    for t in range(b.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.stack(out, dim=1)


def parallel_scan(log_a: torch.Tensor, log_b: torch.Tensor) -> torch.Tensor:
    """``h_t = a_t ⊙ h_{t-1} + b_t`` (``h_{-1} = 0``) for all ``t`` at once, in log
    space: ``log h_t = A_t + logcumsumexp_s(log b_s − A_s)`` with ``A_t = Σ_{r≤t} log a_r``
    (Heinsen 2023; Feng et al. 2024). Needs ``b > 0``. ``(B, L, H)`` -> ``(B, L, H)``."""
    a_star = log_a.cumsum(dim=1)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=1))


def _g(x: torch.Tensor) -> torch.Tensor:
    """A positive activation (minGRU's): ``x + 0.5`` for ``x ≥ 0``, ``sigmoid(x)`` below."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def _log_g(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, (nn.functional.relu(x) + 0.5).log(), -nn.functional.softplus(-x))


class MinGRU(nn.Module):
    """minGRU (Feng et al. 2024): a GRU whose gate and candidate depend on the input only,
    ``h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t``, so training can use a parallel scan.

    Shape:
        ``x`` ``(B, L, input_size)`` -> ``(B, L, hidden_size)``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.gate = nn.Linear(input_size, hidden_size)
        self.candidate = nn.Linear(input_size, hidden_size)

    def forward(self, x: torch.Tensor, form: str = "parallel") -> torch.Tensor:
        _check_min_gru_input(x, form)
        k, c = self.gate(x), self.candidate(x)  # gate and candidate logits, (B, L, H) each
        if form == "parallel":
            log_z = -nn.functional.softplus(-k)  # log sigmoid(k)
            log_one_minus_z = -nn.functional.softplus(k)
            return parallel_scan(log_one_minus_z, log_z + _log_g(c))
        z = torch.sigmoid(k)  # form == "sequential"
        return sequential_scan(1 - z, z * _g(c))


class MinGRULM(nn.Module):
    """Embedding -> :class:`MinGRU` layers (with residual connections) -> a linear head:
    a language model trained with the parallel scan.

    Shape:
        tokens ``(B, L)`` int64 -> logits ``(B, L, vocab_size)``.
    """

    def __init__(
        self, vocab_size: int, d_embed: int = 32, hidden_size: int = 64, n_layers: int = 2
    ):
        super().__init__()
        _checks.sizes(
            vocab_size=vocab_size, d_embed=d_embed, hidden_size=hidden_size, n_layers=n_layers
        )
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, d_embed)
        self.inp = nn.Linear(d_embed, hidden_size)
        self.layers = nn.ModuleList(MinGRU(hidden_size, hidden_size) for _ in range(n_layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden_size) for _ in range(n_layers))
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: torch.Tensor, form: str = "parallel") -> torch.Tensor:
        _checks.token_ids("tokens", tokens, self.vocab_size)
        x = self.inp(self.embed(tokens))
        for layer, norm in zip(self.layers, self.norms, strict=True):
            x = x + layer(norm(x), form=form)
        return self.head(x)


def _check_min_gru_input(x, form: str) -> None:
    _checks.tensor("x", x, "(batch, length >= 1, input_size)", dims=3)
    if x.shape[1] == 0:
        raise ValueError(f"x must be (batch, length >= 1, input_size), got {tuple(x.shape)}")
    _checks.choice("form", form, ("parallel", "sequential"), "'parallel' or 'sequential'")
