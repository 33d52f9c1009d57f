"""Checkers for chapter 1 (Sequences and recurrent networks)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_close, check_function, check_number

__all__ = [
    "check_nucleus_size",
    "check_rnn_param_count",
    "check_rnn_step",
    "check_uniform_perplexity",
]


def check_rnn_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, h, W_ih, W_hh, b) -> h'`` for one tanh RNN step (chapter 1).

    Shapes: x ``(B, D)``, h ``(B, H)``, W_ih ``(H, D)``, W_hh ``(H, H)``, b ``(H,)``.
    """
    from seqlab.rnn import rnn_cell

    gen = torch.Generator().manual_seed(1)
    inputs = []
    for batch, d, h in [(1, 3, 4), (2, 5, 3), (4, 2, 6)]:
        x, state = torch.randn(batch, d, generator=gen), torch.randn(batch, h, generator=gen)
        w_ih, w_hh = torch.randn(h, d, generator=gen), torch.randn(h, h, generator=gen)
        inputs.append((x, state, w_ih, w_hh, torch.randn(h, generator=gen)))
    return check_function(
        lambda args: fn(*args),
        lambda args: rnn_cell(args[0] @ args[2].T + args[4], args[1], args[3], None),
        inputs,
        name="your RNN step",
        hints=["mind the orientation: W_ih has shape (H, D), so use x @ W_ih.T", None, None],
        quiet=quiet,
    )


def check_rnn_param_count(
    answer, input_size: int = 10, hidden_size: int = 20, *, quiet: bool = False
) -> Feedback:
    """Check the number of parameters of ``nn.RNN(input_size, hidden_size)`` (chapter 1)."""
    h, d = hidden_size, input_size
    right = h * d + h * h + 2 * h
    mistakes = [
        (right - h, "close: PyTorch keeps two bias vectors, b_ih and b_hh"),
        (h * d + h * h, "the weights are right; add the biases"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        whole=True,
        correct=f"{right} = H·D + H·H + 2H",
        otherwise="{answer} is not it; count W_ih (H×D), W_hh (H×H) and biases",
        quiet=quiet,
    )


def check_uniform_perplexity(answer, vocab_size: int, *, quiet: bool = False) -> Feedback:
    """Check the perplexity of a model that gives every one of ``vocab_size`` tokens
    the same probability (chapter 1)."""
    return check_close(answer, float(vocab_size), atol=1e-6, rtol=1e-6, quiet=quiet)


NUCLEUS_PROBS = (0.5, 0.2, 0.15, 0.1, 0.05)  # the exercise's next-character probabilities


def check_nucleus_size(
    answer, probs=NUCLEUS_PROBS, top_p: float = 0.8, *, quiet: bool = False
) -> Feedback:
    """Check how many tokens the nucleus of mass ``top_p`` keeps when the next-token
    probabilities are ``probs`` (chapter 1)."""
    from seqlab.sampling import next_token_probs

    p = torch.tensor([probs], dtype=torch.float64)  # (1, V)
    right = int((next_token_probs(p.log(), top_p=top_p) > 0).sum())
    mistakes = [
        (right - 1, "the mass of these has not reached p yet: keep the token that crosses it"),
        (right + 1, "stop at the first token where the running sum reaches p"),
    ]
    return check_number(
        answer,
        right,
        [m for m in mistakes if m[0] >= 1],
        whole=True,
        correct=f"{right}: the running sum of the sorted probabilities first reaches {top_p} there",
        otherwise="{answer} is not it; sort the probabilities and add them up until you reach p",
        quiet=quiet,
    )
