"""Checkers for chapter 5 (Attention for RNNs)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_close, check_function, verdict

__all__ = ["TOY_KEYS", "TOY_MASK", "TOY_QUERY", "check_additive_attention", "check_toy_attention"]


def check_additive_attention(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(query, keys, values, w_query, w_key, v, mask) -> (context, weights)``,
    Bahdanau's attention for a batch of single queries (chapter 5).

    Shapes: query ``(B, Dq)``, keys ``(B, S, Dk)``, values ``(B, S, Dv)``, w_query
    ``(A, Dq)``, w_key ``(A, Dk)``, v ``(A,)``, mask ``(B, S)`` bool (True = may attend).
    """
    from seqlab.attention import additive_attention, padding_mask

    gen = torch.Generator().manual_seed(5)
    inputs = []
    for batch, s, dq, dk, dv, a, lengths in [
        (1, 3, 2, 2, 2, 3, [3]),
        (2, 4, 3, 5, 2, 4, [4, 4]),
        (3, 5, 4, 3, 6, 2, [5, 2, 1]),
    ]:
        r = lambda *shape: torch.randn(*shape, generator=gen)  # noqa: E731
        inputs.append(
            (
                r(batch, dq),
                r(batch, s, dk),
                r(batch, s, dv),
                r(a, dq),
                r(a, dk),
                r(a),
                padding_mask(lengths, s),
            )
        )

    def flat(pair, args):
        context, weights = pair
        batch, s, dv = args[2].shape
        if tuple(context.shape) != (batch, dv) or tuple(weights.shape) != (batch, s):
            raise ValueError(
                f"expected context {(batch, dv)} and weights {(batch, s)}, got "
                f"{tuple(context.shape)} and {tuple(weights.shape)}"
            )
        return torch.cat([context.flatten(), weights.flatten()])

    return check_function(
        lambda args: flat(fn(*args), args),
        lambda args: flat(additive_attention(*args), args),
        inputs,
        name="your additive attention",
        hints=[
            "score_j = v · tanh(W_q q + W_k k_j); weights = softmax over j; "
            "context = sum_j w_j v_j",
            None,
            "padded positions (mask False) must get weight exactly 0: set their scores to "
            "-inf before the softmax",
        ],
        quiet=quiet,
    )


TOY_QUERY = (1.0, 0.0)


TOY_KEYS = ((2.0, 0.0), (0.0, 3.0), (2.0, 5.0))


TOY_MASK = (True, True, False)


def check_toy_attention(answer, *, quiet: bool = False) -> Feedback:
    """Check the three dot-attention weights of :data:`TOY_QUERY` over :data:`TOY_KEYS`
    with :data:`TOY_MASK` (the third key is padding; chapter 5)."""
    from seqlab.attention import multiplicative_attention

    keys = torch.tensor([TOY_KEYS])
    _, weights = multiplicative_attention(
        torch.tensor([TOY_QUERY]), keys, keys, mask=torch.tensor([TOY_MASK])
    )
    try:
        got = torch.as_tensor(answer, dtype=torch.float32).flatten()
    except (TypeError, ValueError):
        return verdict(False, f"give three numbers, got {answer!r}", quiet)
    if got.shape == (3,) and got[2] != 0:
        return verdict(False, "the third key is padding: its weight is exactly 0", quiet)
    return check_close(got, weights[0], atol=1e-3, rtol=0.0, quiet=quiet)
