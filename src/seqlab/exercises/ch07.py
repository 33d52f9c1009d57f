"""Checkers for chapter 7 (Multi-head attention)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_mha_param_count", "check_split_heads"]


def check_mha_param_count(
    answer, d_model: int = 64, n_heads: int = 4, *, quiet: bool = False
) -> Feedback:
    """Check the parameter count of ``nn.MultiheadAttention(d_model, n_heads)`` with
    biases (chapter 7)."""
    d = d_model
    right = 4 * d * d + 4 * d
    per_head = "the heads share the d columns: they do not multiply the count"
    mistakes = [
        (n_heads * right, per_head),
        (n_heads * (4 * d * (d // n_heads) + 4 * d), per_head),
        (4 * d * d, "add the biases: one per output of each of the 4 projections"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        whole=True,
        correct=f"{right} = 4 d² + 4 d, whatever the number of heads: they split d",
        otherwise="{answer} is not it; count W_Q, W_K, W_V, W_O and their biases",
        quiet=quiet,
    )


def check_split_heads(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, n_heads)``: ``(B, L, D) -> (B, n_heads, L, D // n_heads)``, head ``h``
    holding features ``h * D/H .. (h + 1) * D/H - 1`` of every position (chapter 7)."""
    inputs = [(torch.arange(2 * 3 * 8.0).reshape(2, 3, 8), 2), (torch.randn(1, 5, 12), 4)]

    def reference(args):
        x, h = args
        return x.unflatten(-1, (h, x.shape[-1] // h)).transpose(1, 2)

    return check_function(
        lambda args: fn(*args),
        reference,
        inputs,
        name="your split_heads",
        hints=[
            "reshape to (B, L, H, D/H), then swap the L and H axes: a plain view to "
            "(B, H, L, D/H) mixes positions into heads",
            None,
        ],
        quiet=quiet,
    )
