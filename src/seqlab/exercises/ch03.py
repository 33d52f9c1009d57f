"""Checkers for chapter 3 (LSTM and GRU).

Taught in chapter 3.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, _compare, check_function, check_number, verdict

__all__ = ["check_forget_bias_init", "check_gru_step", "check_lstm_param_count"]


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


def _forget_bias_hint(lstm, value: float, before: list[torch.Tensor]) -> str | None:
    """The hint for a known wrong way of setting the forget bias, or ``None``."""
    gates = ("input i", "forget f", "candidate g", "output o")
    for k in range(lstm.num_layers):
        total = getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")  # (4H,)
        blocks = total.detach().chunk(4)  # i, f, g, o
        if torch.allclose(blocks[1], torch.full_like(blocks[1], 2 * value)):
            return "torch adds bias_ih and bias_hh: put the value in one, 0 in the other"
        if torch.allclose(blocks[1] - before[k].chunk(4)[1], torch.full_like(blocks[1], value)):
            return "set the slice to the value; adding it to the random init is not it"
        for j, block in enumerate(blocks):
            if j != 1 and torch.allclose(block, torch.full_like(block, value)):
                return (
                    f"you set the {gates[j]} gate's slice; torch stacks the gates "
                    "i, f, g, o, so the forget gate is rows H:2H"
                )
        if k > 0 and torch.equal(total, before[k]):
            return f"layer {k} is unchanged: every layer has its own bias_ih_l{k}"
    return None


def check_forget_bias_init(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(lstm, value)``, which sets the forget-gate bias of every layer of a
    :class:`seqlab.rnn.LSTM` so that ``bias_ih + bias_hh`` is ``value`` there
    (chapter 3). It is compared with :func:`seqlab.rnn.init_forget_bias` on the
    biases and on the outputs for random inputs."""
    import copy

    from seqlab.rnn import LSTM, init_forget_bias

    for i, (d, h, layers, value) in enumerate([(3, 4, 1, 1.0), (2, 5, 2, -0.5)]):
        torch.manual_seed(30 + i)
        mine = LSTM(d, h, num_layers=layers, forget_bias=None).double()
        reference = copy.deepcopy(mine)
        init_forget_bias(reference, value)
        before = [(b_ih + b_hh).detach() for _, _, b_ih, b_hh in map(mine.layer, range(layers))]
        try:
            with torch.no_grad():
                fn(mine, value)
        except Exception as error:  # the reader's code may raise anything
            return verdict(False, f"your function raised {type(error).__name__}: {error}", quiet)
        x = torch.randn(2, 6, d, dtype=torch.float64)
        with torch.no_grad():
            right, message = _compare(mine(x)[0], reference(x)[0], 1e-9, 1e-7)
        if not right:
            hint = _forget_bias_hint(mine, value, before)
            message = f"on case {i} the LSTM's outputs differ: {message}"
            return verdict(False, message + (f". Hint: {hint}" if hint else ""), quiet)
    return verdict(True, "the forget gate starts at the value in every layer", quiet)
