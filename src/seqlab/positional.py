"""Position information for self-attention, which on its own ignores order.

Three ways to give it: add a fixed sinusoidal code to each embedding (Vaswani et al.
2017), add a learnt vector per position (limited to ``max_len``), or rotate the queries
and keys by an angle proportional to their position so that scores depend only on the
offset between positions (RoPE, Su et al. 2021).

Taught in chapter 8.
"""

from __future__ import annotations

import torch
from torch import nn

from seqlab import _checks

__all__ = [
    "LearnedPositionalEmbedding",
    "RotaryEmbedding",
    "SinusoidalEncoding",
    "sinusoidal_encoding",
]


def sinusoidal_encoding(max_len: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """The fixed code of Vaswani et al.: ``PE[p, 2i] = sin(p / base^(2i/d))`` and
    ``PE[p, 2i+1] = cos(p / base^(2i/d))``.

    Returns:
        ``(max_len, d_model)`` float32; every entry in [-1, 1].

    Example:
        >>> sinusoidal_encoding(3, 4)[1]
        tensor([0.8415, 0.5403, 0.0100, 0.9999])
    """
    max_len, d_model = _checks.integer("max_len", max_len), _checks.integer("d_model", d_model)
    position = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequency = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angle = position * frequency  # (max_len, ceil(d/2))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.float()


class SinusoidalEncoding(nn.Module):
    """Adds :func:`sinusoidal_encoding` to its input. Defined at every position, so longer
    inputs than ``max_len`` get their code computed on the fly (no parameters).

    Shape:
        x ``(B, L, d_model)`` -> ``(B, L, d_model)``; ``offset`` is the position of the
        first row (for generation with a cache).
    """

    def __init__(self, max_len: int, d_model: int):
        super().__init__()
        self.d_model = _checks.integer("d_model", d_model)
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model), persistent=False)

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        _check_input(x, self.d_model, offset)
        end = offset + x.shape[1]
        pe = self.pe if end <= len(self.pe) else sinusoidal_encoding(end, self.d_model)
        return x + pe[offset:end].to(dtype=x.dtype, device=x.device)


class LearnedPositionalEmbedding(nn.Module):
    """A learnt vector per position, added to the input; it knows only ``max_len``
    positions, and a longer input is an error (never silently cut).

    Shape:
        x ``(B, L, d_model)`` with ``offset + L <= max_len`` -> ``(B, L, d_model)``.
    """

    def __init__(self, max_len: int, d_model: int):
        super().__init__()
        self.max_len = _checks.integer("max_len", max_len)
        self.d_model = _checks.integer("d_model", d_model)
        self.weight = nn.Parameter(torch.randn(max_len, d_model) * 0.02)

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        _check_input(x, self.d_model, offset)
        end = offset + x.shape[1]
        if end > self.max_len:
            raise ValueError(
                f"learned positions cover {self.max_len} positions (max_len), but the input "
                f"reaches position {end}; use a shorter input or another positional encoding"
            )
        return x + self.weight[offset:end]


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (RoPE): rotates each pair of features ``(2i, 2i+1)`` of
    a vector at position ``p`` by the angle ``p · base^(-2i/dim)``.

    Applied to queries and keys (not values), it makes the score between a query at
    ``i`` and a key at ``j`` a function of their contents and of ``j - i`` only.

    Args:
        dim: the feature size it rotates (even; in a Transformer, the head size).

    Shape:
        x ``(..., L, dim)`` -> ``(..., L, dim)``; ``offset`` is the position of the first
        row.

    Example:
        >>> rope = RotaryEmbedding(2)
        >>> rope(torch.tensor([[1.0, 0.0], [1.0, 0.0]]))  # position 1 turns by 1 radian
        tensor([[1.0000, 0.0000],
                [0.5403, 0.8415]])
    """

    def __init__(self, dim: int, base: float = 10000.0):
        super().__init__()
        self.dim = _checks.integer("dim", dim)
        if dim % 2:
            raise ValueError(f"dim must be even (features are rotated in pairs), got {dim}")
        self.base = base
        self.register_buffer(
            "inv_freq",
            base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim),
            persistent=False,
        )

    def angles(self, length: int, offset: int = 0) -> torch.Tensor:
        """The rotation angle of each position and pair: ``(length, dim // 2)`` float64."""
        position = torch.arange(offset, offset + length, dtype=torch.float64)
        return position[:, None] * self.inv_freq.to(position.device)

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        _checks.tensor("x", x, f"(..., length, {self.dim})", last=self.dim)
        if x.dim() < 2:
            raise ValueError(f"x must be (..., length, {self.dim}), got {tuple(x.shape)}")
        _check_offset(offset)
        angle = self.angles(x.shape[-2], offset).to(device=x.device)  # (L, dim // 2)
        cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
        even, odd = x[..., 0::2], x[..., 1::2]
        return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, base={self.base:g}"


# Argument checks ------------------------------------------------------------------------


def _check_input(x, d_model: int, offset) -> None:
    _checks.tensor("x", x, f"(batch, length, {d_model})", dims=3, last=d_model)
    _check_offset(offset)


def _check_offset(offset) -> None:
    _checks.integer("offset", offset, minimum=0, expected="an int >= 0 (a position)")
