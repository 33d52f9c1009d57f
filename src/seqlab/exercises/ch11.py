"""Checkers for chapter 11 (Where the two families meet: linear attention as an RNN)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_linear_state_bytes", "check_linear_step"]


def check_linear_state_bytes(
    answer, n_layers: int = 2, d_model: int = 64, n_heads: int = 4, *, quiet: bool = False
) -> Feedback:
    """Check the bytes of the float32 state a linear-attention LM keeps per sequence:
    per layer and head, ``S`` (d_head × d_head) and ``z`` (d_head) (chapter 11)."""
    d_head = d_model // n_heads
    per_head = d_head * d_head + d_head
    right = n_layers * n_heads * per_head * 4
    mistakes = [
        (
            n_layers * n_heads * d_head * d_head * 4,
            "add the normaliser z: d_head more numbers per head",
        ),
        (
            n_layers * (d_model * d_model + d_model) * 4,
            "each head keeps its own d_head × d_head state, not d × d",
        ),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        whole=True,
        unit=" of bytes",
        correct=f"{right:,} bytes = {n_layers} layers × {n_heads} heads × ({d_head}² + {d_head}) "
        "× 4 bytes, at any context length",
        otherwise="{answer:,} is not it; count S and z per head and layer",
        quiet=quiet,
    )


def _linear_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(7, d, generator=g) for d in (4, 4, 3))


def check_linear_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(S, z, q_t, k_t, v_t) -> (out_t, S, z)``, one step of causal linear
    attention with ``φ(x) = elu(x) + 1``: ``S`` ``(d_k, d_v)``, ``z`` ``(d_k,)``, one
    token's ``q_t``, ``k_t`` ``(d_k,)`` and ``v_t`` ``(d_v,)`` (chapter 11)."""
    from seqlab.linear import linear_attention

    def mine(seed):
        q, k, v = _linear_inputs(seed)
        s, z, out = torch.zeros(4, 3), torch.zeros(4), []
        for t in range(len(q)):
            o, s, z = fn(s, z, q[t], k[t], v[t])
            out.append(torch.as_tensor(o))
        return torch.stack(out)

    def reference(seed):
        return linear_attention(*_linear_inputs(seed), form="parallel")

    return check_function(
        mine,
        reference,
        [0, 1, 2],
        name="your step",
        hints=["add φ(k_t) v_tᵀ to S and φ(k_t) to z, then read with φ(q_t)"] * 3,
        atol=1e-5,
        quiet=quiet,
    )
