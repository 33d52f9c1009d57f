"""Checkers for chapter 6 (Self-attention)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_close, check_number, verdict

__all__ = [
    "SCALED_TOY_KEYS",
    "SCALED_TOY_QUERY",
    "check_causal_mask",
    "check_dot_variance",
    "check_scaled_toy",
]


def check_causal_mask(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(length) -> (length, length)`` bool, True where query ``i`` may attend to
    key ``j`` (``j <= i``) (chapter 6)."""
    from seqlab.self_attention import causal_mask

    for length in (1, 2, 5):
        try:
            got = torch.as_tensor(fn(length))
        except Exception as error:  # the reader's code may raise anything
            return verdict(False, f"fn({length}) raised {type(error).__name__}: {error}", quiet)
        right = causal_mask(length)
        if got.shape != right.shape:
            return verdict(
                False,
                f"fn({length}) should have shape {tuple(right.shape)}, got {tuple(got.shape)}",
                quiet,
            )
        if got.dtype != torch.bool:
            return verdict(False, "return a bool tensor (True = may attend)", quiet)
        if torch.equal(got, right):
            continue
        if torch.equal(got, right.T):
            return verdict(
                False, "that is the transpose: row i is the query, column j the key", quiet
            )
        if torch.equal(got, right & ~torch.eye(length, dtype=torch.bool)):
            return verdict(False, "a position may attend to itself: keep the diagonal", quiet)
        if torch.equal(got, ~right):
            return verdict(False, "True means *may* attend: you marked the forbidden ones", quiet)
        return verdict(False, f"fn({length}) differs from the causal mask:\n{right.int()}", quiet)
    return verdict(True, "query i sees keys 0..i, never a later one", quiet)


SCALED_TOY_QUERY = (1.0, 1.0, 1.0, 1.0)


SCALED_TOY_KEYS = ((1.0, 1.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0))


def check_scaled_toy(answer, *, quiet: bool = False) -> Feedback:
    """Check the three weights of scaled dot-product attention of
    :data:`SCALED_TOY_QUERY` over :data:`SCALED_TOY_KEYS` (d = 4; chapter 6)."""
    from seqlab.self_attention import scaled_dot_product_attention

    q, k = torch.tensor([SCALED_TOY_QUERY]), torch.tensor(SCALED_TOY_KEYS)
    _, right = scaled_dot_product_attention(q, k, k)
    _, unscaled = scaled_dot_product_attention(q, k, k, scale=1.0)
    try:
        got = torch.as_tensor(answer, dtype=torch.float32).flatten()
    except (TypeError, ValueError):
        return verdict(False, f"give three numbers, got {answer!r}", quiet)
    if got.shape == (3,) and torch.allclose(got, unscaled[0], atol=1e-3):
        return verdict(False, "those are the unscaled weights: divide the scores by sqrt(4)", quiet)
    return check_close(got, right[0], atol=1e-3, rtol=0.0, quiet=quiet)


def check_dot_variance(answer, d: int = 16, *, quiet: bool = False) -> Feedback:
    """Check the variance of q · k for q, k with ``d`` independent N(0, 1) entries
    (chapter 6)."""
    mistakes = [
        (d**0.5, "that is the standard deviation; the variance is its square"),
        (1.0, "each product q_i k_i has variance 1, and there are d of them"),
    ]
    return check_number(answer, float(d), mistakes, rtol=1e-9, quiet=quiet)
