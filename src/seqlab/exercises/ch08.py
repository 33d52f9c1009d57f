"""Checkers for chapter 8 (Order: positional encodings)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_rope_angle", "check_sinusoidal"]


def check_sinusoidal(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(max_len, d_model) -> (max_len, d_model)``, the sinusoidal encoding of
    Vaswani et al. (chapter 8)."""
    from seqlab.positional import sinusoidal_encoding

    return check_function(
        lambda args: torch.as_tensor(fn(*args), dtype=torch.float32),
        lambda args: sinusoidal_encoding(*args),
        [(4, 2), (10, 8), (50, 16)],
        name="your sinusoidal encoding",
        atol=1e-4,
        hints=[
            "even columns are sin, odd columns cos, of position / 10000^(2i / d_model)",
            "pair i (columns 2i and 2i+1) shares one frequency: the exponent is 2i / d_model",
            None,
        ],
        quiet=quiet,
    )


def check_rope_angle(answer, *, quiet: bool = False) -> Feedback:
    """Check the RoPE rotation angle of pair ``i = 1`` at position 3 with ``dim = 8``
    and base 10000 (chapter 8)."""
    mistakes = [
        (3 * 10000 ** (-1 / 8), "pair i uses the exponent -2i/dim, not -i/dim"),
        (10000 ** (-2 / 8), "that is the frequency; the angle is position × frequency"),
    ]
    return check_number(answer, 3 * 10000 ** (-2 / 8), mistakes, atol=1e-6, quiet=quiet)
