"""Checkers for chapter 9 (The full Transformer)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_encoder_layer_params", "check_layer_norm"]


def check_layer_norm(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, weight, bias, eps) -> (..., d)``, layer normalisation over the last
    axis, against ``torch.nn.functional.layer_norm`` (chapter 9)."""
    gen = torch.Generator().manual_seed(9)
    inputs = []
    for shape in [(3, 4), (2, 5, 8), (1, 1, 16)]:
        d = shape[-1]
        x = torch.randn(*shape, generator=gen) * 3 + 1
        inputs.append((x, torch.randn(d, generator=gen), torch.randn(d, generator=gen), 1e-5))

    return check_function(
        lambda args: fn(*args),
        lambda args: torch.nn.functional.layer_norm(args[0], args[0].shape[-1:], *args[1:]),
        inputs,
        name="your layer norm",
        atol=1e-4,
        hints=[
            "subtract the mean and divide by sqrt(variance + eps) over the last axis, with "
            "the biased variance (unbiased=False), then scale by weight and add bias",
            None,
            None,
        ],
        quiet=quiet,
    )


def check_encoder_layer_params(
    answer, d_model: int = 64, n_heads: int = 4, d_ff: int = 256, *, quiet: bool = False
) -> Feedback:
    """Check the parameter count of ``nn.TransformerEncoderLayer(d_model, n_heads, d_ff)``
    (chapter 9)."""
    d, f = d_model, d_ff
    attention, feed_forward, norms = 4 * d * d + 4 * d, 2 * d * f + f + d, 4 * d
    right = attention + feed_forward + norms
    mistakes = [
        (attention + feed_forward, "add the two layer norms: a weight and a bias of size d each"),
        (right - f - d, "the feed-forward block's two linear layers both have biases"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        whole=True,
        correct=f"{right} = attention {attention} + feed-forward {feed_forward} "
        f"+ two norms {norms}",
        otherwise="{answer} is not it; add attention, feed-forward and norms",
        quiet=quiet,
    )
