"""Looking inside a recurrent layer: how gradients fade through time, what the spectral
radius of ``W_hh`` does to them, and what the gates of an LSTM or GRU do at every step.

Each works on a one-layer :class:`~seqlab.rnn.RNN`, :class:`~seqlab.rnn.LSTM` or
:class:`~seqlab.rnn.GRU`, stepping through the sequence with the module's own weights
and cells, so what it shows is what ``forward`` computes.

Taught in chapters 2 (gradient norms, spectral radius) and 3 (gate traces), with the
gradient norms first seen in chapter 1.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from seqlab import _checks
from seqlab.rnn import GRU, LSTM, RNN, gru_gate_values, hidden_of, lstm_gate_values

__all__ = ["gate_trace", "set_spectral_radius", "state_gradient_norms"]


def state_gradient_norms(module: RNN | LSTM | GRU, x: torch.Tensor) -> torch.Tensor:
    """How strongly the last state depends on each earlier one, by backpropagation.

    Runs a one-layer ``module`` over ``x`` and returns ``||dL/dh_t||`` for every step
    ``t``, where ``L`` is the sum of the last hidden state ``h_L``: the size of the
    gradient that backpropagation through time delivers to step ``t``.

    Args:
        module: a one-layer :class:`~seqlab.rnn.RNN`, :class:`~seqlab.rnn.LSTM` or
            :class:`~seqlab.rnn.GRU`.
        x: ``(B, L, input_size)``.

    Returns:
        ``(L,)`` gradient norms (over batch and features), step 1 first.

    Taught in chapters 1 and 2.
    """
    _check_one_layer(module, (RNN, LSTM, GRU), "RNN, LSTM or GRU", x)
    hidden = []
    for _, _, state in _steps(module, x):
        h = hidden_of(state)  # (B, H)
        h.retain_grad()
        hidden.append(h)
    hidden[-1].sum().backward()
    return torch.stack([h.grad.norm() for h in hidden]).detach()


@torch.no_grad()
def set_spectral_radius(
    module: RNN, rho: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Give a one-layer vanilla :class:`~seqlab.rnn.RNN` a random recurrent matrix of
    spectral radius ``rho``.

    ``W_hh`` becomes a Gaussian matrix rescaled so its largest eigenvalue modulus is
    ``rho``: the knob of the eigenvalue argument for vanishing and exploding gradients.

    Returns:
        The new ``W_hh``, ``(H, H)``.

    Taught in chapter 2.
    """
    _check_one_layer(module, (RNN,), "RNN")
    if not rho > 0:
        raise ValueError(f"rho must be positive, got {rho!r}")
    h = module.hidden_size
    w = torch.randn(h, h, generator=generator, dtype=torch.float64)
    w *= rho / torch.linalg.eigvals(w).abs().max()  # largest |eigenvalue| is now rho
    module.weight_hh_l0.copy_(w.to(module.weight_hh_l0.dtype))
    return module.weight_hh_l0


@torch.no_grad()
def gate_trace(module: LSTM | GRU, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gate activations of a one-layer :class:`~seqlab.rnn.LSTM` or
    :class:`~seqlab.rnn.GRU` at every step.

    Args:
        module: a one-layer seqlab LSTM or GRU.
        x: ``(B, L, input_size)``.

    Returns:
        Each ``(B, L, H)``. LSTM: ``input``, ``forget``, ``output`` (sigmoid gates),
        ``candidate`` (tanh), the cell state ``c`` and ``h``. GRU: ``reset``, ``update``,
        ``candidate`` and ``h``.

    Taught in chapter 3.
    """
    _check_one_layer(module, (LSTM, GRU), "LSTM or GRU", x)
    lstm = isinstance(module, LSTM)
    names = ("input", "forget", "candidate", "output") if lstm else ("reset", "update", "candidate")
    gate_values = lstm_gate_values if lstm else gru_gate_values
    w_ih, w_hh, b_ih, b_hh = module.layer(0)
    trace: dict[str, list[torch.Tensor]] = {k: [] for k in (*names, "c", "h")}
    for x_t, before, state in _steps(module, x):
        xw_t = x_t @ w_ih.T if b_ih is None else x_t @ w_ih.T + b_ih  # (B, gates*H)
        gates = gate_values(xw_t, hidden_of(before), w_hh, b_hh)
        for name, value in zip(names, gates, strict=True):
            trace[name].append(value)
        trace["h"].append(hidden_of(state))
        if lstm:
            trace["c"].append(state[1])
    return {name: torch.stack(v, dim=1) for name, v in trace.items() if v}


def _steps(module: RNN | LSTM | GRU, x: torch.Tensor) -> Iterator[tuple]:
    """Run ``module`` one step at a time from a zero state, as ``forward`` does,
    yielding each input ``x_t`` ``(B, input_size)`` and the states before and after it."""
    if not module.batch_first:
        x = x.transpose(0, 1)  # (B, L, input_size)
    zeros = x.new_zeros(x.shape[0], module.hidden_size)  # (B, H)
    state = (zeros, zeros) if isinstance(module, LSTM) else zeros
    for x_t in x.unbind(1):
        before, state = state, module.step(x_t, state)
        yield x_t, before, state


def _check_one_layer(module, kinds: tuple[type, ...], names: str, x=None) -> None:
    if not isinstance(module, kinds) or module.num_layers != 1:
        raise ValueError(f"module must be a one-layer seqlab {names}")
    if x is not None:
        _checks.sequence("x", x, module.input_size, module.batch_first, module.layer(0)[0].dtype)
