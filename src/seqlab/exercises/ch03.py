"""Checkers for chapter 3 (LSTM and GRU)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_gru_step", "check_lstm_param_count"]


def check_gru_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, h, W_ih, W_hh, b_ih, b_hh) -> h'`` for one GRU step in PyTorch's
    layout (gates r, z, n stacked in that order; chapter 3)."""
    from seqlab.rnn import gru_cell

    gen = torch.Generator().manual_seed(3)
    inputs = []
    for batch, d, h in [(1, 2, 3), (3, 4, 5)]:
        x, state = torch.randn(batch, d, generator=gen), torch.randn(batch, h, generator=gen)
        w_ih, w_hh = torch.randn(3 * h, d, generator=gen), torch.randn(3 * h, h, generator=gen)
        b_ih, b_hh = torch.randn(3 * h, generator=gen), torch.randn(3 * h, generator=gen)
        inputs.append((x, state, w_ih, w_hh, b_ih, b_hh))
    return check_function(
        lambda args: fn(*args),
        lambda a: gru_cell(a[0] @ a[2].T + a[4], a[1], a[3], a[5]),
        inputs,
        name="your GRU step",
        hints=["the reset gate multiplies (W_hn h + b_hn), inside the candidate's tanh", None],
        quiet=quiet,
    )


def check_lstm_param_count(
    answer, input_size: int = 10, hidden_size: int = 20, *, quiet: bool = False
) -> Feedback:
    """Check the number of parameters of ``nn.LSTM(input_size, hidden_size)`` (chapter 3)."""
    h, d = hidden_size, input_size
    right = 4 * (h * d + h * h + 2 * h)
    return check_number(
        answer,
        right,
        [(right // 4, "that is one gate; an LSTM has four (i, f, g, o)")],
        whole=True,
        correct=f"{right} = 4 (H·D + H·H + 2H): four gates, each an RNN layer",
        otherwise="{answer} is not it; count the four gates' weights and biases",
        quiet=quiet,
    )
