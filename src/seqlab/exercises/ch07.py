"""Checkers for chapter 7 (Multi-head attention).

``check_mha`` compares a reader's multi-head attention, written from the weights of a
:class:`~seqlab.self_attention.MultiHeadAttention`, with that module on random inputs,
and names the usual mistakes (no 1/√d_k, heads mixed by a reshape, no W_O).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from seqlab import _checks
from seqlab.exercises import Feedback, _compare, check_function, check_number, verdict

__all__ = ["check_mha", "check_mha_param_count", "check_split_heads"]


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


# (d_model, n_heads, length, causal): two widths, two head counts, with and without a mask
_MHA_CASES = [(16, 4, 6, False), (16, 4, 6, True), (12, 2, 5, True), (8, 1, 4, False)]

_MHA_MISTAKES = {
    "no_scale": "divide the scores q kᵀ by √d_k before the softmax",
    "model_scale": "scale by 1/√d_k with d_k = d_model // n_heads, the size of one head, "
    "not by 1/√d_model",
    "split_view": "a reshape straight to (B, H, L, d_k) mixes positions into heads: "
    "reshape to (B, L, H, d_k), then transpose(1, 2)",
    "merge_view": "merge the heads back with transpose(1, 2) before the reshape to "
    "(B, L, d_model): a plain reshape of (B, H, L, d_k) mixes the heads",
    "no_out_proj": "the concatenated heads still go through the output projection W_O "
    "(module.out_proj)",
    "no_mask": "the causal mask was ignored: scores where mask is False get -inf",
}


def _mha_variant(x, module, mask, mistake: str | None = None) -> torch.Tensor:
    """Multi-head self-attention from ``module``'s weights, right (``mistake=None``) or
    with one of the mistakes of ``_MHA_MISTAKES``.

    Shape:
        x ``(B, L, d_model)``, mask ``(L, L)`` bool or None -> ``(B, L, d_model)``.
    """
    b, length, d = x.shape
    h, d_k = module.n_heads, module.d_head
    qkv = torch.nn.functional.linear(x, module.in_proj_weight, module.in_proj_bias)
    q, k, v = qkv.chunk(3, dim=-1)  # 3 x (B, L, d)
    if mistake == "split_view":
        q, k, v = (t.reshape(b, h, length, d_k) for t in (q, k, v))  # wrong: mixes
    else:
        q, k, v = (t.reshape(b, length, h, d_k).transpose(1, 2) for t in (q, k, v))
    scale = {"no_scale": 1.0, "model_scale": 1 / math.sqrt(d)}.get(mistake, 1 / math.sqrt(d_k))
    scores = q @ k.transpose(-2, -1) * scale  # (B, H, L, L)
    if mask is not None and mistake != "no_mask":
        scores = scores.masked_fill(~mask, float("-inf"))
    out = scores.softmax(-1) @ v  # (B, H, L, d_k)
    if mistake in ("merge_view", "split_view"):
        out = out.reshape(b, length, d)  # the inverse of the wrong split, or a wrong merge
    else:
        out = out.transpose(1, 2).reshape(b, length, d)  # (B, L, d)
    return out if mistake == "no_out_proj" else module.out_proj(out)


def _mha_case(seed: int, d_model: int, n_heads: int, length: int, causal: bool):
    """A module with random weights and biases, an input and a mask for ``check_mha``."""
    from seqlab.self_attention import MultiHeadAttention, causal_mask

    g = torch.Generator().manual_seed(seed)
    module = MultiHeadAttention(d_model, n_heads)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(d_model))
    x = torch.randn(2, length, d_model, generator=g)  # (B, L, d_model)
    return x, module, causal_mask(length) if causal else None


def check_mha(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, module, mask=None)``: multi-head self-attention written from the
    weights of ``module``, a :class:`~seqlab.self_attention.MultiHeadAttention`
    (``in_proj_weight``, ``in_proj_bias``, ``out_proj``), compared with
    ``module(x, x, x, mask=mask)`` on random inputs with and without a causal mask
    (True = may attend) (chapter 7).

    Shape:
        x ``(B, L, d_model)``, mask ``(L, L)`` bool or None -> ``(B, L, d_model)``.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function, got {_checks.describe(fn)}")
    for i, case in enumerate(_MHA_CASES):
        x, module, mask = _mha_case(i, *case)
        with torch.no_grad():
            want = module(x, x, x, mask=mask)[0]
            try:
                got = fn(x, module, mask)
            except Exception as error:  # the reader's code may raise anything
                return verdict(False, f"your mha raised {type(error).__name__}: {error}", quiet)
            correct, message = _compare(got, want, 1e-5, 1e-4)
            if correct:
                continue
            for mistake, hint in _MHA_MISTAKES.items():
                if _compare(got, _mha_variant(x, module, mask, mistake), 1e-5, 1e-4)[0]:
                    return verdict(False, f"your mha on input {i}: {message}. Hint: {hint}.", quiet)
        return verdict(False, f"your mha on input {i} ({case[1]} heads): {message}", quiet)
    return verdict(True, f"your mha equals MultiHeadAttention on {len(_MHA_CASES)} inputs", quiet)
